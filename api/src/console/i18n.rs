//! The console's words, in Indonesian (the default) and English. A key without words shows
//! `?`, which a test forbids for every key the templates and handlers use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A console language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// From the `hadir_lang` cookie or a `lang` parameter: Indonesian unless English is asked.
    #[must_use]
    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            Some("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// The text of `key`.
    #[must_use]
    pub fn t(self, key: &str) -> &'static str {
        let (id, en) = words(key);
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// Every key with its Indonesian and English words.
const WORDS: &[(&str, &str, &str)] = &[
    ("app.name", "Hadir", "Hadir"),
    ("lang.switch", "English", "Bahasa Indonesia"),
    ("nav.review", "Tinjauan", "Review"),
    ("nav.month", "Rekap bulanan", "Month"),
    ("nav.inbox", "Kotak masuk", "Inbox"),
    ("nav.org", "Organisasi", "Organisation"),
    ("nav.units", "Unit", "Units"),
    ("nav.offices", "Kantor", "Offices"),
    ("nav.employees", "Pegawai", "Employees"),
    ("nav.import", "Impor CSV", "CSV import"),
    ("nav.signout", "Keluar", "Sign out"),
    (
        "login.title",
        "Masuk ke konsol Hadir",
        "Sign in to the Hadir console",
    ),
    ("login.username", "Nama pengguna", "Username"),
    ("login.password", "Kata sandi", "Password"),
    ("login.submit", "Masuk", "Sign in"),
    (
        "login.failed",
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    ),
    (
        "login.throttled",
        "Terlalu banyak percobaan gagal. Tunggu sebentar lalu coba lagi.",
        "Too many failed attempts. Wait a moment and try again.",
    ),
    (
        "login.employee",
        "Konsol ini untuk peninjau, BKPSDM dan admin. Pegawai memakai aplikasi Hadir.",
        "This console is for reviewers, HR and admins. Employees use the Hadir app.",
    ),
    (
        "review.title",
        "Presensi yang perlu ditinjau",
        "Check-ins to review",
    ),
    (
        "review.empty",
        "Tidak ada yang menunggu. Kerja bagus!",
        "Nothing is waiting. Well done!",
    ),
    ("review.risk", "Risiko", "Risk"),
    ("review.employee", "Pegawai", "Employee"),
    ("review.time", "Waktu", "Time"),
    ("review.flags", "Tanda", "Flags"),
    ("review.photo", "Swafoto", "Selfie"),
    ("review.open", "Buka", "Open"),
    ("review.approve", "Setujui", "Approve"),
    ("review.reject", "Tolak", "Reject"),
    ("review.note", "Catatan", "Note"),
    (
        "review.note.required",
        "Alasan penolakan (wajib)",
        "Why it is rejected (required)",
    ),
    ("review.selected", "dipilih", "selected"),
    (
        "review.pick.page",
        "Pilih semua di halaman ini",
        "Select this page",
    ),
    ("review.clear", "Batalkan pilihan", "Clear selection"),
    (
        "review.bulk.approve",
        "Setujui yang dipilih",
        "Approve selected",
    ),
    (
        "review.bulk.reject",
        "Tolak yang dipilih",
        "Reject selected",
    ),
    ("review.next", "Halaman berikutnya", "Next page"),
    (
        "review.help.title",
        "Pintasan papan ketik",
        "Keyboard shortcuts",
    ),
    (
        "review.help.jk",
        "berikutnya / sebelumnya",
        "next / previous",
    ),
    ("review.help.a", "setujui", "approve"),
    (
        "review.help.x",
        "tolak (dengan catatan)",
        "reject (with a note)",
    ),
    (
        "review.help.space",
        "pilih / batal pilih",
        "select / unselect",
    ),
    ("review.help.enter", "buka rincian", "open the details"),
    (
        "review.help.help",
        "tampilkan bantuan ini",
        "show this help",
    ),
    ("review.decided", "Keputusan tersimpan.", "Decision saved."),
    (
        "review.refused",
        "Tidak dapat diputuskan",
        "Could not be decided",
    ),
    ("review.filter.flag", "Tanda", "Flag"),
    ("review.filter.all", "Semua", "All"),
    ("review.filter.apply", "Terapkan", "Apply"),
    ("detail.title", "Rincian presensi", "Check-in details"),
    ("detail.selfie", "Swafoto ini", "This selfie"),
    ("detail.earlier", "Foto sebelumnya", "Earlier photos"),
    (
        "detail.none.earlier",
        "Belum ada foto sebelumnya.",
        "No earlier photo yet.",
    ),
    (
        "detail.map",
        "Peta (tanpa ubin, dalam meter)",
        "Map (no tiles, in metres)",
    ),
    ("detail.place", "Tempat", "Place"),
    ("detail.distance", "Jarak", "Distance"),
    ("detail.radius", "Radius", "Radius"),
    ("detail.accuracy", "Akurasi GPS", "GPS accuracy"),
    ("detail.geofence", "Geofence", "Geofence"),
    ("detail.device", "Perangkat", "Device"),
    ("detail.captured", "Diambil (ponsel)", "Captured (phone)"),
    ("detail.received", "Diterima (server)", "Received (server)"),
    ("detail.date", "Tanggal kerja", "Work day"),
    ("detail.status", "Status", "Status"),
    ("detail.review", "Tinjauan", "Review"),
    ("detail.back", "Kembali ke daftar", "Back to the list"),
    (
        "detail.no.place",
        "Tidak ada tempat kerja hari itu",
        "No place to work that day",
    ),
    ("detail.mock", "lokasi palsu", "mock location"),
    ("detail.face", "Wajah", "Face"),
    ("detail.reference", "Wajah acuan", "Reference face"),
    ("face.faces", "wajah", "face(s)"),
    (
        "face.distance",
        "jarak ke acuan",
        "distance to the reference",
    ),
    (
        "face.same.under",
        "orang yang sama di bawah",
        "same person under",
    ),
    ("face.same", "orang yang sama", "same person"),
    ("face.other", "orang lain", "someone else"),
    (
        "face.unmatched",
        "tidak dicocokkan (bukan tepat satu wajah)",
        "not matched (not exactly one face)",
    ),
    (
        "face.no.reference",
        "belum ada wajah acuan: tidak dicocokkan",
        "no reference enrolled: not matched",
    ),
    (
        "face.failed",
        "Pemeriksaan wajah gagal",
        "The face check failed",
    ),
    ("face.pending", "Sedang diperiksa…", "Being checked…"),
    (
        "face.source.upload",
        "diunggah HR/admin",
        "uploaded by HR/admin",
    ),
    (
        "face.source.check_in",
        "dari presensi yang disetujui",
        "from an approved check-in",
    ),
    (
        "face.promote",
        "Jadikan wajah acuan",
        "Make this the reference face",
    ),
    (
        "month.title",
        "Rekap kehadiran bulanan",
        "Monthly attendance",
    ),
    ("month.unit", "Unit", "Unit"),
    ("month.all.units", "Semua unit", "All units"),
    ("month.search", "Cari nama atau NIP", "Search name or NIP"),
    ("month.show", "Tampilkan", "Show"),
    ("month.export.xlsx", "Unduh XLSX", "Download XLSX"),
    ("month.export.csv", "Unduh CSV", "Download CSV"),
    ("month.close", "Tutup bulan", "Close the month"),
    ("month.reopen", "Buka kembali", "Reopen"),
    ("month.reason", "Alasan", "Reason"),
    (
        "month.closed",
        "Bulan ini sudah ditutup.",
        "This month is closed.",
    ),
    (
        "month.open",
        "Bulan ini masih terbuka.",
        "This month is open.",
    ),
    ("month.name", "Nama", "Name"),
    ("month.totals", "Jumlah", "Totals"),
    ("month.cut", "Potongan", "Cut"),
    ("month.day.title", "Hari", "Day"),
    ("month.day.plan", "Rencana", "Plan"),
    ("month.day.punches", "Presensi", "Check-ins"),
    ("month.day.none", "Tidak ada", "None"),
    (
        "month.legend",
        "Klik sel untuk melihat rincian hari.",
        "Click a cell to see the day behind it.",
    ),
    ("inbox.title", "Kotak masuk atasan", "Supervisor's inbox"),
    ("inbox.corrections", "Permohonan koreksi", "Corrections"),
    (
        "inbox.reports",
        "Laporan kinerja harian",
        "Daily activity reports",
    ),
    (
        "inbox.empty",
        "Tidak ada yang menunggu.",
        "Nothing is waiting.",
    ),
    ("inbox.kind", "Jenis", "Kind"),
    ("inbox.reason", "Alasan", "Reason"),
    ("inbox.date", "Tanggal", "Date"),
    ("inbox.minutes", "Menit", "Minutes"),
    ("inbox.activities", "Kegiatan", "Activities"),
    ("inbox.return", "Kembalikan", "Return"),
    ("inbox.comment", "Komentar", "Comment"),
    ("org.units", "Unit organisasi", "Units"),
    ("org.offices", "Kantor", "Offices"),
    ("org.employees", "Pegawai", "Employees"),
    ("org.name", "Nama", "Name"),
    ("org.code", "Kode", "Code"),
    ("org.parent", "Induk", "Parent"),
    ("org.timezone", "Zona waktu", "Time zone"),
    ("org.radius", "Radius", "Radius"),
    ("org.unit", "Unit", "Unit"),
    ("org.nip", "NIP", "Staff id"),
    ("org.position", "Jabatan", "Position"),
    ("org.office", "Kantor", "Office"),
    ("org.login", "Akun", "Login"),
    ("org.active", "Aktif", "Active"),
    ("org.search", "Cari", "Search"),
    ("org.more", "Berikutnya", "More"),
    (
        "import.title",
        "Impor pegawai dari CSV",
        "Import employees from CSV",
    ),
    (
        "import.file",
        "Berkas CSV dari sistem kepegawaian",
        "CSV file from the personnel system",
    ),
    (
        "import.dry",
        "Periksa saja, jangan simpan",
        "Check only, do not store",
    ),
    ("import.submit", "Unggah", "Upload"),
    (
        "import.ok",
        "Berhasil: pegawai diimpor",
        "Done: employees imported",
    ),
    (
        "import.errors",
        "Tidak ada yang disimpan. Perbaiki baris berikut lalu unggah lagi:",
        "Nothing was stored. Fix these rows and upload again:",
    ),
    ("import.line", "Baris", "Line"),
    ("import.field", "Kolom", "Column"),
    ("import.message", "Masalah", "Problem"),
    ("error.title", "Ada masalah", "Something is wrong"),
    ("error.not_found", "Tidak ditemukan.", "Not found."),
    ("error.forbidden", "Tidak diizinkan.", "Not allowed."),
    (
        "error.conflict",
        "Tidak dapat dilakukan saat ini.",
        "Cannot be done now.",
    ),
    ("error.invalid", "Isian tidak valid.", "Invalid input."),
    (
        "error.unavailable",
        "Layanan sedang tidak tersedia. Coba lagi sebentar.",
        "The service is unavailable. Try again shortly.",
    ),
    (
        "error.internal",
        "Terjadi kesalahan. Sudah dicatat.",
        "Something failed. It was logged.",
    ),
    ("error.back", "Kembali", "Back"),
    (
        "error.csrf",
        "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
        "The form expired. Reload the page and try again.",
    ),
    ("common.save", "Simpan", "Save"),
    ("common.cancel", "Batal", "Cancel"),
    ("common.yes", "Ya", "Yes"),
    ("common.no", "Tidak", "No"),
    (
        "flag.outside_geofence",
        "Di luar geofence",
        "Outside the geofence",
    ),
    (
        "flag.uncertain_location",
        "Lokasi meragukan",
        "Uncertain location",
    ),
    (
        "flag.low_accuracy",
        "Akurasi GPS rendah",
        "Low GPS accuracy",
    ),
    ("flag.mock_location", "Lokasi palsu (mock)", "Mock location"),
    (
        "flag.impossible_travel",
        "Perjalanan mustahil",
        "Impossible travel",
    ),
    (
        "flag.clock_skew",
        "Jam ponsel tidak sesuai",
        "Phone clock off",
    ),
    (
        "flag.offline_late",
        "Dikirim terlambat (offline)",
        "Sent late (offline)",
    ),
    (
        "flag.duplicate_selfie",
        "Swafoto dipakai ulang",
        "Selfie reused",
    ),
    (
        "flag.shared_device",
        "Perangkat dipakai bersama",
        "Shared device",
    ),
    ("flag.new_device", "Perangkat baru", "New device"),
    (
        "flag.no_assignment",
        "Tidak ada jadwal kerja",
        "No work planned",
    ),
    (
        "flag.outside_window",
        "Di luar jam presensi",
        "Outside the window",
    ),
    ("flag.no_face", "Tidak ada wajah", "No face"),
    (
        "flag.several_faces",
        "Lebih dari satu wajah",
        "Several faces",
    ),
    (
        "flag.face_mismatch",
        "Wajah tidak cocok",
        "Face does not match",
    ),
    (
        "flag.photo_mismatch",
        "Foto tidak sesuai (galeri)",
        "Photo does not match (gallery)",
    ),
];

/// Every key.
pub fn keys() -> impl Iterator<Item = &'static str> {
    WORDS.iter().map(|(k, _, _)| *k)
}

fn words(key: &str) -> (&'static str, &'static str) {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX
        .get_or_init(|| WORDS.iter().map(|(k, id, en)| (*k, (*id, *en))).collect())
        .get(key)
        .copied()
        .unwrap_or(("?", "?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = std::collections::HashSet::new();
        for (key, id, en) in WORDS {
            assert!(seen.insert(key), "{key} twice");
            assert!(!id.is_empty() && !en.is_empty(), "{key}");
        }
    }

    #[test]
    fn every_key_a_template_uses_is_known() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/console");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // `t("key")` and `layout.t("key")`, not `asset("...")`.
            let uses = text
                .match_indices("t(\"")
                .filter(|(i, _)| !text[..*i].ends_with(|c: char| c.is_ascii_alphanumeric()));
            for (i, _) in uses {
                let key = text[i + 3..].split('"').next().unwrap();
                assert!(
                    keys().any(|k| k == key),
                    "{}: unknown key {key}",
                    path.display()
                );
            }
        }
    }
}
