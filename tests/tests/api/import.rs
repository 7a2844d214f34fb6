//! `POST /api/v1/employees/import`: a personnel system's CSV, all rows or none.

use std::fmt::Write as _;

use hadir_storage::repo::audit;
use hadir_tests::{TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::org::{World, patch, world};

const BOSS: &str = "198704052011011001";
const SITI: &str = "199001152015032002";
const ANDI: &str = "199203042018011003";

async fn upload(app: &TestApp, token: &str, query: &str, body: &[u8]) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/employees/import{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// Dinas A gets the code DISKOMINFO, Dinas B the code DISDIK.
async fn coded(w: &World) {
    for (unit, code) in [(&w.dinas_a, "DISKOMINFO"), (&w.dinas_b, "DISDIK")] {
        let res = patch(
            &w.app,
            &w.admin.access,
            &format!("/api/v1/units/{unit}"),
            &json!({"code": code}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

async fn employee_count(app: &TestApp, token: &str) -> usize {
    let page: Value = app
        .get("/api/v1/employees?limit=500", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excel_export_with_supervisors_offices_and_logins_is_imported() {
    let w = world().await;
    coded(&w).await;
    let t = &w.admin.access;
    // Excel in an Indonesian locale: BOM, semicolons, CRLF; the subordinate comes first.
    let csv = format!(
        "\u{feff}NIP;Nama;Kode Unit;Jabatan;Eselon;NIP Atasan;Kantor;username;password\r\n\
         {SITI};Siti Rahma;DISKOMINFO;Analis;staff;{BOSS};kantor a;siti;sandi-yang-panjang\r\n\
         {BOSS};\"Budi Santoso, S.Kom\";DISKOMINFO;Kepala Dinas;II;;Kantor A;;\r\n"
    );
    // A dry run checks and writes nothing.
    let res = upload(&w.app, t, "?dry_run=true", csv.as_bytes()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["created"], 0);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(employee_count(&w.app, t).await, 0);

    let res = upload(&w.app, t, "", csv.as_bytes()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["created"], 2);
    assert_eq!(body["items"][0]["line"], 2);
    assert_eq!(body["items"][1]["name"], "Budi Santoso, S.Kom");
    let siti_id = body["items"][0]["id"].as_str().unwrap();
    let boss_id = body["items"][1]["id"].as_str().unwrap();
    let siti: Value = w
        .app
        .get(&format!("/api/v1/employees/{siti_id}"), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(siti["supervisor_id"], boss_id);
    assert_eq!(siti["office_id"], w.office_a.as_str());
    assert_eq!(siti["unit_id"], w.dinas_a.as_str());
    assert_eq!(siti["user"]["username"], "siti");
    // The login works, and every import is in the audit log.
    w.app.tokens("siti", "sandi-yang-panjang").await;
    let mut conn = w.app.db.connect();
    let log = audit::for_entity(&mut conn, "employee", boss_id).unwrap();
    assert_eq!(log[0].action, "employee.import");
    assert_eq!(
        log[0].actor_user_id.as_deref(),
        Some(w.admin.user_id.as_str())
    );
    drop(conn);

    // The same file again: every NIP and the username are taken; nothing changes.
    let res = upload(&w.app, t, "", csv.as_bytes()).await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let errors: Vec<(u64, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(2, "nip"), (2, "username"), (3, "nip")]);
    assert_eq!(employee_count(&w.app, t).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_row_stops_the_whole_file_and_every_bad_row_is_named() {
    let w = world().await;
    coded(&w).await;
    let t = &w.admin.access;
    let csv = format!(
        "nip,name,unit_code,position,echelon,supervisor_nip,office\n\
         {BOSS},Budi,DISKOMINFO,Kepala,II,,\n\
         {SITI},Siti,NOSUCH,Analis,staff,,\n\
         {ANDI},Andi,DISKOMINFO,Analis,staff,199912312020121009,\n\
         198001012005011004,Ani,DISKOMINFO,Analis,staff,,Kantor Z\n\
         12345,Rudi,DISKOMINFO,Analis,V,,\n"
    );
    let p = problem(
        upload(&w.app, t, "", csv.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let errors: Vec<(u64, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The file's own faults are reported first (without the database); fix them and the
    // references are checked.
    assert_eq!(
        errors,
        [(6, "nip".to_owned()), (6, "echelon".to_owned())],
        "{p}"
    );
    let csv = csv.replace("12345,Rudi,DISKOMINFO,Analis,V,,\n", "");
    let p = problem(
        upload(&w.app, t, "", csv.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let errors: Vec<(u64, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [(3, "unit_code"), (4, "supervisor_nip"), (5, "office")],
        "{p}"
    );
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NOSUCH")
    );
    assert_eq!(employee_count(&w.app, t).await, 0, "all rows or none");

    // Not a CSV body: 415; an empty file: 422.
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/employees/import"))
        .bearer_auth(t)
        .json(&json!({"nip": BOSS}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    problem(
        upload(&w.app, t, "", b"").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_admin_imports_only_into_their_units() {
    let w = world().await;
    coded(&w).await;
    w.employee(1, &w.dinas_a, Some(&w.office_a), "unit_admin", None)
        .await;
    let head = w.login(1).await;
    let csv = format!(
        "nip,name,unit_code,position,echelon,office\n\
         {BOSS},Budi,DISKOMINFO,Kepala,III,Kantor A\n\
         {SITI},Siti,DISDIK,Analis,staff,\n\
         {ANDI},Andi,DISKOMINFO,Analis,staff,Kantor B\n"
    );
    let p = problem(
        upload(&w.app, &head.access, "", csv.as_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["unit_code", "office"], "{p}");
    let employee = {
        w.employee(2, &w.dinas_a, None, "employee", None).await;
        w.login(2).await
    };
    problem(
        upload(&w.app, &employee.access, "", csv.as_bytes()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_rows_import_in_one_go() {
    let w = world().await;
    coded(&w).await;
    let mut csv = String::from("nip;nama;kode_unit;jabatan;eselon;nip_atasan\n");
    // One head and 9,999 staff reporting to them, every NIP distinct and well formed.
    let nip = |i: u32| {
        format!(
            "198503{:02}201001{}{:03}",
            1 + i / 2000,
            1 + i / 1000 % 2,
            i % 1000
        )
    };
    for i in 0..10_000u32 {
        let (echelon, supervisor) = if i == 0 {
            ("II", String::new())
        } else {
            ("staff", nip(0))
        };
        writeln!(
            csv,
            "{};Pegawai {i};DISKOMINFO;Analis;{echelon};{supervisor}",
            nip(i)
        )
        .unwrap();
    }
    let res = upload(&w.app, &w.admin.access, "", csv.as_bytes()).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        &body.to_string()[..body.to_string().len().min(2000)]
    );
    assert_eq!(body["created"], 10_000);
    let page: Value = w
        .app
        .get(
            &format!("/api/v1/employees?unit_id={}&limit=500", w.dinas_a),
            &w.admin.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 500);
    assert!(page["next_cursor"].is_string());
}
