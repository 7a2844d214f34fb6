// Hadir phone app: plain ES2020, no framework. It talks only to the public /api/v1 routes,
// exactly as a native app would. Server texts are shown with textContent, never as HTML.
"use strict";

// ---------------------------------------------------------------------------------------------
// Strings: every word the app shows, Indonesian first.

const STRINGS = {
  id: {
    signinTitle: "Masuk ke Hadir", username: "Nama pengguna", password: "Kata sandi", signin: "Masuk",
    otherLanguage: "English", offline: "Luring",
    networkError: "Tidak dapat terhubung ke server. Periksa sinyal, lalu coba lagi.",
    retryAfter: "Coba lagi dalam {s} detik.", sessionEnded: "Sesi berakhir. Silakan masuk lagi.",
    workMode: "Kerja", place: "Tempat", hours: "Jam kerja", lastCheckIn: "Presensi terakhir",
    noCheckIn: "Belum ada presensi hari ini", recent: "Presensi terbaru",
    mode_office: "Di kantor", mode_home: "Dari rumah (WFH)", mode_field: "Tugas lapangan",
    mode_duty: "Dinas luar", mode_off: "Libur", mode_leave: "Cuti", mode_holiday: "Hari libur",
    kind_in: "Masuk", kind_out: "Pulang", checkIn: "Presensi masuk", checkOut: "Presensi pulang",
    status_accepted: "Diterima", status_flagged: "Perlu ditinjau", status_approved: "Disetujui",
    status_rejected: "Ditolak", status_queued: "Menunggu dikirim",
    outboxOne: "1 presensi menunggu dikirim", outboxMany: "{n} presensi menunggu dikirim",
    refused: "Ditolak server",
    navToday: "Hari ini", navMonth: "Bulan", navMore: "Lainnya",
    accuracy: "Akurasi lokasi", snap: "Ambil foto", cancel: "Batal",
    startingCamera: "Menyalakan kamera…", lookAtCamera: "Lihat ke kamera, lalu ambil foto.",
    waitingFix: "Menunggu lokasi yang lebih akurat…", sending: "Mengirim…",
    cameraDenied: "Kamera tidak diizinkan. Ketuk ikon gembok di bilah alamat, pilih Izin, izinkan Kamera, lalu coba lagi.",
    cameraUnavailable: "Kamera tidak dapat dipakai. Tutup aplikasi lain yang memakai kamera, lalu coba lagi.",
    locationDenied: "Lokasi tidak diizinkan. Ketuk ikon gembok di bilah alamat, izinkan Lokasi, nyalakan GPS, lalu coba lagi.",
    locationUnavailable: "Lokasi belum ditemukan. Nyalakan GPS dan pindah ke tempat terbuka.",
    locationTimeout: "Lokasi tidak ditemukan dalam 20 detik. Presensi tidak dikirim. Nyalakan GPS, lalu coba lagi.",
    result_accepted: "Presensi diterima", result_flagged: "Perlu ditinjau: peninjau akan memeriksanya",
    result_queued: "Disimpan di ponsel, dikirim saat ada sinyal", result_error: "Presensi tidak tercatat",
    saveFailed: "Presensi tidak dapat disimpan di ponsel.",
    distance: "{d} m dari {place} (radius {r} m)", done: "Selesai",
    flag_outside_geofence: "Di luar area", flag_uncertain_location: "Lokasi kurang pasti",
    flag_low_accuracy: "Akurasi GPS rendah", flag_mock_location: "Lokasi palsu",
    flag_impossible_travel: "Perpindahan mustahil", flag_clock_skew: "Jam ponsel tidak tepat",
    flag_offline_late: "Terkirim terlambat (luring)", flag_duplicate_selfie: "Swafoto ganda",
    flag_shared_device: "Ponsel dipakai bersama", flag_new_device: "Ponsel baru",
    flag_no_assignment: "Tanpa penugasan", flag_outside_window: "Di luar jam",
    flag_no_face: "Wajah tidak terlihat", flag_several_faces: "Lebih dari satu wajah",
    flag_face_mismatch: "Wajah tidak cocok", flag_photo_mismatch: "Foto tidak cocok",
    monthPrev: "Bulan sebelumnya", monthNext: "Bulan berikutnya", day: "Tgl", code: "Kode",
    monthCut: "Hadir {present} hari · potongan tunjangan {percent}%",
    correctionTitle: "Koreksi presensi", date: "Tanggal", correctionKind: "Yang dikoreksi",
    ck_forgot_check_in: "Lupa presensi masuk", ck_forgot_check_out: "Lupa presensi pulang",
    ck_field_duty: "Dinas luar (surat tugas)", ck_device_failure: "Ponsel rusak / gangguan",
    ck_other: "Lainnya", time: "Jam", letterNumber: "Nomor surat tugas", reason: "Alasan",
    letterFile: "Foto surat (opsional)", send: "Kirim",
    correctionSent: "Permohonan koreksi terkirim, menunggu keputusan atasan.",
    attachmentFailed: "Permohonan terkirim, tetapi lampiran gagal: {detail}",
    reportTitle: "Laporan kegiatan harian", activity: "Kegiatan", output: "Hasil", minutes: "Menit",
    addRow: "+ Tambah baris", saveDraft: "Simpan draf", submitReport: "Kirim laporan",
    reportSaved: "Draf tersimpan ({m} menit).", reportSubmitted: "Laporan terkirim ke atasan.",
    reportStatus: "Status laporan: {s}",
    rs_draft: "Draf", rs_submitted: "Terkirim", rs_approved: "Disetujui", rs_returned: "Dikembalikan",
    rs_rejected: "Ditolak",
    settings: "Pengaturan", signout: "Keluar",
  },
  en: {
    signinTitle: "Sign in to Hadir", username: "Username", password: "Password", signin: "Sign in",
    otherLanguage: "Bahasa Indonesia", offline: "Offline",
    networkError: "Cannot reach the server. Check your connection, then try again.",
    retryAfter: "Try again in {s} seconds.", sessionEnded: "Your session ended. Please sign in again.",
    workMode: "Work", place: "Place", hours: "Hours", lastCheckIn: "Last check-in",
    noCheckIn: "No check-in yet today", recent: "Recent check-ins",
    mode_office: "At the office", mode_home: "From home (WFH)", mode_field: "Field work",
    mode_duty: "Official duty", mode_off: "Day off", mode_leave: "On leave", mode_holiday: "Public holiday",
    kind_in: "In", kind_out: "Out", checkIn: "Check in", checkOut: "Check out",
    status_accepted: "Accepted", status_flagged: "Needs review", status_approved: "Approved",
    status_rejected: "Rejected", status_queued: "Waiting to send",
    outboxOne: "1 check-in waiting to be sent", outboxMany: "{n} check-ins waiting to be sent",
    refused: "Refused by the server",
    navToday: "Today", navMonth: "Month", navMore: "More",
    accuracy: "Location accuracy", snap: "Take photo", cancel: "Cancel",
    startingCamera: "Starting the camera…", lookAtCamera: "Look at the camera, then take the photo.",
    waitingFix: "Waiting for a more accurate location…", sending: "Sending…",
    cameraDenied: "The camera is blocked. Tap the lock icon in the address bar, open Permissions, allow Camera, then try again.",
    cameraUnavailable: "The camera cannot be used. Close other apps using it, then try again.",
    locationDenied: "Location is blocked. Tap the lock icon in the address bar, allow Location, turn on GPS, then try again.",
    locationUnavailable: "No location yet. Turn on GPS and move to an open spot.",
    locationTimeout: "No location within 20 seconds. Nothing was sent. Turn on GPS, then try again.",
    result_accepted: "Check-in accepted", result_flagged: "Needs review: a reviewer will look at it",
    result_queued: "Saved on the phone, sent when there is a signal", result_error: "The check-in was not recorded",
    saveFailed: "The check-in could not be saved on the phone.",
    distance: "{d} m from {place} (radius {r} m)", done: "Done",
    flag_outside_geofence: "Outside the area", flag_uncertain_location: "Uncertain location",
    flag_low_accuracy: "Low GPS accuracy", flag_mock_location: "Mock location",
    flag_impossible_travel: "Impossible travel", flag_clock_skew: "Phone clock is off",
    flag_offline_late: "Sent late (offline)", flag_duplicate_selfie: "Duplicate selfie",
    flag_shared_device: "Shared phone", flag_new_device: "New phone",
    flag_no_assignment: "No assignment", flag_outside_window: "Outside hours",
    flag_no_face: "No face seen", flag_several_faces: "Several faces",
    flag_face_mismatch: "Face does not match", flag_photo_mismatch: "Photo does not match",
    monthPrev: "Previous month", monthNext: "Next month", day: "Day", code: "Code",
    monthCut: "Present {present} days · allowance cut {percent}%",
    correctionTitle: "Attendance correction", date: "Date", correctionKind: "What to correct",
    ck_forgot_check_in: "Forgot to check in", ck_forgot_check_out: "Forgot to check out",
    ck_field_duty: "Field duty (with letter)", ck_device_failure: "Phone failure",
    ck_other: "Other", time: "Time", letterNumber: "Letter number", reason: "Reason",
    letterFile: "Photo of the letter (optional)", send: "Send",
    correctionSent: "Correction sent; waiting for your supervisor's decision.",
    attachmentFailed: "Correction sent, but the attachment failed: {detail}",
    reportTitle: "Daily activity report", activity: "Activity", output: "Output", minutes: "Minutes",
    addRow: "+ Add row", saveDraft: "Save draft", submitReport: "Submit report",
    reportSaved: "Draft saved ({m} minutes).", reportSubmitted: "Report sent to your supervisor.",
    reportStatus: "Report status: {s}",
    rs_draft: "Draft", rs_submitted: "Submitted", rs_approved: "Approved", rs_returned: "Returned",
    rs_rejected: "Rejected",
    settings: "Settings", signout: "Sign out",
  },
};

