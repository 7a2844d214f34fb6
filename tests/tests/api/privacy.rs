//! Personal data (UU PDP): reads of someone else's selfie, location, home point or an export
//! are in the audit log once per request, with the client's address, filterable by person; an
//! employee downloads everything Hadir holds about them in one zip.

use std::io::Read as _;

use hadir_tests::{CIMAHI, meta_at, photo};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::org::{patch, world_with};

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The audit entries of `action` (every action when empty) that concern `employee`, newest
/// first.
async fn reads_of(w: &crate::org::World, employee: &str, action: &str) -> Vec<Value> {
    let path = if action.is_empty() {
        format!("/api/v1/audit-log?employee_id={employee}&limit=500")
    } else {
        format!("/api/v1/audit-log?employee_id={employee}&action={action}&limit=500")
    };
    let log = json_of(w.app.get(&path, &w.admin.access).await).await;
    log["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_someone_elses_personal_data_are_audited_once_per_request() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let b = budi["id"].as_str().unwrap().to_owned();
    let res = patch(
        app,
        &w.admin.access,
        &format!("/api/v1/employees/{b}"),
        &json!({"home_latitude": -6.9, "home_longitude": 107.6, "home_radius_m": 100}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let siti = w
        .employee(2, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let s = siti["id"].as_str().unwrap().to_owned();
    w.employee(3, &w.dinas_b, None, "hr", None).await;
    let (budi_t, siti_t, hr) = (w.login(1).await, w.login(2).await, w.login(3).await);
    // Two flagged check-ins (2 km away), one each.
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let mut check_ins = Vec::new();
    for (tokens, selfie) in [
        (&budi_t, "selfie-a-480x640.jpg"),
        (&siti_t, "selfie-b-480x640.jpg"),
    ] {
        let body = json_of(
            app.post_check_in(&tokens.access, &meta_at(far.0, far.1, 10.0), photo(selfie))
                .await,
        )
        .await;
        check_ins.push(body["id"].as_str().unwrap().to_owned());
    }

    // Nothing read yet.
    assert!(reads_of(&w, &b, "check_in.read").await.is_empty());
    // One check-in with its selfie and fix.
    json_of(
        app.get(&format!("/api/v1/check-ins/{}", check_ins[0]), &hr.access)
            .await,
    )
    .await;
    let entries = reads_of(&w, &b, "check_in.read").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor_user_id"], hr.user_id.as_str());
    assert_eq!(entries[0]["employee_ids"], json!([b]));
    assert_eq!(entries[0]["client_addr"], "127.0.0.1");
    assert!(entries[0]["request_id"].is_string());
    // The queue: one entry per page, naming everyone on it.
    json_of(
        app.get("/api/v1/check-ins?status=flagged", &hr.access)
            .await,
    )
    .await;
    let entries = reads_of(&w, &b, "check_ins.read").await;
    assert_eq!(entries.len(), 1);
    let mut people: Vec<String> =
        serde_json::from_value(entries[0]["employee_ids"].clone()).unwrap();
    people.sort();
    let mut both = vec![b.clone(), s.clone()];
    both.sort();
    assert_eq!(people, both);
    assert_eq!(reads_of(&w, &s, "check_ins.read").await.len(), 1);
    // A home point, alone and in a list; Siti has none, so her record is no location read.
    json_of(app.get(&format!("/api/v1/employees/{b}"), &hr.access).await).await;
    json_of(app.get(&format!("/api/v1/employees/{s}"), &hr.access).await).await;
    json_of(app.get("/api/v1/employees?limit=500", &hr.access).await).await;
    assert_eq!(reads_of(&w, &b, "employee.read").await.len(), 1);
    assert_eq!(reads_of(&w, &b, "employees.read").await.len(), 1);
    assert!(reads_of(&w, &s, "employee.read").await.is_empty());
    // An export of the month and a statement.
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let res = app
        .get(
            &format!("/api/v1/attendance/monthly?month={month}&format=csv"),
            &hr.access,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.bytes().await.unwrap();
    let exports = reads_of(&w, &s, "attendance.export").await;
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0]["after"]["read"]["format"], "csv");
    json_of(
        app.get(
            &format!("/api/v1/attendance/statement?employee_id={b}&month={month}"),
            &hr.access,
        )
        .await,
    )
    .await;
    assert_eq!(reads_of(&w, &b, "attendance.statement.read").await.len(), 1);

    // One's own data is not an audited read.
    json_of(
        app.get(
            &format!("/api/v1/check-ins/{}", check_ins[0]),
            &budi_t.access,
        )
        .await,
    )
    .await;
    assert_eq!(reads_of(&w, &b, "check_in.read").await.len(), 1);
    // The filter by person finds only that person's entries.
    let all_b = reads_of(&w, &b, "").await;
    assert!(!all_b.is_empty());
    assert!(all_b.iter().all(|e| {
        e["employee_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == b.as_str())
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    for (trusted, expected) in [(false, "127.0.0.1"), (true, "10.9.8.7")] {
        let w = world_with(move |s| {
            if trusted {
                s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            }
        })
        .await;
        let budi = w
            .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
            .await;
        let b = budi["id"].as_str().unwrap();
        let res = w
            .app
            .client
            .get(w.app.url("/api/v1/attendance/statement"))
            .query(&[("employee_id", b), ("month", "2026-11")])
            .bearer_auth(&w.admin.access)
            .header("x-forwarded-for", "1.2.3.4, 10.9.8.7")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let entries = reads_of(&w, b, "attendance.statement.read").await;
        assert_eq!(
            entries[0]["client_addr"], expected,
            "trusted proxy: {trusted}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_downloads_everything_hadir_holds_about_them() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let b = budi["id"].as_str().unwrap().to_owned();
    let tokens = w.login(1).await;
    let selfie = photo("selfie-a-480x640.jpg");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let body = json_of(
            app.post_check_in(
                &tokens.access,
                &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
                selfie.clone(),
            )
            .await,
        )
        .await;
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let res = app.get("/api/v1/me/export", &tokens.access).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut json = String::new();
    zip.by_name("hadir-data.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let data: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(data["data"]["employee"]["id"], b.as_str());
    assert_eq!(data["data"]["account"]["username"], "pegawai1");
    assert!(
        !json.contains("password_hash") && !json.contains("argon2"),
        "{json}"
    );
    let check_ins = data["data"]["check_ins"].as_array().unwrap();
    assert_eq!(check_ins.len(), 2);
    assert!(data["data"]["devices"].is_array() && data["data"]["sessions"].is_array());
    for id in &ids {
        let mut photo = Vec::new();
        zip.by_name(&format!("selfies/{id}.jpg"))
            .unwrap()
            .read_to_end(&mut photo)
            .unwrap();
        assert_eq!(&photo[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    }
    assert!(zip.by_name("README.txt").is_ok());
    // Audited, with the employee as the subject; an account without an employee gets 404.
    let log = json_of(
        app.get(
            &format!("/api/v1/audit-log?employee_id={b}&action=employee.export"),
            &w.admin.access,
        )
        .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let res = app.get("/api/v1/me/export", &w.admin.access).await;
    hadir_tests::problem(res, StatusCode::NOT_FOUND).await;
}
