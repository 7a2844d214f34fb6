//! Schedules, holidays, assignments, rosters and leave through the API; `GET /me/today`; and
//! the check-in pipeline judging against the day's plan.

use chrono::{TimeDelta, Timelike, Utc};
use hadir_storage::repo::audit;
use hadir_tests::{CIMAHI, TestApp, Tokens, meta_at, photo, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org::{World, created, patch, post, world};

/// The civil-service week: Mon-Thu 07:30-16:00, Fri 07:30-16:30.
fn civil_week() -> Value {
    let day = json!({"start": "07:30", "end": "16:00"});
    json!({"mon": day, "tue": day, "wed": day, "thu": day,
           "fri": {"start": "07:30", "end": "16:30"}})
}

/// The same hours on all seven days.
fn every_day(start: &str, end: &str) -> Value {
    let h = json!({"start": start, "end": end});
    json!({"mon": h, "tue": h, "wed": h, "thu": h, "fri": h, "sat": h, "sun": h})
}

/// `HH:MM` in Jakarta, `minutes` from now.
fn jakarta_hhmm(minutes: i64) -> String {
    let t = Utc::now() + TimeDelta::hours(7) + TimeDelta::minutes(minutes);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

async fn id_of(res: reqwest::Response) -> String {
    created(res).await["id"].as_str().unwrap().to_owned()
}

async fn default_schedule(app: &TestApp, admin: &Tokens, days: Value) -> String {
    let body = json!({"name": "Jam kerja", "days": days, "is_default": true,
                      "check_in_opens_before_minutes": 0, "check_out_closes_after_minutes": 0});
    id_of(post(app, &admin.access, "/api/v1/schedules", &body).await).await
}

async fn today_of(app: &TestApp, token: &str) -> Value {
    let res = app.get("/api/v1/me/today", token).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn codes(check_in: &Value) -> Vec<String> {
    check_in["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_validated_listed_changed_and_kept_while_in_use() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let body = json!({
        "name": "Jam kerja ASN", "days": civil_week(), "grace_minutes": 5,
        "overrides": [{"name": "Ramadan", "from": "2027-02-08", "to": "2027-03-09",
                       "days": every_day("08:00", "15:00")}],
    });
    let schedule = created(post(app, t, "/api/v1/schedules", &body).await).await;
    assert_eq!(schedule["days"]["fri"]["end"], "16:30");
    assert!(schedule["days"]["sat"].is_null());
    assert_eq!(schedule["check_in_opens_before_minutes"], 60);
    assert_eq!(schedule["overrides"][0]["days"]["sun"]["start"], "08:00");
    let id = schedule["id"].as_str().unwrap();

    // Each bad field is named.
    for (bad, field) in [
        (json!({"name": "X", "days": {"monday": null}}), "days"),
        (
            json!({"name": "X", "days": {"mon": {"start": "7:30", "end": "16:00"}}}),
            "days",
        ),
        (
            json!({"name": "X", "days": civil_week(), "grace_minutes": -1}),
            "grace_minutes",
        ),
        (json!({"name": "", "days": civil_week()}), "name"),
        (
            json!({"name": "X", "days": civil_week(), "overrides": [
                {"name": "A", "from": "2027-02-08", "to": "2027-02-01", "days": {}}]}),
            "overrides[0]",
        ),
        (
            json!({"name": "X", "days": civil_week(), "overrides": [
                {"name": "A", "from": "2027-02-01", "to": "2027-02-10", "days": {}},
                {"name": "B", "from": "2027-02-10", "to": "2027-02-20", "days": {}}]}),
            "overrides[1]",
        ),
    ] {
        let p = problem(
            post(app, t, "/api/v1/schedules", &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            p["errors"][0]["field"].as_str().unwrap().starts_with(field),
            "{bad}: {p}"
        );
    }

    let res = patch(
        app,
        t,
        &format!("/api/v1/schedules/{id}"),
        &json!({"grace_minutes": 10}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = app.get("/api/v1/schedules", t).await.json().await.unwrap();
    assert_eq!(list["items"][0]["grace_minutes"], 10);

    // A unit follows it: it cannot be deleted until the unit names none.
    let res = patch(
        app,
        t,
        &format!("/api/v1/units/{}", w.dinas_a),
        &json!({"schedule_id": id}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let unit: Value = res.json().await.unwrap();
    assert_eq!(unit["schedule_id"], id);
    problem(
        app.request(
            Method::DELETE,
            &format!("/api/v1/schedules/{id}"),
            Some(t),
            None,
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let res = patch(
        app,
        t,
        &format!("/api/v1/units/{}", w.dinas_a),
        &json!({"schedule_id": null}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/schedules/{id}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A schedule that does not exist is named as such.
    let p = problem(
        patch(
            app,
            t,
            &format!("/api/v1/units/{}", w.dinas_a),
            &json!({"schedule_id": id}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "schedule_id");
    let mut conn = app.db.connect();
    let log = audit::for_entity(&mut conn, "schedule", id).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["schedule.create", "schedule.update", "schedule.delete"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holidays_are_one_per_date_and_everyone_can_read_them() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    w.employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let budi = w.login(1).await;
    let natal = json!({"date": "2026-12-25", "name": "Hari Raya Natal"});
    let h = created(post(app, t, "/api/v1/holidays", &natal).await).await;
    assert_eq!(h["kind"], "national");
    problem(
        post(app, t, "/api/v1/holidays", &natal).await,
        StatusCode::CONFLICT,
    )
    .await;
    let cuti =
        json!({"date": "2026-12-24", "name": "Cuti bersama Natal", "kind": "collective_leave"});
    created(post(app, t, "/api/v1/holidays", &cuti).await).await;
    let p = problem(
        post(
            app,
            t,
            "/api/v1/holidays",
            &json!({"date": "2026-12-26", "name": "X", "kind": "party"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "kind");
    // Employees read them (phones show them) but do not write them.
    let list: Value = app
        .get("/api/v1/holidays?year=2026", &budi.access)
        .await
        .json()
        .await
        .unwrap();
    let dates: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-12-24", "2026-12-25"]);
    let none: Value = app
        .get("/api/v1/holidays?year=2027", &budi.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
    // Without bounds: every holiday; a year out of range is named.
    let all: Value = app
        .get("/api/v1/holidays", &budi.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let p = problem(
        app.get("/api/v1/holidays?year=0", &budi.access).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "year");
    let december: Value = app
        .get("/api/v1/holidays?year=2026&from=2026-12-25", &budi.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(december["items"][0]["name"], "Hari Raya Natal");
    assert_eq!(december["items"].as_array().unwrap().len(), 1);
    problem(
        post(
            app,
            &budi.access,
            "/api/v1/holidays",
            &json!({"date": "2026-12-31", "name": "X"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn today_follows_leave_then_holiday_then_assignment_then_schedule() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let budi_id = budi["id"].as_str().unwrap();
    let tokens = w.login(1).await;

    // No schedule at all: a work day at the employee's office, at any hour.
    let day = today_of(app, &tokens.access).await;
    assert_eq!(day["mode"], "office");
    assert_eq!(day["place"]["id"], w.office_a.as_str());
    assert!(day["window"].is_null());
    assert_eq!(day["timezone"], "Asia/Jakarta");

    // A default schedule every day 07:30-16:00: the window is today's, in Jakarta time.
    default_schedule(app, &w.admin, every_day("07:30", "16:00")).await;
    let day = today_of(app, &tokens.access).await;
    let date = day["date"].as_str().unwrap().to_owned();
    assert_eq!(
        day["window"]["start"],
        format!("{date}T00:30:00Z"),
        "07:30 WIB is 00:30 UTC"
    );
    assert_eq!(day["window"]["end"], format!("{date}T09:00:00Z"));

    // Field duty today.
    let today = date;
    let assignment = json!({
        "employee_id": budi_id, "date": today, "mode": "field",
        "destination": {"name": "Kelurahan Cibabat", "latitude": -6.8631, "longitude": 107.5520,
                        "radius_m": 150},
        "letter_number": "800/45/Diskominfo",
    });
    created(post(app, t, "/api/v1/assignments", &assignment).await).await;
    let day = today_of(app, &tokens.access).await;
    assert_eq!(day["mode"], "field");
    assert_eq!(day["place"]["name"], "Kelurahan Cibabat");
    assert!(
        day["reason"]
            .as_str()
            .unwrap()
            .contains("800/45/Diskominfo")
    );

    // A holiday beats the assignment; leave beats the holiday.
    created(
        post(
            app,
            t,
            "/api/v1/holidays",
            &json!({"date": today, "name": "Hari libur"}),
        )
        .await,
    )
    .await;
    let day = today_of(app, &tokens.access).await;
    assert_eq!(day["mode"], "holiday");
    assert!(day["place"].is_null() && day["window"].is_null());
    let leave =
        json!({"employee_id": budi_id, "starts_on": today, "ends_on": today, "kind": "sakit"});
    created(post(app, t, "/api/v1/leaves", &leave).await).await;
    let day = today_of(app, &tokens.access).await;
    assert_eq!(day["mode"], "leave");
    assert_eq!(day["reason"], "on leave (sakit)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_are_judged_against_the_days_assignment_and_window() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let budi_id = budi["id"].as_str().unwrap();
    let tokens = w.login(1).await;

    // Hours from an hour ago to an hour ahead, every day: a check-in now is inside the window.
    let schedule = default_schedule(
        app,
        &w.admin,
        every_day(&jakarta_hhmm(-60), &jakarta_hhmm(60)),
    )
    .await;
    let res = app
        .post_check_in(
            &tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "accepted", "{body}");
    assert_eq!(body["place"]["kind"], "office");

    // Field duty today at Cibabat, 1.3 km from the office: judged against the destination.
    // (The work day as the server counts it: near midnight, hours that wrap belong to the day
    // they started.)
    let cibabat = (-6.8631, 107.5520);
    let day = today_of(app, &tokens.access).await["date"].clone();
    let assignment = json!({
        "employee_id": budi_id, "date": day, "mode": "field",
        "destination": {"name": "Kelurahan Cibabat", "latitude": cibabat.0, "longitude": cibabat.1,
                        "radius_m": 150},
        "letter_number": "800/45/Diskominfo",
    });
    let a = created(post(app, t, "/api/v1/assignments", &assignment).await).await;
    let mut meta = meta_at(cibabat.0, cibabat.1, 10.0);
    meta["kind"] = json!("out");
    let res = app
        .post_check_in(&tokens.access, &meta, photo("selfie-b-480x640.jpg"))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["place"]["kind"], "field", "{body}");
    assert_eq!(body["place"]["name"], "Kelurahan Cibabat");
    assert_eq!(body["geofence"], "inside");
    assert!(
        !codes(&body).contains(&"outside_geofence".to_owned()),
        "{body}"
    );

    // Hours that start two hours from now: a check-in now is before the window opens. They
    // hold from the work day of the check-ins above (near midnight, the day before the
    // calendar's: hours that wrap belong to the day they started, and that day would otherwise
    // keep the hours it had, within which a check-in now still falls).
    let res = patch(
        app,
        t,
        &format!("/api/v1/schedules/{schedule}"),
        &json!({"days": every_day(&jakarta_hhmm(120), &jakarta_hhmm(180)), "valid_from": day}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/assignments/{}", a["id"].as_str().unwrap()),
            Some(t),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_check_in(
            &tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("not-a-face-cat-480x640.jpg"),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    // (Also impossible_travel: 1.5 km from the check-in at Cibabat seconds earlier.)
    assert_eq!(
        codes(&body),
        ["impossible_travel", "outside_window"],
        "{body}"
    );
    assert_eq!(body["status"], "flagged");
    let detail = body["flags"][1]["detail"].as_str().unwrap();
    assert!(
        detail.contains("outside the") && detail.contains("Asia/Jakarta"),
        "{detail}"
    );

    // A day off by assignment: no place to be, flagged no_assignment with the plan's reason.
    let day = today_of(app, &tokens.access).await["date"].clone();
    let off = json!({"employee_id": budi_id, "date": day, "mode": "off"});
    created(post(app, t, "/api/v1/assignments", &off).await).await;
    let mut meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    meta["kind"] = json!("out");
    let res = app
        .post_check_in(
            &tokens.access,
            &meta,
            photo("not-a-face-coffee-480x640.png"),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(body["place"].is_null(), "{body}");
    assert_eq!(codes(&body), ["no_assignment"], "{body}");
    let detail = body["flags"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("no work is planned on") && detail.contains("off by assignment"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignments_are_checked_per_mode_and_one_per_day() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let id = budi["id"].as_str().unwrap();
    let base = |mode: &str| json!({"employee_id": id, "date": "2026-12-02", "mode": mode});
    for (body, field) in [
        (base("party"), "mode"),
        (base("field"), "destination"),
        (base("duty"), "office_id"),
        (
            {
                let mut b = base("field");
                b["destination"] =
                    json!({"name": "X", "latitude": 91.0, "longitude": 0.0, "radius_m": 10});
                b["letter_number"] = json!("1/2");
                b
            },
            "destination.latitude",
        ),
        (
            {
                let mut b = base("office");
                b["letter_number"] = json!("1/2");
                b
            },
            "letter_number",
        ),
        // Work from home needs a home point.
        (base("home"), "mode"),
        (
            json!({"employee_id": uuid::Uuid::new_v4(), "date": "2026-12-02", "mode": "off"}),
            "employee_id",
        ),
    ] {
        let p = problem(
            post(app, t, "/api/v1/assignments", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    // A night duty shift at the office.
    let mut duty = base("duty");
    duty["office_id"] = json!(w.office_a);
    duty["shift"] = json!({"start": "21:00", "end": "07:00"});
    let a = created(post(app, t, "/api/v1/assignments", &duty).await).await;
    assert_eq!(a["shift"]["end"], "07:00");
    // One per employee and day.
    problem(
        post(app, t, "/api/v1/assignments", &base("off")).await,
        StatusCode::CONFLICT,
    )
    .await;
    // PATCH replaces what the day says, keeping employee and date.
    let path = format!("/api/v1/assignments/{}", a["id"].as_str().unwrap());
    let res = patch(app, t, &path, &json!({"mode": "office"})).await;
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["mode"], "office");
    assert!(after["shift"].is_null() && after["office_id"].is_null());
    assert_eq!(after["date"], "2026-12-02");
    let p = problem(
        patch(app, t, &path, &json!({"mode": "off", "date": "2026-12-03"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "date");
    let list: Value = app
        .get(
            &format!("/api/v1/assignments?employee_id={id}&from=2026-12-01&to=2026-12-31"),
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// Four people of Dinas A with home points; one of echelon III.
async fn wfh_unit(w: &World) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 1..=4 {
        let body = json!({
            "nip": crate::org::nip(n), "name": format!("Pegawai {n}"), "unit_id": w.dinas_a,
            "position": "Analis", "echelon": if n == 4 { "III" } else { "staff" },
            "office_id": w.office_a,
            "home_latitude": CIMAHI.0 + 0.01, "home_longitude": CIMAHI.1, "home_radius_m": 100,
        });
        ids.push(id_of(post(&w.app, &w.admin.access, "/api/v1/employees", &body).await).await);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rosters_keep_the_wfh_quota_and_the_echelon_rule() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let ids = wfh_unit(&w).await;
    // Half of Dinas A may work from home on a day.
    let res = patch(
        app,
        t,
        &format!("/api/v1/units/{}", w.dinas_a),
        &json!({"wfh_quota_percent": 50}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let week = |pattern: &[(&str, &str)]| {
        pattern
            .iter()
            .map(|(d, m)| ((*d).to_owned(), json!(m)))
            .collect::<serde_json::Map<_, _>>()
    };
    // Three of four at home on Tuesday 1 December: over the 50% quota.
    let roster = |groups: Value| {
        json!({"unit_id": w.dinas_a, "name": "WFH Desember", "starts_on": "2026-11-30",
               "ends_on": "2026-12-13", "groups": groups})
    };
    let too_many = roster(json!([
        {"name": "A", "employee_ids": [ids[0], ids[1], ids[2]],
         "weeks": [week(&[("mon", "office"), ("tue", "home")])]},
    ]));
    let p = problem(
        post(app, t, "/api/v1/rosters", &too_many).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let messages: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "two Tuesdays: {messages:?}");
    assert!(
        messages[0].starts_with("2026-12-01: 3 of 4 people of Dinas A"),
        "{messages:?}"
    );
    assert!(messages[0].contains("Pegawai 1, Pegawai 2, Pegawai 3"));
    assert!(messages[1].starts_with("2026-12-08"));
    // Nothing was written.
    let list: Value = app
        .get("/api/v1/assignments", t)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    // Echelon III stays in the office.
    let boss_home = roster(json!([
        {"name": "A", "employee_ids": [ids[3]], "weeks": [week(&[("wed", "home")])]},
    ]));
    let p = problem(
        post(app, t, "/api/v1/rosters", &boss_home).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Pegawai 4")
            && message.contains("echelon III")
            && message.contains("2026-12-02, 2026-12-09"),
        "{message}"
    );

    // A day assigned by hand is kept. Two groups alternate over two weeks.
    let field = json!({"employee_id": ids[0], "date": "2026-12-01", "mode": "field",
        "destination": {"name": "Desa", "latitude": -6.9, "longitude": 107.6, "radius_m": 200},
        "letter_number": "1/2026"});
    created(post(app, t, "/api/v1/assignments", &field).await).await;
    let good = roster(json!([
        {"name": "A", "employee_ids": [ids[0], ids[1]],
         "weeks": [week(&[("tue", "home"), ("thu", "office")]), week(&[("tue", "office"), ("thu", "home")])]},
        {"name": "B", "employee_ids": [ids[2]],
         "weeks": [week(&[("tue", "office"), ("thu", "home")]), week(&[("tue", "home"), ("thu", "office")])]},
    ]));
    let res = post(app, t, "/api/v1/rosters", &good).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    // 2 weeks x 2 days x 3 people = 12 days, less the one kept.
    assert_eq!(body["assignments_created"], 11, "{body}");
    assert_eq!(body["kept"][0]["date"], "2026-12-01");
    assert_eq!(body["kept"][0]["mode"], "field");
    let roster_id = body["roster"]["id"].as_str().unwrap();
    let got: Value = app
        .get(&format!("/api/v1/rosters/{roster_id}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["assignments"], 11);
    // Week two swaps group A's days.
    let list: Value = app
        .get(
            &format!(
                "/api/v1/assignments?employee_id={}&from=2026-12-08&to=2026-12-13",
                ids[1]
            ),
            t,
        )
        .await
        .json()
        .await
        .unwrap();
    let modes: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["date"].as_str().unwrap(), a["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(modes, [("2026-12-08", "office"), ("2026-12-10", "home")]);
    // Saving another roster over the same days replaces this one's, still within the quota.
    let again = roster(json!([
        {"name": "A", "employee_ids": [ids[0]], "weeks": [week(&[("thu", "office")])]},
    ]));
    let body: Value = post(app, t, "/api/v1/rosters", &again)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["assignments_replaced"], 2, "{body}");
    // Single assignments are checked the same way: one per day, and a third person at home on
    // Wednesday 2 December would break the quota.
    let mut conn = app.db.connect();
    let log = audit::for_entity(&mut conn, "roster", roster_id).unwrap();
    assert_eq!(log[0].action, "roster.create");
    drop(conn);
    let home = json!({"employee_id": ids[0], "date": "2026-12-03", "mode": "home"});
    let res = post(app, t, "/api/v1/assignments", &home).await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "ids[0] already has that day"
    );
    let ok_home = json!({"employee_id": ids[1], "date": "2026-12-02", "mode": "home"});
    created(post(app, t, "/api/v1/assignments", &ok_home).await).await;
    let too = json!({"employee_id": ids[0], "date": "2026-12-02", "mode": "home"});
    created(post(app, t, "/api/v1/assignments", &too).await).await;
    let third = json!({"employee_id": ids[2], "date": "2026-12-02", "mode": "home"});
    let p = problem(
        post(app, t, "/api/v1/assignments", &third).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-02: 3 of 4")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_does_not_overlap_and_is_validated() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let id = budi["id"].as_str().unwrap();
    let leave = |from: &str, to: &str, kind: &str| json!({"employee_id": id, "starts_on": from, "ends_on": to, "kind": kind});
    let l = created(
        post(
            app,
            t,
            "/api/v1/leaves",
            &leave("2026-12-07", "2026-12-09", "cuti"),
        )
        .await,
    )
    .await;
    let p = problem(
        post(
            app,
            t,
            "/api/v1/leaves",
            &leave("2026-12-09", "2026-12-10", "sakit"),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("2026-12-07 to 2026-12-09")
    );
    for (body, field) in [
        (leave("2026-12-10", "2026-12-01", "cuti"), "ends_on"),
        (leave("2026-12-10", "2026-12-11", "holiday"), "kind"),
    ] {
        let p = problem(
            post(app, t, "/api/v1/leaves", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], field);
    }
    let path = format!("/api/v1/leaves/{}", l["id"].as_str().unwrap());
    let res = patch(
        app,
        t,
        &path,
        &json!({"ends_on": "2026-12-11", "note": "diperpanjang"}),
    )
    .await;
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["ends_on"], "2026-12-11");
    let list: Value = app
        .get("/api/v1/leaves?from=2026-12-10&to=2026-12-31", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let res = app.request(Method::DELETE, &path, Some(t), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(app.get(&path, t).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_routes_follow_the_scope_of_every_role() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    let _head_a = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    let boss = w
        .employee(2, &w.bidang_a1, Some(&w.office_a), "supervisor", None)
        .await;
    let staff_a1 = w
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
    let (unit_admin, supervisor, employee, hr) = (
        w.login(1).await,
        w.login(2).await,
        w.login(3).await,
        w.login(5).await,
    );
    let a1 = staff_a1["id"].as_str().unwrap();
    let b = staff_b["id"].as_str().unwrap();

    let assignment = |e: &str| json!({"employee_id": e, "date": "2026-12-02", "mode": "off"});
    let leave = |e: &str| json!({"employee_id": e, "starts_on": "2026-12-10", "ends_on": "2026-12-10", "kind": "izin"});
    let mut in_a = Vec::new();
    let mut in_b = Vec::new();
    for (kind, body_a, body_b) in [
        ("assignments", assignment(a1), assignment(b)),
        ("leaves", leave(a1), leave(b)),
    ] {
        in_a.push(format!(
            "/api/v1/{kind}/{}",
            id_of(post(app, t, &format!("/api/v1/{kind}"), &body_a).await).await
        ));
        in_b.push(format!(
            "/api/v1/{kind}/{}",
            id_of(post(app, &hr.access, &format!("/api/v1/{kind}"), &body_b).await).await
        ));
    }
    let ok = |status: StatusCode, path: &str, who: &str| {
        assert_eq!(status, StatusCode::OK, "{who} {path}");
    };
    for path in in_a.iter().chain(&in_b) {
        ok(app.get(path, t).await.status(), path, "admin");
        ok(app.get(path, &hr.access).await.status(), path, "hr");
    }
    // Unit admin of Dinas A: A's records, not B's (404), writes likewise.
    for path in &in_a {
        ok(
            app.get(path, &unit_admin.access).await.status(),
            path,
            "unit admin",
        );
        ok(
            app.get(path, &supervisor.access).await.status(),
            path,
            "supervisor",
        );
        ok(
            app.get(path, &employee.access).await.status(),
            path,
            "employee",
        );
    }
    for path in &in_b {
        for who in [&unit_admin, &supervisor, &employee] {
            problem(app.get(path, &who.access).await, StatusCode::NOT_FOUND).await;
        }
        problem(
            app.request(Method::DELETE, path, Some(&unit_admin.access), None)
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    problem(
        patch(
            app,
            &unit_admin.access,
            &in_b[0],
            &json!({"mode": "office"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let p = problem(
        post(
            app,
            &unit_admin.access,
            "/api/v1/assignments",
            &json!({"employee_id": b, "date": "2026-12-03", "mode": "off"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "employee_id");
    // Supervisors and employees read, never write; schedules and rosters are not theirs.
    for who in [&supervisor, &employee] {
        problem(
            post(app, &who.access, "/api/v1/assignments", &assignment(a1)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        problem(
            app.request(Method::DELETE, &in_a[1], Some(&who.access), None)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        problem(
            app.get("/api/v1/rosters", &who.access).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    problem(
        app.get("/api/v1/schedules", &employee.access).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        post(
            app,
            &unit_admin.access,
            "/api/v1/schedules",
            &json!({"name": "X", "days": {}}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Lists: each sees their own share.
    let count = |v: Value| v["items"].as_array().unwrap().len();
    for (who, n) in [
        (t, 2),
        (&unit_admin.access, 1),
        (&supervisor.access, 1),
        (&employee.access, 1),
    ] {
        let list: Value = app
            .get("/api/v1/assignments", who)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(count(list), n);
    }
    let list: Value = app
        .get(
            &format!("/api/v1/leaves?unit_id={}", w.dinas_b),
            &unit_admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(list), 0, "a unit outside scope lists nothing");
    let list: Value = app
        .get(&format!("/api/v1/leaves?unit_id={}", w.dinas_b), &hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count(list), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_allowed_at_several_offices_is_inside_at_any_of_them() {
    let w = world().await;
    let t = &w.admin.access;
    let app = &w.app;
    // A third office 2 km south of the others.
    let south = (CIMAHI.0 - 0.018, CIMAHI.1);
    let office_c = id_of(
        post(
            app,
            t,
            "/api/v1/offices",
            &json!({"name": "Kantor C", "unit_id": w.dinas_b, "latitude": south.0,
                    "longitude": south.1, "radius_m": 100, "timezone": "Asia/Jakarta"}),
        )
        .await,
    )
    .await;
    let body = json!({
        "nip": crate::org::nip(1), "name": "Pegawai 1", "unit_id": w.dinas_a,
        "position": "Analis", "echelon": "staff", "office_id": w.office_a,
        "other_office_ids": [office_c, office_c],
        "username": "pegawai1", "password": "sandi-yang-panjang",
    });
    let budi = created(post(app, t, "/api/v1/employees", &body).await).await;
    assert_eq!(budi["other_office_ids"], json!([office_c]));
    let tokens = w.login(1).await;
    let me: Value = app
        .get("/api/v1/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = me["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Kantor A", "Kantor C"], "primary first");
    let res = app
        .post_check_in(
            &tokens.access,
            &meta_at(south.0, south.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["place"]["name"], "Kantor C", "{body}");
    assert_eq!(body["geofence"], "inside");

    // Taken away, Kantor C is no place of theirs: the same spot is 2 km outside Kantor A.
    let path = format!("/api/v1/employees/{}", budi["id"].as_str().unwrap());
    let after: Value = patch(app, t, &path, &json!({"other_office_ids": []}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["other_office_ids"], json!([]));
    let mut meta = meta_at(south.0, south.1, 10.0);
    meta["kind"] = json!("out");
    let res = app
        .post_check_in(&tokens.access, &meta, photo("selfie-b-480x640.jpg"))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["place"]["name"], "Kantor A", "{body}");
    assert_eq!(body["geofence"], "outside");
    let p = problem(
        patch(
            app,
            t,
            &path,
            &json!({"other_office_ids": [uuid::Uuid::new_v4()]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "other_office_ids[0]");
}

/// Every kind of write to the rows all plans are read against moves the plan epoch, the number
/// the check-in route's kept copy of them is checked against: through the API and in plain SQL,
/// insert, update and delete, on units, offices, schedules, schedule versions and holidays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_to_the_organisations_plan_rows_moves_the_plan_epoch() {
    use diesel::{QueryDsl, RunQueryDsl};
    use hadir_storage::schema::plan_epoch;
    let w = world().await;
    let (app, t) = (&w.app, &w.admin.access);
    let epoch = || -> i64 {
        plan_epoch::table
            .select(plan_epoch::version)
            .first(&mut app.db.connect())
            .unwrap()
    };
    let sql = |statement: &str| {
        diesel::sql_query(statement)
            .execute(&mut app.db.connect())
            .unwrap_or_else(|e| panic!("{statement}: {e}"))
    };
    let mut last = epoch();
    let mut moved = |what: &str, now: i64| {
        assert!(
            now > last,
            "{what} did not move the epoch ({last} -> {now})"
        );
        last = now;
    };
    let schedule = default_schedule(app, &w.admin, civil_week()).await;
    moved("a schedule created", epoch());
    let natal = json!({"date": "2026-12-25", "name": "Hari Raya Natal"});
    created(post(app, t, "/api/v1/holidays", &natal).await).await;
    moved("a holiday created", epoch());
    sql(&format!(
        "INSERT INTO schedule_versions (id, schedule_id, valid_until, days_json, grace_minutes, \
         check_in_opens_before_minutes, check_out_closes_after_minutes, overrides_json, \
         created_at) VALUES ('v1', '{schedule}', '2026-11-30', '{{}}', 0, 0, 0, '{{}}', \
         '2026-12-01 00:00:00')"
    ));
    moved("a schedule version inserted", epoch());
    for (what, statement) in [
        ("units updated", "UPDATE units SET name = name"),
        (
            "offices updated",
            "UPDATE offices SET radius_m = radius_m + 1",
        ),
        ("schedules updated", "UPDATE schedules SET name = name"),
        ("schedule versions deleted", "DELETE FROM schedule_versions"),
        ("holidays deleted", "DELETE FROM holidays"),
    ] {
        assert!(sql(statement) > 0, "{what}: no row to write");
        moved(what, epoch());
    }
}
