//! HR's monthly export on PostgreSQL: seeds N employees (default 10,000) with two check-ins on
//! every day of a 30-day month (November 2026) straight into the database, starts the `hadir`
//! binary on it, and times `GET /api/v1/attendance/monthly` as CSV and as XLSX through HTTP,
//! reporting the size of each file and the server's peak RSS after each format.
//!
//! ```text
//! hadir-export --server-bin target/release/hadir \
//!              --database-url postgres://postgres@127.0.0.1:PORT/hadir_export --employees 10000
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use hadir_api::auth::PasswordService;
use hadir_api::settings::AuthSettings;
use hadir_bench::{login, peak_rss_mib, start_server};
use hadir_storage::{DatabaseUrl, DbOptions};

#[derive(Parser, Debug)]
struct Args {
    /// The `hadir` binary to start (build it with `cargo build --release`).
    #[arg(long)]
    server_bin: PathBuf,
    /// An empty PostgreSQL database.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 10_000)]
    employees: u64,
    /// Runs per format; the table shows the fastest and the slowest.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

const PASSWORD: &str = "sandi-rekap-bulanan";

/// The civil-service schedule, and two check-ins a day for every employee in November 2026:
/// arrivals spread from 07:00 to 08:59 and departures from 15:30 to 16:59 (WIB), so the month
/// has every kind of lateness and early leave.
fn month(employees: u64) -> Vec<String> {
    let day = r#"{"start":"07:30","end":"16:00"}"#;
    vec![
        format!(
            "INSERT INTO schedules (id, name, days_json, grace_minutes, \
                check_in_opens_before_minutes, check_out_closes_after_minutes, overrides_json, \
                is_default, created_at, updated_at) \
             VALUES (md5('s')::uuid::text, 'ASN', \
                '{{\"mon\":{day},\"tue\":{day},\"wed\":{day},\"thu\":{day},\"fri\":{day}}}', \
                0, 90, 240, '[]', TRUE, now(), now())"
        ),
        format!(
            "INSERT INTO check_ins (id, employee_id, client_id, request_hash, kind, received_at, \
                captured_at, counted_at, local_date, timezone, latitude, longitude, accuracy_m, \
                altitude_m, is_mock, device_id, place_kind, place_id, place_name, place_radius_m, \
                distance_m, geofence, flags_json, status, photo_key, thumbnail_key, photo_sha256, \
                photo_phash, exif_captured_at, exif_latitude, exif_longitude, risk) \
             SELECT md5(k || e || '-' || d)::uuid::text, md5('e' || e)::uuid::text, \
                md5('k' || k || e || '-' || d)::uuid::text, md5('h' || k || e || '-' || d), \
                CASE k WHEN 'i' THEN 'in' ELSE 'out' END, ts, ts, ts, \
                to_char(date '2026-11-01' + d - 1, 'YYYY-MM-DD'), 'Asia/Jakarta', -6.87, \
                107.54, 12.5, NULL, FALSE, NULL, 'office', md5('o')::uuid::text, 'Kantor', \
                100, 20, 'inside', '[]', 'accepted', 'selfies/x.jpg', 'thumbs/x.jpg', \
                md5('p' || e), '0000000000000000', NULL, NULL, NULL, 0 \
             FROM generate_series(1, {employees}) e, generate_series(1, 30) d, \
                  (VALUES ('i'), ('o')) AS kinds(k), \
                  LATERAL (SELECT (date '2026-11-01' + d - 1)::timestamp - interval '7 hours' + \
                     CASE k WHEN 'i' THEN interval '7 hours' + ((e * 7 + d * 13) % 120) * interval '1 minute' \
                            ELSE interval '15 hours 30 minutes' + ((e * 11 + d * 17) % 90) * interval '1 minute' \
                     END AS ts) t"
        ),
        "ANALYZE".to_owned(),
    ]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let url = DatabaseUrl::parse(&args.database_url).unwrap_or_else(|e| panic!("{e}"));
    let options = DbOptions {
        statement_timeout: Duration::from_mins(30),
        ..DbOptions::default()
    };
    let (db, _) = hadir_storage::Database::connect_and_migrate(url, &options)
        .unwrap_or_else(|e| panic!("database: {e}"));
    let hash = PasswordService::new(&AuthSettings::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .hash(PASSWORD.to_owned())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut statements = hadir_bench::organisation(args.employees, &hash);
    statements.extend(month(args.employees));
    hadir_bench::run_sql(&db, statements).await;
    eprintln!(
        "seeded {} employees and {} check-ins in {:.1} s",
        args.employees,
        args.employees * 60,
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (server, base) =
        start_server(&args.server_bin, &args.database_url, PASSWORD, dir.path()).await;
    let client = reqwest::Client::new();
    let pid = server.0.id();
    let hr = login(&client, &base, "hr.pusat", PASSWORD).await;
    eprintln!("server RSS after start: {:.0} MiB", peak_rss_mib(pid));

    println!(
        "| format ({} employees x 30 days, {} check-ins) | runs | fastest s | slowest s | size MiB | server peak RSS MiB |",
        args.employees,
        args.employees * 60
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for format in ["csv", "xlsx"] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..args.runs {
            let started = Instant::now();
            let res = client
                .get(format!(
                    "{base}/api/v1/attendance/monthly?month=2026-11&format={format}"
                ))
                .bearer_auth(&hr)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert!(res.status().is_success(), "{format}: {}", res.status());
            let bytes = res
                .bytes()
                .await
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            times.push(started.elapsed().as_secs_f64());
            size = bytes.len();
        }
        times.sort_by(f64::total_cmp);
        #[expect(clippy::cast_precision_loss, reason = "file sizes far below 2^52")]
        let mib = size as f64 / 1024.0 / 1024.0;
        println!(
            "| {format} | {} | {:.2} | {:.2} | {mib:.1} | {:.0} |",
            times.len(),
            times.first().copied().unwrap_or(f64::NAN),
            times.last().copied().unwrap_or(f64::NAN),
            peak_rss_mib(pid),
        );
    }
}
