//! The phone app at `/app` in a real headless Chromium with a phone's screen, a fake front
//! camera showing a fixture selfie, and the GPS set by the test: a check-in at the office, one
//! 2 km away, two made offline and sent once when the network returns, and a refused camera
//! and a refused location. Screenshots go to `target/browser-screenshots/phone-*-<backend>/`.

use std::time::Duration;

use hadir_tests::browser::{Browser, Screen, fake_camera, screenshot_dir};
use hadir_tests::{CIMAHI, Staff, TestApp, photo};
use serde_json::Value;

const PASSWORD: &str = "sandi-yang-cukup-panjang";

/// An app with one employee at the office, and a phone browser with a fake camera.
async fn phone(journey: &str, camera: bool) -> (TestApp, Staff, Browser, tempfile::TempDir) {
    phone_with(journey, camera, |_| {}).await
}

async fn phone_with(
    journey: &str,
    camera: bool,
    customize: impl Fn(&mut hadir_api::Settings) + Send + Sync + 'static,
) -> (TestApp, Staff, Browser, tempfile::TempDir) {
    let app = TestApp::spawn_with(hadir_tests::TestDb::fresh(), customize).await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("selfie.y4m");
    fake_camera(&photo("selfie-a-480x640.jpg"), &video);
    let mut args = vec![
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ];
    if camera {
        args.push("--use-fake-ui-for-media-stream".to_owned());
    }
    let b = Browser::start(
        screenshot_dir(&format!("phone-{journey}"), app.db.kind),
        Screen::Phone,
        &args,
    )
    .await;
    (app, budi, b, dir)
}

/// The page's origin, for permissions.
fn origin(app: &TestApp) -> String {
    app.url("")
}

async fn sign_in(b: &Browser, app: &TestApp) {
    b.goto(&app.url("/app/")).await;
    b.type_into("#username", "budi").await;
    b.type_into("#password", PASSWORD).await;
    b.click("#signin-submit").await;
    // Signed in once today's screen shows (the answer to the login saved the session).
    b.wait_displayed("#next-action").await;
}

