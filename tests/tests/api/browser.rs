//! Whole console journeys in a real headless Chromium, on the demo organisation with its
//! history: sign in, work the queue by keyboard (approve, reject with a note, many at once),
//! open the month and download its XLSX, close the month and see a decision refused, a
//! supervisor's inbox, and CSRF and cross-scope attempts refused.

use hadir_api::demo::{self, DEMO_PASSWORD};
use hadir_tests::TestApp;
use hadir_tests::browser::{Browser, Screen, screenshot_dir};
use serde_json::Value;

async fn sign_in(b: &Browser, app: &TestApp, username: &str) {
    b.goto(&app.url("/console/login")).await;
    b.type_into("#username", username).await;
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("button[type=submit]").await;
    b.find("header.top").await;
}

async fn sign_out(b: &Browser) {
    b.click("header.top form button").await;
    b.find("#username").await;
}

/// The status of a check-in, through the API.
async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/check-ins/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

/// The ids of the check-ins waiting for review, through the API.
async fn queue_ids_of(app: &TestApp, token: &str) -> Vec<String> {
    let queue: Value = app
        .get("/api/v1/check-ins?status=flagged&limit=500", token)
        .await
        .json()
        .await
        .unwrap();
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check_in"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The place of the first row of the queue (as the page shows it) that is not `me`'s own
/// check-in, and its id.
async fn next_not_own(b: &Browser, app: &TestApp, token: &str, me: &str) -> (usize, String) {
    let (at, mut ids) = not_own_in_a_row(b, app, token, me, 1).await;
    (at, ids.remove(0))
}

/// The first `n` rows in a row of the queue that are not HR's own: where they start, and them.
async fn not_own_in_a_row(
    b: &Browser,
    app: &TestApp,
    token: &str,
    me: &str,
    n: usize,
) -> (usize, Vec<String>) {
    let ids = queue_ids(b).await;
    let mut run = 0;
    for (i, id) in ids.iter().enumerate() {
        if status_of(app, token, id).await["employee_id"] == me {
            run = 0;
            continue;
        }
        run += 1;
        if run == n {
            let start = i + 1 - n;
            return (start, ids[start..=i].to_vec());
        }
    }
    panic!("no {n} waiting check-ins in a row that are not HR's own");
}

/// The ids of the queue's rows, in order.
async fn queue_ids(b: &Browser) -> Vec<String> {
    let ids = b
        .js("return Array.from(document.querySelectorAll('[data-row]')).map(r => r.id.slice(4))")
        .await;
    serde_json::from_value(ids).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_and_hr_work_the_console_in_a_real_browser() {
    let app = TestApp::spawn().await;
    demo::load(&app.state).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    hadir_api::demo_history::load(&app.state, today)
        .await
        .unwrap();
    let hr = app.tokens("hr.bkpsdm", DEMO_PASSWORD).await;
    let mut b = Browser::start(screenshot_dir("console", app.db.kind), Screen::Desktop, &[]).await;

    // Sign in: the queue, riskiest first.
    b.goto(&app.url("/console/review")).await;
    b.find("#username").await;
    b.shot("sign-in").await;
    sign_in(&b, &app, "hr.bkpsdm").await;
    b.find("#queue").await;
    b.shot("queue").await;
    // HR's own check-ins wait too (another officer decides them): the keyboard skips them.
    let me: Value = app
        .get("/api/v1/me", &hr.access)
        .await
        .json()
        .await
        .unwrap();
    let me = me["id"].as_str().unwrap().to_owned();
    let (skip, first) = next_not_own(&b, &app, &hr.access, &me).await;

    // `a` approves the current row; the first remaining row becomes current.
    b.keys(&format!("{}a", "j".repeat(skip))).await;
    b.find(&format!("#row-{first}.decided .notice")).await;
    assert_eq!(
        status_of(&app, &hr.access, &first).await["status"],
        "approved"
    );
    // `x` opens the rejection, which needs a note.
    let (skip, second) = next_not_own(&b, &app, &hr.access, &me).await;
    b.keys(&format!("{}x", "j".repeat(skip))).await;
    let note = b
        .find(&format!(
            "#row-{second} form[data-decision=reject] input[name=note]"
        ))
        .await;
    note.send_keys("foto bukan dari hari ini\u{e007}")
        .await
        .unwrap();
    b.find(&format!("#row-{second}.decided .notice")).await;
    let rejected = status_of(&app, &hr.access, &second).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["review"]["note"], "foto bukan dari hari ini");
    b.shot("decided-by-keyboard").await;
    // `?` shows the help.
    b.keys("?").await;
    assert!(b.find("#help").await.is_displayed().await.unwrap());
    b.shot("keyboard-help").await;
    b.keys("?").await;

    // Many at once: select two with the space bar, then approve them together.
    b.goto(&app.url("/console/review")).await;
    // Two rows in a row, neither HR's own (the queue's order depends on the demo's day).
    let (skip, rest) = not_own_in_a_row(&b, &app, &hr.access, &me, 2).await;
    b.keys(&format!("{} j ", "j".repeat(skip))).await;
    b.wait_element_text("#selected-count", |count| count == "2")
        .await;
    b.shot("two-selected").await;
    b.click("#bulk-approve").await;
    let done = b.find("#bulk-decided").await.text().await.unwrap();
    assert_eq!(done, "2");
    for id in &rest[..2] {
        assert_eq!(status_of(&app, &hr.access, id).await["status"], "approved");
    }
    b.shot("bulk-approved").await;

    // The detail: selfie beside the enrolled reference, earlier photos, the map, the flags
    // and what the face models found.
    b.goto(&app.url("/console/review")).await;
    let left = queue_ids(&b).await;
    let waiting = status_of(&app, &hr.access, &left[0]).await;
    let admin = app.admin().await;
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(hadir_tests::photo("selfie-a-1080x1440.jpg")),
    );
    let res = app
        .client
        .put(app.url(&format!(
            "/api/v1/employees/{}/face",
            waiting["employee_id"].as_str().unwrap()
        )))
        .bearer_auth(&admin.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    hadir_api::faces::run_job(&app.state, &left[0]).await;
    b.goto(&app.url(&format!("/console/review/{}", left[0])))
        .await;
    b.find("svg.map").await;
    b.find("#selfie").await;
    b.find("#reference").await;
    let face = b.find("#face").await.text().await.unwrap();
    assert!(face.contains("wajah"), "{face}");
    b.shot("detail").await;

    // The month of the check-ins still waiting: codes, a day behind a cell, the XLSX.
    let first_waiting = status_of(&app, &hr.access, &left[0]).await;
    let month = first_waiting["local_date"].as_str().unwrap()[..7].to_owned();
    b.goto(&app.url(&format!("/console/month?month={month}")))
        .await;
    b.find("#matrix").await;
    b.click("#matrix tbody tr:nth-child(1) td:nth-child(2)")
        .await;
    b.find("#day-detail").await;
    b.shot("month-and-day").await;
    b.click("#export-xlsx").await;
    let xlsx = b.download("xlsx").await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    let rows = sheet.rows().count();
    assert!(rows > 40, "one row per employee and the header: {rows}");

    sign_out(&b).await;
    // The supervisor's inbox: Dedi's correction, decided.
    sign_in(&b, &app, "asep").await;
    b.goto(&app.url("/console/inbox")).await;
    b.find("#corrections").await;
    b.shot("inbox").await;
    b.click("#corrections form[data-decision=approve] button")
        .await;
    b.wait_text("the decision", |t| t.contains("Keputusan tersimpan"))
        .await;
    // A check-in outside Asep's scope is not found, not forbidden.
    let asep = app.tokens("asep", DEMO_PASSWORD).await;
    let mut other_unit = None;
    for id in &queue_ids_of(&app, &hr.access).await {
        let res = app
            .get(&format!("/api/v1/check-ins/{id}"), &asep.access)
            .await;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            other_unit = Some(id.clone());
            break;
        }
    }
    let other_unit = other_unit.expect("a check-in outside Asep's reports");
    b.goto(&app.url(&format!("/console/review/{other_unit}")))
        .await;
    let text = b.text().await;
    assert!(text.contains("Tidak ditemukan"), "{text}");
    b.shot("outside-scope").await;

    b.goto(&app.url("/console/inbox")).await;
    sign_out(&b).await;
    sign_in(&b, &app, "hr.bkpsdm").await;
    b.goto(&app.url(&format!("/console/month?month={month}")))
        .await;
    // Close the month; a decision in it is then refused, in place.
    b.click("#close-month").await;
    b.wait_text("the month closed", |t| t.contains("sudah ditutup"))
        .await;
    b.shot("month-closed").await;
    b.goto(&app.url("/console/review")).await;
    let waiting = queue_ids(&b).await;
    let mut in_month = None;
    for id in &waiting {
        let c = status_of(&app, &hr.access, id).await;
        // Not HR's own: that one would be refused for another reason.
        if c["local_date"].as_str().unwrap().starts_with(&month) && c["employee_id"] != me.as_str()
        {
            in_month = Some(id.clone());
            break;
        }
    }
    let in_month = in_month.expect("a waiting check-in in the closed month");
    b.click(&format!(
        "#row-{in_month} form[data-decision=approve] button"
    ))
    .await;
    b.wait_element_text(&format!("#row-{in_month}.decided .errors"), |text| {
        text.contains("closed")
    })
    .await;
    assert_eq!(
        status_of(&app, &hr.access, &in_month).await["status"],
        "flagged"
    );
    b.shot("decision-refused-in-a-closed-month").await;

    // CSRF: a form whose token was tampered with is refused and changes nothing.
    b.js(
        "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged'); \
          document.body.removeAttribute('hx-boost'); return true",
    )
    .await;
    b.js(&format!(
        "document.querySelector('#row-{} form[data-decision=approve]').submit(); return true",
        waiting[waiting.len() - 1]
    ))
    .await;
    b.wait_text("the CSRF refusal", |t| t.contains("kedaluwarsa"))
        .await;
    b.shot("csrf-refused").await;
    assert_eq!(
        status_of(&app, &hr.access, &waiting[waiting.len() - 1]).await["status"],
        "flagged"
    );
    b.goto(&app.url("/console/review")).await;

    // English by the switch.
    b.goto(&app.url("/console/lang/en")).await;
    b.wait_text("English", |t| t.contains("Inbox")).await;
    b.shot("english").await;
}
