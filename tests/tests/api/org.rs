//! Units, offices and employees through the API: validation, scope, audit, and the path from
//! an empty organisation to a first check-in.

use hadir_storage::repo::audit;
use hadir_tests::{CIMAHI, TestApp, Tokens, meta_at, photo, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.post_json(path, Some(token), body).await
}

pub(crate) async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

pub(crate) async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(location.unwrap().ends_with(body["id"].as_str().unwrap()));
    body
}

async fn unit(app: &TestApp, token: &str, name: &str, parent: Option<&Value>) -> String {
    let body = json!({"name": name, "parent_id": parent.map(|p| p["id"].clone())});
    created(post(app, token, "/api/v1/units", &body).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn nip(n: u32) -> String {
    format!("19850312201001{}{n:03}", 1)
}

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) admin: Tokens,
    /// Kota → Dinas A → Bidang A1; Kota → Dinas B.
    pub(crate) dinas_a: String,
    pub(crate) bidang_a1: String,
    pub(crate) dinas_b: String,
    pub(crate) office_a: String,
    pub(crate) office_b: String,
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

/// The same organisation on an app whose settings `customize` adjusts.
pub(crate) async fn world_with(
    customize: impl Fn(&mut hadir_api::Settings) + Send + Sync + 'static,
) -> World {
    let app = TestApp::spawn_with(hadir_tests::TestDb::fresh(), customize).await;
    let admin = app.admin().await;
    let t = admin.access.clone();
    let kota = unit(&app, &t, "Pemerintah Kota Cimahi", None).await;
    let kota_v = json!({"id": kota});
    let dinas_a = unit(&app, &t, "Dinas A", Some(&kota_v)).await;
    let bidang_a1 = unit(&app, &t, "Bidang A1", Some(&json!({"id": dinas_a}))).await;
    let dinas_b = unit(&app, &t, "Dinas B", Some(&kota_v)).await;
    let office = |unit: &str, name: &str| {
        json!({"name": name, "unit_id": unit, "latitude": CIMAHI.0, "longitude": CIMAHI.1,
               "radius_m": 100, "timezone": "Asia/Jakarta"})
    };
    let office_a = created(post(&app, &t, "/api/v1/offices", &office(&dinas_a, "Kantor A")).await)
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let office_b = created(post(&app, &t, "/api/v1/offices", &office(&dinas_b, "Kantor B")).await)
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        admin,
        dinas_a,
        bidang_a1,
        dinas_b,
        office_a,
        office_b,
    }
}

impl World {
    /// Creates an employee with a login; returns the employee.
    pub(crate) async fn employee(
        &self,
        n: u32,
        unit: &str,
        office: Option<&str>,
        role: &str,
        supervisor: Option<&str>,
    ) -> Value {
        let body = json!({
            "nip": nip(n), "name": format!("Pegawai {n}"), "unit_id": unit,
            "position": "Analis", "echelon": "staff", "office_id": office,
            "supervisor_id": supervisor,
            "username": format!("pegawai{n}"), "password": "sandi-yang-panjang", "role": role,
        });
        created(post(&self.app, &self.admin.access, "/api/v1/employees", &body).await).await
    }