const KEY = {
  access: "hadir.access", refresh: "hadir.refresh", user: "hadir.user",
  device: "hadir.device", lang: "hadir.lang", cache: "hadir.today", name: "hadir.name",
};
const GOOD_ACCURACY_M = 20;
const BETTER_FIX_WAIT_MS = 5000;
const FIX_TIMEOUT_MS = 20000;
const MAX_SELFIE_BYTES = 80 * 1024;
const BATCH_SIZE = 20;
const RETRY_MS = 10000;
const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;
const VIEWS = ["signin", "today", "capture", "result", "month", "more"];
const TABS = ["today", "month", "more"];

const $ = (id) => document.getElementById(id);
// What the screens show; the outbox mirrors IndexedDB, `refused` holds what the server refused.
const state = {
  today: null, recent: [], outbox: [], refused: [],
  month: null, monthData: null,
};

let lang = localStorage.getItem(KEY.lang) === "en" ? "en" : "id";

/** A string in the current language, with `{name}` placeholders filled. */
function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Fills every element marked with data-i18n, data-i18n-aria or data-i18n-ph. */
function applyStrings(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-aria]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.i18nAria)));
  root.querySelectorAll("[data-i18n-ph]").forEach((el) => { el.placeholder = t(el.dataset.i18nPh); });
}

