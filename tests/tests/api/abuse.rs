//! Abuse resistance at the edge: bodies that do not arrive in time are dropped with 408, one
//! account cannot hold many uploads open, and ambiguous multipart bodies are refused.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hadir_tests::{CIMAHI, TestApp, TestDb, meta_at, photo, problem};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

/// Opens a connection and sends the head of a request whose body is `declared` bytes long,
/// then `first` bytes of it.
fn start_request(app: &TestApp, head: &str, declared: usize, first: &[u8]) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{head}\r\nHost: {address}\r\nContent-Length: {declared}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    stream
}

/// Reads the status line's code, waiting at most `within`.
fn status_of(stream: &mut TcpStream, within: Duration) -> Option<u16> {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.split_whitespace().nth(1)?.parse().ok()
}

fn upload_head(token: &str) -> String {
    format!(
        "POST /api/v1/check-ins HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=xyz"
    )
}

async fn app_with_short_body_deadlines() -> TestApp {
    TestApp::spawn_with(TestDb::fresh(), |s| {
        s.server.body_idle_timeout_s = 1;
        s.server.body_timeout_s = 3;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_or_trickles_is_dropped_with_408() {
    let app = app_with_short_body_deadlines().await;
    let org = app.seed_org();
    let admin = app.admin().await;
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let token = budi.tokens.access.clone();
    let (upload, login) = (
        upload_head(&token),
        "POST /api/v1/auth/login HTTP/1.1\r\nContent-Type: application/json".to_owned(),
    );
    let app = std::sync::Arc::new(app);
    let a = app.clone();
    tokio::task::spawn_blocking(move || {
        // A check-in that stops after its first bytes, and a login that does the same.
        for (head, declared) in [(&upload, 100_000), (&login, 1_000)] {
            let started = Instant::now();
            let mut stream = start_request(&a, head, declared, b"--xyz\r\n");
            assert_eq!(
                status_of(&mut stream, Duration::from_secs(10)),
                Some(408),
                "{head}"
            );
            let waited = started.elapsed();
            assert!(waited < Duration::from_secs(5), "{waited:?}");
        }
        // A body that trickles a byte every 400 ms never stalls for a second, but its whole
        // deadline (3 s) passes.
        let started = Instant::now();
        let mut stream = start_request(&a, &upload, 100_000, b"-");
        let mut got = None;
        while started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(400));
            if stream.write_all(b"-").is_err() {
                break;
            }
            stream.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 512];
            if let Ok(n) = stream.read(&mut buf)
                && n > 0
            {
                got = String::from_utf8_lossy(&buf[..n])
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse::<u16>().ok());
                break;
            }
            stream.set_nonblocking(false).unwrap();
        }
        assert_eq!(got, Some(408));
        assert!(
            started.elapsed() >= Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    })
    .await
    .unwrap();
    // Nothing was stored.
    let res = app.get("/api/v1/me/check-ins", &token).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_cannot_hold_more_than_two_uploads_open() {
    let app = TestApp::spawn_with(TestDb::fresh(), |s| {
        s.server.body_idle_timeout_s = 30;
    })
    .await;
    let org = app.seed_org();
    let admin = app.admin().await;
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let siti = app.seed_staff(&admin, &org, "siti", "employee", true).await;
    let head = upload_head(&budi.tokens.access);
    // Two uploads that stall half-way.
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(start_request(&app, &head, 100_000, b"--xyz\r\n"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let meta = || meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let selfie = || photo("selfie-a-480x640.jpg");
    let res = app
        .post_check_in(&budi.tokens.access, &meta(), selfie())
        .await;
    assert_eq!(res.headers()["retry-after"], "2");
    problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // Another account is not affected.
    let res = app
        .post_check_in(&siti.tokens.access, &meta(), photo("selfie-b-480x640.jpg"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Once the stalled uploads are gone, Budi's places come back.
    drop(open);
    let mut status = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        status = app
            .post_check_in(&budi.tokens.access, &meta(), selfie())
            .await
            .status();
        if status != StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_sent_twice_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let org = app.seed_org();
    let admin = app.admin().await;
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let meta = meta_at(CIMAHI.0, CIMAHI.1, 10.0);
    let jpeg = |name: &str| {
        Part::bytes(photo(name))
            .file_name("selfie.jpg")
            .mime_str("image/jpeg")
            .unwrap()
    };
    let forms = [
        Form::new()
            .part("meta", Part::text(meta.to_string()))
            .part("meta", Part::text(meta.to_string()))
            .part("selfie", jpeg("selfie-a-480x640.jpg")),
        Form::new()
            .part("meta", Part::text(meta.to_string()))
            .part("selfie", jpeg("selfie-a-480x640.jpg"))
            .part("selfie", jpeg("selfie-b-480x640.jpg")),
    ];
    for (form, field) in forms.into_iter().zip(["meta", "selfie"]) {
        let res = app
            .client
            .post(app.url("/api/v1/check-ins"))
            .bearer_auth(&budi.tokens.access)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let client_id = meta["client_id"].as_str().unwrap();
    let form = Form::new()
        .part("meta", Part::text(meta.to_string()))
        .part(format!("selfie.{client_id}"), jpeg("selfie-a-480x640.jpg"))
        .part(format!("selfie.{client_id}"), jpeg("selfie-b-480x640.jpg"));
    let res = app
        .client
        .post(app.url("/api/v1/check-ins/batch"))
        .bearer_auth(&budi.tokens.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app.get("/api/v1/me/check-ins", &budi.tokens.access).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
}
