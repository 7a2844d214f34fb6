//! The console as HTML over HTTP: sign-in, the security headers, the review queue and a
//! decision through the same rules and audit as the API, CSRF and scope refusals. (Whole
//! journeys in a real browser are in `browser`.)

use hadir_tests::{ADMIN_PASSWORD, CIMAHI, TestApp, meta_at, photo};
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// A signed-in console: its cookie and the CSRF token of its pages.
struct Console {
    cookie: String,
    csrf: String,
}

/// The `name=value` of a `Set-Cookie` header for `name`.
fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn value_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// The content of `<meta name="csrf-token" content="...">` or of a hidden `csrf` field.
fn csrf_in(html: &str) -> String {
    let after = html
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .or_else(|| html.split("name=\"csrf\" value=\"").nth(1))
        .expect("a CSRF token in the page");
    after.split('"').next().unwrap().to_owned()
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Result<Console, Response> {
    let form = app
        .client
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&form, "hadir_login_csrf").unwrap();
    let token = csrf_in(&form.text().await.unwrap());
    let res = app
        .client
        .post(app.url("/console/login"))
        .header("cookie", login_cookie.split(';').next().unwrap())
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &token),
            ("next", "/console/review"),
        ])
        .send()
        .await
        .unwrap();
    if res.status() != StatusCode::SEE_OTHER {
        return Err(res);
    }
    let session = set_cookie(&res, "hadir_console").expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    let cookie = format!("hadir_console={}", value_of(&session));
    let page = app
        .client
        .get(app.url("/console/review"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    Ok(Console { cookie, csrf })
}

async fn get(app: &TestApp, console: &Console, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, console: &Console, path: &str, form: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .header("cookie", &console.cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_signs_in_with_a_cookie_and_sends_its_security_headers() {
    let app = TestApp::spawn().await;
    // Not signed in: to the sign-in page, with where to come back.
    let res = app
        .client
        .get(app.url("/console/review"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/console/login?next=/console/review"
    );
    let res = app
        .client
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(!html.contains("<script>"), "no inline script");
    // Wrong password: the form again, 401, nothing set.
    let err = sign_in(&app, "admin", "wrong-password")
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&err, "hadir_console").is_none());
    // Right: a session; the static files carry hashed names and are cached.
    let console = sign_in(&app, "admin", ADMIN_PASSWORD).await.unwrap();
    let page = get(&app, &console, "/console/review")
        .await
        .text()
        .await
        .unwrap();
    let css = page
        .split("href=\"/console/static/console.")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = app
        .client
        .get(app.url(&format!("/console/static/console.{css}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    // Sign out: the cookie is cleared and no longer works.
    let csrf = console.csrf.clone();
    let res = post(&app, &console, "/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = get(&app, &console, "/console/review").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_in_the_console_follows_the_api_rules_and_is_audited_alike() {
    let w = crate::org::world().await;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    w.employee(2, &w.dinas_b, Some(&w.office_b), "unit_admin", None)
        .await;
    w.employee(3, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let tokens = w.login(1).await;
    let res = app
        .post_check_in(
            &tokens.access,
            &meta_at(far.0, far.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    let check_in: Value = res.json().await.unwrap();
    let id = check_in["id"].as_str().unwrap().to_owned();
    assert_eq!(check_in["status"], "flagged");

    let admin = sign_in(app, "admin", ADMIN_PASSWORD).await.unwrap();
    // The queue names Budi and the flag's explanation.
    let queue = get(app, &admin, "/console/review")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Pegawai 1"), "{queue}");
    assert!(queue.contains("data-flag=\"outside_geofence\""));
    // The detail draws the map.
    let detail = get(app, &admin, &format!("/console/review/{id}")).await;
    assert_eq!(detail.status(), StatusCode::OK);
    let detail = detail.text().await.unwrap();
    assert!(
        detail.contains("<svg class=\"map\"") && detail.contains("2.0 km"),
        "{detail}"
    );
    // Without the CSRF token: refused, nothing decided.
    let path = format!("/console/review/{id}/decide");
    let res = post(app, &admin, &path, &[("decision", "approve")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(
        app,
        &admin,
        &path,
        &[("decision", "approve"), ("csrf", "forged")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A rejection without a note is refused as the API refuses it.
    let csrf = admin.csrf.clone();
    let res = post(
        app,
        &admin,
        &path,
        &[("decision", "reject"), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another unit's admin does not even see it (404), like the API.
    let other = sign_in(app, "pegawai2", "sandi-yang-panjang")
        .await
        .unwrap();
    let res = get(app, &other, &format!("/console/review/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let other_csrf = other.csrf.clone();
    let res = post(
        app,
        &other,
        &path,
        &[("decision", "approve"), ("csrf", &other_csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // An employee cannot use the console.
    let err = sign_in(app, "pegawai3", "sandi-yang-panjang")
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
    // Approve: done, and the audit log has the same entry the API writes.
    let res = post(
        app,
        &admin,
        &path,
        &[("decision", "approve"), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let one: Value = app
        .get(&format!("/api/v1/check-ins/{id}"), &w.admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], "approved");
    let log: Value = app
        .get(
            &format!("/api/v1/audit-log?action=check_in.review&entity_id={id}"),
            &w.admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["actor_user_id"], w.admin.user_id.as_str());
    // And the read of Budi's selfie is audited like the API's.
    let reads: Value = app
        .get(
            &format!(
                "/api/v1/audit-log?action=check_in.read&employee_id={}",
                budi["id"].as_str().unwrap()
            ),
            &w.admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!reads["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_shows_the_face_evidence_beside_the_reference_and_promotes_a_selfie() {
    let w = crate::org::world().await;
    let app = &w.app;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let budi_id = budi["id"].as_str().unwrap().to_owned();
    let tokens = w.login(1).await;
    let far = (CIMAHI.0 - 0.018, CIMAHI.1);
    let check_in: Value = app
        .post_check_in(
            &tokens.access,
            &meta_at(far.0, far.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = check_in["id"].as_str().unwrap().to_owned();
    let admin = sign_in(app, "admin", ADMIN_PASSWORD).await.unwrap();
    let detail_path = format!("/console/review/{id}");
    let before = get(app, &admin, &detail_path).await.text().await.unwrap();
    assert!(before.contains("id=\"face\""), "{before}");
    assert!(
        before.contains("Sedang diperiksa"),
        "pending until the job ran"
    );
    hadir_api::faces::drain(&app.state, "console-test")
        .await
        .unwrap();
    let after = get(app, &admin, &detail_path).await.text().await.unwrap();
    assert!(
        after.contains("1 wajah (0.9") && after.contains("belum ada wajah acuan"),
        "one face, its score, and no reference yet: {after}"
    );
    assert!(!after.contains("id=\"promote\""), "not approved yet");
    // Approved, it can become the reference; then the reference shows beside the selfie.
    let path = format!("/console/review/{id}/decide");
    let csrf = admin.csrf.clone();
    let res = post(
        app,
        &admin,
        &path,
        &[
            ("decision", "approve"),
            ("note", "dinas luar"),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let approved = get(app, &admin, &detail_path).await.text().await.unwrap();
    assert!(approved.contains("id=\"promote\""), "{approved}");
    let promote = format!("/console/review/{id}/face-reference");
    let res = post(app, &admin, &promote, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let res = post(app, &admin, &promote, &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let enrolled = get(app, &admin, &detail_path).await.text().await.unwrap();
    assert!(
        enrolled.contains("id=\"reference\"") && enrolled.contains("dari presensi yang disetujui"),
        "{enrolled}"
    );
    let res = app
        .get(
            &format!("/api/v1/employees/{budi_id}/face"),
            &w.admin.access,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}