function setLang(next) {
  lang = next;
  localStorage.setItem(KEY.lang, lang);
  document.documentElement.lang = lang;
  applyStrings();
  renderToday();
  renderMonth();
}

// ---------------------------------------------------------------------------------------------
// Small helpers: dates in the day's time zone, messages, elements.

const locale = () => (lang === "id" ? "id-ID" : "en-GB");

function fmt(iso, tz, opts) {
  return new Intl.DateTimeFormat(locale(), { timeZone: tz || undefined, ...opts }).format(new Date(iso));
}
const fmtTime = (iso, tz) => fmt(iso, tz, { hour: "2-digit", minute: "2-digit" });
const fmtDateTime = (iso, tz) => fmt(iso, tz, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
// A calendar date (YYYY-MM-DD) is shown as such, whatever the phone's zone.
const fmtDate = (date, opts) => fmt(`${date}T12:00:00Z`, "UTC", opts);

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
function dateIn(tz, when = new Date()) {
  const opts = { timeZone: tz || undefined, year: "numeric", month: "2-digit", day: "2-digit" };
  return new Intl.DateTimeFormat("en-CA", opts).format(when);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shows a message in a paragraph (or hides it when empty); `bad` colours it as an error. */
function say(node, text, bad = false) {
  node.textContent = text || "";
  node.hidden = !text;
  node.classList.toggle("error", bad);
}

const flagLabel = (code) => (STRINGS[lang][`flag_${code}`] ? t(`flag_${code}`) : code);
const statusWord = (status) => t(`status_${status}`);

// ---------------------------------------------------------------------------------------------
// Session and API calls. Tokens live in localStorage; a 401 triggers one shared refresh.

class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = retryAfter;
  }
}

/** The text to show for a failed call: the server's detail and field errors, or "offline". */
function errorText(err) {
  if (!(err instanceof ApiError)) return t("networkError");
  const fields = (err.problem.errors || []).map((e) => `${e.field}: ${e.message}`);
  const wait = err.status === 429 && err.retryAfter ? t("retryAfter", { s: err.retryAfter }) : "";
  return [err.message, ...fields, wait].filter(Boolean).join(" · ");
}

function deviceId() {
  let id = localStorage.getItem(KEY.device);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(KEY.device, id);
  }
  return id;
}

const signedIn = () => Boolean(localStorage.getItem(KEY.refresh));
const currentUser = () => JSON.parse(localStorage.getItem(KEY.user) || "null");

function saveSession(pair) {
  localStorage.setItem(KEY.access, pair.access_token);
  localStorage.setItem(KEY.refresh, pair.refresh_token);
  localStorage.setItem(KEY.user, JSON.stringify(pair.user));
}

/** Forgets the session; the device id and the offline outbox stay on the phone. */
function clearSession() {
  [KEY.access, KEY.refresh, KEY.user, KEY.cache, KEY.name].forEach((k) => localStorage.removeItem(k));
  state.today = null;
  state.recent = [];
  state.refused = [];
  state.monthData = null;
  $("who").textContent = "";
}

/** One HTTP call: JSON in and out, the bearer token when given. */
function request(path, opts, token) {
  const headers = { Accept: "application/json", ...opts.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  return fetch(path, { method: opts.method || "GET", headers, body, cache: "no-store" });
}

async function readJson(res) {
  if (res.status === 204) return null;
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body, res.headers.get("Retry-After"));
  return body;
}

let refreshing = null;

/** Refreshes the token pair; concurrent callers share the one call in flight. */
function refreshTokens() {
  if (!refreshing) refreshing = doRefresh().finally(() => { refreshing = null; });
  return refreshing;
}

// API: POST /api/v1/auth/refresh
async function doRefresh() {
  const res = await request("/api/v1/auth/refresh", {
    method: "POST", json: { refresh_token: localStorage.getItem(KEY.refresh) },
  });
  if (res.status >= 500) throw new ApiError(res.status, await res.json().catch(() => null));
  if (!res.ok) {
    signedOut(t("sessionEnded"));
    return false;
  }
  saveSession(await res.json());
  flushOutbox();
  return true;
}

/** An authorised call; on 401 it refreshes once and retries. Rejects on network errors. */
async function api(path, opts = {}) {
  const used = localStorage.getItem(KEY.access);
  const res = await request(path, opts, used);
  if (res.status !== 401 || !signedIn()) return res;
  // Another call may already have refreshed the pair: then just retry with the new token.
  const fresh = localStorage.getItem(KEY.access) !== used || (await refreshTokens());
  return fresh ? request(path, opts, localStorage.getItem(KEY.access)) : res;
}

const apiJson = async (path, opts) => readJson(await api(path, opts));

