//! The role x route matrix for the routes of plans, review and attendance: every route with
//! an id inside and outside the caller's scope, for each role. (Units, offices and employees
//! have theirs in `org::scope_walks_every_role_over_every_route`.)

use hadir_tests::{CIMAHI, TestApp, Tokens, meta_at, photo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org::{post, world};

async fn id_of(res: reqwest::Response) -> String {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body["id"]
        .as_str()
        .or_else(|| body["roster"]["id"].as_str())
        .unwrap()
        .to_owned()
}

/// What each role gets, in the order admin, HR, unit admin of Dinas A, supervisor in A,
/// employee in A.
type Row = [u16; 5];

async fn status(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> u16 {
    app.request(method.clone(), path, Some(token), body)
        .await
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_plan_review_and_attendance_route_for_every_role() {
    let w = world().await;
    let app = &w.app;
    let admin = w.admin.access.clone();
    w.employee(1, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    let boss = w
        .employee(2, &w.bidang_a1, Some(&w.office_a), "supervisor", None)
        .await;
    let staff_a = w
        .employee(
            3,
            &w.bidang_a1,
            Some(&w.office_a),
            "employee",
            boss["id"].as_str(),
        )
        .await;
    let staff_b = w
        .employee(4, &w.dinas_b, Some(&w.office_b), "employee", None)
        .await;
    w.employee(5, &w.dinas_b, None, "hr", None).await;
    let (unit_admin, supervisor, employee, other, hr) = (
        w.login(1).await,
        w.login(2).await,
        w.login(3).await,
        w.login(4).await,
        w.login(5).await,
    );
    let a = staff_a["id"].as_str().unwrap();
    let b = staff_b["id"].as_str().unwrap();

    // One record of each kind in Dinas A (the staff member) and in Dinas B.
    let mut records: Vec<(&str, String, String)> = Vec::new();
    for (kind, body_a, body_b) in [
        (
            "assignments",
            json!({"employee_id": a, "date": "2026-12-02", "mode": "off"}),
            json!({"employee_id": b, "date": "2026-12-02", "mode": "off"}),
        ),
        (
            "leaves",
            json!({"employee_id": a, "starts_on": "2026-12-09", "ends_on": "2026-12-09", "kind": "izin"}),
            json!({"employee_id": b, "starts_on": "2026-12-09", "ends_on": "2026-12-09", "kind": "izin"}),
        ),
        (
            "attendance/manual",
            json!({"employee_id": a, "date": "2026-11-02", "kind": "in", "time": "07:30", "reason": "x"}),
            json!({"employee_id": b, "date": "2026-11-02", "kind": "in", "time": "07:30", "reason": "x"}),
        ),
    ] {
        let path = format!("/api/v1/{kind}");
        let in_a = id_of(post(app, &admin, &path, &body_a).await).await;
        let in_b = id_of(post(app, &admin, &path, &body_b).await).await;
        records.push((kind, in_a, in_b));
    }
    let roster = |unit: &str, e: &str| {
        json!({"unit_id": unit, "name": "R", "starts_on": "2026-12-14", "ends_on": "2026-12-18",
               "groups": [{"name": "A", "employee_ids": [e], "weeks": [{"mon": "office"}]}]})
    };
    let roster_a = id_of(post(app, &admin, "/api/v1/rosters", &roster(&w.dinas_a, a)).await).await;
    let roster_b = id_of(post(app, &admin, "/api/v1/rosters", &roster(&w.dinas_b, b)).await).await;
    // Check-ins, corrections and reports come from the employees themselves.
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let mut own = Vec::new();
    for (who, selfie) in [
        (&employee, "selfie-a-480x640.jpg"),
        (&other, "selfie-b-480x640.jpg"),
    ] {
        let res = app
            .post_check_in(&who.access, &meta_at(far.0, far.1, 10.0), photo(selfie))
            .await;
        let check_in = id_of(res).await;
        let day: Value = app
            .get("/api/v1/me/today", &who.access)
            .await
            .json()
            .await
            .unwrap();
        let date = day["date"].as_str().unwrap().to_owned();
        let correction = id_of(
            post(
                app,
                &who.access,
                "/api/v1/me/corrections",
                &json!({"date": date, "kind": "other", "reason": "x"}),
            )
            .await,
        )
        .await;
        let report = id_of(
            app.request(
                Method::PUT,
                &format!("/api/v1/me/reports/{date}"),
                Some(&who.access),
                Some(&json!({"entries": [{"activity": "x", "minutes": 10}]})),
            )
            .await,
        )
        .await;
        let res = post(
            app,
            &who.access,
            &format!("/api/v1/me/reports/{date}/submit"),
            &json!({}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        own.push((check_in, correction, report));
    }
    records.push(("check-ins", own[0].0.clone(), own[1].0.clone()));
    records.push(("corrections", own[0].1.clone(), own[1].1.clone()));
    records.push(("reports", own[0].2.clone(), own[1].2.clone()));
    records.push(("rosters", roster_a, roster_b));

    let tokens: [&Tokens; 4] = [&hr, &unit_admin, &supervisor, &employee];
    let who = |i: usize| {
        if i == 0 {
            admin.as_str()
        } else {
            tokens[i - 1].access.as_str()
        }
    };
    let mut failures = Vec::new();
    let mut check = |method: Method, path: String, body: Option<Value>, expected: Row, got: Row| {
        if expected != got {
            failures.push(format!(
                "{method} {path} {body:?}: expected {expected:?}, got {got:?}"
            ));
        }
    };

    // Reading one record, in Dinas A and in Dinas B.
    for (kind, in_a, in_b) in &records {
        if *kind == "attendance/manual" {
            continue; // no single-entry route; the list is walked below
        }
        let (expect_a, expect_b): (Row, Row) = match *kind {
            "rosters" => ([200, 200, 200, 403, 403], [200, 200, 404, 403, 403]),
            _ => ([200, 200, 200, 200, 200], [200, 200, 404, 404, 404]),
        };
        for (id, expected) in [(in_a, expect_a), (in_b, expect_b)] {
            let path = format!("/api/v1/{kind}/{id}");
            let mut got = [0; 5];
            for (i, g) in got.iter_mut().enumerate() {
                *g = status(app, &Method::GET, &path, who(i), None).await;
            }
            check(Method::GET, path, None, expected, got);
        }
    }
    // Lists.
    for (path, expected) in [
        ("/api/v1/schedules", [200, 200, 200, 200, 403]),
        ("/api/v1/holidays", [200, 200, 200, 200, 200]),
        ("/api/v1/assignments", [200, 200, 200, 200, 200]),
        ("/api/v1/leaves", [200, 200, 200, 200, 200]),
        ("/api/v1/rosters", [200, 200, 200, 403, 403]),
        ("/api/v1/check-ins", [200, 200, 200, 403, 403]),
        ("/api/v1/corrections", [200, 200, 200, 200, 403]),
        ("/api/v1/reports", [200, 200, 200, 200, 403]),
        ("/api/v1/attendance/manual", [200, 200, 200, 200, 200]),
        ("/api/v1/audit-log", [200, 200, 403, 403, 403]),
        ("/api/v1/months/2026-11", [200, 200, 200, 403, 403]),
        ("/api/v1/me/inbox", [200, 200, 200, 200, 200]),
        ("/api/v1/me/corrections", [404, 200, 200, 200, 200]),
        ("/api/v1/me/reports", [404, 200, 200, 200, 200]),
        ("/api/v1/me/today", [404, 200, 200, 200, 200]),
    ] {
        let mut got = [0; 5];
        for (i, g) in got.iter_mut().enumerate() {
            *g = status(app, &Method::GET, path, who(i), None).await;
        }
        check(Method::GET, path.to_owned(), None, expected, got);
    }
    // Writes that must be refused, by role, before anything changes (403), or outside scope
    // (404). The bodies are valid, so a 2xx would be a real change.
    let find = |kind: &str| records.iter().find(|r| r.0 == kind).unwrap().clone();
    let (_, check_in_a, check_in_b) = find("check-ins");
    let (_, correction_a, correction_b) = find("corrections");
    let (_, report_a, report_b) = find("reports");
    let approve = json!({"decision": "approve", "note": "ok"});
    let refused: Vec<(Method, String, Value, [Option<u16>; 5])> = vec![
        (
            Method::POST,
            "/api/v1/schedules".into(),
            json!({"name": "S", "days": {}}),
            [None, None, Some(403), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/holidays".into(),
            json!({"date": "2026-12-31", "name": "H"}),
            [None, None, Some(403), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/rosters".into(),
            roster(&w.dinas_b, b),
            [None, None, Some(422), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/assignments".into(),
            json!({"employee_id": b, "date": "2026-12-03", "mode": "off"}),
            [None, None, Some(422), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/leaves".into(),
            json!({"employee_id": b, "starts_on": "2026-12-21", "ends_on": "2026-12-21", "kind": "izin"}),
            [None, None, Some(422), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/attendance/manual".into(),
            json!({"employee_id": a, "date": "2026-11-03", "kind": "in", "time": "07:30", "reason": "x"}),
            [None, None, Some(403), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/attendance/manual/batch".into(),
            json!({"unit_id": w.dinas_a, "date": "2026-11-04", "kind": "in", "time": "07:30", "reason": "x"}),
            [None, None, Some(403), Some(403), Some(403)],
        ),
        (
            Method::POST,
            format!("/api/v1/check-ins/{check_in_b}/review"),
            approve.clone(),
            [None, None, Some(404), Some(403), Some(403)],
        ),
        (
            Method::POST,
            format!("/api/v1/check-ins/{check_in_a}/review"),
            approve.clone(),
            [None, None, None, Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/check-ins/review".into(),
            json!({"ids": [check_in_b], "decision": "approve"}),
            [None, None, None, Some(403), Some(403)],
        ),
        (
            Method::POST,
            format!("/api/v1/corrections/{correction_b}/decision"),
            approve.clone(),
            [None, None, Some(404), Some(404), Some(404)],
        ),
        (
            Method::POST,
            format!("/api/v1/corrections/{correction_a}/decision"),
            approve.clone(),
            [None, None, Some(403), None, Some(403)],
        ),
        (
            Method::POST,
            format!("/api/v1/reports/{report_b}/decision"),
            json!({"decision": "approve"}),
            [None, None, Some(404), Some(404), Some(404)],
        ),
        (
            Method::POST,
            format!("/api/v1/reports/{report_a}/decision"),
            json!({"decision": "approve"}),
            [None, None, Some(403), None, Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/months/2027-01/close".into(),
            json!({}),
            [None, None, Some(403), Some(403), Some(403)],
        ),
        (
            Method::POST,
            "/api/v1/months/2027-01/reopen".into(),
            json!({"reason": "x"}),
            [None, Some(403), Some(403), Some(403), Some(403)],
        ),
    ];
    for (method, path, body, expected) in refused {
        let mut got = [0u16; 5];
        let mut want = [0u16; 5];
        for i in (0..5).rev() {
            if let Some(e) = expected[i] {
                want[i] = e;
                got[i] = status(app, &method, &path, who(i), Some(&body)).await;
            }
        }
        check(method, path, Some(body), want, got);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An employee with a login, created by the account behind `token`.
async fn employee_by(w: &crate::org::World, token: &str, n: u32, role: &str) -> Value {
    let body = json!({
        "nip": crate::org::nip(n), "name": format!("Pegawai {n}"), "unit_id": w.dinas_a,
        "position": "Analis", "echelon": "staff", "office_id": w.office_a,
        "username": format!("pegawai{n}"), "password": "sandi-yang-panjang", "role": role,
    });
    crate::org::created(post(&w.app, token, "/api/v1/employees", &body).await).await
}

/// Separation of duties over every writing route: nobody acts on their own attendance, nor on
/// that of the account that created theirs within `attendance.creator_conflict_days`,
/// whatever the role; each refusal is a 403 that changes nothing and is in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_writing_route_refuses_ones_own_attendance_and_ones_creators() {
    let w = world().await;
    let app = &w.app;
    let admin = w.admin.access.clone();
    // HR, made by the admin (who has no employee record), in Dinas A.
    let hr_row = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "hr", None)
        .await;
    let hr = w.login(1).await;
    let h = hr_row["id"].as_str().unwrap().to_owned();
    // An HR account may not make another HR account (nor an admin), only roles below its own.
    for role in ["hr", "admin"] {
        let body = json!({
            "nip": crate::org::nip(9), "name": "Kedua", "unit_id": w.dinas_a,
            "position": "Analis", "echelon": "staff",
            "username": "hr.kedua", "password": "sandi-yang-panjang", "role": role,
        });
        let res = post(app, &hr.access, "/api/v1/employees", &body).await;
        let problem = hadir_tests::problem(res, StatusCode::FORBIDDEN).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("below its own")
        );
    }
    // What HR may make: a unit admin and a supervisor, who become HR's supervisor by the admin.
    employee_by(&w, &hr.access, 2, "unit_admin").await;
    let sp = employee_by(&w, &hr.access, 3, "supervisor").await;
    let sp_id = sp["id"].as_str().unwrap();
    let res = crate::org::patch(
        app,
        &admin,
        &format!("/api/v1/employees/{h}"),
        &json!({"supervisor_id": sp_id}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (ua, sup) = (w.login(2).await, w.login(3).await);
    // A unit admin the admin made: independent of HR.
    w.employee(4, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    let ua_independent = w.login(4).await;

    // HR's own records: a flagged check-in, a correction and a submitted report, an assignment
    // and a leave entered by the admin.
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let check_in = id_of(
        app.post_check_in(
            &hr.access,
            &meta_at(far.0, far.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await,
    )
    .await;
    let today: Value = app
        .get("/api/v1/me/today", &hr.access)
        .await
        .json()
        .await
        .unwrap();
    let date = today["date"].as_str().unwrap().to_owned();
    let correction = id_of(
        post(
            app,
            &hr.access,
            "/api/v1/me/corrections",
            &json!({"date": date, "kind": "other", "reason": "x"}),
        )
        .await,
    )
    .await;
    let report = id_of(
        app.request(
            Method::PUT,
            &format!("/api/v1/me/reports/{date}"),
            Some(&hr.access),
            Some(&json!({"entries": [{"activity": "x", "minutes": 10}]})),
        )
        .await,
    )
    .await;
    let res = post(
        app,
        &hr.access,
        &format!("/api/v1/me/reports/{date}/submit"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let assignment = id_of(
        post(
            app,
            &admin,
            "/api/v1/assignments",
            &json!({"employee_id": h, "date": "2026-12-22", "mode": "off"}),
        )
        .await,
    )
    .await;
    let leave = id_of(
        post(
            app,
            &admin,
            "/api/v1/leaves",
            &json!({"employee_id": h, "starts_on": "2026-12-28", "ends_on": "2026-12-28", "kind": "izin"}),
        )
        .await,
    )
    .await;

    let approve = json!({"decision": "approve", "note": "ok"});
    let roster = json!({"unit_id": w.dinas_a, "name": "R", "starts_on": "2026-12-14",
        "ends_on": "2026-12-18",
        "groups": [{"name": "A", "employee_ids": [h], "weeks": [{"mon": "office"}]}]});
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            format!("/api/v1/check-ins/{check_in}/review"),
            approve.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/corrections/{correction}/decision"),
            approve.clone(),
        ),
        (
            Method::POST,
            format!("/api/v1/reports/{report}/decision"),
            json!({"decision": "approve"}),
        ),
        (
            Method::POST,
            "/api/v1/attendance/manual".into(),
            json!({"employee_id": h, "date": "2026-11-03", "kind": "in", "time": "07:30", "reason": "x"}),
        ),
        (
            Method::POST,
            "/api/v1/attendance/manual/batch".into(),
            json!({"unit_id": w.dinas_a, "date": "2026-11-04", "kind": "in", "time": "07:30", "reason": "x"}),
        ),
        (
            Method::POST,
            "/api/v1/assignments".into(),
            json!({"employee_id": h, "date": "2026-12-23", "mode": "off"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/assignments/{assignment}"),
            json!({"mode": "office"}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/assignments/{assignment}"),
            json!({}),
        ),
        (Method::POST, "/api/v1/rosters".into(), roster),
        (
            Method::POST,
            "/api/v1/leaves".into(),
            json!({"employee_id": h, "starts_on": "2026-12-29", "ends_on": "2026-12-29", "kind": "izin"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/leaves/{leave}"),
            json!({"kind": "sakit"}),
        ),
        (Method::DELETE, format!("/api/v1/leaves/{leave}"), json!({})),
        (
            Method::PATCH,
            format!("/api/v1/employees/{h}"),
            json!({"home_latitude": -6.9, "home_longitude": 107.5, "home_radius_m": 100}),
        ),
    ];
    // Each route, by HR on itself and by the accounts HR made: the unit admin for what unit
    // admins may do, the supervisor for the decisions a supervisor takes.
    let mut failures = Vec::new();
    let mut refusals = 0;
    for (method, path, body) in &writes {
        let mut actors = vec![("hr (own)", &hr)];
        if !path.contains("/attendance/manual") {
            if path.contains("/decision") {
                actors.push(("supervisor made by hr", &sup));
            } else {
                actors.push(("unit admin made by hr", &ua));
            }
        }
        for (who, tokens) in actors {
            let res = app
                .request(method.clone(), path, Some(&tokens.access), Some(body))
                .await;
            let status = res.status();
            let body: Value = res.json().await.unwrap_or_default();
            let detail = body["detail"].as_str().unwrap_or_default();
            if status == StatusCode::FORBIDDEN && detail.contains("attendance") {
                refusals += 1;
            } else {
                failures.push(format!("{method} {path} by {who}: {status} {body}"));
            }
        }
    }
    // The bulk route answers per item.
    let res = post(
        app,
        &ua.access,
        "/api/v1/check-ins/review",
        &json!({"ids": [check_in], "decision": "approve"}),
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], 403, "{body}");
    refusals += 1;
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing changed, and every refusal is in the audit log.
    let one: Value = app
        .get(&format!("/api/v1/check-ins/{check_in}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], "flagged");
    for path in [
        format!("/api/v1/assignments/{assignment}"),
        format!("/api/v1/leaves/{leave}"),
    ] {
        assert_eq!(
            app.get(&path, &admin).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    let leave_now: Value = app
        .get(&format!("/api/v1/leaves/{leave}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(leave_now["kind"], "izin");
    let manual: Value = app
        .get("/api/v1/attendance/manual", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(manual["items"].as_array().unwrap().len(), 0);
    let me: Value = app
        .get(&format!("/api/v1/employees/{h}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(me["home_latitude"].is_null());
    let log: Value = app
        .get("/api/v1/audit-log?action=duty.refused&limit=500", &admin)
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    // Two role grants plus one entry per refused act.
    assert_eq!(items.len(), refusals + 2, "{log}");
    assert!(
        items
            .iter()
            .any(|i| i["after"]["reason"] == "created_by_subject"
                && i["after"]["attempted"] == "check_in.review"
                && i["entity_id"] == h.as_str())
    );
    assert!(
        items
            .iter()
            .any(|i| i["after"]["reason"] == "own_attendance"
                && i["after"]["attempted"] == "manual_entry.create")
    );
    assert!(
        items
            .iter()
            .any(|i| i["after"]["reason"] == "role_not_below_own")
    );

    // A name is not attendance: HR may correct the spelling of their own.
    let res = crate::org::patch(
        app,
        &hr.access,
        &format!("/api/v1/employees/{h}"),
        &json!({"name": "Pegawai Satu"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An account HR did not make decides HR's check-in as usual.
    let res = post(
        app,
        &ua_independent.access,
        &format!("/api/v1/check-ins/{check_in}/review"),
        &approve,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// The created-by rule ends with its window: with `creator_conflict_days = 0` the account HR
/// made acts on HR's attendance like any other (one's own stays refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creators_rule_ends_with_its_window() {
    let w = crate::org::world_with(|s| s.attendance.creator_conflict_days = 0).await;
    let app = &w.app;
    let hr_row = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "hr", None)
        .await;
    let hr = w.login(1).await;
    let h = hr_row["id"].as_str().unwrap();
    employee_by(&w, &hr.access, 2, "unit_admin").await;
    let ua = w.login(2).await;
    let body = json!({"employee_id": h, "date": "2026-12-23", "mode": "off"});
    let res = post(app, &hr.access, "/api/v1/assignments", &body).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(app, &ua.access, "/api/v1/assignments", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
