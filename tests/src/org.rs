//! Builders for the organisation a check-in needs (units, offices, employees with accounts) and
//! for check-in requests.
//!
//! Rows are written straight into the test's database until the organisation routes exist; the
//! accounts are made through the API.

use std::path::PathBuf;

use hadir_storage::now_utc;
use hadir_storage::repo::org::{self, EmployeeRow, OfficeRow, UnitRow};
use reqwest::Response;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{TestApp, Tokens};

/// Kantor Pemkot Cimahi (the office of API.md's example).
pub const CIMAHI: (f64, f64) = (-6.872_183, 107.542_038);

/// A fixture photo from `tests/fixtures/photos`.
#[must_use]
pub fn photo(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An employee with a login.
#[derive(Clone, Debug)]
pub struct Staff {
    pub employee_id: String,
    pub unit_id: String,
    pub office_id: Option<String>,
    pub tokens: Tokens,
}

/// A unit with one office (100 m around `CIMAHI`, Asia/Jakarta).
#[derive(Clone, Debug)]
pub struct Org {
    pub unit_id: String,
    pub office_id: String,
}

impl TestApp {
    /// A unit and its office.
    #[must_use]
    pub fn seed_org(&self) -> Org {
        let now = now_utc();
        let unit = UnitRow {
            id: uuid::Uuid::new_v4().to_string(),
            parent_id: None,
            name: "Dinas Komunikasi dan Informatika".into(),
            code: None,
            created_at: now,
            updated_at: now,
            schedule_id: None,
            wfh_quota_percent: None,
        };
        let office = OfficeRow {
            id: uuid::Uuid::new_v4().to_string(),
            unit_id: unit.id.clone(),
            name: "Kantor Pemkot Cimahi".into(),
            latitude: CIMAHI.0,
            longitude: CIMAHI.1,
            radius_m: 100.0,
            polygon: None,
            timezone: "Asia/Jakarta".into(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.connect();
        org::insert_unit(&mut conn, &unit).expect("unit");
        org::insert_office(&mut conn, &office).expect("office");
        Org {
            unit_id: unit.id,
            office_id: office.id,
        }
    }

    /// An employee of `org` (working at its office unless `office` is false) with an account
    /// `username` of `role`, logged in.
    pub async fn seed_staff(
        &self,
        admin: &Tokens,
        org: &Org,
        username: &str,
        role: &str,
        office: bool,
    ) -> Staff {
        let now = now_utc();
        let employee = EmployeeRow {
            id: uuid::Uuid::new_v4().to_string(),
            nip: format!("{:018}", rand_digits()),
            name: format!("Pegawai {username}"),
            unit_id: org.unit_id.clone(),
            position: "Analis".into(),
            echelon: "staff".into(),
            supervisor_id: None,
            office_id: office.then(|| org.office_id.clone()),
            home_latitude: None,
            home_longitude: None,
            home_radius_m: None,
            active: true,
            created_at: now,
            updated_at: now,
            id_type: "nip".into(),
            schedule_id: None,
        };
        org::insert_employee(&mut self.db.connect(), &employee).expect("employee");
        let password = "sandi-yang-cukup-panjang";
        let res = self
            .post_json(
                "/api/v1/users",
                Some(&admin.access),
                &json!({"username": username, "password": password, "role": role,
                        "employee_id": employee.id}),
            )
            .await;
        assert_eq!(
            res.status(),
            reqwest::StatusCode::CREATED,
            "account {username}"
        );
        Staff {
            employee_id: employee.id,
            unit_id: org.unit_id.clone(),
            office_id: employee.office_id,
            tokens: self.tokens(username, password).await,
        }
    }

    /// Posts a check-in: `meta` as the `meta` part, `selfie` as the `selfie` part.
    pub async fn post_check_in(&self, token: &str, meta: &Value, selfie: Vec<u8>) -> Response {
        let form = Form::new().part("meta", Part::text(meta.to_string())).part(
            "selfie",
            Part::bytes(selfie)
                .file_name("selfie.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
        self.client
            .post(self.url("/api/v1/check-ins"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }
}

fn rand_digits() -> u64 {
    u64::from(uuid::Uuid::new_v4().as_fields().0) * 1000 + 197_001
}

/// A check-in meta at `(lat, lon)` with `accuracy_m`, captured now, with a new client id.
#[must_use]
pub fn meta_at(lat: f64, lon: f64, accuracy_m: f64) -> Value {
    json!({
        "client_id": uuid::Uuid::new_v4().to_string(),
        "kind": "in",
        "captured_at": chrono::Utc::now().to_rfc3339(),
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": accuracy_m,
        "is_mock": false,
    })
}
