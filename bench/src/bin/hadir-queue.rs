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
    hadir_bench::run_sql(
        db,
        hadir_bench::queue_seed(args.employees, args.check_ins, hash),
    )
    .await;
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
