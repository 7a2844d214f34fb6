//! Face evidence: enrolment, the background job and its flags, on the fixtures' real photos;
//! the photo's own EXIF against the check-in; jobs that fail, and two instances sharing one
//! queue.

use hadir_api::faces;
use hadir_tests::{CIMAHI, TestApp, Tokens, meta_at, photo};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::org::{World, world_with};

async fn body(res: reqwest::Response, expected: StatusCode) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, expected, "{text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

async fn enrol(app: &TestApp, token: &str, employee: &str, file: &str) -> reqwest::Response {
    let form = Form::new().part(
        "photo",
        Part::bytes(photo(file))
            .file_name(file.to_owned())
            .mime_str("image/jpeg")
            .unwrap(),
    );
    app.client
        .put(app.url(&format!("/api/v1/employees/{employee}/face")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn check_in(app: &TestApp, tokens: &Tokens, meta: &Value, file: &str) -> Value {
    body(
        app.post_check_in(&tokens.access, meta, photo(file)).await,
        StatusCode::CREATED,
    )
    .await
}

async fn detail(app: &TestApp, token: &str, id: &str) -> Value {
    body(
        app.get(&format!("/api/v1/check-ins/{id}"), token).await,
        StatusCode::OK,
    )
    .await
}

fn codes(check_in: &Value) -> Vec<String> {
    check_in["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn at_office() -> Value {
    meta_at(CIMAHI.0, CIMAHI.1, 10.0)
}

/// Employees `1..=n` at office A, each with a login.
async fn staff(w: &World, n: u32) -> Vec<(String, Tokens)> {
    let mut out = Vec::new();
    for k in 1..=n {
        let e = w
            .employee(k, &w.dinas_a, Some(&w.office_a), "employee", None)
            .await;
        out.push((e["id"].as_str().unwrap().to_owned(), w.login(k).await));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_face_job_flags_no_face_several_and_someone_else_and_queues_the_check_in() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let people = staff(&w, 4).await;
    let admin = &w.admin.access;
    // A and B are enrolled with selfie-a; C and D are not.
    let res = enrol(app, admin, &people[0].0, "selfie-a-480x640.jpg").await;
    let first = body(res, StatusCode::CREATED).await;
    assert_eq!(first["source"], "upload");
    assert!(first["face_score"].as_f64().unwrap() >= 0.75, "{first}");
    assert!(first["photo_url"].is_string() && first["thumbnail_url"].is_string());
    // Enrolling again replaces the reference (200), here with the full-resolution copy.
    let res = enrol(app, admin, &people[0].0, "selfie-a-1080x1440.jpg").await;
    body(res, StatusCode::OK).await;
    body(
        enrol(app, admin, &people[1].0, "selfie-a-480x640.jpg").await,
        StatusCode::CREATED,
    )
    .await;

    // A checks in with the sideways-stored, EXIF-rotated copy of their own face; B with
    // someone else's; C with a cat; D with a cup of coffee.
    let own = check_in(
        app,
        &people[0].1,
        &at_office(),
        "selfie-a-exif-gps-orientation6.jpg",
    )
    .await;
    let other = check_in(app, &people[1].1, &at_office(), "selfie-b-480x640.jpg").await;
    let cat = check_in(
        app,
        &people[2].1,
        &at_office(),
        "not-a-face-cat-480x640.jpg",
    )
    .await;
    let coffee = check_in(
        app,
        &people[3].1,
        &at_office(),
        "not-a-face-coffee-480x640.png",
    )
    .await;
    for answered in [&other, &cat, &coffee] {
        assert_eq!(answered["status"], "accepted", "{answered}");
        assert_eq!(
            answered["face"]["state"], "pending",
            "answered before the faces"
        );
    }
    let ran = faces::drain(&app.state, "test-worker").await.unwrap();
    assert_eq!(ran, 4);

    let own = detail(app, admin, own["id"].as_str().unwrap()).await;
    assert_eq!(own["face"]["state"], "done");
    assert_eq!(own["face"]["match"]["reference"], "enrolled");
    assert_eq!(own["face"]["match"]["same_person"], true, "{}", own["face"]);
    assert!(own["face"]["match"]["distance"].as_f64().unwrap() < 0.6);
    assert!(
        own["face"]["reference_photo_url"].is_string(),
        "shown beside the selfie"
    );
    assert!(
        !codes(&own).iter().any(|c| c.contains("face")),
        "{:?}",
        codes(&own)
    );

    let other = detail(app, admin, other["id"].as_str().unwrap()).await;
    assert_eq!(codes(&other), ["face_mismatch"], "{other}");
    assert_eq!(
        other["status"], "flagged",
        "a late flag queues an accepted check-in"
    );
    assert_eq!(other["face"]["match"]["same_person"], false);
    let detail_b = other["flags"][0]["detail"].as_str().unwrap();
    assert!(
        detail_b.contains("0.60"),
        "the threshold is stated: {detail_b}"
    );

    for (answered, what) in [(&cat, "cat"), (&coffee, "coffee")] {
        let seen = detail(app, admin, answered["id"].as_str().unwrap()).await;
        assert_eq!(codes(&seen), ["no_face"], "the {what}: {seen}");
        assert_eq!(seen["status"], "flagged");
        assert_eq!(seen["face"]["match"]["reference"], "none");
        let why = seen["flags"][0]["detail"].as_str().unwrap();
        assert!(why.contains("0.75"), "{why}");
    }

    // The phone sees it in its own list, and the change of status is audited.
    let mine = body(
        app.get("/api/v1/me/check-ins", &people[1].1.access).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"][0]["status"], "flagged");
    assert_eq!(mine["items"][0]["flags"][0]["code"], "face_mismatch");
    let log = body(
        app.get(
            &format!(
                "/api/v1/audit-log?employee_id={}&action=check_in.flagged",
                people[1].0
            ),
            admin,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");

    // The queue filters by the new flags and shows the riskiest first.
    let queue = body(
        app.get("/api/v1/check-ins?flag=no_face", admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 2, "{queue}");

    // A second run of the same job adds nothing twice.
    assert_eq!(faces::drain(&app.state, "test-worker").await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_refuses_photos_without_exactly_one_face_and_changes_nothing() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let people = staff(&w, 1).await;
    let (id, tokens) = &people[0];
    let admin = &w.admin.access;
    for (file, code) in [
        ("not-a-face-cat-480x640.jpg", "no_face"),
        ("not-a-face-coffee-480x640.png", "no_face"),
    ] {
        let problem = body(
            enrol(app, admin, id, file).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with(code), "{file}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "photo");
    }
    for file in ["bad-truncated.jpg", "bad-empty.jpg"] {
        let res = enrol(app, admin, id, file).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{file}");
    }
    let res = enrol(app, admin, id, "bad-not-an-image.jpg").await;
    assert!(
        [
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(&res.status())
    );
    // No `photo` part, or two.
    let form = Form::new().part("picture", Part::bytes(photo("selfie-a-480x640.jpg")));
    let res = app
        .client
        .put(app.url(&format!("/api/v1/employees/{id}/face")))
        .bearer_auth(admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let form = Form::new()
        .part("photo", Part::bytes(photo("selfie-a-480x640.jpg")))
        .part("photo", Part::bytes(photo("selfie-b-480x640.jpg")));
    let res = app
        .client
        .put(app.url(&format!("/api/v1/employees/{id}/face")))
        .bearer_auth(admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An employee may not enrol anyone, themselves included; an unknown employee is 404.
    let res = enrol(app, &tokens.access, id, "selfie-a-480x640.jpg").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = enrol(
        app,
        admin,
        &uuid::Uuid::new_v4().to_string(),
        "selfie-a-480x640.jpg",
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Nothing was enrolled: the reference is absent and no photo was kept.
    let res = app
        .get(&format!("/api/v1/employees/{id}/face"), admin)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let kept = app.photo_store().list("faces/").await.unwrap();
    assert!(kept.is_empty(), "{kept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_may_not_enrol_their_own_face_and_removal_deletes_the_biometrics() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let hr = w
        .employee(7, &w.dinas_a, Some(&w.office_a), "hr", None)
        .await;
    let hr_id = hr["id"].as_str().unwrap().to_owned();
    let hr_t = w.login(7).await;
    let people = staff(&w, 1).await;
    let (id, tokens) = &people[0];

    let res = enrol(app, &hr_t.access, &hr_id, "selfie-a-480x640.jpg").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "one's own face");
    let refused = body(
        app.get(
            &format!("/api/v1/audit-log?employee_id={hr_id}&action=duty.refused"),
            &w.admin.access,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refused["items"].as_array().unwrap().len(), 1, "{refused}");

    body(
        enrol(app, &hr_t.access, id, "selfie-a-480x640.jpg").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(app.photo_store().list("faces/").await.unwrap().len(), 2);
    // The employee's export holds the reference: its values and its photo.
    let res = app.get("/api/v1/me/export", &tokens.access).await;
    assert_eq!(res.status(), StatusCode::OK);
    let zip_bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.to_vec())).unwrap();
    assert!(zip.by_name("face/reference.jpg").is_ok());
    let mut data = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("hadir-data.json").unwrap(), &mut data).unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        data["data"]["face_reference"]["embedding"]
            .as_str()
            .unwrap()
            .len(),
        128 * 8,
        "128 values of 4 bytes, in hex"
    );

    // Removal: 204, then 404; the photos are gone; audited.
    let path = format!("/api/v1/employees/{id}/face");
    let res = app
        .request(reqwest::Method::DELETE, &path, Some(&hr_t.access), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .request(reqwest::Method::DELETE, &path, Some(&hr_t.access), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(app.photo_store().list("faces/").await.unwrap().is_empty());

    // Deactivating an employee deletes their reference with them.
    body(
        enrol(app, &w.admin.access, id, "selfie-a-480x640.jpg").await,
        StatusCode::CREATED,
    )
    .await;
    let res = crate::org::patch(
        app,
        &w.admin.access,
        &format!("/api/v1/employees/{id}"),
        &json!({"active": false}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get(&path, &w.admin.access).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(app.photo_store().list("faces/").await.unwrap().is_empty());
    let log = body(
        app.get(
            &format!("/api/v1/audit-log?employee_id={id}&action=face.removed"),
            &w.admin.access,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2, "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_promotes_an_approved_selfie_to_the_reference() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let people = staff(&w, 1).await;
    let (id, tokens) = &people[0];
    let admin = &w.admin.access;
    // Far from the office: flagged, then approved by the admin.
    let far = meta_at(CIMAHI.0 - 0.018, CIMAHI.1, 10.0);
    let first = check_in(app, tokens, &far, "selfie-a-480x640.jpg").await;
    let first_id = first["id"].as_str().unwrap();
    let promote = format!("/api/v1/check-ins/{first_id}/face-reference");
    let res = app.post_json(&promote, Some(admin), &json!({})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "not approved yet");
    let res = app
        .post_json(
            &format!("/api/v1/check-ins/{first_id}/review"),
            Some(admin),
            &json!({"decision": "approve", "note": "dinas luar"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post_json(&promote, Some(&tokens.access), &json!({}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "employees do not review"
    );
    let reference = body(
        app.post_json(&promote, Some(admin), &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(reference["source"], "check_in");
    assert_eq!(reference["source_check_in_id"], first_id);
    let got = body(
        app.get(&format!("/api/v1/employees/{id}/face"), admin)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got["source"], "check_in");
    // The next check-in is matched against it.
    let next = check_in(app, tokens, &at_office(), "selfie-a-1080x1440.jpg").await;
    faces::drain(&app.state, "test-worker").await.unwrap();
    let next = detail(app, admin, next["id"].as_str().unwrap()).await;
    assert_eq!(
        next["face"]["match"]["same_person"], true,
        "{}",
        next["face"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gallery_photo_whose_exif_disagrees_is_photo_mismatch_with_both_values() {
    let w = world_with(|_| {}).await;
    let app = &w.app;
    let people = staff(&w, 1).await;
    let answered = check_in(
        app,
        &people[0].1,
        &at_office(),
        "selfie-a-exif-gps-orientation6.jpg",
    )
    .await;
    assert_eq!(answered["status"], "flagged");
    let flag = answered["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "photo_mismatch")
        .unwrap_or_else(|| panic!("{answered}"));
    let detail = flag["detail"].as_str().unwrap();
    assert!(
        detail.contains("2026-11-02"),
        "the photo's own time: {detail}"
    );
    assert!(detail.contains("km"), "the photo's own distance: {detail}");
    // A camera frame without EXIF is not a mismatch.
    let plain = check_in(app, &people[0].1, &at_office(), "selfie-b-480x640.jpg").await;
    assert!(
        !codes(&plain).contains(&"photo_mismatch".to_owned()),
        "{plain}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_keeps_failing_is_retried_then_reported_on_the_check_in() {
    let w = world_with(|s| {
        s.faces.max_attempts = 2;
        s.faces.retry_base_s = 1;
    })
    .await;
    let app = &w.app;
    let people = staff(&w, 1).await;
    let answered = check_in(app, &people[0].1, &at_office(), "selfie-b-480x640.jpg").await;
    let id = answered["id"].as_str().unwrap().to_owned();
    // The selfie is gone from the store (a broken disk, say): every attempt fails.
    let row = hadir_storage::repo::check_ins::find(&mut app.db.connect(), &id).unwrap();
    let key = hadir_domain::PhotoKey::new(row.photo_key).unwrap();
    app.photo_store().delete(&key).await.unwrap();
    assert_eq!(faces::drain(&app.state, "w").await.unwrap(), 1);
    let job = hadir_storage::repo::faces::find_job(&mut app.db.connect(), &id).unwrap();
    assert_eq!(
        (job.state.as_str(), job.attempts),
        ("pending", 1),
        "retried later"
    );
    assert!(job.last_error.unwrap().contains("photo store"));
    let seen = detail(app, &w.admin.access, &id).await;
    assert_eq!(seen["face"]["state"], "pending");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(faces::drain(&app.state, "w").await.unwrap(), 1);
    let job = hadir_storage::repo::faces::find_job(&mut app.db.connect(), &id).unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 2));
    let seen = detail(app, &w.admin.access, &id).await;
    assert_eq!(seen["face"]["state"], "failed", "{}", seen["face"]);
    assert!(
        seen["face"]["error"]
            .as_str()
            .unwrap()
            .contains("photo store")
    );
    let log = body(
        app.get(
            &format!(
                "/api/v1/audit-log?action=face_job.failed&employee_id={}",
                people[0].0
            ),
            &w.admin.access,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let (pending, failed) = hadir_storage::repo::faces::counts(&mut app.db.connect()).unwrap();
    assert_eq!((pending, failed), (0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_job_whose_worker_died_falls_due_again_and_two_instances_run_each_job_once() {
    let w = world_with(|s| s.faces.lease_s = 30).await;
    let app = &w.app;
    let people = staff(&w, 3).await;
    let mut ids = Vec::new();
    for (k, (_, tokens)) in people.iter().enumerate() {
        for file in ["selfie-a-480x640.jpg", "selfie-b-480x640.jpg"] {
            let mut meta = at_office();
            meta["kind"] = json!(if k % 2 == 0 { "in" } else { "out" });
            ids.push(
                check_in(app, tokens, &meta, file).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    // A worker claims two jobs and dies before finishing them.
    let now = hadir_storage::now_utc();
    let claimed = hadir_storage::repo::faces::claim(
        &mut app.db.connect(),
        "dead-worker",
        now,
        now + chrono::TimeDelta::seconds(3),
        2,
    )
    .unwrap();
    assert_eq!(claimed.len(), 2);
    // Its jobs are not claimable while its lease holds...
    let sibling = app.sibling().await;
    let during = faces::drain(&sibling.state, "sibling").await.unwrap();
    assert_eq!(during, ids.len() - 2);
    // ...and are once it ends.
    let left = (now + chrono::TimeDelta::milliseconds(3100)) - hadir_storage::now_utc();
    tokio::time::sleep(left.to_std().unwrap_or_default()).await;
    assert_eq!(faces::drain(&app.state, "first").await.unwrap(), 2);
    // More check-ins, drained by both instances at once: each job runs once.
    let mut more = Vec::new();
    for (_, tokens) in &people {
        for file in ["not-a-face-cat-480x640.jpg", "selfie-a-1080x1440.jpg"] {
            more.push(
                check_in(app, tokens, &at_office(), file).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let (a, b) = tokio::join!(
        faces::drain(&app.state, "first"),
        faces::drain(&sibling.state, "second")
    );
    assert_eq!(a.unwrap() + b.unwrap(), more.len());
    let mut conn = app.db.connect();
    for id in ids.iter().chain(&more) {
        let job = hadir_storage::repo::faces::find_job(&mut conn, id).unwrap();
        assert_eq!(job.state, "done", "{id}");
        let expected = if claimed.contains(id) { 2 } else { 1 };
        assert_eq!(
            job.attempts, expected,
            "each job ran once (the dead worker's twice): {id}"
        );
    }
    // Each check-in got its evidence once: one no_face flag per cat, never two.
    for id in &more {
        let row = hadir_storage::repo::check_ins::find(&mut conn, id).unwrap();
        let flags: Vec<Value> = serde_json::from_str(&row.flags_json).unwrap();
        let no_face = flags.iter().filter(|f| f["code"] == "no_face").count();
        assert!(no_face <= 1, "{id}: {flags:?}");
    }
}
