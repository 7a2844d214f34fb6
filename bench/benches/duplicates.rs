//! The duplicate-selfie look-up among colleagues, on SQLite: the hashes near a new selfie's at
//! an office on a day as a check-in looks them up (the day read whole up to
//! `check_ins::SCAN_UP_TO` selfies, through the band index above), beside the band index
//! alone and beside reading every hash of the day (what it did before), with 1,000, 10,000
//! and 100,000 selfies stored for that office and day. Hashes are random, so nearly every
//! look-up finds nothing: an honest check-in.
//!
//! `cargo bench -p hadir-bench --bench duplicates`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use diesel::Connection as _;
use diesel::prelude::*;
use hadir_bench::Rng;
use hadir_domain::checkin::PerceptualHash;
use hadir_storage::db::ConnectionManager;
use hadir_storage::repo::check_ins::{self, CheckInRow};
use hadir_storage::repo::org::{self, EmployeeRow, UnitRow};
use hadir_storage::schema::check_ins as table;
use hadir_storage::{DatabaseUrl, DbConnection, DbOptions, StorageError};

const PLACE: &str = "office-1";
const DATE: &str = "2026-12-07";
const EMPLOYEES: usize = 500;

fn seed(
    conn: &mut DbConnection,
    selfies: usize,
    rng: &mut Rng,
) -> Result<Vec<String>, StorageError> {
    let at = NaiveDate::from_ymd_opt(2026, 12, 7)
        .and_then(|d| d.and_hms_opt(0, 30, 0))
        .ok_or_else(|| StorageError::Other("date".into()))?;
    let unit = UnitRow {
        id: uuid::Uuid::new_v4().to_string(),
        parent_id: None,
        name: "Unit".into(),
        code: None,
        created_at: at,
        updated_at: at,
        schedule_id: None,
        wfh_quota_percent: None,
    };
    org::insert_unit(conn, &unit)?;
    let employees: Vec<EmployeeRow> = (0..EMPLOYEES)
        .map(|i| EmployeeRow {
            id: uuid::Uuid::new_v4().to_string(),
            nip: format!("{i:018}"),
            name: format!("Employee {i}"),
            unit_id: unit.id.clone(),
            position: "Staff".into(),
            echelon: "non".into(),
            supervisor_id: None,
            office_id: None,
            home_latitude: None,
            home_longitude: None,
            home_radius_m: None,
            active: true,
            created_at: at,
            updated_at: at,
            id_type: "nip".into(),
            schedule_id: None,
        })
        .collect();
    org::insert_employees(conn, &employees)?;
    conn.transaction::<_, StorageError, _>(|conn| {
        for i in 0..selfies {
            let id = uuid::Uuid::new_v4().to_string();
            let row = CheckInRow {
                id: id.clone(),
                employee_id: employees[i % EMPLOYEES].id.clone(),
                client_id: id.clone(),
                request_hash: id.clone(),
                kind: "in".into(),
                received_at: at,
                captured_at: at,
                counted_at: at,
                local_date: DATE.into(),
                timezone: "Asia/Jakarta".into(),
                latitude: -6.87,
                longitude: 107.54,
                accuracy_m: 10.0,
                altitude_m: None,
                is_mock: false,
                device_id: None,
                place_kind: Some("office".into()),
                place_id: Some(PLACE.into()),
                place_name: Some("Office".into()),
                place_radius_m: Some(100.0),
                distance_m: Some(5.0),
                geofence: Some("inside".into()),
                flags_json: "[]".into(),
                status: "accepted".into(),
                photo_key: format!("selfies/{id}.jpg"),
                thumbnail_key: format!("thumbs/{id}.jpg"),
                photo_sha256: id.clone(),
                photo_phash: PerceptualHash(rng.next_u64()).to_hex(),
                exif_captured_at: None,
                exif_latitude: None,
                exif_longitude: None,
                risk: 0,
            };
            check_ins::insert(conn, &row, &[])?;
        }
        Ok(())
    })?;
    Ok(employees.into_iter().map(|e| e.id).collect())
}

/// The look-up as it was: every colleague's hash of the day, each measured.
fn scan(
    conn: &mut DbConnection,
    employee: &str,
    phash: PerceptualHash,
) -> Result<Option<u32>, StorageError> {
    let hashes: Vec<String> = table::table
        .filter(table::place_id.eq(PLACE))
        .filter(table::local_date.eq(DATE))
        .filter(table::employee_id.ne(employee))
        .select(table::photo_phash)
        .load(conn)?;
    Ok(nearest(&hashes, phash))
}

fn nearest(hashes: &[String], phash: PerceptualHash) -> Option<u32> {
    hashes
        .iter()
        .filter_map(|h| PerceptualHash::from_hex(h).ok())
        .map(|h| h.distance(phash))
        .filter(|d| *d <= 10)
        .min()
}

fn duplicates(c: &mut Criterion) {
    let mut group = c.benchmark_group("colleague duplicate look-up (SQLite)");
    for selfies in [1_000, 10_000, 100_000] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
        let url = DatabaseUrl::parse(&url).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = ConnectionManager::new(url, DbOptions::default())
            .open(true)
            .unwrap_or_else(|e| panic!("{e}"));
        conn.run_pending_migrations()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let employees = seed(&mut conn, selfies, &mut rng).unwrap_or_else(|e| panic!("{e}"));
        let probe = PerceptualHash(rng.next_u64());
        let of = check_ins::SelfieOf {
            employee_id: &employees[0],
            place_id: PLACE,
            local_date: DATE,
            received_at: chrono::NaiveDate::from_ymd_opt(2100, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default(),
            check_in_id: "",
        };
        group.bench_function(BenchmarkId::new("as a check-in looks", selfies), |b| {
            b.iter(|| {
                check_ins::colleague_selfies_near(
                    &mut conn,
                    &of,
                    &[black_box(probe)],
                    &[probe],
                    (10, 10),
                )
                .map(|found| found.iter().map(|s| s.distance(&[probe])).min())
            });
        });
        group.bench_function(BenchmarkId::new("band index alone", selfies), |b| {
            b.iter(|| {
                check_ins::colleague_selfies_reading_up_to(
                    &mut conn,
                    &of,
                    (&[black_box(probe)], &[probe]),
                    (10, 10),
                    0,
                )
                .map(|found| found.iter().map(|s| s.distance(&[probe])).min())
            });
        });
        group.bench_function(BenchmarkId::new("scan of the day", selfies), |b| {
            b.iter(|| scan(&mut conn, &employees[0], black_box(probe)));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = duplicates
}
criterion_main!(benches);