/// Presses the next action, takes the selfie, and waits for the result's status.
async fn check_in(b: &Browser) -> String {
    b.click("#next-action").await;
    let snap = b.find("#snap").await;
    for _ in 0..100 {
        if snap.is_enabled().await.unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    snap.click().await.unwrap();
    status_shown(b).await
}

/// The status the result screen shows, once it shows one.
async fn status_shown(b: &Browser) -> String {
    for _ in 0..150 {
        let status = b
            .js("const e = document.querySelector('#result-status'); \
                 return e && e.offsetParent !== null ? e.dataset.status || '' : '';")
            .await;
        if let Some(s) = status.as_str().filter(|s| !s.is_empty()) {
            return s.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no result: {}", b.text().await);
}

async fn mine(app: &TestApp, budi: &Staff) -> Vec<Value> {
    let list: Value = app
        .get("/api/v1/me/check-ins?limit=50", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_checks_in_at_the_office_and_is_flagged_two_kilometres_away() {
    let (app, budi, mut b, _dir) = phone("check-in", true).await;
    b.set_permission(&origin(&app), "geolocation", "granted")
        .await;
    b.goto(&app.url("/app/")).await;
    b.set_location(CIMAHI.0, CIMAHI.1, 8.0).await;
    b.find("#username").await;
    b.shot("sign-in").await;
    sign_in(&b, &app).await;
    b.shot("today").await;

    assert_eq!(check_in(&b).await, "accepted");
    b.shot("checked-in").await;
    let stored = mine(&app, &budi).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["kind"], "in");
    assert_eq!(stored[0]["place"]["kind"], "office");
    assert!(
        stored[0]["distance_m"].as_f64().unwrap() < 5.0,
        "{}",
        stored[0]
    );
    assert_eq!(stored[0]["accuracy_m"], 8.0);
    assert!(stored[0]["device_id"].is_string(), "the app's device id");
    b.click("#result-done").await;
    b.wait_displayed("#next-action").await;

    // 2 km south: stored, flagged, and the app says why.
    b.set_location(CIMAHI.0 - 0.018, CIMAHI.1, 8.0).await;
    assert_eq!(check_in(&b).await, "flagged");
    let flag = b.find("#result-flags li[data-flag=outside_geofence]").await;
    let why = flag.text().await.unwrap();
    assert!(why.contains("km") || why.contains(" m"), "{why}");
    b.shot("flagged-far-away").await;
    let stored = mine(&app, &budi).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["kind"], "out");
    assert_eq!(stored[0]["status"], "flagged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_made_offline_are_sent_once_when_the_network_returns() {
    // Sent later than this after capture, a check-in is `offline_late`.
    let (app, budi, mut b, _dir) =
        phone_with("offline", true, |s| s.check_ins.offline_after_s = 1).await;
    b.set_permission(&origin(&app), "geolocation", "granted")
        .await;
    b.goto(&app.url("/app/")).await;
    b.set_location(CIMAHI.0, CIMAHI.1, 8.0).await;
    sign_in(&b, &app).await;
    // The service worker keeps the app for the offline reload.
    for _ in 0..100 {
        if b.js("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
            .await
            == Value::Bool(true)
        {
            break;
        }
        b.goto(&app.url("/app/")).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Today is on the screen (every view is in the page, hidden but one).
    b.wait_text("today's plan", |t| t.contains("Kantor")).await;

    b.set_offline(true).await;
    assert_eq!(check_in(&b).await, "queued");
    b.click("#result-done").await;
    assert_eq!(check_in(&b).await, "queued");
    b.click("#result-done").await;
    b.wait_text("two check-ins waiting", |t| t.contains('2'))
        .await;
    b.shot("two-waiting-offline").await;
    assert!(
        mine(&app, &budi).await.is_empty(),
        "nothing reached the server"
    );

    // The app is closed and opened again, still offline: the two wait on the phone.
    b.goto(&app.url("/app/")).await;
    b.wait_displayed("#next-action").await;
    let mut waiting = Value::Null;
    for _ in 0..50 {
        waiting = b
            .js("return document.querySelectorAll('#outbox li').length")
            .await;
        if waiting == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting, 2, "{}", b.text().await);
    b.shot("reopened-offline").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // The network returns: both are sent, once each (on the `online` event, or at the app's
    // next retry: it tries every 10 s while check-ins wait).
    b.set_offline(false).await;
    for _ in 0..150 {
        if mine(&app, &budi).await.len() == 2
            && b.js("return document.querySelectorAll('#outbox li').length")
                .await
                == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stored = mine(&app, &budi).await;
    assert_eq!(stored.len(), 2, "{stored:?} {}", b.text().await);
    for c in &stored {
        let codes: Vec<&str> = c["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"offline_late"), "{c}");
    }
    b.shot("sent-when-online").await;
    // Reopened online, nothing is sent twice.
    b.goto(&app.url("/app/")).await;
    b.wait_displayed("#next-action").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(mine(&app, &budi).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_camera_or_location_says_so_and_sends_nothing() {
    let (app, budi, mut b, _dir) = phone("refused", false).await;
    let origin = origin(&app);
    b.set_permission(&origin, "camera", "denied").await;
    b.set_permission(&origin, "geolocation", "granted").await;
    b.goto(&app.url("/app/")).await;
    b.set_location(CIMAHI.0, CIMAHI.1, 8.0).await;
    sign_in(&b, &app).await;
    b.shot("signed-in").await;
    b.click("#next-action").await;
    let error = b.find("#camera-error").await;
    for _ in 0..50 {
        if error.is_displayed().await.unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(error.is_displayed().await.unwrap());
    assert!(!error.text().await.unwrap().trim().is_empty());
    b.shot("camera-refused").await;

    // The camera allowed, the location refused.
    b.set_permission(&origin, "camera", "granted").await;
    b.set_permission(&origin, "geolocation", "denied").await;
    b.goto(&app.url("/app/")).await;
    b.wait_displayed("#next-action").await;
    b.click("#next-action").await;
    let snap = b.find("#snap").await;
    for _ in 0..100 {
        if snap.is_enabled().await.unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if snap.is_displayed().await.unwrap_or(false) && snap.is_enabled().await.unwrap_or(false) {
        snap.click().await.unwrap();
    }
    let error = b.find("#location-error").await;
    for _ in 0..100 {
        if error.is_displayed().await.unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(error.is_displayed().await.unwrap(), "{}", b.text().await);
    b.shot("location-refused").await;
    assert!(mine(&app, &budi).await.is_empty(), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_reads_its_month_asks_for_a_correction_with_a_letter_and_sends_a_report() {
    let (app, budi, mut b, dir) = phone("month-and-more", true).await;
    b.set_permission(&origin(&app), "geolocation", "granted")
        .await;
    b.goto(&app.url("/app/")).await;
    b.set_location(CIMAHI.0, CIMAHI.1, 8.0).await;
    sign_in(&b, &app).await;
    assert_eq!(check_in(&b).await, "accepted");
    b.click("#result-done").await;
    let today: Value = app
        .get("/api/v1/me/today", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    let date = today["date"].as_str().unwrap().to_owned();

    // My month: today's row shows the code the server gives it, and the cut is summarised.
    b.click("#nav-month").await;
    let month: Value = app
        .get(
            &format!("/api/v1/me/attendance?month={}", &date[..7]),
            &budi.tokens.access,
        )
        .await
        .json()
        .await
        .unwrap();
    let code = month["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date.as_str())
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .expect("today in the month");
    let cell = format!("#month-table td.code[data-day='{date}']");
    b.wait_element_text(&cell, |shown| shown == code).await;
    b.wait_element_text("#month-cut", |cut| !cut.trim().is_empty())
        .await;
    b.shot("my-month").await;

    // A correction with a photo of the letter, then the daily report.
    b.click("#nav-more").await;
    b.find("#correction-form").await;
    b.js(
        "const k = document.getElementById('correction-kind'); k.value = 'forgot_check_out'; \
          k.dispatchEvent(new Event('change')); return true;",
    )
    .await;
    b.js("document.getElementById('correction-time').value = '16:30'; return true;")
        .await;
    b.type_into("#correction-reason", "Lupa absen pulang, rapat sampai sore")
        .await;
    let letter = dir.path().join("surat.jpg");
    std::fs::write(&letter, photo("selfie-b-480x640.jpg")).unwrap();
    b.type_into("#correction-letter", &letter.display().to_string())
        .await;
    b.click("#correction-submit").await;
    b.wait_element_text("#correction-result", |said| said.contains("terkirim"))
        .await;
    b.shot("correction-sent").await;
    let corrections: Value = app
        .get("/api/v1/me/corrections", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    let items = corrections["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{corrections}");
    assert_eq!(items[0]["date"], date.as_str());
    assert_eq!(items[0]["kind"], "forgot_check_out");
    assert_eq!(items[0]["status"], "pending");
    assert!(
        items[0]["attachment"].is_object(),
        "the letter: {}",
        items[0]
    );

    b.find("#report-rows .report-row .activity").await;
    b.js(
        "const row = document.querySelector('#report-rows .report-row'); \
          row.querySelector('.activity').value = 'Verifikasi berkas kenaikan pangkat'; \
          row.querySelector('.output').value = '12 berkas'; \
          row.querySelector('.minutes').value = '240'; return true;",
    )
    .await;
    b.click("#report-submit").await;
    b.wait_element_text("#report-result", |said| said.contains("terkirim"))
        .await;
    let reports: Value = app
        .get(
            &format!("/api/v1/me/reports?from={date}&to={date}"),
            &budi.tokens.access,
        )
        .await
        .json()
        .await
        .unwrap();
    let report = &reports["items"][0];
    assert_eq!(report["status"], "submitted", "{reports}");
    assert_eq!(report["total_minutes"], 240);
    assert_eq!(report["entries"][0]["output"], "12 berkas");
    b.shot("report-sent").await;

    // English by the switch; signing out forgets the session.
    b.click("#lang-switch").await;
    b.wait_element_text("#nav-today", |label| label == "Today")
        .await;
    b.shot("more-in-english").await;
    let held = b.js("return localStorage.getItem('hadir.refresh')").await;
    assert!(
        held.is_string(),
        "signed in, the app keeps its refresh token"
    );
    b.click("#signout").await;
    let mut kept = held;
    for _ in 0..50 {
        kept = b.js("return localStorage.getItem('hadir.refresh')").await;
        if kept.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept, Value::Null, "signing out forgets the refresh token");
    assert!(b.find("#username").await.is_displayed().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_shell_is_served_compressed_revalidated_and_under_its_budget() {
    let app = TestApp::spawn().await;
    let mut gzipped = 0;
    for file in [
        "/app/",
        "/app/app.js",
        "/app/app.css",
        "/app/sw.js",
        "/app/manifest.webmanifest",
    ] {
        let res = app
            .client
            .get(app.url(file))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{file}");
        assert_eq!(
            res.headers()["content-encoding"],
            "gzip",
            "{file} is compressed for a phone on mobile data"
        );
        assert_eq!(res.headers()["cache-control"], "no-cache", "{file}");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        assert_eq!(&body[..2], &[0x1f, 0x8b], "{file}");
        gzipped += body.len();
        // A phone that holds it already gets 304 and no body.
        let again = app
            .client
            .get(app.url(file))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), reqwest::StatusCode::NOT_MODIFIED, "{file}");
    }
    assert!(
        gzipped <= 100 * 1024,
        "the app shell is {gzipped} bytes with gzip, over 100 KiB"
    );
}
