//! Every error is problem+json, whatever produced it.

use hadir_tests::{TestApp, problem};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_route_is_a_problem_json_404() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_is_a_405_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let res = app
        .request(Method::DELETE, "/api/v1/auth/login", None, None)
        .await;
    assert_eq!(res.headers()["allow"], "POST");
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"username": "admin", "password": "#)
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::BAD_REQUEST).await;
    assert!(body["detail"].as_str().unwrap().contains("malformed JSON"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("username=admin")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_body_is_a_413_whether_or_not_its_length_is_declared() {
    let app = TestApp::spawn().await;
    let big = json!({"username": "admin", "password": "x".repeat(70 * 1024)});
    let res = app.post_json("/api/v1/auth/login", None, &big).await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;

    // Chunked: no Content-Length, so the limit must hold while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..80).map(|_| Ok(vec![b' '; 1024])).collect();
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_json_of_the_wrong_shape_is_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json("/api/v1/auth/login", None, &json!({"username": "admin"}))
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "password");

    let res = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": 7, "password": "x"}),
        )
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "username");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_query_parameter_is_a_problem_json_400_or_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app.get("/api/v1/users?limit=abc", &admin.access).await;
    problem(res, StatusCode::BAD_REQUEST).await;
    let res = app.get("/api/v1/users?limit=501", &admin.access).await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "limit");
}

/// The audit log's exact-match filters refuse a control character by name (a NUL reached
/// PostgreSQL, which cannot compare it with text: 500), on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_filter_with_a_control_character_is_a_422_naming_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (query, field) in [
        ("action=unit.create%00", "action"),
        ("entity=%00&limit=5", "entity"),
        ("entity_id=a%00b", "entity_id"),
        ("action=unit%0A.create", "action"),
    ] {
        let res = app
            .get(&format!("/api/v1/audit-log?{query}"), &admin.access)
            .await;
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    let res = app.get("/api/v1/audit-log?action=%20", &admin.access).await;
    assert_eq!(res.status(), StatusCode::OK, "a blank filter is no filter");
}

/// A text holding NUL that reaches PostgreSQL unchecked is a bad request, not a fault: the
/// storage layer names it (`NulInText`, answered 400) instead of a database error (500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_that_reaches_the_database_is_a_bad_request_not_a_fault() {
    use hadir_storage::StorageError;
    let app = TestApp::spawn().await;
    let found = hadir_storage::repo::users::find_by_username(&mut app.db.connect(), "ad\0min");
    match app.db.kind {
        hadir_tests::DbKind::Postgres => {
            assert!(
                matches!(found, Err(StorageError::NulInText(_))),
                "{found:?}"
            );
            let err = hadir_api::app::Error::from(found.unwrap_err());
            assert!(
                matches!(err, hadir_api::app::Error::BadRequest(_)),
                "{err:?}"
            );
        }
        // SQLite holds and compares NUL like any character: no such user.
        hadir_tests::DbKind::Sqlite => assert!(
            matches!(found, Ok(None) | Err(StorageError::NotFound)),
            "{found:?}"
        ),
    }
}
