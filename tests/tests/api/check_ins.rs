//! POST /api/v1/check-ins and reading check-ins back: verdicts, flags, fixtures, retries,
//! conflicts, bad input and faults.

use std::time::Duration;

use hadir_storage::repo::check_ins;
use hadir_tests::{CIMAHI, Staff, TestApp, meta_at, photo, problem};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// An app with an org and one employee (`budi`) working at its office.
async fn app_with_budi() -> (TestApp, Staff) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    (app, budi)
}

fn rows(app: &TestApp, staff: &Staff) -> i64 {
    check_ins::count_for_employee(&mut app.db.connect(), &staff.employee_id).unwrap()
}

async fn objects(app: &TestApp) -> usize {
    let store = app.photo_store();
    store.list("selfies/").await.unwrap().len() + store.list("thumbs/").await.unwrap().len()
}

fn codes(body: &Value) -> Vec<String> {
    body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn created(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/check-ins/{}", body["id"].as_str().unwrap())
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_md_example_is_recorded_inside_the_geofence() {
    let (app, budi) = app_with_budi().await;
    let meta = json!({"client_id": "0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11", "kind": "in",
        "captured_at": chrono::Utc::now().to_rfc3339(),
        "latitude": -6.872_0, "longitude": 107.542_1, "accuracy_m": 12.5,
        "is_mock": false, "altitude_m": 712.0, "device_id": "a1b2c3"});
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    let body = created(res).await;
    assert_eq!(body["client_id"], "0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11");
    assert_eq!(body["employee_id"], budi.employee_id.as_str());
    assert_eq!(body["geofence"], "inside");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["flags"], json!([]));
    assert_eq!(body["place"]["kind"], "office");
    assert_eq!(body["place"]["name"], "Kantor Pemkot Cimahi");
    assert_eq!(body["place"]["radius_m"], 100.0);
    assert!(body["distance_m"].as_f64().unwrap() < 30.0, "{body}");
    assert!(body["received_at"].as_str().unwrap().ends_with('Z'));
    assert!(body["captured_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["timezone"], "Asia/Jakarta");
    assert_eq!(body["selfie_url"], Value::Null);
    assert_eq!(body["review"], Value::Null);
    assert_eq!(rows(&app, &budi), 1);
    assert_eq!(
        objects(&app).await,
        1,
        "the selfie; its thumbnail is made when first shown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_outside_the_radius_is_flagged_not_refused() {
    let (app, budi) = app_with_budi().await;
    // About 221 m north of the office, 10 m accuracy.
    let meta = meta_at(CIMAHI.0 + 0.002, CIMAHI.1, 10.0);
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    let body = created(res).await;
    assert_eq!(body["geofence"], "outside");
    assert_eq!(body["status"], "flagged");
    assert_eq!(codes(&body), ["outside_geofence"]);
    let detail = body["flags"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("221 m from the place"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_whose_accuracy_straddles_the_fence_is_uncertain() {
    let (app, budi) = app_with_budi().await;
    let meta = meta_at(CIMAHI.0 + 0.001, CIMAHI.1, 30.0);
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    let body = created(res).await;
    assert_eq!(body["geofence"], "uncertain");
    assert_eq!(codes(&body), ["uncertain_location"]);
    assert_eq!(body["status"], "flagged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_low_accuracy_clock_skew_and_offline_flags_are_explained() {
    let (app, budi) = app_with_budi().await;
    let token = &budi.tokens.access;
    let mut meta = meta_at(CIMAHI.0, CIMAHI.1, 180.0);
    meta["is_mock"] = json!(true);
    let body = created(
        app.post_check_in(token, &meta, photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["low_accuracy", "mock_location"]);
    assert_eq!(
        body["flags"][0]["detail"],
        "accuracy 180 m is worse than 100 m"
    );

    // Captured an hour in the future: the phone's clock is wrong; the server's time counts.
    let mut meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    meta["kind"] = json!("out");
    meta["captured_at"] = json!((chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339());
    let body = created(
        app.post_check_in(token, &meta, photo("selfie-b-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["clock_skew"]);

    // Captured three hours ago (queued offline): labelled, accepted, counted when captured.
    let captured = chrono::Utc::now() - chrono::TimeDelta::hours(3);
    let mut meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    meta["captured_at"] = json!(captured.to_rfc3339());
    let body = created(
        app.post_check_in(token, &meta, photo("not-a-face-cat-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["offline_late"]);
    assert_eq!(body["status"], "accepted");

    // Captured two days ago: beyond the offline window.
    let mut meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    meta["captured_at"] = json!((chrono::Utc::now() - chrono::TimeDelta::days(2)).to_rfc3339());
    let body = created(
        app.post_check_in(token, &meta, photo("not-a-face-coffee-480x640.png"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["clock_skew"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jump_to_bandung_in_two_minutes_is_impossible_travel() {
    let (app, budi) = app_with_budi().await;
    let token = &budi.tokens.access;
    let mut first = meta_at(-6.902_477, 107.618_810, 10.0);
    first["captured_at"] = json!((chrono::Utc::now() - chrono::TimeDelta::minutes(2)).to_rfc3339());
    let body = created(
        app.post_check_in(token, &first, photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["outside_geofence"]);
    let second = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let body = created(
        app.post_check_in(token, &second, photo("selfie-b-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(codes(&body), ["impossible_travel"], "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_bind_to_the_first_employee_and_are_flagged_elsewhere() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let with_device = |device: &str| {
        let mut m = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
        m["device_id"] = json!(device);
        m
    };
    let body = created(
        app.post_check_in(
            &budi.tokens.access,
            &with_device("phone-budi"),
            photo("selfie-a-480x640.jpg"),
        )
        .await,
    )
    .await;
    assert_eq!(
        codes(&body),
        Vec::<String>::new(),
        "the first device is bound silently"
    );
    let body = created(
        app.post_check_in(
            &budi.tokens.access,
            &with_device("phone-new"),
            photo("selfie-b-480x640.jpg"),
        )
        .await,
    )
    .await;
    assert_eq!(codes(&body), ["new_device"]);
    let body = created(
        app.post_check_in(
            &siti.tokens.access,
            &with_device("phone-budi"),
            photo("not-a-face-cat-480x640.jpg"),
        )
        .await,
    )
    .await;
    assert_eq!(codes(&body), ["shared_device"]);
    assert!(
        body["flags"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("Pegawai budi")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_without_a_place_is_flagged_no_assignment() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let rina = app
        .seed_staff(&admin, &org, "rina", "employee", false)
        .await;
    let res = app
        .post_check_in(
            &rina.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    let body = created(res).await;
    assert_eq!(codes(&body), ["no_assignment"]);
    assert_eq!(body["place"], Value::Null);
    assert_eq!(body["geofence"], Value::Null);
    assert_eq!(body["distance_m"], Value::Null);
}

/// The check-in once its face job ran: reuse is decided there, pixel by pixel.
async fn after_the_job(app: &TestApp, token: &str, answered: &Value) -> Value {
    assert!(
        !codes(answered).contains(&"duplicate_selfie".to_owned()),
        "reuse is not decided at the answer: {answered}"
    );
    hadir_api::faces::drain(&app.state, "test-worker")
        .await
        .unwrap();
    let id = answered["id"].as_str().unwrap();
    let res = app.get(&format!("/api/v1/check-ins/{id}"), token).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// A copy of an earlier selfie is flagged once its job compared the nearest earlier selfies
/// by hash pixel by pixel: one's own resaved, a colleague's at full resolution, and one cropped,
/// turned, brightened and mirrored by another program; another face is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_selfie_is_flagged_and_another_face_is_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let rina = app.seed_staff(&admin, &org, "rina", "employee", true).await;
    let at_office = || meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let send = async |who: &Staff, file: &str| {
        let t = &who.tokens.access;
        let answered = created(app.post_check_in(t, &at_office(), photo(file)).await).await;
        after_the_job(&app, t, &answered).await
    };
    let first = send(&budi, "selfie-a-480x640.jpg").await;
    assert_eq!(codes(&first), Vec::<String>::new());
    assert_eq!(
        first["face"]["reuse"]["near_by_hash"], 0,
        "{}",
        first["face"]
    );
    let body = send(&budi, "selfie-b-480x640.jpg").await;
    assert_eq!(
        codes(&body),
        Vec::<String>::new(),
        "selfie-b is another person"
    );
    let body = send(&budi, "selfie-a-resaved-360x480-q60.jpg").await;
    assert_eq!(codes(&body), ["duplicate_selfie"], "{}", body["face"]);
    assert_eq!(body["status"], "flagged");
    let detail = body["flags"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("this employee's selfie"), "{detail}");
    assert!(
        detail.contains("a copy from 0.50"),
        "the threshold: {detail}"
    );
    let reuse = &body["face"]["reuse"];
    assert_eq!(reuse["copy"], true);
    assert_eq!(reuse["best"]["check_in_id"], first["id"], "{reuse}");
    assert!(reuse["best"]["score"].as_f64().unwrap() > 0.9, "{reuse}");
    // A colleague at the same place on the same day sending the same face.
    let body = send(&siti, "selfie-a-1080x1440.jpg").await;
    assert_eq!(codes(&body), ["duplicate_selfie"], "{}", body["face"]);
    let detail = body["flags"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("colleague"), "{detail}");
    // Cropped, turned, brightened and mirrored by Pillow.
    let body = send(&rina, "selfie-a-edited-crop-tilt-bright-mirror.jpg").await;
    assert_eq!(codes(&body), ["duplicate_selfie"], "{}", body["face"]);
    let detail = body["flags"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("mirrored copy"), "{detail}");
}

/// An office wall photographed twice: the same layout and light (so the 64-bit hashes are
/// nearly equal) but different grain. `seed` picks the grain.
fn wall(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let img = image::RgbImage::from_fn(480, 640, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (dx, dy) = (i64::from(x) - 240, i64::from(y) - 260);
        let shade = if dx * dx + dy * dy < 120 * 120 {
            -50
        } else {
            0
        };
        let base = 70 + i64::from(x) * 120 / 480 + i64::from(y) * 40 / 640 + shade;
        #[expect(clippy::cast_possible_wrap, reason = "a few bits of noise")]
        let grain = (state % 61) as i64 - 30;
        let v = u8::try_from((base + grain).clamp(0, 255)).unwrap();
        image::Rgb([v, v, v])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

/// Two different photos whose hashes collide (what the hash alone flagged about once per
/// thousand pairs of unrelated selfies) are compared and found not to be copies: nobody is
/// flagged for a colleague's photo that merely looks alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_whose_hashes_collide_are_not_copies() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let at_office = || meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let first = created(
        app.post_check_in(&budi.tokens.access, &at_office(), wall(1))
            .await,
    )
    .await;
    after_the_job(&app, &budi.tokens.access, &first).await;
    let answered = created(
        app.post_check_in(&siti.tokens.access, &at_office(), wall(2))
            .await,
    )
    .await;
    // Near enough that the hash alone (within 10 bits) called it a copy.
    let hash_of = |id: &Value| {
        let row = check_ins::find(&mut app.db.connect(), id.as_str().unwrap()).unwrap();
        hadir_domain::checkin::PerceptualHash::from_hex(&row.photo_phash).unwrap()
    };
    let apart = hash_of(&first["id"]).distance(hash_of(&answered["id"]));
    assert!(apart <= 10, "{apart} bits apart");
    let body = after_the_job(&app, &siti.tokens.access, &answered).await;
    assert!(
        !codes(&body).contains(&"duplicate_selfie".to_owned()),
        "{body}"
    );
    let reuse = &body["face"]["reuse"];
    assert_eq!(reuse["near_by_hash"], 1, "the hashes collide: {reuse}");
    assert_eq!(reuse["compared"], 1, "{reuse}");
    assert_eq!(reuse["copy"], false, "{reuse}");
    assert!(reuse["best"]["score"].as_f64().unwrap() < 0.2, "{reuse}");
    // The same wall sent again is a copy.
    let again = created(
        app.post_check_in(&siti.tokens.access, &at_office(), wall(1))
            .await,
    )
    .await;
    let body = after_the_job(&app, &siti.tokens.access, &again).await;
    assert_eq!(
        codes(&body),
        ["no_face", "duplicate_selfie"],
        "{}",
        body["face"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_answers_200_with_the_stored_check_in_and_stores_nothing_new() {
    let (app, budi) = app_with_budi().await;
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let first = created(
        app.post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(rows(&app, &budi), 1);
    assert_eq!(objects(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_reused_with_other_content_is_a_conflict() {
    let (app, budi) = app_with_budi().await;
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    created(
        app.post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    let other_photo = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-b-480x640.jpg"))
        .await;
    problem(other_photo, StatusCode::CONFLICT).await;
    let mut moved = meta.clone();
    moved["latitude"] = json!(CIMAHI.0 + 0.01);
    let other_place = app
        .post_check_in(&budi.tokens.access, &moved, photo("selfie-a-480x640.jpg"))
        .await;
    problem(other_place, StatusCode::CONFLICT).await;
    assert_eq!(rows(&app, &budi), 1);
    assert_eq!(objects(&app).await, 1, "a conflict stores no photo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_retries_of_one_client_id_store_one_row() {
    // The race itself is under test: the account may have all twenty uploads in flight (by
    // default it may have two; `abuse` tests that limit).
    let app = TestApp::spawn_with(hadir_tests::TestDb::fresh(), |s| {
        s.check_ins.max_uploads_per_account = 20;
    })
    .await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let selfie = photo("selfie-a-480x640.jpg");
    let sends = (0..20).map(|_| app.post_check_in(&budi.tokens.access, &meta, selfie.clone()));
    let answers = futures_util::future::join_all(sends).await;
    let mut ids = Vec::new();
    let mut statuses = Vec::new();
    for res in answers {
        statuses.push(res.status());
        let body: Value = res.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK)
    );
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the one check-in");
    assert_eq!(rows(&app, &budi), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_meta_field_is_a_422_naming_it_and_nothing_is_stored() {
    let (app, budi) = app_with_budi().await;
    let good = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let cases: Vec<(&str, Value)> = vec![
        ("latitude", json!(90.5)),
        ("latitude", json!(-91)),
        ("longitude", json!(180.01)),
        ("latitude", json!("NaN")),
        ("longitude", json!("Infinity")),
        ("accuracy_m", json!(-3)),
        ("kind", json!("lunch")),
        ("captured_at", json!("2026-11-02T07:21:09")),
        ("captured_at", json!("yesterday")),
        ("client_id", json!("not-a-uuid")),
        ("is_mock", json!("yes")),
        ("device_id", json!("")),
    ];
    for (field, value) in cases {
        let mut meta = good.clone();
        meta[field] = value.clone();
        let res = app
            .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
            .await;
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            body["errors"][0]["field"], field,
            "{field} = {value}: {body}"
        );
    }
    for field in [
        "client_id",
        "kind",
        "captured_at",
        "latitude",
        "longitude",
        "accuracy_m",
    ] {
        let mut meta = good.clone();
        meta.as_object_mut().unwrap().remove(field);
        let res = app
            .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
            .await;
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], field, "missing {field}: {body}");
        assert_eq!(body["errors"][0]["message"], "is required");
    }
    // A bare NaN token (not JSON, but some phones write it) still names its field.
    let raw = good.to_string().replace(&format!("{}", CIMAHI.0), "NaN");
    let form = Form::new()
        .part("meta", Part::text(raw))
        .part("selfie", Part::bytes(photo("selfie-a-480x640.jpg")));
    let res = app
        .client
        .post(app.url("/api/v1/check-ins"))
        .bearer_auth(&budi.tokens.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "latitude");
    // No selfie at all; no meta at all.
    let form = Form::new().part("meta", Part::text(good.to_string()));
    let res = app
        .client
        .post(app.url("/api/v1/check-ins"))
        .bearer_auth(&budi.tokens.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "selfie");
    assert_eq!(rows(&app, &budi), 0);
    assert_eq!(objects(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_multipart_is_415() {
    let (app, budi) = app_with_budi().await;
    let res = app
        .post_json(
            "/api/v1/check-ins",
            Some(&budi.tokens.access),
            &meta_at(0.0, 0.0, 1.0),
        )
        .await;
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_and_nothing_is_stored() {
    let app = hadir_tests::TestApp::spawn_with(hadir_tests::TestDb::fresh(), |s| {
        s.check_ins.max_body_bytes = 100 * 1024;
    })
    .await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let res = app
        .post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-1080x1440.jpg"),
        )
        .await;
    let body = problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(body["detail"].as_str().unwrap().contains("102400"));
    assert_eq!(rows(&app, &budi), 0);
    assert_eq!(objects(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_photo_fixture_gets_the_outcome_its_readme_gives() {
    let (app, budi) = app_with_budi().await;
    let token = &budi.tokens.access;
    let good = [
        "selfie-a-480x640.jpg",
        "selfie-a-1080x1440.jpg",
        "selfie-b-480x640.jpg",
        "not-a-face-cat-480x640.jpg",
        "not-a-face-coffee-480x640.png",
        "selfie-a-exif-gps-orientation6.jpg",
        "bad-polyglot.jpg",
    ];
    for name in good {
        let res = app
            .post_check_in(token, &meta_at(CIMAHI.0, CIMAHI.1, 10.0), photo(name))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{name}");
    }
    let bad = [
        ("bad-truncated.jpg", StatusCode::UNPROCESSABLE_ENTITY),
        ("bad-empty.jpg", StatusCode::UNPROCESSABLE_ENTITY),
        ("bad-not-an-image.jpg", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("bad-bomb-50000x50000.png", StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (name, status) in bad {
        let res = app
            .post_check_in(token, &meta_at(CIMAHI.0, CIMAHI.1, 10.0), photo(name))
            .await;
        let body = problem(res, status).await;
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(body["errors"][0]["field"], "selfie", "{name}: {body}");
        }
    }
    assert_eq!(rows(&app, &budi), i64::try_from(good.len()).unwrap());

    // What was stored: JPEG, upright, at most 1280 px, no EXIF, nothing after the end marker.
    let store = app.photo_store();
    let stored = store.list("selfies/").await.unwrap();
    assert_eq!(stored.len(), good.len());
    for object in stored {
        let bytes = store.get(&object.key).await.unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{}", object.key);
        assert_eq!(
            hadir_api::selfie::jpeg_end(&bytes),
            Some(bytes.len()),
            "{}",
            object.key
        );
        assert!(
            !bytes.windows(6).any(|w| w == b"Exif\0\0"),
            "{}",
            object.key
        );
        for needle in [&b"<?php"[..], b"PK\x03\x04"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        }
        let img = image_dims(&bytes);
        assert!(img.0.max(img.1) <= 1280, "{}: {img:?}", object.key);
        assert!(img.1 > img.0, "{} stands upright: {img:?}", object.key);
    }
}

/// Width and height from a baseline JPEG's SOF0 segment.
fn image_dims(jpeg: &[u8]) -> (u32, u32) {
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG");
    let h = u32::from(u16::from_be_bytes([jpeg[sof + 5], jpeg[sof + 6]]));
    let w = u32::from(u16::from_be_bytes([jpeg[sof + 7], jpeg[sof + 8]]));
    (w, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_photo_store_down_the_answer_is_503_and_the_retry_stores_one_check_in() {
    let (app, budi) = app_with_budi().await;
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let blocked = match &app.photos {
        hadir_tests::app::TestPhotos::S3(s3) => {
            s3.stop();
            None
        }
        hadir_tests::app::TestPhotos::Folder(dir) => {
            // A file where the store's sub-folder must go: every put fails.
            let path = dir.path().join("selfies");
            std::fs::write(&path, b"in the way").unwrap();
            Some(path)
        }
    };
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(rows(&app, &budi), 0, "nothing half-stored");

    match (&app.photos, blocked) {
        (hadir_tests::app::TestPhotos::S3(s3), _) => s3.restart().await,
        (_, Some(path)) => std::fs::remove_file(path).unwrap(),
        _ => unreachable!(),
    }
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    created(res).await;
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rows(&app, &budi), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_unable_to_write_the_answer_is_503_and_the_retry_stores_one() {
    use diesel::connection::SimpleConnection;

    let app = TestApp::spawn_with(hadir_tests::TestDb::fresh(), |s| {
        s.database.busy_timeout_ms = 200;
        s.database.statement_timeout_ms = 500;
    })
    .await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    // Another session holds the check-in table's write lock: SQLite's writers wait out their
    // busy timeout, PostgreSQL's their statement timeout, and both give up.
    let mut blocker = app.db.connect();
    let lock = match app.db.kind {
        hadir_tests::DbKind::Sqlite => "BEGIN EXCLUSIVE",
        hadir_tests::DbKind::Postgres => "BEGIN; LOCK TABLE check_ins IN ACCESS EXCLUSIVE MODE",
    };
    blocker.batch_execute(lock).unwrap();
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    blocker.batch_execute("ROLLBACK").unwrap();
    assert_eq!(rows(&app, &budi), 0, "nothing half-stored");
    let res = app
        .post_check_in(&budi.tokens.access, &meta, photo("selfie-a-480x640.jpg"))
        .await;
    created(res).await;
    assert_eq!(rows(&app, &budi), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_gone_the_answer_is_503() {
    let (app, budi) = app_with_budi().await;
    app.db.destroy();
    let res = app
        .post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    if app.db.kind == hadir_tests::DbKind::Postgres {
        assert!(res.headers().contains_key("retry-after"));
        problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    } else {
        // SQLite: pooled connections keep the deleted file open; the request still answers
        // (with a write the test cannot see any more), never with a 5xx.
        assert!(
            res.status() == StatusCode::CREATED || res.status() == StatusCode::SERVICE_UNAVAILABLE
        );
    }
}

/// The check-in route checks the token's session in its first database trip, not before the
/// body: a logged-out session's token (still unexpired) is refused all the same, and nothing
/// is stored, neither the row nor the photos.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_out_sessions_token_cannot_check_in() {
    let (app, budi) = app_with_budi().await;
    let res = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&budi.tokens.access),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    assert!(res.headers().contains_key("www-authenticate"));
    problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(rows(&app, &budi), 0);
    assert_eq!(objects(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_an_employee_cannot_check_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post_check_in(
            &admin.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    problem(res, StatusCode::FORBIDDEN).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_and_reviewers_read_a_check_in_and_others_get_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let hr = app.seed_staff(&admin, &org, "hr.dewi", "hr", false).await;
    let body = created(
        app.post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/check-ins/{}", body["id"].as_str().unwrap());
    for token in [&budi.tokens.access, &hr.tokens.access, &admin.access] {
        let res = app.get(&path, token).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "private, no-store");
        let seen: Value = res.json().await.unwrap();
        assert_eq!(seen["id"], body["id"]);
        // A short-lived link: presigned by S3, or signed by the server for the folder store.
        let link = seen["selfie_url"].as_str().unwrap();
        let url = app.link_url(link);
        let photo = app.client.get(&url).send().await.unwrap();
        assert_eq!(photo.status(), StatusCode::OK, "{url}");
        let bytes = photo.bytes().await.unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        if link.starts_with('/') {
            // Altered, the link is refused and says nothing about the object.
            let altered = url.replace("expires=", "expires=1");
            problem(
                app.client.get(&altered).send().await.unwrap(),
                StatusCode::FORBIDDEN,
            )
            .await;
        } else {
            assert!(link.contains("X-Amz-Signature"));
        }
    }
    problem(
        app.get(&path, &siti.tokens.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = format!("/api/v1/check-ins/{}", uuid::Uuid::new_v4());
    problem(
        app.get(&missing, &admin.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/api/v1/check-ins/not-a-uuid", &admin.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_check_ins_come_newest_first_in_pages() {
    let (app, budi) = app_with_budi().await;
    let mut ids = Vec::new();
    for name in [
        "selfie-a-480x640.jpg",
        "selfie-b-480x640.jpg",
        "not-a-face-cat-480x640.jpg",
    ] {
        let body = created(
            app.post_check_in(
                &budi.tokens.access,
                &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
                photo(name),
            )
            .await,
        )
        .await;
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let page: Value = app
        .get("/api/v1/me/check-ins?limit=2", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    let first: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(first, &ids[..2]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/me/check-ins?limit=2&cursor={cursor}"),
            &budi.tokens.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], ids[2].as_str());
    assert_eq!(page["next_cursor"], Value::Null);
    let today = chrono::Utc::now().date_naive();
    let page: Value = app
        .get(
            &format!("/api/v1/me/check-ins?from={today}&to={today}"),
            &budi.tokens.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let res = app
        .get("/api/v1/me/check-ins?cursor=bogus", &budi.tokens.access)
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .get("/api/v1/me/check-ins?from=last-week", &budi.tokens.access)
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answers_one_result_per_item() {
    let (app, budi) = app_with_budi().await;
    let good = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let mut bad = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    bad["latitude"] = json!(123);
    let orphan = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let selfie_name = |m: &Value| format!("selfie.{}", m["client_id"].as_str().unwrap());
    let form = Form::new()
        .part("meta", Part::text(good.to_string()))
        .part("meta", Part::text(bad.to_string()))
        .part("meta", Part::text(orphan.to_string()))
        .part(
            selfie_name(&good),
            Part::bytes(photo("selfie-a-480x640.jpg")),
        )
        .part(
            selfie_name(&bad),
            Part::bytes(photo("selfie-b-480x640.jpg")),
        );
    let send = |form: Form| {
        app.client
            .post(app.url("/api/v1/check-ins/batch"))
            .bearer_auth(&budi.tokens.access)
            .multipart(form)
            .send()
    };
    let res = send(form).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["status"], 201);
    assert_eq!(items[0]["check_in"]["client_id"], good["client_id"]);
    assert_eq!(items[1]["status"], 422);
    assert_eq!(items[1]["problem"]["errors"][0]["field"], "latitude");
    assert_eq!(items[2]["status"], 422);
    assert_eq!(
        items[2]["problem"]["errors"][0]["field"],
        selfie_name(&orphan)
    );
    // The same item again is a retry.
    let form = Form::new().part("meta", Part::text(good.to_string())).part(
        selfie_name(&good),
        Part::bytes(photo("selfie-a-480x640.jpg")),
    );
    let body: Value = send(form).await.unwrap().json().await.unwrap();
    assert_eq!(body["items"][0]["status"], 200);
    assert_eq!(rows(&app, &budi), 1);
    // One `meta` part may also hold a JSON array of metas.
    let (one, two) = (
        meta_at(CIMAHI.0, CIMAHI.1, 10.0),
        meta_at(CIMAHI.0, CIMAHI.1, 12.0),
    );
    let form = Form::new()
        .part("meta", Part::text(json!([one, two]).to_string()))
        .part(
            selfie_name(&one),
            Part::bytes(photo("selfie-a-480x640.jpg")),
        )
        .part(
            selfie_name(&two),
            Part::bytes(photo("selfie-b-480x640.jpg")),
        );
    let body: Value = send(form).await.unwrap().json().await.unwrap();
    let statuses: Vec<&Value> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["status"])
        .collect();
    assert_eq!(statuses, [&json!(201), &json!(201)]);
    assert_eq!(rows(&app, &budi), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_deletes_old_objects_without_a_check_in_and_keeps_the_rest() {
    let (app, budi) = app_with_budi().await;
    created(
        app.post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await,
    )
    .await;
    let store = app.photo_store();
    let orphan = hadir_domain::PhotoKey::new("selfies/orphan/left-behind.jpg").unwrap();
    store
        .put(&orphan, photo("selfie-b-480x640.jpg"), "image/jpeg")
        .await
        .unwrap();
    // Within the grace period nothing goes.
    let report = hadir_api::sweep::sweep(&app.state, Duration::from_hours(1))
        .await
        .unwrap();
    assert_eq!(report.deleted, 0);
    // Objects modified before now count as old with a zero grace period.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = hadir_api::sweep::sweep(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    assert!(store.get(&orphan).await.is_err());
    assert_eq!(objects(&app).await, 1, "the check-in's selfie stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selfies_of_a_month_closed_long_ago_are_reduced_to_their_thumbnails() {
    use diesel::{ExpressionMethods, RunQueryDsl};
    use hadir_storage::schema::month_closes;

    let (app, budi) = app_with_budi().await;
    let admin = app.admin().await;
    let body: Value = created(
        app.post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await,
    )
    .await;
    let id = body["id"].as_str().unwrap();
    let month = &body["local_date"].as_str().unwrap()[..7];
    let res = app
        .post_json(
            &format!("/api/v1/months/{month}/close"),
            Some(&admin.access),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let row = || check_ins::find(&mut app.db.connect(), id).unwrap();
    let full = row().photo_key;
    // Closed today: within the 90 days, the selfie stays whole.
    let report = hadir_api::sweep::sweep(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.reduced, 0);
    assert_eq!(row().photo_key, full);
    assert_eq!(
        row().thumbnail_key,
        "",
        "never shown, its thumbnail is not made"
    );
    // Closed 91 days ago: the row keeps the thumbnail and the hash, the full selfie goes.
    let long_ago = (chrono::Utc::now() - chrono::TimeDelta::days(91)).naive_utc();
    diesel::update(month_closes::table)
        .set(month_closes::closed_at.eq(long_ago))
        .execute(&mut app.db.connect())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = hadir_api::sweep::sweep(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.reduced, 1, "{report:?}");
    assert_eq!(
        report.deleted, 1,
        "the full-size selfie, now referenced by nothing"
    );
    // The sweeper made the thumbnail it reduced the selfie to.
    let after = row();
    assert!(after.thumbnail_key.starts_with("thumbs/"), "{after:?}");
    assert_eq!(after.photo_key, after.thumbnail_key);
    assert!(!after.photo_sha256.is_empty() && !after.photo_phash.is_empty());
    let store = app.photo_store();
    assert!(
        store
            .get(&hadir_domain::PhotoKey::new(full).unwrap())
            .await
            .is_err()
    );
    assert!(
        store
            .get(&hadir_domain::PhotoKey::new(after.thumbnail_key).unwrap())
            .await
            .is_ok()
    );
    // The reviewer's link now shows the thumbnail; the reduction is in the audit log.
    let seen: Value = app
        .get(&format!("/api/v1/check-ins/{id}"), &admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(seen["selfie_url"].is_string());
    let log: Value = app
        .get("/api/v1/audit-log?action=photo.retention", &admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"][0]["after"]["selfies_reduced_to_thumbnails"], 1);
    // Swept again, nothing more happens.
    let report = hadir_api::sweep::sweep(&app.state, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!((report.reduced, report.deleted), (0, 0));
}

/// The colleague look-up of a large day goes through the band index (`selfie_bands`): a hash 10
/// bits from the new selfie's is found, one 12 bits away (3 in each band) and the employee's
/// own are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_colleague_look_up_finds_near_hashes_through_the_band_index() {
    use hadir_domain::checkin::PerceptualHash;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let body = created(
        app.post_check_in(
            &siti.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-b-480x640.jpg"),
        )
        .await,
    )
    .await;
    let mut conn = app.db.connect();
    let template = check_ins::find(&mut conn, body["id"].as_str().unwrap()).unwrap();
    let base = PerceptualHash(0x0123_4567_89ab_cdef);
    let near = PerceptualHash(base.0 ^ 0x0007_0007_0003_0003); // 10 bits
    let far = PerceptualHash(base.0 ^ 0x0007_0007_0007_0007); // 12 bits
    assert_eq!((base.distance(near), base.distance(far)), (10, 12));
    for (who, hash) in [
        (&siti.employee_id, near),
        (&siti.employee_id, far),
        (&budi.employee_id, base),
    ] {
        let id = uuid::Uuid::new_v4().to_string();
        let mut row = template.clone();
        row.id.clone_from(&id);
        row.client_id = id;
        row.employee_id.clone_from(who);
        row.photo_phash = hash.to_hex();
        check_ins::insert(&mut conn, &row, &[]).unwrap();
    }
    let place = template.place_id.as_deref().unwrap();
    let of = |received_at| check_ins::SelfieOf {
        employee_id: &budi.employee_id,
        place_id: place,
        local_date: &template.local_date,
        received_at,
        check_in_id: "",
    };
    let later = of(template.received_at + chrono::TimeDelta::hours(1));
    let hexes = |found: Vec<check_ins::SelfieRef>| {
        let mut hexes: Vec<String> = found.into_iter().map(|s| s.phash).collect();
        hexes.sort();
        hexes
    };
    // Through the index (a day read whole only up to 0 selfies).
    let found = check_ins::colleague_selfies_reading_up_to(
        &mut conn,
        &later,
        (&[base], &[base]),
        (10, 10),
        0,
    );
    assert_eq!(
        hexes(found.unwrap()),
        [near.to_hex()],
        "not the far one nor the own"
    );
    // A small day is read whole and measured, and so is any day when the distance allowed is
    // beyond what the bands serve; never the employee's own; any of several hashes (a selfie's
    // and its mirror image's) finds.
    let template_near =
        |d| base.distance(PerceptualHash::from_hex(&template.photo_phash).unwrap()) <= d;
    for (scan_up_to, hashes, max_distance, mut expected) in [
        (check_ins::SCAN_UP_TO, vec![base], 10, vec![near.to_hex()]),
        (0, vec![base], 12, vec![near.to_hex(), far.to_hex()]),
        (0, vec![PerceptualHash(!base.0), far], 0, vec![far.to_hex()]),
    ] {
        if template_near(max_distance) && hashes.contains(&base) {
            expected.push(template.photo_phash.clone());
        }
        expected.sort();
        let found = check_ins::colleague_selfies_reading_up_to(
            &mut conn,
            &later,
            (&hashes, &hashes),
            (max_distance, max_distance),
            scan_up_to,
        );
        assert_eq!(hexes(found.unwrap()), expected);
    }
    // Only selfies received before the check-in are candidates.
    let before = of(template.received_at - chrono::TimeDelta::hours(1));
    for scan_up_to in [check_ins::SCAN_UP_TO, 0] {
        let found = check_ins::colleague_selfies_reading_up_to(
            &mut conn,
            &before,
            (&[base], &[base]),
            (12, 12),
            scan_up_to,
        );
        assert_eq!(hexes(found.unwrap()), Vec::<String>::new());
    }
}

/// The check-in route keeps the organisation's plan rows (offices, units, schedules, holidays)
/// between check-ins: a change counts from the next check-in on, whether it comes through the
/// API or is written straight into the database (another instance, an import, plain SQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_changed_between_two_check_ins_judges_the_second() {
    use diesel::{QueryDsl, RunQueryDsl};
    use hadir_storage::schema::plan_epoch;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let epoch = || -> i64 {
        plan_epoch::table
            .select(plan_epoch::version)
            .first(&mut app.db.connect())
            .unwrap()
    };
    // About 221 m north of the office: outside its 100 m radius.
    let north = || meta_at(CIMAHI.0 + 0.002, CIMAHI.1, 10.0);
    let token = &budi.tokens.access;
    let first = created(
        app.post_check_in(token, &north(), photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(first["geofence"], "outside");

    // Another writer widens the radius to 500 m in the database itself.
    let before = epoch();
    diesel::sql_query("UPDATE offices SET radius_m = 500")
        .execute(&mut app.db.connect())
        .unwrap();
    assert!(epoch() > before, "the write moves the plan epoch");
    let second = created(
        app.post_check_in(token, &north(), photo("selfie-b-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(second["geofence"], "inside", "{second}");
    assert_eq!(second["place"]["radius_m"], 500.0);

    // And back to 100 m through the API.
    let path = format!("/api/v1/offices/{}", org.office_id);
    let res = crate::org::patch(&app, &admin.access, &path, &json!({"radius_m": 100})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let third = created(
        app.post_check_in(token, &north(), photo("selfie-a-480x640.jpg"))
            .await,
    )
    .await;
    assert_eq!(third["geofence"], "outside", "{third}");
    assert_eq!(third["place"]["radius_m"], 100.0);
}
