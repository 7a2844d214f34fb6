//! Login, tokens, refresh rotation and revocation.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hadir_tests::{ADMIN_PASSWORD, TestApp, TestDb, problem};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "integration-test-signing-key-0123456789";

async fn app_with_known_secret() -> TestApp {
    TestApp::spawn_with(TestDb::fresh(), |s| {
        s.auth.jwt_secret = Some(SecretString::from(SECRET));
    })
    .await
}

/// Claims like the server's, for the admin's current session, expiring `exp_in` seconds from
/// now.
async fn forged_claims(app: &TestApp, exp_in: i64) -> Value {
    let tokens = app.admin().await;
    let payload = tokens.access.split('.').nth(1).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["exp"] = json!(chrono::Utc::now().timestamp() + exp_in);
    claims
}

fn sign(claims: &Value, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/users", token).await.status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_id_with_control_characters_is_refused_at_login() {
    let app = TestApp::spawn().await;
    for bad in ["phone\u{0}1", "", "with space"] {
        let res = app
            .post_json(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD, "device_id": bad}),
            )
            .await;
        let body = hadir_tests::problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], "device_id", "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_a_token_pair_and_the_user() {
    let app = TestApp::spawn().await;
    let res = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_expires_in"], 30 * 24 * 3600);
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert!(body["user"]["employee_id"].is_null());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(status_with(&app, token).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_and_wrong_password_get_the_same_answer_in_similar_time() {
    let app = TestApp::spawn().await;
    // Warm up (connection pool, first hash).
    let _ = app.login("admin", "wrong-password-0").await;

    let mut wrong_password = Duration::ZERO;
    let mut unknown_user = Duration::ZERO;
    let mut bodies = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let res = app.login("admin", &format!("wrong-password-{i}")).await;
        wrong_password += started.elapsed();
        bodies.push(problem(res, StatusCode::UNAUTHORIZED).await);

        let started = Instant::now();
        let res = app.login(&format!("nobody-{i}"), "wrong-password").await;
        unknown_user += started.elapsed();
        bodies.push(problem(res, StatusCode::UNAUTHORIZED).await);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "bodies differ: {bodies:?}"
    );
    // An unknown account is hashed against a dummy, so it costs about as much as a wrong
    // password; without that it would be tens of times faster.
    assert!(
        unknown_user * 3 > wrong_password,
        "unknown user {unknown_user:?} vs wrong password {wrong_password:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_a_valid_token_is_a_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer not.a.token"),
        Some("Basic YWRtaW46eA=="),
    ] {
        let mut req = app.client.get(app.url("/api/v1/users"));
        if let Some(value) = auth {
            req = req.header("authorization", value);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer", "{auth:?}");
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_and_other_algorithms_are_refused() {
    let app = app_with_known_secret().await;
    let claims = forged_claims(&app, 600).await;
    // The forged claims are right: signed properly they pass.
    assert_eq!(
        status_with(&app, &sign(&claims, Algorithm::HS256)).await,
        StatusCode::OK
    );

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(status_with(&app, &token).await, StatusCode::UNAUTHORIZED);
    }
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(
            status_with(&app, &sign(&claims, alg)).await,
            StatusCode::UNAUTHORIZED,
            "{alg:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_missing_iss_aud_or_sub_are_refused() {
    let app = app_with_known_secret().await;
    let claims = forged_claims(&app, 600).await;
    for missing in ["iss", "aud", "sub", "exp"] {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(missing);
        assert_eq!(
            status_with(&app, &sign(&c, Algorithm::HS256)).await,
            StatusCode::UNAUTHORIZED,
            "without {missing}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_passes_within_the_leeway_and_fails_beyond_it() {
    let app = app_with_known_secret().await;
    let within = forged_claims(&app, -20).await;
    assert_eq!(
        status_with(&app, &sign(&within, Algorithm::HS256)).await,
        StatusCode::OK
    );
    let beyond = forged_claims(&app, -31).await;
    assert_eq!(
        status_with(&app, &sign(&beyond, Algorithm::HS256)).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_access_tokens_cannot_stand_in_for_each_other() {
    let app = TestApp::spawn().await;
    let tokens = app.admin().await;
    assert_eq!(
        status_with(&app, &tokens.refresh).await,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.access}),
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    // Both still work for what they are.
    assert_eq!(status_with(&app, &tokens.access).await, StatusCode::OK);
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_session() {
    // Without the grace for a phone that sends its refresh twice at once (tested below).
    let app = TestApp::spawn_with(TestDb::fresh(), |s| s.auth.refresh_grace_s = 0).await;
    let first = app.admin().await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap();
    let second_access = second["access_token"].as_str().unwrap();
    assert_ne!(second_refresh, first.refresh);
    assert_eq!(status_with(&app, second_access).await, StatusCode::OK);

    // The spent token again: refused, and the whole session ends.
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": second_refresh}),
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        status_with(&app, second_access).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_with(&app, &first.access).await,
        StatusCode::UNAUTHORIZED
    );

    // Another login still works: only that session was revoked.
    let again = app.admin().await;
    assert_eq!(status_with(&app, &again.access).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_session() {
    let app = TestApp::spawn().await;
    let tokens = app.admin().await;
    let other = app.admin().await;
    let res = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&tokens.access),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_with(&app, &tokens.access).await,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.refresh}),
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    // The other session (another phone) is untouched.
    assert_eq!(status_with(&app, &other.access).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_user_is_refused_at_the_next_request_and_at_login() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = app
        .create_user(&admin, "hr.siti", "siti-password-1", "admin")
        .await;
    let siti = app.tokens("hr.siti", "siti-password-1").await;
    assert_eq!(status_with(&app, &siti.access).await, StatusCode::OK);

    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin.access),
            Some(&json!({"active": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(
        status_with(&app, &siti.access).await,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": siti.refresh}),
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    let denied = problem(
        app.login("hr.siti", "siti-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown = problem(
        app.login("nobody", "siti-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        denied, unknown,
        "a deactivated account looks like an unknown one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_accounts_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = app
        .create_user(&admin, "budi", "budi-password-1", "employee")
        .await;
    let budi = app.tokens("budi", "budi-password-1").await;
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin.access),
            Some(&json!({"password": "budi-password-2"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&budi.access),
            None,
        )
        .await;
    problem(res, StatusCode::UNAUTHORIZED).await;
    problem(
        app.login("budi", "budi-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    app.tokens("budi", "budi-password-2").await;
}

/// Posts a login to `base` (an instance's address).
async fn login_at(app: &TestApp, base: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_wait_longer_and_longer_per_name_whether_or_not_it_exists() {
    let app = TestApp::spawn().await;
    // A phone already signed in.
    let phone = app.admin().await;
    for (name, good) in [("admin", Some(ADMIN_PASSWORD)), ("nobody", None)] {
        for i in 0..6 {
            let res = app.login(name, &format!("wrong-password-{i}")).await;
            problem(res, StatusCode::UNAUTHORIZED).await;
        }
        // The sixth failure started a wait: now even the right password gets 429.
        let res = app.login(name, good.unwrap_or("wrong-password")).await;
        let retry: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "{retry}");
        let body = problem(res, StatusCode::TOO_MANY_REQUESTS).await;
        assert!(body["detail"].as_str().unwrap().contains("wait"));
    }
    // The phone is not locked out: its refresh token still works.
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": phone.refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // After the wait, the right password works, and the count starts again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.login("admin", ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let res = app.login("admin", "wrong-again").await;
    problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_from_one_address_are_throttled_across_names_and_instances() {
    let app = TestApp::spawn_with(TestDb::fresh(), |s| {
        s.auth.login_address_free_failures = 4;
    })
    .await;
    let other = app.sibling().await;
    let bases = [app.address.clone(), other.address.clone()];
    // Five names, one failure each, alternating between the two instances: the fifth failure
    // from this address starts a wait that both instances keep.
    for i in 0..5 {
        let res = login_at(&app, &bases[i % 2], &format!("name-{i}"), "wrong-password").await;
        problem(res, StatusCode::UNAUTHORIZED).await;
    }
    for base in &bases {
        let res = login_at(&app, base, "yet-another-name", "wrong-password").await;
        assert!(res.headers().contains_key("retry-after"));
        problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    }
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": token}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refreshes_sent_at_once_keep_the_session_and_a_late_reuse_ends_it() {
    let app = TestApp::spawn_with(TestDb::fresh(), |s| s.auth.refresh_grace_s = 2).await;
    let first = app.admin().await;
    let (a, b) = tokio::join!(refresh(&app, &first.refresh), refresh(&app, &first.refresh));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    // Both pairs work: the phone keeps whichever answer reached it.
    for pair in [&a, &b] {
        let access = pair["access_token"].as_str().unwrap();
        assert_eq!(status_with(&app, access).await, StatusCode::OK);
    }
    let next = a["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&app, next).await.status(), StatusCode::OK);
    // Past the grace, the first token again is a copy: the session ends.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    problem(
        refresh(&app, &first.refresh).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let access = b["access_token"].as_str().unwrap();
    assert_eq!(status_with(&app, access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_in_the_future_is_refused() {
    let app = app_with_known_secret().await;
    let mut claims = forged_claims(&app, 7200).await;
    claims["iat"] = json!(chrono::Utc::now().timestamp() + 3600);
    claims["nbf"] = json!(chrono::Utc::now().timestamp() - 10);
    let token = sign(&claims, Algorithm::HS256);
    assert_eq!(status_with(&app, &token).await, StatusCode::UNAUTHORIZED);
}

/// A user name holding NUL (which PostgreSQL cannot compare with text) or another control
/// character is answered as any unknown name: 401, on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_name_with_a_control_character_is_an_unknown_name() {
    let app = TestApp::spawn().await;
    for name in ["admin\u{0}", "\u{0}\\\u{e3}c\u{85}", "ad\nmin"] {
        problem(
            app.login(name, ADMIN_PASSWORD).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
}
