use hadir_tests::{TestApp, problem};
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok_without_a_token() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_ready_when_database_and_photo_store_answer() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["photo_store"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.destroy();
    let res = app.request(Method::GET, "/readyz", None, None).await;
    assert!(res.headers().contains_key("retry-after"));
    let body = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["checks"]["database"], "unavailable");
    assert_eq!(body["checks"]["photo_store"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_503_when_the_photo_store_is_gone() {
    let app = TestApp::spawn().await;
    match &app.photos {
        hadir_tests::app::TestPhotos::Folder(dir) => std::fs::remove_dir_all(dir.path()).unwrap(),
        hadir_tests::app::TestPhotos::S3(s3) => s3.stop(),
    }
    let res = app.request(Method::GET, "/readyz", None, None).await;
    let body = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["photo_store"], "unavailable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_and_keeps_a_valid_incoming_one() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/healthz", None, None).await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let res = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "phone-7f3a9c21")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "phone-7f3a9c21");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id with spaces");
}

/// Makes every write of a session and of the readiness probe fail as a full disk does
/// (`SQLITE_FULL`'s message, PostgreSQL's `disk_full`), or undoes it.
fn fill_the_disk(app: &TestApp, full: bool) {
    use diesel::connection::SimpleConnection;
    let mut conn = app.db.connect();
    let sql = match (app.db.kind, full) {
        (hadir_tests::DbKind::Sqlite, true) => {
            "CREATE TRIGGER full_a BEFORE INSERT ON sessions \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
             CREATE TRIGGER full_b BEFORE INSERT ON readiness_probe \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
             CREATE TRIGGER full_c BEFORE UPDATE ON readiness_probe \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
        }
        (hadir_tests::DbKind::Sqlite, false) => {
            "DROP TRIGGER full_a; DROP TRIGGER full_b; DROP TRIGGER full_c;"
        }
        (hadir_tests::DbKind::Postgres, true) => {
            "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN
                 RAISE EXCEPTION 'could not extend file \"base/16384/2619\": No space left on device'
                     USING ERRCODE = 'disk_full';
             END $$ LANGUAGE plpgsql;
             CREATE TRIGGER full_a BEFORE INSERT ON sessions
                 FOR EACH ROW EXECUTE FUNCTION disk_full();
             CREATE TRIGGER full_b BEFORE INSERT OR UPDATE ON readiness_probe
                 FOR EACH ROW EXECUTE FUNCTION disk_full();"
        }
        (hadir_tests::DbKind::Postgres, false) => "DROP FUNCTION disk_full() CASCADE;",
    };
    conn.batch_execute(sql).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_disk_full_logins_are_503_and_the_instance_is_not_ready() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.request(Method::GET, "/readyz", None, None)
            .await
            .status(),
        StatusCode::OK
    );
    fill_the_disk(&app, true);
    let res = app.login("admin", hadir_tests::ADMIN_PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    let res = app.request(Method::GET, "/readyz", None, None).await;
    let body = problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["checks"]["database"], "unavailable");
    // Space again: both recover, and the login that failed left nothing behind.
    fill_the_disk(&app, false);
    assert_eq!(
        app.login("admin", hadir_tests::ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.request(Method::GET, "/readyz", None, None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_nosniff_and_no_authenticated_answer_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut failures = Vec::new();
    for (method, path) in hadir_api::routes::ROUTES {
        if *path == "/api/v1/auth/logout" {
            continue; // would end the session the loop uses
        }
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        for token in [Some(admin.access.as_str()), None] {
            let res = app
                .request(
                    method.clone(),
                    &concrete,
                    token,
                    Some(&serde_json::json!({})),
                )
                .await;
            let headers = res.headers();
            if headers
                .get("x-content-type-options")
                .map(reqwest::header::HeaderValue::as_bytes)
                != Some(b"nosniff")
            {
                failures.push(format!("{method} {path}: no nosniff"));
            }
            let cache = headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if token.is_some() && !cache.contains("no-store") {
                failures.push(format!("{method} {path}: cache-control {cache:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_an_admin_or_the_scrape_token_and_count_what_happened() {
    const SCRAPE: &str = "scrape-token-for-the-tests-0123456789";
    let app = TestApp::spawn_with(hadir_tests::TestDb::fresh(), |s| {
        s.metrics.scrape_token = Some(secrecy::SecretString::from(SCRAPE));
    })
    .await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let staff = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    // Before anything: no token, a wrong one, an employee's: 401.
    let scrape = |token: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    for token in [None, Some("wrong"), Some(staff.tokens.access.as_str())] {
        let res = scrape(token).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{token:?}");
    }
    // A failed login, a check-in 2 km away (flagged), an unknown path.
    let res = app.login("budi", "not-the-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let far = hadir_tests::meta_at(hadir_tests::CIMAHI.0 - 0.018, hadir_tests::CIMAHI.1, 10.0);
    let res = app
        .post_check_in(
            &staff.tokens.access,
            &far,
            hadir_tests::photo("selfie-a-480x640.jpg"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.get("/no/such/path", &admin.access).await;

    for token in [SCRAPE, admin.access.as_str()] {
        let res = scrape(Some(token)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text")
        );
        let text = res.text().await.unwrap();
        for line in [
            "hadir_http_requests_total{method=\"POST\",route=\"/api/v1/check-ins\",status=\"201\"} 1",
            "hadir_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
            "hadir_flags_raised_total{code=\"outside_geofence\"} 1",
            "hadir_logins_total{outcome=\"failed\"} 1",
            "hadir_review_backlog 1",
            "hadir_face_jobs_pending 1",
        ] {
            assert!(text.contains(line), "{line} not in:\n{text}");
        }
        for series in [
            "hadir_check_in_stage_duration_seconds_count{stage=\"decode\"} 1",
            "hadir_check_in_stage_duration_seconds_count{stage=\"database\"} 1",
            "hadir_photo_store_duration_seconds_count{op=\"put\",outcome=\"ok\"}",
            "hadir_db_pool_wait_seconds_count",
            "hadir_db_pool_connections",
        ] {
            assert!(text.contains(series), "{series} not in:\n{text}");
        }
    }
}
