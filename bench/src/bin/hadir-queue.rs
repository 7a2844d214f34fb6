//! The review queue with a million check-ins on PostgreSQL: seeds an organisation and
//! N check-ins (a fifth of them flagged, with risks and flags) straight into the database with
//! `generate_series`, starts the `hadir` binary on it, and times `GET /api/v1/check-ins` pages
//! of 50 through HTTP, one request at a time: the first page for HR (the whole organisation),
//! pages deep into the queue by cursor, a unit admin's first page (one unit of fifty), and a
//! filter by flag. Prints one Markdown table row per scenario.
//!
//! ```text
//! hadir-queue --server-bin target/release/hadir \
//!             --database-url postgres://postgres@127.0.0.1:PORT/hadir_queue --check-ins 1000000
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use hadir_api::auth::PasswordService;
use hadir_api::settings::AuthSettings;
use hadir_bench::{UNITS, login, percentile, start_server};
use hadir_storage::{Database, DatabaseUrl, DbOptions};
use serde_json::Value;

#[derive(Parser, Debug)]
struct Args {
    /// The `hadir` binary to start (build it with `cargo build --release`).
    #[arg(long)]
    server_bin: PathBuf,
    /// An empty PostgreSQL database.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    check_ins: u64,
    #[arg(long, default_value_t = 5_000)]
    employees: u64,
    /// Requests per scenario.
    #[arg(long, default_value_t = 300)]
    requests: usize,
}

const PASSWORD: &str = "sandi-antrean-tinjauan";

/// Units, an office, employees, a unit admin's login and the check-ins, in a few statements.
async fn seed(db: &Database, args: &Args, hash: &str) {
    let employees = args.employees;
    let check_ins = args.check_ins;
    let mut statements = hadir_bench::organisation(employees, hash);
    statements.extend([
        // A fifth flagged (risk 1-100), a tenth of those mocked; the rest accepted.
        format!(
            "INSERT INTO check_ins (id, employee_id, client_id, request_hash, kind, received_at, \
                captured_at, counted_at, local_date, timezone, latitude, longitude, accuracy_m, \
                altitude_m, is_mock, device_id, place_kind, place_id, place_name, place_radius_m, \
                distance_m, geofence, flags_json, status, photo_key, thumbnail_key, photo_sha256, \
                photo_phash, exif_captured_at, exif_latitude, exif_longitude, risk) \
             SELECT md5('c' || g)::uuid::text, md5('e' || (1 + g % {employees}))::uuid::text, \
                md5('k' || g)::uuid::text, md5('h' || g), \
                CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END, ts, ts, ts, \
                to_char(ts + interval '7 hours', 'YYYY-MM-DD'), 'Asia/Jakarta', -6.87, 107.54, \
                12.5, NULL, g % 50 = 0, NULL, 'office', md5('o')::uuid::text, 'Kantor', 100, \
                CASE WHEN g % 5 = 0 THEN 250 + g % 3000 ELSE 20 END, \
                CASE WHEN g % 5 = 0 THEN 'outside' ELSE 'inside' END, \
                CASE WHEN g % 50 = 0 \
                     THEN '[{{\"code\":\"mock_location\",\"detail\":\"the phone reported a mock location\"}}]' \
                     WHEN g % 5 = 0 \
                     THEN '[{{\"code\":\"outside_geofence\",\"detail\":\"far from the office\"}}]' \
                     ELSE '[]' END, \
                CASE WHEN g % 5 = 0 THEN 'flagged' ELSE 'accepted' END, \
                'selfies/' || g || '.jpg', 'thumbs/' || g || '.jpg', md5('p' || g), \
                '0000000000000000', NULL, NULL, NULL, \
                CASE WHEN g % 5 = 0 THEN 1 + (g::bigint * 7919) % 100 ELSE 0 END \
             FROM generate_series(1, {check_ins}) g, \
                  LATERAL (SELECT timestamp '2026-01-01' + g * interval '20 seconds' AS ts) t"
        ),
        // The codes, as the server stores them beside each check-in.
        "INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued) \
         SELECT id, CASE WHEN is_mock THEN 'mock_location' ELSE 'outside_geofence' END, risk, \
                received_at, TRUE \
         FROM check_ins WHERE status = 'flagged'"
            .to_owned(),
        "ANALYZE".to_owned(),
    ]);
    hadir_bench::run_sql(db, statements).await;
}

