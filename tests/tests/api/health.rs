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