// API: POST /api/v1/auth/login
async function signIn(event) {
  event.preventDefault();
  const button = $("signin-submit");
  button.disabled = true;
  say($("signin-error"), "");
  try {
    const pair = await readJson(await request("/api/v1/auth/login", {
      method: "POST",
      json: { username: $("username").value.trim(), password: $("password").value, device_id: deviceId() },
    }));
    saveSession(pair);
    $("password").value = "";
    enterApp();
  } catch (err) {
    say($("signin-error"), errorText(err), true);
  } finally {
    button.disabled = false;
  }
}

// API: POST /api/v1/auth/logout
async function signOut() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch (_) {
    // Offline: the tokens are forgotten on the phone all the same.
  }
  signedOut("");
}

function signedOut(message) {
  clearSession();
  closeCapture();
  say($("signin-error"), message, true);
  showView("signin");
}

// ---------------------------------------------------------------------------------------------
// The outbox: check-ins kept in IndexedDB ("hadir" / "outbox", keyed by client_id) until the
// server has acknowledged them. Items carry the account that made them.

let dbPromise = null;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open("hadir", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "client_id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function outboxTx(mode, action) {
  if (!dbPromise) dbPromise = openDb();
  const db = await dbPromise;
  return new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", mode);
    const req = action(tx.objectStore("outbox"));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

const outboxPut = (item) => outboxTx("readwrite", (s) => s.put(item));
const outboxDelete = (id) => outboxTx("readwrite", (s) => s.delete(id));

/** The signed-in account's waiting check-ins, oldest first. */
async function outboxMine() {
  const user = currentUser();
  const all = await outboxTx("readonly", (s) => s.getAll()).catch(() => []);
  return all
    .filter((item) => user && item.user_id === user.id)
    .sort((a, b) => Date.parse(a.meta.captured_at) - Date.parse(b.meta.captured_at));
}

async function refreshOutbox() {
  state.outbox = await outboxMine();
  renderToday();
}

let flushing = null;

/** Sends the outbox; only one flush runs at a time. */
function flushOutbox() {
  if (!flushing) {
    flushing = doFlush()
      .catch(() => {})
      .then(refreshOutbox)
      .finally(() => { flushing = null; });
  }
  return flushing;
}

async function doFlush() {
  if (!navigator.onLine || !signedIn()) return;
  const items = await outboxMine();
  let answered = false;
  for (let i = 0; i < items.length; i += BATCH_SIZE) {
    if (!(await sendBatch(items.slice(i, i + BATCH_SIZE)))) break;
    answered = true;
  }
  if (answered) loadToday();
}

function batchForm(items) {
  const form = new FormData();
  for (const item of items) form.append("meta", jsonPart(item.meta));
  for (const item of items) form.append(`selfie.${item.client_id}`, item.selfie, "selfie.jpg");
  return form;
}

const jsonPart = (value) => new Blob([JSON.stringify(value)], { type: "application/json" });
const retryLater = (status) => status === 408 || status === 429 || status >= 500;

// API: POST /api/v1/check-ins/batch
/** Sends one batch; true when the server answered item by item. */
async function sendBatch(items) {
  let res;
  try {
    res = await api("/api/v1/check-ins/batch", { method: "POST", body: batchForm(items) });
  } catch (_) {
    return false; // network error: everything stays for later
  }
  if (!res.ok) return false; // 503, 408, 429, 401...: nothing was stored, keep the queue
  const body = await res.json();
  for (const [i, result] of (body.items || []).entries()) {
    const item = items.find((x) => x.client_id === result.client_id) || items[i];
    if (!item || retryLater(result.status)) continue;
    await outboxDelete(item.client_id);
    if (result.status >= 400) {
      state.refused.push({ meta: item.meta, detail: (result.problem && result.problem.detail) || String(result.status) });
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Views and navigation.

function showView(name) {
  VIEWS.forEach((v) => { $(v).hidden = v !== name; });
  $("nav").hidden = !TABS.includes(name);
  TABS.forEach((v) => $(`nav-${v}`).setAttribute("aria-current", v === name ? "page" : "false"));
  document.body.dataset.view = name;
  window.scrollTo(0, 0);
}

function enterApp() {
  showView("today");
  restoreCache();
  refreshOutbox();
  loadToday();
  loadMe();
  flushOutbox();
}

function updateNet() {
  $("net").hidden = navigator.onLine;
}

// API: GET /api/v1/me
async function loadMe() {
  const user = currentUser();
  $("who").textContent = localStorage.getItem(KEY.name) || (user ? user.username : "");
  try {
    const me = await apiJson("/api/v1/me");
    localStorage.setItem(KEY.name, me.name);
    $("who").textContent = me.name;
  } catch (_) {
    // Offline, or an account without an employee record: the name shown stays.
  }
}

// ---------------------------------------------------------------------------------------------
// Today: the plan, the last check-in, the outbox and the recent list.

function restoreCache() {
  const cached = JSON.parse(localStorage.getItem(KEY.cache) || "null");
  if (!cached) return;
  // Yesterday's plan is no use offline today.
  const current = cached.today && cached.today.date === dateIn(cached.today.timezone);
  state.today = current ? cached.today : null;
  state.recent = cached.recent || [];
}

// API: GET /api/v1/me/today and GET /api/v1/me/check-ins
async function loadToday() {
  try {
    const [today, recent] = await Promise.all([
      apiJson("/api/v1/me/today"),
      apiJson("/api/v1/me/check-ins?limit=10"),
    ]);
    state.today = today;
    state.recent = recent.items || [];
    localStorage.setItem(KEY.cache, JSON.stringify({ today, recent: state.recent }));
    say($("today-error"), "");
  } catch (err) {
    // Offline with a plan already shown, the "offline" badge says enough.
    const quiet = !signedIn() || (!(err instanceof ApiError) && state.today);
    say($("today-error"), quiet ? "" : errorText(err), true);
  }
  renderToday();
}

/** Today's check-ins, newest first: the server's and those still on the phone. */
function todayEvents() {
  const d = state.today;
  const tz = d ? d.timezone : undefined;
  const date = d ? d.date : dateIn(tz);
  const server = d ? [d.check_in, d.check_out, ...state.recent.filter((c) => c.local_date === date)] : [];
  const queued = state.outbox
    .filter((item) => dateIn(tz, new Date(item.meta.captured_at)) === date)
    .map((item) => ({ ...item.meta, status: "queued", flags: [] }));
  const unique = new Map();
  for (const c of [...server, ...queued]) if (c && !unique.has(c.client_id)) unique.set(c.client_id, c);
  return [...unique.values()].sort((a, b) => Date.parse(b.captured_at) - Date.parse(a.captured_at));
}

const nextKind = () => (todayEvents().length ? "out" : "in");

function renderToday() {
  const d = state.today;
  const tz = d ? d.timezone : undefined;
  $("today-date").textContent = d ? fmtDate(d.date, { weekday: "long", day: "numeric", month: "long", year: "numeric" }) : "";
  $("plan-mode").textContent = d ? t(`mode_${d.mode}`) : "-";
  $("plan-place").textContent = (d && d.place && d.place.name) || "-";
  $("plan-window").textContent = d && d.window ? `${fmtTime(d.window.start, tz)} – ${fmtTime(d.window.end, tz)}` : "-";
  $("plan-reason").textContent = (d && d.reason) || "";
  renderLast(todayEvents()[0], tz);
  const kind = nextKind();
  const button = $("next-action");
  button.dataset.kind = kind;
  button.textContent = t(kind === "in" ? "checkIn" : "checkOut");
  renderOutbox(tz);
  renderRecent();
}

function renderLast(last, tz) {
  const node = $("last-check-in");
  if (!last) {
    node.textContent = t("noCheckIn");
    node.removeAttribute("data-status");
    return;
  }
  node.textContent = `${t(`kind_${last.kind}`)} ${fmtTime(last.captured_at, tz)} · ${statusWord(last.status)}`;
  node.dataset.status = last.status;
}

function renderOutbox(tz) {
  const count = state.outbox.length;
  const counter = $("outbox-count");
  counter.hidden = count === 0;
  counter.textContent = t(count === 1 ? "outboxOne" : "outboxMany", { n: count });
  const list = $("outbox");
  list.replaceChildren(...state.outbox.map((item) => {
    const li = el("li", "", `${t(`kind_${item.meta.kind}`)} · ${fmtDateTime(item.meta.captured_at, tz)}`);
    li.dataset.status = "queued";
    li.append(el("span", "badge", statusWord("queued")));
    return li;
  }));
  list.hidden = count === 0;
  const refused = $("outbox-errors");
  refused.replaceChildren(...state.refused.map((r) => el("li", "",
    `${t(`kind_${r.meta.kind}`)} · ${fmtDateTime(r.meta.captured_at, tz)} · ${t("refused")}: ${r.detail}`)));
  refused.hidden = state.refused.length === 0;
}

function renderRecent() {
  $("recent").replaceChildren(...state.recent.map((c) => {
    const li = el("li", "", `${fmtDateTime(c.captured_at, c.timezone)} · ${t(`kind_${c.kind}`)}`);
    li.dataset.status = c.status;
    li.dataset.flags = c.flags.map((f) => f.code).join(" ");
    li.append(el("span", "badge", statusWord(c.status)));
    const flags = el("div", "chips");
    for (const f of c.flags) {
      const chip = el("span", "chip", flagLabel(f.code));
      chip.title = f.detail;
      flags.append(chip);
    }
    if (c.flags.length) li.append(flags);
    return li;
  }));
}

// ---------------------------------------------------------------------------------------------
// Capture: front camera, GPS watch, snap, wait for a good fix, send (or keep offline).

let cap = null;

async function openCapture() {
  const c = (cap = { kind: nextKind(), stream: null, watch: null, best: null, over: false, onFix: null });
  $("capture-title").textContent = t(c.kind === "in" ? "checkIn" : "checkOut");
  $("accuracy").textContent = "–";
  $("snap").disabled = true;
  $("cancel-capture").disabled = false;
  say($("camera-error"), "");
  say($("location-error"), "");
  say($("capture-status"), t("startingCamera"));
  showView("capture");
  flushOutbox();
  startLocation(c);
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 480 }, height: { ideal: 640 } }, audio: false,
    });
    if (cap !== c || c.over) return stream.getTracks().forEach((track) => track.stop());
    c.stream = stream;
    $("preview").srcObject = stream;
    $("preview").play().catch(() => {});
  } catch (err) {
    failCapture(c, "camera-error", t(err && err.name === "NotAllowedError" ? "cameraDenied" : "cameraUnavailable"));
  }
}