    pub(crate) async fn login(&self, n: u32) -> Tokens {
        self.app
            .tokens(&format!("pegawai{n}"), "sandi-yang-panjang")
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_an_empty_organisation_to_a_first_check_in() {
    let w = world().await;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    assert_eq!(budi["user"]["username"], "pegawai1");
    assert_eq!(budi["user"]["role"], "employee");
    assert_eq!(budi["id_type"], "nip");
    let tokens = w.login(1).await;
    let res = w
        .app
        .post_check_in(
            &tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["place"]["name"], "Kantor A");
    assert_eq!(body["status"], "accepted");

    // Every write is audited with who, what, before and after.
    let mut conn = w.app.db.connect();
    let entries = audit::for_entity(&mut conn, "employee", budi["id"].as_str().unwrap()).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "employee.create");
    assert_eq!(
        entries[0].actor_user_id.as_deref(),
        Some(w.admin.user_id.as_str())
    );
    assert!(
        entries[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("pegawai1")
    );
    assert!(
        !entries[0].after_json.as_deref().unwrap().contains("sandi"),
        "no password"
    );
    let office = audit::for_entity(&mut conn, "office", &w.office_a).unwrap();
    assert_eq!(office[0].action, "office.create");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_employee_fields_are_422_naming_each_one() {
    let w = world().await;
    let t = &w.admin.access;
    let good = json!({"nip": nip(1), "name": "Siti", "unit_id": w.dinas_a, "position": "Analis",
                      "echelon": "staff"});
    let cases: Vec<(&str, Value)> = vec![
        ("nip", json!("1985031220100110")),
        ("nip", json!("198513122010011002")),
        ("nip", json!("198503122010131002")),
        ("nip", json!("198503122010013002")),
        ("echelon", json!("eselon 3")),
        ("unit_id", json!("not-a-uuid")),
        ("unit_id", json!(uuid::Uuid::new_v4().to_string())),
        ("office_id", json!(uuid::Uuid::new_v4().to_string())),
        ("supervisor_id", json!(uuid::Uuid::new_v4().to_string())),
        ("name", json!("   ")),
        ("name", json!("Bu\u{0}di")),
        ("position", json!("Analis\u{7}")),
        ("id_type", json!("passport")),
        ("home_latitude", json!(-6.9)),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let res = post(&w.app, t, "/api/v1/employees", &body).await;
        let problem = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            problem["errors"][0]["field"], field,
            "{field} = {value}: {problem}"
        );
    }
    // Contract staff with a NIK.
    let mut nik = good.clone();
    nik["nip"] = json!("3277011203850001");
    nik["id_type"] = json!("nik");
    created(post(&w.app, t, "/api/v1/employees", &nik).await).await;
    // The same NIP twice; the same username twice.
    created(post(&w.app, t, "/api/v1/employees", &good).await).await;
    problem(
        post(&w.app, t, "/api/v1/employees", &good).await,
        StatusCode::CONFLICT,
    )
    .await;
    let mut with_login = good.clone();
    with_login["nip"] = json!(nip(2));
    with_login["username"] = json!("siti");
    with_login["password"] = json!("sandi-yang-panjang");
    created(post(&w.app, t, "/api/v1/employees", &with_login).await).await;
    with_login["nip"] = json!(nip(3));
    let body = problem(
        post(&w.app, t, "/api/v1/employees", &with_login).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("username"));
    // Nothing was half-created by the refused requests: three employees exist.
    let page: Value = w
        .app
        .get("/api/v1/employees", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_offices_are_422_naming_the_field() {
    let w = world().await;
    let t = &w.admin.access;
    let good = json!({"name": "Kantor", "unit_id": w.dinas_a, "latitude": CIMAHI.0,
                      "longitude": CIMAHI.1, "radius_m": 100, "timezone": "Asia/Makassar"});
    let cases: Vec<(&str, Value)> = vec![
        ("timezone", json!("WITA")),
        ("radius_m", json!(0)),
        ("latitude", json!(90)),
        ("longitude", json!(181)),
        ("polygon", json!([[-6.87, 107.54], [-6.87, 107.54]])),
        (
            "polygon",
            json!([[-6.87, 107.54], [95.0, 107.55], [-6.88, 107.55]]),
        ),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let res = post(&w.app, t, "/api/v1/offices", &body).await;
        let problem = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            problem["errors"][0]["field"], field,
            "{field} = {value}: {problem}"
        );
    }
    let mut polygon = good.clone();
    polygon["polygon"] = json!([
        [-6.873, 107.541],
        [-6.873, 107.543],
        [-6.871, 107.543],
        [-6.871, 107.541]
    ]);
    let office = created(post(&w.app, t, "/api/v1/offices", &polygon).await).await;
    assert_eq!(office["polygon"].as_array().unwrap().len(), 4);
    // A patch is checked with the stored values for the rest.
    let path = format!("/api/v1/offices/{}", office["id"].as_str().unwrap());
    let res = patch(&w.app, t, &path, &json!({"radius_m": -5})).await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "radius_m");
    // A unit that does not exist is named, not a server error.
    let res = patch(
        &w.app,
        t,
        &path,
        &json!({"unit_id": uuid::Uuid::new_v4().to_string()}),
    )
    .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "unit_id");
    // `null` clears what can be cleared and is refused for the rest.
    let res = patch(&w.app, t, &path, &json!({"timezone": null})).await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "timezone");
    let res = patch(
        &w.app,
        t,
        &path,
        &json!({"polygon": null, "timezone": "Asia/Jayapura"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["polygon"], Value::Null);
    assert_eq!(body["timezone"], "Asia/Jayapura");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_walks_every_role_over_every_route() {
    let w = world().await;
    let head_a = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    let boss = w
        .employee(2, &w.bidang_a1, Some(&w.office_a), "supervisor", None)
        .await;
    let staff_a1 = w
        .employee(
            3,
            &w.bidang_a1,
            Some(&w.office_a),
            "employee",
            boss["id"].as_str(),
        )
        .await;
    let staff_b = w
        .employee(4, &w.dinas_b, Some(&w.office_b), "employee", None)
        .await;
    let hr = w.employee(5, &w.dinas_b, None, "hr", None).await;
    let _ = (&head_a, &hr);
    let unit_admin = w.login(1).await;
    let supervisor = w.login(2).await;
    let employee = w.login(3).await;
    let hr = w.login(5).await;
    let app = &w.app;

    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let in_a = [
        format!("/api/v1/units/{}", w.dinas_a),
        format!("/api/v1/units/{}", w.bidang_a1),
        format!("/api/v1/offices/{}", w.office_a),
        format!("/api/v1/employees/{}", id(&staff_a1)),
    ];
    let in_b = [
        format!("/api/v1/units/{}", w.dinas_b),
        format!("/api/v1/offices/{}", w.office_b),
        format!("/api/v1/employees/{}", id(&staff_b)),
    ];
    // Admin and HR: everything.
    for token in [&w.admin.access, &hr.access] {
        for path in in_a.iter().chain(&in_b) {
            assert_eq!(
                app.get(path, token).await.status(),
                StatusCode::OK,
                "{path}"
            );
        }
    }
    // The unit admin of Dinas A: Dinas A and below; Dinas B is 404.
    for path in &in_a {
        assert_eq!(
            app.get(path, &unit_admin.access).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    for path in &in_b {
        problem(
            app.get(path, &unit_admin.access).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let units: Value = app
        .get("/api/v1/units", &unit_admin.access)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = units["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bidang A1", "Dinas A"]);
    let people: Value = app
        .get("/api/v1/employees", &unit_admin.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        people["items"].as_array().unwrap().len(),
        3,
        "the three in Dinas A and below"
    );
    // A unit admin cannot write outside, nor give roles above theirs.
    let res = post(
        app,
        &unit_admin.access,
        "/api/v1/offices",
        &json!({"name": "X", "unit_id": w.dinas_b,
        "latitude": 0.5, "longitude": 100.0, "radius_m": 50, "timezone": "Asia/Jakarta"}),
    )
    .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = patch(
        app,
        &unit_admin.access,
        &in_b[2],
        &json!({"position": "Kepala"}),
    )
    .await;
    problem(res, StatusCode::NOT_FOUND).await;
    let res = post(
        app,
        &unit_admin.access,
        "/api/v1/employees",
        &json!({"nip": nip(9), "name": "X",
        "unit_id": w.bidang_a1, "position": "X", "echelon": "IV", "username": "x.admin",
        "password": "sandi-yang-panjang", "role": "admin"}),
    )
    .await;
    let body = problem(res, StatusCode::FORBIDDEN).await;
    assert!(body["detail"].as_str().unwrap().contains("below its own"));
    // The supervisor: their report, not the rest; lists only their reports.
    assert_eq!(
        app.get(&in_a[3], &supervisor.access).await.status(),
        StatusCode::OK
    );
    problem(
        app.get(&in_b[2], &supervisor.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get(&in_a[0], &supervisor.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let reports: Value = app
        .get("/api/v1/employees", &supervisor.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reports["items"].as_array().unwrap().len(), 1);
    problem(
        app.get("/api/v1/units", &supervisor.access).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // The employee: themselves only.
    let me = format!("/api/v1/employees/{}", id(&staff_a1));
    assert_eq!(
        app.get(&me, &employee.access).await.status(),
        StatusCode::OK
    );
    for path in in_a.iter().take(3).chain(&in_b) {
        problem(app.get(path, &employee.access).await, StatusCode::NOT_FOUND).await;
    }
    for list in ["/api/v1/units", "/api/v1/offices", "/api/v1/employees"] {
        problem(app.get(list, &employee.access).await, StatusCode::FORBIDDEN).await;
    }
    problem(
        patch(app, &employee.access, &me, &json!({"position": "Kepala"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circles_in_the_unit_tree_and_the_supervisor_chain_are_refused() {
    let w = world().await;
    let t = &w.admin.access;
    let res = patch(
        &w.app,
        t,
        &format!("/api/v1/units/{}", w.dinas_a),
        &json!({"parent_id": w.bidang_a1}),
    )
    .await;
    problem(res, StatusCode::CONFLICT).await;
    let res = patch(
        &w.app,
        t,
        &format!("/api/v1/units/{}", w.dinas_a),
        &json!({"parent_id": w.dinas_a}),
    )
    .await;
    problem(res, StatusCode::CONFLICT).await;
    let top = w.employee(1, &w.dinas_a, None, "employee", None).await;
    let middle = w
        .employee(2, &w.dinas_a, None, "employee", top["id"].as_str())
        .await;
    let bottom = w
        .employee(3, &w.dinas_a, None, "employee", middle["id"].as_str())
        .await;
    let path = format!("/api/v1/employees/{}", top["id"].as_str().unwrap());
    let res = patch(&w.app, t, &path, &json!({"supervisor_id": bottom["id"]})).await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "supervisor_id");
    let res = patch(&w.app, t, &path, &json!({"supervisor_id": top["id"]})).await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_office_is_no_place_and_a_deactivated_employee_is_logged_out() {
    let w = world().await;
    let t = &w.admin.access;
    let budi = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "employee", None)
        .await;
    let tokens = w.login(1).await;
    let res = w
        .app
        .request(
            Method::DELETE,
            &format!("/api/v1/offices/{}", w.office_a),
            Some(t),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let offices: Value = w.app.get("/api/v1/offices", t).await.json().await.unwrap();
    assert!(
        offices["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["id"] != w.office_a.as_str())
    );
    let gone = format!("/api/v1/offices/{}", w.office_a);
    problem(w.app.get(&gone, t).await, StatusCode::NOT_FOUND).await;
    let kept = w.app.get(&format!("{gone}?include_inactive=true"), t).await;
    assert_eq!(kept.status(), StatusCode::OK);
    let all: Value = w
        .app
        .get("/api/v1/offices?include_inactive=true", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let res = w
        .app
        .post_check_in(
            &tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["flags"][0]["code"], "no_assignment");

    let path = format!("/api/v1/employees/{}", budi["id"].as_str().unwrap());
    let res = patch(&w.app, t, &path, &json!({"active": false})).await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        w.app.get(&path, &tokens.access).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        w.app.login("pegawai1", "sandi-yang-panjang").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

/// A search term with a NUL (which PostgreSQL cannot compare with text) or another control
/// character is refused naming `q`, on both backends, instead of failing inside the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_search_with_a_control_character_is_refused() {
    let w = world().await;
    let t = &w.admin.access;
    for q in ["Budi%00", "%C2%A8%00%C3%87", "a%0Ab"] {
        let res = w.app.get(&format!("/api/v1/employees?q={q}"), t).await;
        let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["field"], "q", "{q}: {body}");
    }
    // A term without one still searches.
    let res = w.app.get("/api/v1/employees?q=%20", t).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employee_lists_filter_and_page() {
    let w = world().await;
    let t = &w.admin.access;
    for n in 1..=5 {
        let unit = if n % 2 == 0 { &w.dinas_b } else { &w.dinas_a };
        w.employee(n, unit, None, "employee", None).await;
    }
    let page: Value = w
        .app
        .get("/api/v1/employees?limit=2", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest: Value = w
        .app
        .get(&format!("/api/v1/employees?limit=10&cursor={next}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert_eq!(rest["next_cursor"], Value::Null);
    let b: Value = w
        .app
        .get(&format!("/api/v1/employees?unit_id={}", w.dinas_b), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    let q: Value = w
        .app
        .get("/api/v1/employees?q=PEGAWAI%203", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["items"].as_array().unwrap().len(), 1, "{q}");
    let q: Value = w
        .app
        .get("/api/v1/employees?q=50_", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        q["items"].as_array().unwrap().len(),
        0,
        "_ is not a wildcard"
    );
    problem(
        w.app.get("/api/v1/employees?unit_id=nope", t).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_deactivates_their_own_employee_record() {
    let w = world().await;
    let head = w.employee(1, &w.dinas_a, None, "unit_admin", None).await;
    let tokens = w.login(1).await;
    let path = format!("/api/v1/employees/{}", head["id"].as_str().unwrap());
    let res = patch(&w.app, &tokens.access, &path, &json!({"active": false})).await;
    problem(res, StatusCode::CONFLICT).await;
    assert_eq!(
        w.app.get(&path, &tokens.access).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_shows_the_callers_unit_supervisor_and_offices() {
    let w = world().await;
    let boss = w
        .employee(1, &w.dinas_a, Some(&w.office_a), "supervisor", None)
        .await;
    w.employee(
        2,
        &w.bidang_a1,
        Some(&w.office_a),
        "employee",
        boss["id"].as_str(),
    )
    .await;
    let tokens = w.login(2).await;
    let me: Value = w
        .app
        .get("/api/v1/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Pegawai 2");
    assert_eq!(me["unit"]["name"], "Bidang A1");
    assert_eq!(me["supervisor"]["name"], "Pegawai 1");
    assert_eq!(me["offices"][0]["name"], "Kantor A");
    assert_eq!(me["home"], Value::Null);
    assert_eq!(me["user"]["username"], "pegawai2");
    // The plain admin account is no employee.
    problem(
        w.app.get("/api/v1/me", &w.admin.access).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
