//! Accounts: admin only, validated, audited.

use hadir_storage::repo::audit;
use hadir_tests::{TestApp, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_gets_lists_and_updates_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post_json(
            "/api/v1/users",
            Some(&admin.access),
            &json!({"username": "Sekretariat.HR", "password": "hr-password-1", "role": "hr"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["username"], "sekretariat.hr");
    assert_eq!(created["role"], "hr");
    assert_eq!(created["active"], true);
    assert!(created.get("password_hash").is_none());
    assert_eq!(
        location,
        format!("/api/v1/users/{}", created["id"].as_str().unwrap())
    );

    let fetched: Value = app
        .get(&location, &admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, created);

    // Three accounts, two per page: the cursor leads to the third.
    app.create_user(&admin, "zulkifli", "zul-password-1", "employee")
        .await;
    let page: Value = app
        .get("/api/v1/users?limit=2", &admin.access)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "sekretariat.hr"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/users?limit=2&cursor={cursor}"),
            &admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["username"], "zulkifli");
    assert!(page["next_cursor"].is_null());

    let res = app
        .request(
            Method::PATCH,
            &location,
            Some(&admin.access),
            Some(&json!({"role": "unit_admin"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["role"], "unit_admin");

    // Both changes are in the audit log, with who and before/after.
    let id = created["id"].as_str().unwrap().to_owned();
    let entries = app
        .state
        .db
        .run(move |conn| audit::for_entity(conn, "user", &id))
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user.create", "user.update"]);
    assert!(
        entries
            .iter()
            .all(|e| e.actor_user_id.as_deref() == Some(admin.user_id.as_str()))
    );
    let before: Value = serde_json::from_str(entries[1].before_json.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(entries[1].after_json.as_deref().unwrap()).unwrap();
    assert_eq!(
        (before["role"].as_str(), after["role"].as_str()),
        (Some("hr"), Some("unit_admin"))
    );
    assert!(!entries[0].after_json.as_deref().unwrap().contains("argon2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_username_is_a_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_user(&admin, "budi", "budi-password-1", "employee")
        .await;
    let res = app
        .post_json(
            "/api/v1/users",
            Some(&admin.access),
            &json!({"username": "BUDI", "password": "other-password-1", "role": "hr"}),
        )
        .await;
    problem(res, StatusCode::CONFLICT).await;
    // The first account's password still works.
    app.tokens("budi", "budi-password-1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_field_of_a_new_account_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post_json(
            "/api/v1/users",
            Some(&admin.access),
            &json!({"username": "a b", "password": "short", "role": "root", "employee_id": "x"}),
        )
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["employee_id", "password", "role", "username"]);
    let page: Value = app
        .get("/api/v1/users", &admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "nothing was stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linking_an_account_to_a_missing_employee_is_a_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .post_json(
            "/api/v1/users",
            Some(&admin.access),
            &json!({"username": "pegawai1", "password": "pegawai-pass-1", "role": "employee",
                    "employee_id": uuid::Uuid::new_v4()}),
        )
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "employee_id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_other_than_admin_may_not_manage_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for role in ["employee", "supervisor", "unit_admin", "hr"] {
        let name = format!("user.{role}");
        app.create_user(&admin, &name, "some-password-1", role)
            .await;
        let tokens = app.tokens(&name, "some-password-1").await;
        problem(
            app.get("/api/v1/users", &tokens.access).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let res = app
            .post_json(
                "/api/v1/users",
                Some(&tokens.access),
                &json!({"username": "sneaky", "password": "sneaky-pass-1", "role": "admin"}),
            )
            .await;
        problem(res, StatusCode::FORBIDDEN).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_ids_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let unknown = format!("/api/v1/users/{}", uuid::Uuid::new_v4());
    problem(
        app.get(&unknown, &admin.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/api/v1/users/not-a-uuid", &admin.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app
        .request(
            Method::PATCH,
            &unknown,
            Some(&admin.access),
            Some(&json!({"active": false})),
        )
        .await;
    problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let own = format!("/api/v1/users/{}", admin.user_id);
    for patch in [json!({"active": false}), json!({"role": "hr"})] {
        let res = app
            .request(Method::PATCH, &own, Some(&admin.access), Some(&patch))
            .await;
        problem(res, StatusCode::CONFLICT).await;
    }
    assert_eq!(
        app.get("/api/v1/users", &admin.access).await.status(),
        StatusCode::OK
    );
}
