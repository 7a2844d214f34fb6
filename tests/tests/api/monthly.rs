//! A month's attendance for a small organisation, checked cell by cell against a sheet written
//! by hand: JSON, CSV (Indonesian and English) and XLSX (read back with calamine).

use std::collections::BTreeMap;

use calamine::{DataType as _, Reader as _};
use hadir_tests::{TestApp, Tokens, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org::{World, created, post, world};

/// October 2026 starts on a Thursday. Budi's month, day by day, as HR expects it.
const BUDI: [&str; 31] = [
    "H", "TL2", "L", "L", "PSW4", "TK", "L", "S", "WFH", "L", "L", "DL", "TL4/PSW2", "TK", "TK",
    "TK", "L", "L", "TK", "TK", "TK", "TK", "TK", "L", "L", "TK", "TK", "TK", "TK", "TK", "L",
];

async fn manual(app: &TestApp, hr: &Tokens, employee: &str, date: &str, kind: &str, time: &str) {
    let body = json!({"employee_id": employee, "date": date, "kind": kind, "time": time,
                      "reason": "rekap uji"});
    created(post(app, &hr.access, "/api/v1/attendance/manual", &body).await).await;
}

/// The organisation of the month: a schedule, a holiday, Budi (supervised, with a home point)
/// and a colleague whose name looks like a formula.
async fn october(w: &World) -> (Tokens, String, String) {
    let app = &w.app;
    let t = &w.admin.access;
    let day = json!({"start": "07:30", "end": "16:00"});
    let schedule = json!({"name": "ASN", "is_default": true, "grace_minutes": 0,
        "days": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}});
    created(post(app, t, "/api/v1/schedules", &schedule).await).await;
    created(
        post(
            app,
            t,
            "/api/v1/holidays",
            &json!({"date": "2026-10-07", "name": "Libur daerah", "kind": "local"}),
        )
        .await,
    )
    .await;
    let boss = w
        .employee(2, &w.dinas_a, Some(&w.office_a), "supervisor", None)
        .await;
    let budi = json!({
        "nip": crate::org::nip(3), "name": "Budi Santoso", "unit_id": w.dinas_a,
        "position": "Pranata Komputer", "echelon": "staff", "office_id": w.office_a,
        "supervisor_id": boss["id"], "home_latitude": -6.9, "home_longitude": 107.6,
        "home_radius_m": 100, "username": "budi", "password": "sandi-yang-panjang",
    });
    let budi = created(post(app, t, "/api/v1/employees", &budi).await).await;
    let siti = json!({
        "nip": crate::org::nip(4), "name": "=1+1", "unit_id": w.dinas_a,
        "position": "Analis", "echelon": "staff", "office_id": w.office_a,
    });
    let siti = created(post(app, t, "/api/v1/employees", &siti).await).await;
    w.employee(5, &w.dinas_b, None, "hr", None).await;
    let hr = w.login(5).await;
    let b = budi["id"].as_str().unwrap().to_owned();
    // Thu 1: on time. Fri 2: 31 minutes late. Mon 5: no check-out. Tue 13: 91 late, 60 early.
    for (date, kind, time) in [
        ("2026-10-01", "in", "07:30"),
        ("2026-10-01", "out", "16:00"),
        ("2026-10-02", "in", "08:01"),
        ("2026-10-02", "out", "16:05"),
        ("2026-10-05", "in", "07:29"),
        ("2026-10-09", "in", "07:30"),
        ("2026-10-09", "out", "16:00"),
        ("2026-10-13", "in", "09:01"),
        ("2026-10-13", "out", "15:00"),
    ] {
        manual(app, &hr, &b, date, kind, time).await;
    }
    // Thu 8: sick. Fri 9: from home, with an approved report. Mon 12: field duty.
    created(post(app, t, "/api/v1/leaves", &json!({"employee_id": b, "starts_on": "2026-10-08", "ends_on": "2026-10-08", "kind": "sakit"})).await).await;
    created(
        post(
            app,
            t,
            "/api/v1/assignments",
            &json!({"employee_id": b, "date": "2026-10-09", "mode": "home"}),
        )
        .await,
    )
    .await;
    created(post(app, t, "/api/v1/assignments", &json!({"employee_id": b, "date": "2026-10-12", "mode": "field",
        "destination": {"name": "Kecamatan", "latitude": -6.86, "longitude": 107.55, "radius_m": 200},
        "letter_number": "800/10/2026"})).await).await;
    let budi_tokens = app.tokens("budi", "sandi-yang-panjang").await;
    let report = app
        .request(
            Method::PUT,
            "/api/v1/me/reports/2026-10-09",
            Some(&budi_tokens.access),
            Some(&json!({"entries": [{"activity": "Menyusun laporan", "minutes": 420}]})),
        )
        .await;
    let report: Value = report.json().await.unwrap();
    post(
        app,
        &budi_tokens.access,
        "/api/v1/me/reports/2026-10-09/submit",
        &json!({}),
    )
    .await;
    let boss_tokens = w.login(2).await;
    let res = post(
        app,
        &boss_tokens.access,
        &format!(
            "/api/v1/reports/{}/decision",
            report["id"].as_str().unwrap()
        ),
        &json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    (hr, b, siti["id"].as_str().unwrap().to_owned())
}

fn by_nip(sheet: &Value) -> BTreeMap<String, Value> {
    sheet["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["employee"]["nip"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_comes_out_as_written_by_hand_in_json_csv_and_xlsx() {
    let w = world().await;
    let (hr, budi, siti) = october(&w).await;
    let app = &w.app;
    let path = format!(
        "/api/v1/attendance/monthly?month=2026-10&unit_id={}",
        w.dinas_a
    );
    let res = app.get(&path, &hr.access).await;
    assert_eq!(res.status(), StatusCode::OK);
    let sheet: Value = res.json().await.unwrap();
    assert_eq!(sheet["days"].as_array().unwrap().len(), 31);
    let rows = by_nip(&sheet);
    assert_eq!(rows.len(), 3, "Budi, his supervisor and =1+1");
    let b = &rows[&crate::org::nip(3)];
    let codes: Vec<&str> = b["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes, BUDI);
    // Present: H, TL2, PSW4, WFH, DL, TL4/PSW2. TK: the 6th and 13 days after the 13th.
    assert_eq!(b["totals"]["present"], 6);
    for (code, n) in [
        ("H", 1),
        ("TL2", 1),
        ("TL4", 1),
        ("PSW2", 1),
        ("PSW4", 1),
        ("TK", 14),
        ("WFH", 1),
        ("DL", 1),
        ("S", 1),
        ("L", 10),
        ("TL1", 0),
    ] {
        assert_eq!(b["totals"][code], n, "{code}");
    }
    // TL2 1% + PSW4 1.5% + 14 TK x 3% + TL4 1.5% + PSW2 1% = 47%.
    assert_eq!(b["allowance_cut"]["total_bp"], 4_700);
    let s = &rows[&crate::org::nip(4)];
    assert_eq!(s["employee"]["name"], "=1+1");
    assert_eq!(s["totals"]["TK"], 21);
    assert_eq!(s["allowance_cut"]["total_bp"], 6_300);

    // The statement names each cut with its date and evidence.
    let st: Value = app
        .get(
            &format!("/api/v1/attendance/statement?employee_id={budi}&month=2026-10"),
            &hr.access,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["total_bp"], 4_700);
    let first = &st["cuts"][0];
    assert_eq!(first["date"], "2026-10-02");
    assert_eq!(first["code"], "TL2");
    assert!(
        first["because"]
            .as_str()
            .unwrap()
            .starts_with("arrived 08:01 (manual entry), 31 minutes late"),
        "{first}"
    );
    assert_eq!(first["evidence"].as_array().unwrap().len(), 1);
    // Budi sees his own month and statement; not Siti's.
    let budi_tokens = app.tokens("budi", "sandi-yang-panjang").await;
    let mine: Value = app
        .get("/api/v1/me/attendance?month=2026-10", &budi_tokens.access)
        .await
        .json()
        .await
        .unwrap();
    let my_codes: Vec<&str> = mine["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(my_codes, BUDI);
    assert_eq!(mine["days"][1]["late_minutes"], 31);
    assert_eq!(mine["days"][0]["check_in"]["source"], "manual");
    assert_eq!(mine["allowance_cut"]["total_bp"], 4_700);
    problem(
        app.get(
            &format!("/api/v1/attendance/statement?employee_id={siti}&month=2026-10"),
            &budi_tokens.access,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // CSV in Indonesian: BOM, semicolons, decimal comma, the formula-like name escaped.
    let res = app.get(&format!("{path}&format=csv"), &hr.access).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&header[..5], ["NIP", "Nama", "Unit Kerja", "Jabatan", "1"]);
    assert_eq!(header.last().unwrap(), "Potongan TPP (%)");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let budi_row = records.iter().find(|r| r[0] == crate::org::nip(3)).unwrap();
    let cells: Vec<&str> = budi_row.iter().collect();
    assert_eq!(&cells[4..35], BUDI);
    assert_eq!(cells[35], "6", "present");
    assert_eq!(*cells.last().unwrap(), "47,00");
    let siti_row = records.iter().find(|r| r[0] == crate::org::nip(4)).unwrap();
    assert_eq!(&siti_row[1], "'=1+1");
    // In English: commas and points.
    let en = app
        .get(&format!("{path}&format=csv&lang=en"), &hr.access)
        .await
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&en[3..]);
    assert_eq!(&reader.headers().unwrap()[1], "Name");
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| r[0] == crate::org::nip(3))
        .unwrap();
    assert_eq!(row.iter().next_back().unwrap(), "47.00");

    // XLSX: opens with a spreadsheet reader and matches the JSON cell by cell.
    let res = app.get(&format!("{path}&format=xlsx"), &hr.access).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Rekap", "Total"]);
    let range = book.worksheet_range("Rekap").unwrap();
    let cell = |r: usize, c: usize| {
        range
            .get((r, c))
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    assert_eq!(cell(0, 1), "Nama");
    for r in 1..range.height() {
        let json = &rows[&cell(r, 0)];
        assert_eq!(
            cell(r, 1),
            json["employee"]["name"].as_str().unwrap(),
            "text, never a formula"
        );
        for d in 0..31 {
            assert_eq!(
                cell(r, 4 + d),
                json["codes"][d].as_str().unwrap(),
                "row {r} day {}",
                d + 1
            );
        }
        assert_eq!(cell(r, 35), json["totals"]["present"].to_string());
        let cut = range.get((r, 50)).unwrap().get_float().unwrap();
        assert!((cut * 100.0 - json["allowance_cut"]["total_bp"].as_f64().unwrap()).abs() < 1e-6);
    }
    let totals = book.worksheet_range("Total").unwrap();
    assert_eq!(
        totals.get((1, 1)).unwrap().get_float(),
        Some(3.0),
        "three employees in Dinas A"
    );

    // Scope and validation.
    problem(
        app.get("/api/v1/attendance/monthly?month=2026-13", &hr.access)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        app.get(
            "/api/v1/attendance/monthly?month=2026-10&format=pdf",
            &hr.access,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        app.get(
            "/api/v1/attendance/monthly?month=2026-10",
            &budi_tokens.access,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_changed_after_a_close_leaves_the_closed_month_as_it_was() {
    let w = world().await;
    let (hr, budi, _) = october(&w).await;
    let app = &w.app;
    let t = &w.admin.access;
    let sheet = || async {
        let res = app
            .get("/api/v1/attendance/monthly?month=2026-10", &hr.access)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        by_nip(&body)[&crate::org::nip(3)].clone()
    };
    let before = sheet().await;
    assert_eq!(before["codes"][1], "TL2", "Fri 2: 31 minutes late");
    let res = post(app, t, "/api/v1/months/2026-10/close", &json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let schedules: Value = app.get("/api/v1/schedules", t).await.json().await.unwrap();
    let id = schedules["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/schedules/{id}");
    let later = json!({"start": "08:30", "end": "16:00"});
    let week = json!({"mon": later, "tue": later, "wed": later, "thu": later, "fri": later});
    // From a day of the closed month: refused.
    let res = app
        .request(
            Method::PATCH,
            &path,
            Some(t),
            Some(&json!({"days": week, "valid_from": "2026-10-15"})),
        )
        .await;
    problem(res, StatusCode::CONFLICT).await;
    // From today: the closed October still reads as it did, and so after a reopen.
    let res = app
        .request(Method::PATCH, &path, Some(t), Some(&json!({"days": week})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(sheet().await["codes"], before["codes"]);
    let res = post(
        app,
        t,
        "/api/v1/months/2026-10/reopen",
        &json!({"reason": "koreksi rekap"}),
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        sheet().await["codes"],
        before["codes"],
        "October keeps its 07:30 start"
    );
    // A second change may not reach back over the first one's days.
    let res = app
        .request(
            Method::PATCH,
            &path,
            Some(t),
            Some(&json!({"grace_minutes": 15, "valid_from": "2026-11-01"})),
        )
        .await;
    problem(res, StatusCode::CONFLICT).await;
    // A rename is not a new version and is never refused.
    let res = app
        .request(
            Method::PATCH,
            &path,
            Some(t),
            Some(&json!({"name": "ASN baru"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let _ = budi;
}

/// The operator's `hadir export` (`app::monthly::export_to_file`) writes the same month as HR's
/// export route, byte for byte in JSON and CSV, and an XLSX workbook; a bad month is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_file_export_writes_what_the_route_sends() {
    use hadir_api::app::monthly::export_to_file;
    use hadir_api::export::Lang;
    let w = world().await;
    let (hr, _, _) = october(&w).await;
    let app = &w.app;
    let dir = tempfile::tempdir().unwrap();
    let unit = Some(w.dinas_a.clone());
    for format in ["json", "csv"] {
        let out = dir.path().join(format!("month.{format}"));
        let count = export_to_file(&app.state, "2026-10", format, Lang::Id, unit.clone(), &out)
            .await
            .unwrap();
        assert_eq!(count, 3, "{format}");
        let res = app
            .get(
                &format!(
                    "/api/v1/attendance/monthly?month=2026-10&unit_id={}&format={format}",
                    w.dinas_a
                ),
                &hr.access,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let sent = res.bytes().await.unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), sent.to_vec(), "{format}");
    }
    let out = dir.path().join("month.xlsx");
    export_to_file(&app.state, "2026-10", "xlsx", Lang::Id, unit.clone(), &out)
        .await
        .unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Rekap", "Total"]);
    let range = book.worksheet_range("Rekap").unwrap();
    let nips: Vec<String> = (1..range.height())
        .filter_map(|r| range.get((r, 0)).map(ToString::to_string))
        .collect();
    assert_eq!(nips.len(), 3, "{nips:?}");
    assert!(nips.contains(&crate::org::nip(3)), "{nips:?}");
    let err = export_to_file(&app.state, "2026-13", "csv", Lang::Id, None, &out)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, hadir_api::app::Error::Validation(f) if f[0].field == "month"),
        "{err:?}"
    );
}
