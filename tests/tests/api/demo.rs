//! The demo organisation behind `hadir serve --demo`.

use hadir_api::demo::{self, DEMO_PASSWORD};
use hadir_tests::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_once_and_every_login_it_prints_works() {
    let app = TestApp::spawn().await;
    let logins = demo::load(&app.state).await.unwrap();
    assert!(logins.len() >= 8);
    for login in &logins {
        app.tokens(&login.username, DEMO_PASSWORD).await;
    }
    // Loading again changes nothing and prints the same logins.
    let again = demo::load(&app.state).await.unwrap();
    assert_eq!(again.len(), logins.len());

    let hr = app.tokens("hr.bkpsdm", DEMO_PASSWORD).await;
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/employees?limit=100&cursor={c}"),
            None => "/api/v1/employees?limit=100".into(),
        };
        let page: Value = app.get(&path, &hr.access).await.json().await.unwrap();
        count += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert!((45..=60).contains(&count), "about fifty employees: {count}");

    // The phone's view of the day, in each employee's own time zone.
    for (user, zone) in [
        ("siti", "Asia/Jakarta"),
        ("wayan", "Asia/Makassar"),
        ("yohana", "Asia/Jayapura"),
    ] {
        let tokens = app.tokens(user, DEMO_PASSWORD).await;
        let res = app.get("/api/v1/me/today", &tokens.access).await;
        assert_eq!(res.status(), StatusCode::OK);
        let day: Value = res.json().await.unwrap();
        assert_eq!(day["timezone"], zone, "{user}: {day}");
        assert!(day["reason"].is_string());
    }
    let holidays: Value = app
        .get("/api/v1/holidays", &hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(holidays["items"].as_array().unwrap().len() >= 5);
    let rosters: Value = app
        .get("/api/v1/rosters", &hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rosters["items"][0]["name"], "WFH bergilir Diskominfo");
    assert!(rosters["items"][0]["assignments"].as_i64().unwrap() > 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_refuses_a_database_that_holds_an_organisation() {
    let app = TestApp::spawn().await;
    let _org = app.seed_org();
    let err = demo::load(&app.state).await.unwrap_err();
    assert!(err.contains("empty"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_history_gives_the_console_something_to_show() {
    let app = TestApp::spawn().await;
    demo::load(&app.state).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let stored = hadir_api::demo_history::load(&app.state, today)
        .await
        .unwrap();
    assert!(stored > 300, "{stored}");
    // Loading again adds nothing.
    assert_eq!(
        hadir_api::demo_history::load(&app.state, today)
            .await
            .unwrap(),
        0
    );
    let hr = app.tokens("hr.bkpsdm", DEMO_PASSWORD).await;
    // A handful flagged and waiting, others decided.
    let queue: Value = app
        .get("/api/v1/check-ins?status=flagged&limit=500", &hr.access)
        .await
        .json()
        .await
        .unwrap();
    let waiting = queue["items"].as_array().unwrap().len();
    assert!((3..=80).contains(&waiting), "{waiting}");
    // Asep's inbox: Dedi's correction and Siti's report.
    let asep = app.tokens("asep", DEMO_PASSWORD).await;
    let inbox: Value = app
        .get("/api/v1/me/inbox", &asep.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        inbox["corrections_to_decide"].as_i64().unwrap() >= 1,
        "{inbox}"
    );
    assert!(inbox["reports_to_decide"].as_i64().unwrap() >= 1, "{inbox}");
    // The months of the last three weeks read every kind of day code.
    let mut codes = std::collections::BTreeSet::new();
    let from = today - chrono::TimeDelta::days(21);
    for month in [
        from.format("%Y-%m").to_string(),
        today.format("%Y-%m").to_string(),
    ] {
        let sheet: Value = app
            .get(
                &format!("/api/v1/attendance/monthly?month={month}"),
                &hr.access,
            )
            .await
            .json()
            .await
            .unwrap();
        for e in sheet["employees"].as_array().unwrap() {
            for c in e["codes"].as_array().unwrap() {
                for part in c.as_str().unwrap().split('/') {
                    codes.insert(part.trim_end_matches(char::is_numeric).to_owned());
                }
            }
        }
    }
    for code in ["H", "TL", "PSW", "TK", "WFH", "DL", "I", "L"] {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
}