/// Times `n` requests for the pages `next_path` gives; returns the sorted latencies and the
/// items of the last page.
async fn time(
    client: &reqwest::Client,
    token: &str,
    n: usize,
    mut next_path: impl FnMut(Option<&Value>) -> String,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(n);
    let mut last: Option<Value> = None;
    let mut items = 0;
    for _ in 0..n {
        let url = next_path(last.as_ref());
        let started = Instant::now();
        let res = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let body: Value = res.json().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        latencies.push(started.elapsed());
        items = body["items"].as_array().map_or(0, Vec::len);
        last = Some(body);
    }
    latencies.sort();
    (latencies, items)
}

fn row(name: &str, latencies: &[Duration], items: usize) {
    println!(
        "| {name} | {} | {items} | {:.1} | {:.1} | {:.1} | {:.1} |",
        latencies.len(),
        percentile(latencies, 50.0),
        percentile(latencies, 95.0),
        percentile(latencies, 99.0),
        percentile(latencies, 100.0),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let url = DatabaseUrl::parse(&args.database_url).unwrap_or_else(|e| panic!("{e}"));
    // Seeding a million rows takes longer than a request's statement timeout.
    let options = DbOptions {
        statement_timeout: Duration::from_mins(30),
        ..DbOptions::default()
    };
    let (db, _) =
        Database::connect_and_migrate(url, &options).unwrap_or_else(|e| panic!("database: {e}"));
    let hash = PasswordService::new(&AuthSettings::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .hash(PASSWORD.to_owned())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    seed(&db, &args, &hash).await;
    eprintln!(
        "seeded {} check-ins for {} employees in {:.1} s",
        args.check_ins,
        args.employees,
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_server, base) =
        start_server(&args.server_bin, &args.database_url, PASSWORD, dir.path()).await;
    let client = reqwest::Client::new();
    let hr = login(&client, &base, "hr.pusat", PASSWORD).await;
    let head = login(&client, &base, "kepala.unit", PASSWORD).await;
    // Warm the connection pool and PostgreSQL's caches.
    time(&client, &hr, 20, |_| {
        format!("{base}/api/v1/check-ins?limit=50")
    })
    .await;

    println!(
        "| scenario ({} check-ins, {} employees, {UNITS} units) | requests | items on a page | p50 ms | p95 ms | p99 ms | max ms |",
        args.check_ins, args.employees
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let n = args.requests;
    let (l, items) = time(&client, &hr, n, |_| {
        format!("{base}/api/v1/check-ins?limit=50")
    })
    .await;
    row("HR, first page (riskiest of the whole queue)", &l, items);
    let (l, items) = time(&client, &hr, n, |last| {
        match last.and_then(|b| b["next_cursor"].as_str()) {
            Some(c) => format!("{base}/api/v1/check-ins?limit=50&cursor={c}"),
            None => format!("{base}/api/v1/check-ins?limit=50"),
        }
    })
    .await;
    row(&format!("HR, pages 1 to {n} by cursor"), &l, items);
    let (l, items) = time(&client, &head, n, |_| {
        format!("{base}/api/v1/check-ins?limit=50")
    })
    .await;
    row("unit admin, first page (one unit of 49)", &l, items);
    let (l, items) = time(&client, &hr, n, |_| {
        format!("{base}/api/v1/check-ins?limit=50&flag=mock_location")
    })
    .await;
    row("HR, first page, flag=mock_location", &l, items);
    let (l, items) = time(&client, &hr, n, |_| {
        format!("{base}/api/v1/check-ins?limit=50&from=2026-03-01&to=2026-03-31")
    })
    .await;
    row("HR, first page, one month", &l, items);
}