function onVideoPlaying() {
  if (!cap || cap.over || !cap.stream) return;
  $("snap").disabled = false;
  say($("capture-status"), t("lookAtCamera"));
}

function startLocation(c) {
  if (!navigator.geolocation) return failCapture(c, "location-error", t("locationUnavailable"));
  c.watch = navigator.geolocation.watchPosition(
    (pos) => {
      if (cap !== c) return;
      if (!c.best || pos.coords.accuracy < c.best.coords.accuracy) c.best = pos;
      $("accuracy").textContent = `± ${Math.round(pos.coords.accuracy)} m`;
      if (!c.over) say($("location-error"), "");
      if (c.onFix) c.onFix();
    },
    (err) => {
      if (cap !== c) return;
      if (err.code === 1) failCapture(c, "location-error", t("locationDenied"));
      else if (!c.best) say($("location-error"), t("locationUnavailable"), true);
    },
    { enableHighAccuracy: true, maximumAge: 0, timeout: FIX_TIMEOUT_MS },
  );
}

function stopCamera(c) {
  if (c.stream) c.stream.getTracks().forEach((track) => track.stop());
  c.stream = null;
  $("preview").srcObject = null;
}

function stopLocation(c) {
  if (c.watch !== null) navigator.geolocation.clearWatch(c.watch);
  c.watch = null;
}

