//! The review queue, decisions, month close, the audit log and the inbox.

use chrono::{TimeDelta, Utc};
use hadir_tests::{CIMAHI, TestApp, Tokens, meta_at, photo, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org::{World, post, world};

/// Posts a check-in at `(lat, lon)`; returns its body.
async fn check_in(app: &TestApp, who: &Tokens, at: (f64, f64), mock: bool, selfie: &str) -> Value {
    let mut meta = meta_at(at.0, at.1, 10.0);
    meta["is_mock"] = json!(mock);
    let res = app.post_check_in(&who.access, &meta, photo(selfie)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

struct Scene {
    w: World,
    head_a: Tokens,
    hr: Tokens,
    staff_a: Tokens,
    staff_b: Tokens,
    /// Staff A: 2 km away (`outside_geofence`), then a mocked fix at the office.
    far_a: Value,
    mock_a: Value,
    /// Staff B: outside the fence.
    far_b: Value,
}

async fn scene() -> Scene {
    let w = world().await;
    w.employee(1, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    w.employee(2, &w.bidang_a1, Some(&w.office_a), "employee", None)
        .await;
    w.employee(3, &w.dinas_b, Some(&w.office_b), "employee", None)
        .await;
    w.employee(4, &w.dinas_b, None, "hr", None).await;
    let (head_a, staff_a, staff_b, hr) = (
        w.login(1).await,
        w.login(2).await,
        w.login(3).await,
        w.login(4).await,
    );
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let far_a = check_in(&w.app, &staff_a, far, false, "selfie-a-480x640.jpg").await;
    // Back at the office a few seconds later, mocked: mock_location and impossible_travel.
    let mock_a = check_in(&w.app, &staff_a, CIMAHI, true, "selfie-b-480x640.jpg").await;
    let far_b = check_in(&w.app, &staff_b, far, false, "not-a-face-cat-480x640.jpg").await;
    Scene {
        w,
        head_a,
        hr,
        staff_a,
        staff_b,
        far_a,
        mock_a,
        far_b,
    }
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/check-ins{query}"), token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| id(&i["check_in"]))
        .collect()
}

async fn decide(app: &TestApp, token: &str, check_in: &str, body: &Value) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/check-ins/{check_in}/review"),
        Some(token),
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_shows_the_riskiest_first_with_what_a_reviewer_needs() {
    let s = scene().await;
    let app = &s.w.app;
    assert_eq!(s.mock_a["status"], "flagged");
    let page = queue(app, &s.hr.access, "").await;
    // mock_location + impossible_travel (70) before outside_geofence + distance (40).
    assert_eq!(ids(&page), [id(&s.mock_a), id(&s.far_a), id(&s.far_b)]);
    let first = &page["items"][0];
    assert_eq!(first["risk"], 70);
    assert_eq!(first["employee"]["name"], "Pegawai 2");
    let codes: Vec<&str> = first["check_in"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["mock_location", "impossible_travel"]);
    let second = &page["items"][1]["check_in"];
    assert!(second["distance_m"].as_f64().unwrap() > 1_900.0);
    assert_eq!(second["place"]["radius_m"], 100.0);
    assert_eq!(second["accuracy_m"], 10.0);
    // The thumbnail link works without the reviewer's token, for a short while.
    let thumb = fetch(app, first["thumbnail_url"].as_str().unwrap()).await;
    assert_eq!(&thumb[..2], &[0xFF, 0xD8]);

    // Filters: a flag, a unit, pages.
    let mocked = queue(app, &s.hr.access, "?flag=mock_location").await;
    assert_eq!(ids(&mocked), [id(&s.mock_a)]);
    let in_b = queue(app, &s.hr.access, &format!("?unit_id={}", s.w.dinas_b)).await;
    assert_eq!(ids(&in_b), [id(&s.far_b)]);
    let one = queue(app, &s.hr.access, "?limit=1").await;
    let cursor = one["next_cursor"].as_str().unwrap();
    let two = queue(app, &s.hr.access, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&two), [id(&s.far_a), id(&s.far_b)]);
    assert!(two["next_cursor"].is_null());
    // A unit admin sees their units only; employees have no queue.
    let head = queue(app, &s.head_a.access, "").await;
    assert_eq!(ids(&head), [id(&s.mock_a), id(&s.far_a)]);
    let none = queue(app, &s.head_a.access, &format!("?unit_id={}", s.w.dinas_b)).await;
    assert!(ids(&none).is_empty());
    problem(
        app.get("/api/v1/check-ins", &s.staff_a.access).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for bad in [
        "?status=lost",
        "?flag=sleepy",
        "?from=yesterday",
        "?cursor=abc",
    ] {
        problem(
            app.get(&format!("/api/v1/check-ins{bad}"), &s.hr.access)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // The inbox counts what waits for each.
    let inbox: Value = app
        .get("/api/v1/me/inbox", &s.head_a.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["check_ins_to_review"], 2);
    let inbox: Value = app
        .get("/api/v1/me/inbox", &s.staff_b.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["check_ins_to_review"], 0);
}

/// What a link from the API serves.
async fn fetch(app: &TestApp, link: &str) -> Vec<u8> {
    let res = app.client.get(app.link_url(link)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{link}");
    res.bytes().await.unwrap().to_vec()
}

/// A check-in stores its selfie alone; the queue makes the thumbnails of the check-ins it
/// shows, once (a later page names the same object and writes nothing); one it cannot make
/// now (the selfie unreadable) is shown by its selfie and made on a later page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_makes_the_thumbnails_it_shows_once() {
    use hadir_domain::PhotoKey;
    use hadir_storage::repo::check_ins;

    let s = scene().await;
    let app = &s.w.app;
    let store = app.photo_store();
    assert_eq!(store.list("selfies/").await.unwrap().len(), 3);
    assert!(store.list("thumbs/").await.unwrap().is_empty());
    let row = |v: &Value| check_ins::find(&mut app.db.connect(), &id(v)).unwrap();
    assert!(row(&s.far_a).thumbnail_key.is_empty());

    // far_b's selfie reads as garbage for now.
    let unreadable = PhotoKey::new(row(&s.far_b).photo_key).unwrap();
    let selfie = store.get(&unreadable).await.unwrap();
    store
        .put(&unreadable, b"not a jpeg".to_vec(), "image/jpeg")
        .await
        .unwrap();
    let page = queue(app, &s.hr.access, "").await;
    assert_eq!(ids(&page), [id(&s.mock_a), id(&s.far_a), id(&s.far_b)]);
    for item in &page["items"].as_array().unwrap()[..2] {
        let thumb = fetch(app, item["thumbnail_url"].as_str().unwrap()).await;
        let img = image::load_from_memory(&thumb).unwrap();
        assert_eq!((img.width(), img.height()), (120, 160));
    }
    let shown = fetch(app, page["items"][2]["thumbnail_url"].as_str().unwrap()).await;
    assert_eq!(
        shown, b"not a jpeg",
        "the selfie stands in for its thumbnail"
    );
    assert_eq!(store.list("thumbs/").await.unwrap().len(), 2);
    assert!(row(&s.far_b).thumbnail_key.is_empty());
    let far_a_thumb = row(&s.far_a).thumbnail_key;
    assert!(far_a_thumb.starts_with("thumbs/"), "{far_a_thumb}");

    // Made once: with its thumbnail named, the next page reads the row and writes nothing.
    let made_key = PhotoKey::new(far_a_thumb.clone()).unwrap();
    store
        .put(&made_key, b"marked".to_vec(), "image/jpeg")
        .await
        .unwrap();
    store.put(&unreadable, selfie, "image/jpeg").await.unwrap();
    let page = queue(app, &s.hr.access, "").await;
    assert_eq!(store.get(&made_key).await.unwrap(), b"marked");
    assert_eq!(row(&s.far_a).thumbnail_key, far_a_thumb);
    // far_b's, readable again, is made now.
    assert!(row(&s.far_b).thumbnail_key.starts_with("thumbs/"));
    let thumb = fetch(app, page["items"][2]["thumbnail_url"].as_str().unwrap()).await;
    let img = image::load_from_memory(&thumb).unwrap();
    assert_eq!((img.width(), img.height()), (120, 160));
    assert_eq!(store.list("thumbs/").await.unwrap().len(), 3);
}

/// Two requests that make one check-in's thumbnail at once both end with the one named first;
/// the other's object is named by nothing and swept once old.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_making_one_thumbnail_show_the_one_named_first() {
    use hadir_api::app::thumbnails::ensure;
    use hadir_storage::repo::check_ins;

    let s = scene().await;
    let app = &s.w.app;
    let row = || check_ins::find(&mut app.db.connect(), &id(&s.far_a)).unwrap();
    let mut first = vec![row()];
    let mut second = first.clone();
    assert_eq!(ensure(&app.state, &mut first).await, 1);
    assert_eq!(ensure(&app.state, &mut second).await, 1);
    let named = row().thumbnail_key;
    assert!(named.starts_with("thumbs/"), "{named}");
    assert_eq!(first[0].thumbnail_key, named);
    assert_eq!(second[0].thumbnail_key, named, "the one named first");
    let store = app.photo_store();
    assert_eq!(store.list("thumbs/").await.unwrap().len(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = hadir_api::sweep::sweep(&app.state, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    let left = store.list("thumbs/").await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key.as_str(), named);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_decision_path_and_refusal() {
    let s = scene().await;
    let app = &s.w.app;
    let (far_a, mock_a, far_b) = (id(&s.far_a), id(&s.mock_a), id(&s.far_b));
    // A rejection needs its note; the decision must be one of two.
    let p = problem(
        decide(app, &s.hr.access, &mock_a, &json!({"decision": "reject"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "note");
    problem(
        decide(app, &s.hr.access, &mock_a, &json!({"decision": "maybe"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Out of scope: 404, as for an id that does not exist.
    problem(
        decide(
            app,
            &s.head_a.access,
            &far_b,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        decide(
            app,
            &s.hr.access,
            &uuid::Uuid::new_v4().to_string(),
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Employees do not review.
    problem(
        decide(
            app,
            &s.staff_b.access,
            &far_a,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Reject with a note: the check-in says so, with who and when.
    let res = decide(
        app,
        &s.hr.access,
        &mock_a,
        &json!({"decision": "reject", "note": "lokasi palsu"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["review"]["decision"], "reject");
    assert_eq!(body["review"]["note"], "lokasi palsu");
    assert_eq!(body["review"]["by"], s.hr.user_id.as_str());
    // Decided once: a second decision is 409, whoever tries.
    problem(
        decide(
            app,
            &s.head_a.access,
            &mock_a,
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // The owner sees the decision on their own list.
    let mine: Value = app
        .get("/api/v1/me/check-ins", &s.staff_a.access)
        .await
        .json()
        .await
        .unwrap();
    let seen = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == mock_a.as_str())
        .unwrap();
    assert_eq!(seen["review"]["note"], "lokasi palsu");
    // Nobody reviews their own check-in, not even a reviewer.
    let own = check_in(
        app,
        &s.head_a,
        (CIMAHI.0 - 0.018, CIMAHI.1),
        false,
        "not-a-face-coffee-480x640.png",
    )
    .await;
    problem(
        decide(
            app,
            &s.head_a.access,
            &id(&own),
            &json!({"decision": "approve"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // HR closes the month of these check-ins: no decision changes it.
    let month = s.far_a["local_date"].as_str().unwrap()[..7].to_owned();
    let res = app
        .post_json(
            &format!("/api/v1/months/{month}/close"),
            Some(&s.hr.access),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    problem(
        app.post_json(
            &format!("/api/v1/months/{month}/close"),
            Some(&s.hr.access),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let p = problem(
        decide(app, &s.hr.access, &far_a, &json!({"decision": "approve"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("closed"), "{p}");
    // Nor any plan of that month.
    let today = s.far_a["local_date"].as_str().unwrap();
    let staff_a_id = s.far_a["employee_id"].as_str().unwrap();
    problem(
        post(
            app,
            &s.hr.access,
            "/api/v1/assignments",
            &json!({"employee_id": staff_a_id, "date": today, "mode": "off"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // Nor the holidays of that month, nor a roster over it.
    problem(
        post(
            app,
            &s.hr.access,
            "/api/v1/holidays",
            &json!({"date": today, "name": "Libur"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let roster = json!({"unit_id": s.w.dinas_a, "name": "R", "starts_on": today, "ends_on": today,
        "groups": [{"name": "A", "employee_ids": [staff_a_id], "weeks": [{"mon": "office", "tue": "office",
        "wed": "office", "thu": "office", "fri": "office", "sat": "office", "sun": "office"}]}]});
    problem(
        post(app, &s.hr.access, "/api/v1/rosters", &roster).await,
        StatusCode::CONFLICT,
    )
    .await;
    // Only an admin reopens, with a reason; then the decision goes through.
    let reopen = format!("/api/v1/months/{month}/reopen");
    problem(
        app.post_json(&reopen, Some(&s.hr.access), &json!({"reason": "koreksi"}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post_json(&reopen, Some(&s.w.admin.access), &json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res = app
        .post_json(
            &reopen,
            Some(&s.w.admin.access),
            &json!({"reason": "koreksi data Diskominfo"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = decide(
        app,
        &s.hr.access,
        &far_a,
        &json!({"decision": "approve", "note": "rapat di luar"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A month closed for one unit only holds there.
    let res = app
        .post_json(
            &format!("/api/v1/months/{month}/close"),
            Some(&s.hr.access),
            &json!({"unit_id": s.w.dinas_a}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let status: Value = app
        .get(&format!("/api/v1/months/{month}"), &s.hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["closes"][0]["unit_id"], s.w.dinas_a.as_str());
    let res = decide(app, &s.hr.access, &far_b, &json!({"decision": "approve"})).await;
    assert_eq!(res.status(), StatusCode::OK, "Dinas B is open");

    // Every decision, close and reopen is in the audit log.
    let log: Value = app
        .get(
            "/api/v1/audit-log?action=check_in.review",
            &s.w.admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 3);
    assert_eq!(log["items"][2]["before"]["status"], "flagged");
    assert_eq!(log["items"][2]["after"]["status"], "rejected");
    let months: Value = app
        .get("/api/v1/audit-log?entity=month", &s.hr.access)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = months["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["month.close", "month.reopen", "month.close"]);
    assert_eq!(
        months["items"][1]["after"]["reason"],
        "koreksi data Diskominfo"
    );
    problem(
        app.get("/api/v1/audit-log", &s.head_a.access).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // No route changes or deletes an entry.
    let res = app
        .request(
            Method::DELETE,
            "/api/v1/audit-log",
            Some(&s.w.admin.access),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_decisions_report_each_check_in() {
    let s = scene().await;
    let app = &s.w.app;
    let body = json!({
        "ids": [id(&s.far_a), id(&s.mock_a), id(&s.far_b), "not-an-id"],
        "decision": "approve", "note": "dinas luar, surat menyusul",
    });
    let res = app
        .post_json("/api/v1/check-ins/review", Some(&s.head_a.access), &body)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let out: Value = res.json().await.unwrap();
    let statuses: Vec<u64> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    // Dinas B is outside the unit admin's scope; the last is no id at all.
    assert_eq!(statuses, [200, 200, 404, 404]);
    assert_eq!(out["results"][0]["check_in"]["status"], "approved");
    assert_eq!(out["results"][2]["problem"]["status"], 404);
    // Again: both already decided.
    let again: Value = app
        .post_json("/api/v1/check-ins/review", Some(&s.head_a.access), &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["results"][0]["status"], 409);
    let left = queue(app, &s.hr.access, "").await;
    assert_eq!(ids(&left), [id(&s.far_b)]);
    let approved = queue(app, &s.hr.access, "?status=approved").await;
    assert_eq!(approved["items"].as_array().unwrap().len(), 2);
    problem(
        app.post_json(
            "/api/v1/check-ins/review",
            Some(&s.hr.access),
            &json!({"ids": [], "decision": "approve"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_selfie_link_is_refused() {
    let s = scene().await;
    let app = &s.w.app;
    let seen: Value = app
        .get(&format!("/api/v1/check-ins/{}", id(&s.far_a)), &s.hr.access)
        .await
        .json()
        .await
        .unwrap();
    assert!(seen["selfie_url"].is_string());
    // A link minted a minute ago for a minute is over, whatever the store.
    let key = {
        let mut conn = app.db.connect();
        hadir_storage::repo::check_ins::find(&mut conn, &id(&s.far_a))
            .unwrap()
            .photo_key
    };
    let link = app
        .state
        .photo_links
        .mint(&key, Utc::now() - TimeDelta::minutes(1));
    let p = problem(
        app.client.get(app.url(&link)).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("expired"), "{p}");
    let fresh = app
        .state
        .photo_links
        .mint(&key, Utc::now() + TimeDelta::minutes(1));
    let res = app.client.get(app.url(&fresh)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
}
