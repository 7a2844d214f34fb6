//! Several `hadir serve` processes on one database and one photo store behave as one: the same
//! check-in sent to both is stored once, the sweeper runs on one at a time, a month closed on
//! one refuses the decisions that race it on the other. (Logins throttled across instances:
//! `auth`.)

use std::time::Duration;

use hadir_tests::{CIMAHI, TestApp, meta_at, photo};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn form(meta: &Value, selfie: &str) -> Form {
    Form::new()
        .part("meta", Part::text(meta.to_string()))
        .part("selfie", Part::bytes(photo(selfie)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_check_in_sent_to_two_instances_is_stored_once() {
    let app = TestApp::spawn().await;
    let sibling = app.sibling().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    for round in 0..5 {
        let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
        let send = |base: String| {
            app.client
                .post(format!("{base}/api/v1/check-ins"))
                .bearer_auth(&budi.tokens.access)
                .multipart(form(&meta, "selfie-a-480x640.jpg"))
                .send()
        };
        let (a, b) = tokio::join!(send(app.url("")), send(sibling.url("")));
        let (a, b) = (a.unwrap(), b.unwrap());
        let statuses = [a.status(), b.status()];
        assert!(
            statuses.contains(&StatusCode::CREATED)
                && statuses
                    .iter()
                    .all(|s| [StatusCode::CREATED, StatusCode::OK].contains(s)),
            "round {round}: {statuses:?}"
        );
        let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
        assert_eq!(
            a["id"], b["id"],
            "round {round}: both answer the same check-in"
        );
    }
    let mine: Value = app
        .get("/api/v1/me/check-ins?limit=50", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        5,
        "one row per check-in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sweeping_at_once_handle_each_object_once() {
    let app = TestApp::spawn().await;
    let sibling = app.sibling().await;
    let store = app.photo_store();
    let orphans = 12;
    for k in 0..orphans {
        let key = hadir_domain::PhotoKey::new(format!("selfies/orphan/{k}.jpg")).unwrap();
        store
            .put(&key, photo("selfie-b-480x640.jpg"), "image/jpeg")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (a, b) = tokio::join!(
        hadir_api::sweep::sweep(&app.state, Duration::ZERO),
        hadir_api::sweep::sweep(&sibling.state, Duration::ZERO)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.deleted + b.deleted, orphans, "{a:?} {b:?}");
    assert!(store.list("selfies/orphan/").await.unwrap().is_empty());
    // The lease was given back: the next sweep runs.
    let again = hadir_api::sweep::sweep(&sibling.state, Duration::ZERO)
        .await
        .unwrap();
    assert!(!again.skipped, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_closed_on_one_instance_refuses_the_decisions_racing_it_on_the_other() {
    let app = TestApp::spawn().await;
    let sibling = app.sibling().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let mut ids = Vec::new();
    for k in 0..16 {
        let staff = app
            .seed_staff(&admin, &org, &format!("pegawai{k}"), "employee", true)
            .await;
        // 2 km away: flagged, waiting for a decision.
        let res = app
            .post_check_in(
                &staff.tokens.access,
                &meta_at(CIMAHI.0 - 0.018, CIMAHI.1, 10.0),
                photo("selfie-a-480x640.jpg"),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "flagged");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let first: Value = app
        .get(&format!("/api/v1/check-ins/{}", ids[0]), &admin.access)
        .await
        .json()
        .await
        .unwrap();
    let month = first["local_date"].as_str().unwrap()[..7].to_owned();
    // The decisions go to the sibling while the month is closed on the first instance.
    let decide = |id: String| {
        let url = sibling.url(&format!("/api/v1/check-ins/{id}/review"));
        let request = app
            .client
            .post(url)
            .bearer_auth(&admin.access)
            .json(&json!({"decision": "approve", "note": "dinas luar"}));
        async move { request.send().await.unwrap().status() }
    };
    let close = async {
        tokio::time::sleep(Duration::from_millis(15)).await;
        app.post_json(
            &format!("/api/v1/months/{month}/close"),
            Some(&admin.access),
            &json!({}),
        )
        .await
        .status()
    };
    let (decided, close_status) = tokio::join!(
        futures_util::future::join_all(ids.iter().cloned().map(decide)),
        close
    );
    assert_eq!(close_status, StatusCode::CREATED);
    for status in &decided {
        assert!(
            [StatusCode::OK, StatusCode::CONFLICT].contains(status),
            "{decided:?}"
        );
    }
    // Every decision that went through committed before the close: none landed in the
    // closed month.
    let closes = hadir_storage::repo::months::of_month(&mut app.db.connect(), &month).unwrap();
    let closed_at = closes[0].closed_at;
    let reviews = hadir_storage::repo::check_ins::reviews_of(&mut app.db.connect(), &ids).unwrap();
    let approved = decided.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(reviews.len(), approved);
    for review in &reviews {
        assert!(
            review.decided_at < closed_at,
            "a decision at {} landed in the month closed at {closed_at}",
            review.decided_at
        );
    }
    // And after the close, the rest is refused.
    for (id, status) in ids.iter().zip(&decided) {
        if *status == StatusCode::CONFLICT {
            let again = decide(id.clone()).await;
            assert_eq!(again, StatusCode::CONFLICT);
        }
    }
}