/** Ends a capture for good, showing why; nothing is sent. */
function failCapture(c, errorId, message) {
  c.over = true;
  stopCamera(c);
  stopLocation(c);
  $("snap").disabled = true;
  say($("capture-status"), "");
  say($(errorId), message, true);
  if (c.onFix) c.onFix();
}

function closeCapture() {
  if (!cap) return;
  const c = cap;
  cap = null;
  c.over = true;
  stopCamera(c);
  stopLocation(c);
  if (c.onFix) c.onFix();
}

/** Draws the video's centre, cropped to 3:4 portrait, on a 480x640 canvas. */
function drawFrame(video) {
  const canvas = el("canvas");
  canvas.width = 480;
  canvas.height = 640;
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  const sw = vw / vh > 3 / 4 ? vh * 3 / 4 : vw;
  const sh = vw / vh > 3 / 4 ? vh : vw * 4 / 3;
  canvas.getContext("2d").drawImage(video, (vw - sw) / 2, (vh - sh) / 2, sw, sh, 0, 0, 480, 640);
  return canvas;
}

/** A JPEG of the canvas, lowering the quality until it fits the size budget. */
async function toJpeg(canvas) {
  let blob = null;
  for (let q = 8; q >= 3; q -= 1) {
    blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", q / 10));
    if (blob && blob.size <= MAX_SELFIE_BYTES) break;
  }
  return blob;
}

/** Resolves with the best fix: at once when good, else after a short wait; null when none. */
function waitForFix(c) {
  return new Promise((resolve) => {
    const start = Date.now();
    const check = () => {
      const waited = Date.now() - start;
      const good = c.best && c.best.coords.accuracy <= GOOD_ACCURACY_M;
      if (c.over || good || (c.best && waited >= BETTER_FIX_WAIT_MS) || waited >= FIX_TIMEOUT_MS) {
        clearInterval(timer);
        c.onFix = null;
        resolve(c.over ? null : c.best);
      }
    };
    const timer = setInterval(check, 250);
    c.onFix = check;
    check();
  });
}

async function snap() {
  const c = cap;
  if (!c || c.over) return;
  $("snap").disabled = true;
  const capturedAt = new Date().toISOString();
  const canvas = drawFrame($("preview"));
  stopCamera(c);
  const selfie = await toJpeg(canvas);
  say($("capture-status"), t("waitingFix"));
  const fix = await waitForFix(c);
  stopLocation(c);
  if (cap !== c) return; // cancelled meanwhile
  if (!fix) {
    if (!c.over) failCapture(c, "location-error", t("locationTimeout"));
    return;
  }
  say($("capture-status"), t("sending"));
  $("cancel-capture").disabled = true;
  const { latitude, longitude, accuracy, altitude } = fix.coords;
  const meta = {
    client_id: crypto.randomUUID(), kind: c.kind, captured_at: capturedAt,
    latitude, longitude, accuracy_m: accuracy, altitude_m: altitude ?? null,
    is_mock: false, device_id: deviceId(),
  };
  cap = null;
  await sendCheckIn(meta, selfie);
}

// API: POST /api/v1/check-ins
/** Sends a new check-in; keeps it in the outbox when the network or the server is not there. */
async function sendCheckIn(meta, selfie) {
  const item = { client_id: meta.client_id, user_id: currentUser().id, meta, selfie, queued_at: new Date().toISOString() };
  if (!navigator.onLine) return keep(item);
  await flushOutbox(); // older check-ins go first
  const form = new FormData();
  form.append("meta", jsonPart(meta));
  form.append("selfie", selfie, "selfie.jpg");
  let res;
  try {
    res = await api("/api/v1/check-ins", { method: "POST", body: form });
  } catch (_) {
    return keep(item);
  }
  if (res.status === 401 || retryLater(res.status)) return keep(item);
  try {
    showResult({ checkIn: await readJson(res) });
  } catch (err) {
    showResult({ error: errorText(err) });
  }
}

/** Stores the check-in on the phone for a later flush. */
async function keep(item) {
  try {
    await outboxPut(item);
  } catch (_) {
    return showResult({ error: t("saveFailed") });
  }
  await refreshOutbox();
  if (signedIn()) showResult({ queued: item.meta });
}

