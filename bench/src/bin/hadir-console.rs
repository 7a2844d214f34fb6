//! The console's budgets on PostgreSQL (issue: the queue page with a million check-ins served in
//! p95 <= 50 ms; the month page for a unit of 500 people <= 300 ms; a page transfers <= 150 KB
//! on first load, gzip, and <= 30 KB after). Seeds an organisation of 49 units and N check-ins
//! (a fifth flagged) as `hadir-queue` does, starts the `hadir` binary, signs in to the console
//! as HR and times the pages through HTTP, one request at a time. Transfer sizes are the bytes
//! on the wire with `Accept-Encoding: gzip`. Prints Markdown table rows.
//!
//! ```text
//! hadir-console --server-bin target/release/hadir \
//!               --database-url postgres://postgres@127.0.0.1:PORT/hadir_console
//! ```

use std::path::PathBuf;

/// KiB of `bytes` (for a report).
fn kib(bytes: usize) -> f64 {
    f64::from(u32::try_from(bytes).unwrap_or(u32::MAX)) / 1024.0
}
use std::time::{Duration, Instant};

use clap::Parser;
use hadir_api::auth::PasswordService;
use hadir_api::settings::AuthSettings;
use hadir_bench::{UNITS, percentile, start_server};
use hadir_storage::{Database, DatabaseUrl, DbOptions};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    server_bin: PathBuf,
    /// An empty PostgreSQL database.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 1_000_000)]
    check_ins: u64,
    /// 500 people in each of the 49 units below the root.
    #[arg(long, default_value_t = 24_500)]
    employees: u64,
    /// Requests per queue scenario (the month page takes a tenth).
    #[arg(long, default_value_t = 300)]
    requests: usize,
}

const PASSWORD: &str = "sandi-konsol-tinjauan";

/// The `name=value` of the first `Set-Cookie` for `name`.
fn cookie(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// Signs in to the console; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> String {
    let form = client
        .get(format!("{base}/console/login"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let login_cookie = cookie(&form, "hadir_login_csrf");
    let html = form.text().await.unwrap_or_else(|e| panic!("{e}"));
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no csrf field"))
        .to_owned();
    let res = client
        .post(format!("{base}/console/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 303, "console sign-in");
    cookie(&res, "hadir_console")
}

/// Times `n` GETs of `path`; returns sorted latencies and the last body's size on the wire.
async fn time(
    client: &reqwest::Client,
    base: &str,
    session: &str,
    path: &str,
    n: usize,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let started = Instant::now();
        let res = client
            .get(format!("{base}{path}"))
            .header("cookie", session)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(res.status().is_success(), "{path}: {}", res.status());
        size = res.bytes().await.unwrap_or_else(|e| panic!("{e}")).len();
        latencies.push(started.elapsed());
    }
    latencies.sort();
    (latencies, size)
}

/// The gzip size of each stylesheet and script a page links to.
async fn assets(client: &reqwest::Client, base: &str, html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for part in html.split("/console/static/").skip(1) {
        let name = part.split('"').next().unwrap_or_default();
        let res = client
            .get(format!("{base}/console/static/{name}"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        out.push((name.to_owned(), res.bytes().await.map_or(0, |b| b.len())));
    }
    out
}

fn row(name: &str, latencies: &[Duration], size: usize) {
    println!(
        "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        latencies.len(),
        percentile(latencies, 50.0),
        percentile(latencies, 95.0),
        percentile(latencies, 99.0),
        percentile(latencies, 100.0),
        kib(size),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let url = DatabaseUrl::parse(&args.database_url).unwrap_or_else(|e| panic!("{e}"));
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
    hadir_bench::run_sql(
        &db,
        hadir_bench::queue_seed(args.employees, args.check_ins, &hash),
    )
    .await;
    eprintln!(
        "seeded {} check-ins for {} employees in {:.1} s",
        args.check_ins,
        args.employees,
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_server, base) =
        start_server(&args.server_bin, &args.database_url, PASSWORD, dir.path()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let hr = sign_in(&client, &base, "hr.pusat").await;
    // Warm the pool and PostgreSQL's caches.
    time(&client, &base, &hr, "/console/review", 20).await;

    println!(
        "| console page ({} check-ins, {} employees, {} units of {}) | requests | p50 ms | p95 ms | p99 ms | max ms | KiB on the wire (gzip) |",
        args.check_ins,
        args.employees,
        UNITS - 1,
        args.employees / (UNITS - 1)
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let n = args.requests;
    let (l, size) = time(&client, &base, &hr, "/console/review", n).await;
    row(
        "review queue, HR (50 riskiest of the organisation)",
        &l,
        size,
    );
    let (l, size) = time(&client, &base, &hr, "/console/review?flag=mock_location", n).await;
    row("review queue, HR, flag = mock_location", &l, size);
    // Unit U2 holds employees 49, 98, ... (i % 49 = 0): 500 people.
    let unit = db
        .run(hadir_storage::repo::org::all_units)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|u| u.code.as_deref() == Some("U2"))
        .map_or_else(|| panic!("unit U2"), |u| u.id);
    let month = format!("/console/month?month=2026-03&unit_id={unit}");
    let (l, size) = time(&client, &base, &hr, &month, (n / 10).max(10)).await;
    row("month page, one unit of 500 people, March 2026", &l, size);

    // What a first visit transfers: the page and what it links to; then the page alone.
    for (name, path) in [
        ("review queue", "/console/review"),
        ("month page", month.as_str()),
    ] {
        let html = client
            .get(format!("{base}{path}"))
            .header("cookie", &hr)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (_, page) = time(&client, &base, &hr, path, 1).await;
        let linked = assets(&client, &base, &html).await;
        let total: usize = page + linked.iter().map(|(_, n)| n).sum::<usize>();
        println!(
            "| {name}: first load, page {:.1} KiB + {} | | | | | | {:.1} |",
            kib(page),
            linked
                .iter()
                .map(|(f, n)| format!("{f} {:.1} KiB", kib(*n)))
                .collect::<Vec<_>>()
                .join(" + "),
            kib(total)
        );
        println!(
            "| {name}: later loads (the files are cached: immutable for a year) | | | | | | {:.1} |",
            kib(page)
        );
    }
}
