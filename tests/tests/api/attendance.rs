//! Manual entries, corrections and daily activity reports.

use chrono::{Datelike, Months, NaiveDate};
use hadir_tests::{TestApp, Tokens, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org::{World, post, world, world_with};

/// Staff (3) reports to a supervisor (2) in Bidang A1; a colleague (4) in Dinas B; HR (5).
struct People {
    boss: Tokens,
    staff: Tokens,
    staff_id: String,
    other: Tokens,
    hr: Tokens,
}

async fn people(w: &World) -> People {
    let boss = w
        .employee(2, &w.bidang_a1, Some(&w.office_a), "supervisor", None)
        .await;
    let staff = w
        .employee(
            3,
            &w.bidang_a1,
            Some(&w.office_a),
            "employee",
            boss["id"].as_str(),
        )
        .await;
    w.employee(4, &w.dinas_b, Some(&w.office_b), "employee", None)
        .await;
    w.employee(5, &w.dinas_b, None, "hr", None).await;
    People {
        boss: w.login(2).await,
        staff: w.login(3).await,
        staff_id: staff["id"].as_str().unwrap().to_owned(),
        other: w.login(4).await,
        hr: w.login(5).await,
    }
}

/// The employee's work day today, as the server counts it.
async fn today(app: &TestApp, who: &Tokens) -> NaiveDate {
    let day: Value = app
        .get("/api/v1/me/today", &who.access)
        .await
        .json()
        .await
        .unwrap();
    day["date"].as_str().unwrap().parse().unwrap()
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::PUT, path, Some(token), Some(body))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_enters_attendance_by_hand_for_one_or_a_whole_unit() {
    let w = world().await;
    let p = people(&w).await;
    let app = &w.app;
    let entry = json!({"employee_id": p.staff_id, "date": "2026-11-02", "kind": "in",
                       "time": "07:30", "reason": "mesin sidik jari rusak"});
    let res = post(app, &p.hr.access, "/api/v1/attendance/manual", &entry).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["source"], "manual");
    assert_eq!(body["at"], "2026-11-02T00:30:00Z", "07:30 in Jakarta");
    assert_eq!(body["author_user_id"], p.hr.user_id.as_str());
    // Each bad field is named; supervisors and employees do not enter attendance.
    for (bad, field) in [
        (
            json!({"employee_id": p.staff_id, "date": "2026-11-02", "kind": "lunch", "time": "07:30", "reason": "x"}),
            "kind",
        ),
        (
            json!({"employee_id": p.staff_id, "date": "2026-11-02", "kind": "in", "time": "7.30", "reason": "x"}),
            "time",
        ),
        (
            json!({"employee_id": p.staff_id, "date": "2026-11-02", "kind": "in", "time": "07:30", "reason": ""}),
            "reason",
        ),
        (
            json!({"employee_id": uuid::Uuid::new_v4(), "date": "2026-11-02", "kind": "in", "time": "07:30", "reason": "x"}),
            "employee_id",
        ),
    ] {
        let pr = problem(
            post(app, &p.hr.access, "/api/v1/attendance/manual", &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pr["errors"][0]["field"], field, "{pr}");
    }
    for who in [&p.boss, &p.staff] {
        problem(
            post(app, &who.access, "/api/v1/attendance/manual", &entry).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // A whole unit (Dinas A and Bidang A1: the supervisor and the staff).
    let batch = json!({"unit_id": w.dinas_a, "date": "2026-11-03", "kind": "out", "time": "16:00",
                       "reason": "listrik padam, presensi manual"});
    let res = post(app, &p.hr.access, "/api/v1/attendance/manual/batch", &batch).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["created"], 2);
    // The employee sees their own entries, with their source.
    let mine: Value = app
        .get("/api/v1/attendance/manual", &p.staff.access)
        .await
        .json()
        .await
        .unwrap();
    let dates: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-11-02", "2026-11-03"]);
    let theirs: Value = app
        .get("/api/v1/attendance/manual", &p.other.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    // A closed month takes no more entries.
    let res = app
        .post_json(
            "/api/v1/months/2026-11/close",
            Some(&p.hr.access),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    problem(
        post(app, &p.hr.access, "/api/v1/attendance/manual", &entry).await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_asked_with_a_letter_and_decided_by_the_supervisor() {
    // Corrections close at the month's end here, so that today can always be corrected.
    let w = world_with(|s| s.attendance.correction_close_days = 0).await;
    let p = people(&w).await;
    let app = &w.app;
    let day = today(app, &p.staff).await;
    let ask = json!({"date": day, "kind": "forgot_check_in", "check_in_time": "07:25",
                     "reason": "lupa presensi, hadir sejak pagi"});
    let res = post(app, &p.staff.access, "/api/v1/me/corrections", &ask).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["status"], "pending");
    let id = c["id"].as_str().unwrap().to_owned();
    // What is wrong is named.
    for (bad, field) in [
        (
            json!({"date": day, "kind": "forgot_check_in", "reason": "lupa"}),
            "check_in_time",
        ),
        (
            json!({"date": day, "kind": "field_duty", "reason": "rapat"}),
            "letter_number",
        ),
        (json!({"date": day, "kind": "nap", "reason": "x"}), "kind"),
        (
            json!({"date": day.succ_opt().unwrap(), "kind": "other", "reason": "besok"}),
            "date",
        ),
    ] {
        let pr = problem(
            post(app, &p.staff.access, "/api/v1/me/corrections", &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pr["errors"][0]["field"], field, "{pr}");
    }

    // The letter: a PDF, sniffed by its bytes; anything else is refused.
    let attach = |bytes: Vec<u8>| {
        let app = &w.app;
        let token = p.staff.access.clone();
        let path = format!("/api/v1/me/corrections/{id}/attachment");
        async move {
            app.client
                .put(app.url(&path))
                .bearer_auth(token)
                .header("content-type", "application/octet-stream")
                .body(bytes)
                .send()
                .await
                .unwrap()
        }
    };
    problem(
        attach(b"MZ\x90\x00 not a letter".to_vec()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        attach(vec![b'%'; 6 * 1024 * 1024]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let res = attach(pdf.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The supervisor sees it waiting, with a short-lived link to the letter.
    let inbox: Value = app
        .get("/api/v1/me/inbox", &p.boss.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["corrections_to_decide"], 1);
    let list: Value = app
        .get("/api/v1/corrections?status=pending", &p.boss.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], id.as_str());
    let link = list["items"][0]["attachment"]["url"].as_str().unwrap();
    let url = app.link_url(link);
    let letter = app.client.get(&url).send().await.unwrap();
    assert_eq!(letter.status(), StatusCode::OK);
    assert_eq!(letter.bytes().await.unwrap().to_vec(), pdf);
    // Nobody else decides: not the employee, not a colleague elsewhere (404: out of scope).
    let decision = format!("/api/v1/corrections/{id}/decision");
    problem(
        post(
            app,
            &p.staff.access,
            &decision,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        post(
            app,
            &p.other.access,
            &decision,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        post(
            app,
            &p.boss.access,
            &decision,
            &json!({"decision": "reject"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res = post(
        app,
        &p.boss.access,
        &decision,
        &json!({"decision": "approve", "note": "benar hadir"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["status"], "approved");
    assert_eq!(done["decided_by"], p.boss.user_id.as_str());
    problem(
        post(
            app,
            &p.hr.access,
            &decision,
            &json!({"decision": "reject", "note": "x"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // Decided, the letter can no longer change.
    problem(attach(pdf).await, StatusCode::CONFLICT).await;
    let mine: Value = app
        .get("/api/v1/me/corrections", &p.staff.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["status"], "approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_correction_is_refused_with_its_deadline() {
    let w = world().await;
    let p = people(&w).await;
    let app = &w.app;
    let day = today(app, &p.staff).await;
    // The first day of last month: its corrections closed three days before its end.
    let first = day
        .with_day(1)
        .unwrap()
        .checked_sub_months(Months::new(1))
        .unwrap();
    let ask = json!({"date": first, "kind": "device_failure", "reason": "HP rusak"});
    let pr = problem(
        post(app, &p.staff.access, "/api/v1/me/corrections", &ask).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let message = pr["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("closed on") && message.contains("3 days before"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_report_is_written_submitted_returned_and_approved() {
    let w = world().await;
    let p = people(&w).await;
    let app = &w.app;
    let day = today(app, &p.staff).await;
    let path = format!("/api/v1/me/reports/{day}");
    let entries = json!({"entries": [
        {"activity": "Menyusun laporan pengaduan warga", "output": "1 laporan", "minutes": 180},
        {"activity": "Rapat koordinasi", "minutes": 90},
    ]});
    let res = put(app, &p.staff.access, &path, &entries).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["total_minutes"], 270);
    assert_eq!(r["status"], "draft");
    let id = r["id"].as_str().unwrap().to_owned();
    // A draft is the employee's own: the supervisor does not see it yet.
    problem(
        app.get(&format!("/api/v1/reports/{id}"), &p.boss.access)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for (bad, field) in [
        (json!({"entries": []}), "entries"),
        (
            json!({"entries": [{"activity": "", "minutes": 10}]}),
            "entries[0].activity",
        ),
        (
            json!({"entries": [{"activity": "x", "minutes": 0}]}),
            "entries[0].minutes",
        ),
        (
            json!({"entries": [{"activity": "x", "minutes": 1000}, {"activity": "y", "minutes": 1000}]}),
            "entries",
        ),
    ] {
        let pr = problem(
            put(app, &p.staff.access, &path, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pr["errors"][0]["field"], field, "{pr}");
    }
    problem(
        put(
            app,
            &p.staff.access,
            &format!("/api/v1/me/reports/{}", day.succ_opt().unwrap()),
            &entries,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let submit = format!("{path}/submit");
    assert_eq!(
        post(app, &p.staff.access, &submit, &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    problem(
        put(app, &p.staff.access, &path, &entries).await,
        StatusCode::CONFLICT,
    )
    .await;
    let inbox: Value = app
        .get("/api/v1/me/inbox", &p.boss.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["reports_to_decide"], 1);
    let decision = format!("/api/v1/reports/{id}/decision");
    problem(
        post(
            app,
            &p.boss.access,
            &decision,
            &json!({"decision": "return"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res = post(
        app,
        &p.boss.access,
        &decision,
        &json!({"decision": "return", "comment": "lampirkan nomor surat"}),
    )
    .await;
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "returned");
    // Returned: the employee edits and submits again; then it is approved, once.
    assert_eq!(
        put(app, &p.staff.access, &path, &entries).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        post(app, &p.staff.access, &submit, &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    problem(
        post(
            app,
            &p.staff.access,
            &decision,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        post(
            app,
            &p.other.access,
            &decision,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let r: Value = post(
        app,
        &p.boss.access,
        &decision,
        &json!({"decision": "approve"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["status"], "approved");
    problem(
        post(
            app,
            &p.hr.access,
            &decision,
            &json!({"decision": "reject", "comment": "x"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let list: Value = app
        .get("/api/v1/reports?status=approved", &p.hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], id.as_str());
    let mine: Value = app
        .get("/api/v1/me/reports", &p.staff.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["items"][0]["entries"][1]["activity"],
        "Rapat koordinasi"
    );
}