// ---------------------------------------------------------------------------------------------
// Result of a check-in.

function showResult({ checkIn, queued, error }) {
  const status = error ? "error" : queued ? "queued" : checkIn.status;
  const node = $("result-status");
  node.dataset.status = status;
  node.textContent = STRINGS[lang][`result_${status}`] ? t(`result_${status}`) : statusWord(status);
  const shown = checkIn || queued;
  $("result-kind").textContent = shown
    ? `${t(`kind_${shown.kind}`)} · ${fmtTime(shown.captured_at, checkIn ? checkIn.timezone : undefined)}` : "";
  say($("result-distance"), checkIn && checkIn.place && typeof checkIn.distance_m === "number"
    ? t("distance", { d: Math.round(checkIn.distance_m), place: checkIn.place.name, r: Math.round(checkIn.place.radius_m) })
    : "");
  $("result-flags").replaceChildren(...((checkIn && checkIn.flags) || []).map((f) => {
    const li = el("li");
    li.dataset.flag = f.code;
    li.append(el("strong", "", flagLabel(f.code)), el("span", "detail", f.detail));
    return li;
  }));
  say($("result-error"), error || "", true);
  showView("result");
}

function resultDone() {
  showView("today");
  loadToday();
}

// ---------------------------------------------------------------------------------------------
// My month.

function thisMonth() {
  return (state.today ? state.today.date : dateIn()).slice(0, 7);
}

function shiftMonth(delta) {
  const [y, m] = state.month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  state.month = d.toISOString().slice(0, 7);
  loadMonth();
}

// API: GET /api/v1/me/attendance?month=YYYY-MM
async function loadMonth() {
  if (!state.month) state.month = thisMonth();
  state.monthData = null;
  renderMonth();
  try {
    state.monthData = await apiJson(`/api/v1/me/attendance?month=${state.month}`);
    say($("month-error"), "");
  } catch (err) {
    say($("month-error"), errorText(err), true);
  }
  renderMonth();
}

/** A colour family for a day code: H good, late or early amber, absent red. */
function codeClass(code) {
  if (/^TK/.test(code)) return "c-bad";
  if (/TL|PSW/.test(code)) return "c-warn";
  if (/^(H|WFH|DL)$/.test(code)) return "c-good";
  return "c-plain";
}

function renderMonth() {
  if (!state.month) return;
  $("month-title").textContent = fmtDate(`${state.month}-01`, { month: "long", year: "numeric" });
  $("month-next").disabled = state.month >= thisMonth();
  const m = state.monthData;
  const tz = state.today ? state.today.timezone : undefined;
  const punch = (p) => (p ? fmtTime(p.at, tz) : "–");
  $("month-table").tBodies[0].replaceChildren(...(m ? m.days : []).map((day) => {
    const code = el("td", `code ${codeClass(day.code)}`, day.code);
    code.dataset.day = day.date;
    const row = el("tr");
    row.title = day.explanation || "";
    row.append(el("td", "", fmtDate(day.date, { weekday: "short", day: "numeric" })), code,
      el("td", "", punch(day.check_in)), el("td", "", punch(day.check_out)));
    return row;
  }));
  say($("month-cut"), m ? monthSummary(m) : "");
}

function monthSummary(m) {
  const percent = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(m.allowance_cut.percent);
  const codes = Object.entries(m.totals)
    .filter(([code, n]) => code !== "present" && n > 0)
    .map(([code, n]) => `${code} ${n}`)
    .join(" · ");
  return `${t("monthCut", { present: m.totals.present, percent })}${codes ? `\n${codes}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// More: correction request and daily activity report.

function prepareMore() {
  const today = state.today ? state.today.date : dateIn();
  if (!$("correction-date").value) $("correction-date").value = today;
  if (!$("report-date").value) {
    $("report-date").value = today;
    loadReport();
  }
  showCorrectionFields();
}

/** Shows the time field or the letter number field the chosen kind needs. */
function showCorrectionFields() {
  const kind = $("correction-kind").value;
  $("correction-time-row").hidden = kind !== "forgot_check_in" && kind !== "forgot_check_out";
  $("correction-letter-number-row").hidden = kind !== "field_duty";
  $("correction-time").required = !$("correction-time-row").hidden;
  $("correction-letter-number").required = kind === "field_duty";
}

function correctionBody() {
  const kind = $("correction-kind").value;
  const body = { date: $("correction-date").value, kind, reason: $("correction-reason").value.trim() };
  if (kind === "forgot_check_in") body.check_in_time = $("correction-time").value;
  if (kind === "forgot_check_out") body.check_out_time = $("correction-time").value;
  if (kind === "field_duty") body.letter_number = $("correction-letter-number").value.trim();
  return body;
}

/** Large photos (or formats the server does not take) become a JPEG of at most 2048 px. */
async function shrinkAttachment(file) {
  const usable = ["application/pdf", "image/jpeg", "image/png"].includes(file.type);
  if (!file.type.startsWith("image/") || (usable && file.size <= MAX_ATTACHMENT_BYTES)) return file;
  const image = await createImageBitmap(file).catch(() => null);
  if (!image) return file; // let the server say what it takes
  const scale = Math.min(1, 2048 / Math.max(image.width, image.height));
  const canvas = el("canvas");
  canvas.width = Math.round(image.width * scale);
  canvas.height = Math.round(image.height * scale);
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.85));
}

// API: POST /api/v1/me/corrections, then PUT /api/v1/me/corrections/{id}/attachment
async function submitCorrection(event) {
  event.preventDefault();
  const out = $("correction-result");
  const button = $("correction-submit");
  button.disabled = true;
  say(out, "");
  try {
    const correction = await apiJson("/api/v1/me/corrections", { method: "POST", json: correctionBody() });
    const file = $("correction-letter").files[0];
    let message = t("correctionSent");
    if (file) {
      try {
        await apiJson(`/api/v1/me/corrections/${encodeURIComponent(correction.id)}/attachment`, {
          method: "PUT", body: await shrinkAttachment(file), headers: { "Content-Type": "application/octet-stream" },
        });
      } catch (err) {
        message = t("attachmentFailed", { detail: errorText(err) });
      }
    }
    $("correction-form").reset();
    prepareMore();
    say(out, message);
  } catch (err) {
    say(out, errorText(err), true);
  } finally {
    button.disabled = false;
  }
}

function addReportRow(entry = {}) {
  const row = $("report-row").content.firstElementChild.cloneNode(true);
  applyStrings(row);
  row.querySelector(".activity").value = entry.activity || "";
  row.querySelector(".output").value = entry.output || "";
  row.querySelector(".minutes").value = entry.minutes || "";
  $("report-rows").append(row);
}

function setReportRows(entries) {
  $("report-rows").replaceChildren();
  const rows = entries.length ? entries : [{}, {}, {}];
  rows.forEach((entry) => addReportRow(entry));
}

function reportEntries() {
  return [...$("report-rows").querySelectorAll(".report-row")]
    .map((row) => ({
      activity: row.querySelector(".activity").value.trim(),
      output: row.querySelector(".output").value.trim() || null,
      minutes: parseInt(row.querySelector(".minutes").value, 10) || null,
    }))
    .filter((entry) => entry.activity || entry.minutes);
}

// API: GET /api/v1/me/reports?from=&to= (the day's report, to carry on with it)
async function loadReport() {
  const date = $("report-date").value;
  setReportRows([]);
  say($("report-result"), "");
  if (!date) return;
  try {
    const list = await apiJson(`/api/v1/me/reports?from=${date}&to=${date}`);
    const report = (list.items || []).find((r) => r.date === date);
    if (!report) return;
    setReportRows(report.entries);
    say($("report-result"), [t("reportStatus", { s: t(`rs_${report.status}`) }), report.comment].filter(Boolean).join(" · "));
  } catch (_) {
    // Offline: start from empty rows.
  }
}

// API: PUT /api/v1/me/reports/{date}, then POST /api/v1/me/reports/{date}/submit
async function saveReport(submit) {
  const form = $("report-form");
  if (!form.reportValidity()) return;
  const out = $("report-result");
  const date = $("report-date").value;
  say(out, "");
  try {
    const report = await apiJson(`/api/v1/me/reports/${date}`, { method: "PUT", json: { entries: reportEntries() } });
    if (submit) await apiJson(`/api/v1/me/reports/${date}/submit`, { method: "POST" });
    say(out, submit ? t("reportSubmitted") : t("reportSaved", { m: report.total_minutes }));
  } catch (err) {
    say(out, errorText(err), true);
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up.

function bind() {
  $("signin-form").addEventListener("submit", signIn);
  const toggleLang = () => setLang(lang === "id" ? "en" : "id");
  document.querySelectorAll(".lang-toggle").forEach((b) => b.addEventListener("click", toggleLang));
  $("signout").addEventListener("click", signOut);
  $("nav-today").addEventListener("click", () => { showView("today"); loadToday(); });
  $("nav-month").addEventListener("click", () => { showView("month"); loadMonth(); });
  $("nav-more").addEventListener("click", () => { showView("more"); prepareMore(); });
  $("next-action").addEventListener("click", openCapture);
  $("preview").addEventListener("playing", onVideoPlaying);
  $("snap").addEventListener("click", snap);
  $("cancel-capture").addEventListener("click", () => { closeCapture(); showView("today"); });
  $("result-done").addEventListener("click", resultDone);
  $("month-prev").addEventListener("click", () => shiftMonth(-1));
  $("month-next").addEventListener("click", () => shiftMonth(1));
  $("correction-kind").addEventListener("change", showCorrectionFields);
  $("correction-form").addEventListener("submit", submitCorrection);
  $("report-date").addEventListener("change", loadReport);
  $("report-add-row").addEventListener("click", () => addReportRow());
  $("report-save").addEventListener("click", () => saveReport(false));
  $("report-form").addEventListener("submit", (event) => { event.preventDefault(); saveReport(true); });
  window.addEventListener("online", () => { updateNet(); flushOutbox(); });
  window.addEventListener("offline", updateNet);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && signedIn()) flushOutbox();
  });
  // The `online` event does not come when the phone thought it was online all along.
  setInterval(() => {
    if (state.outbox.length && signedIn() && !document.hidden) flushOutbox();
  }, RETRY_MS);
}

function start() {
  document.documentElement.lang = lang;
  applyStrings();
  bind();
  updateNet();
  deviceId();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
  }
  if (signedIn()) enterApp();
  else showView("signin");
}

start();
