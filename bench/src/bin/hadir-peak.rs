//! The morning peak: N employees log in, then each posts a check-in with a real selfie, at a
//! fixed concurrency. Starts the `hadir` binary it is given (and, for S3, the dev S3 server) on
//! loopback, seeds the organisation straight into its database, drives it, and prints one
//! Markdown table row per concurrency: throughput, latency percentiles, errors and the server's
//! peak RSS. Every loop is bounded by the employee count; nothing leaves the machine.
//!
//! ```text
//! hadir-peak --server-bin target/release/hadir --employees 2000 --concurrency 16,64
//! hadir-peak --server-bin … --database-url postgres://…/hadir_bench \
//!            --s3-bin target/release/hadir-s3-dev --large-share 0.1
//! ```

#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "statistics over counts far below 2^52"
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use hadir_api::auth::PasswordService;
use hadir_api::settings::AuthSettings;
use hadir_bench::{Proc, bare_decode, cpu_time, free_port, login, peak_rss_mib, percentile};
use hadir_storage::repo::org::{self, EmployeeRow, OfficeRow, UnitRow};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{Database, DatabaseUrl, DbOptions, now_utc};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
struct Args {
    /// The `hadir` binary to start (build it with `cargo build --release`).
    #[arg(long)]
    server_bin: PathBuf,
    /// The S3 dev server binary; without it the server keeps photos in a folder.
    #[arg(long)]
    s3_bin: Option<PathBuf>,
    /// An empty database for the server; without it a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 2000)]
    employees: usize,
    /// Comma-separated concurrency levels; each level is one round of N check-ins.
    #[arg(long, default_value = "16,64", value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Share of check-ins sent with the 1080x1440 selfie instead of the 480x640 one.
    #[arg(long, default_value_t = 0.0)]
    large_share: f64,
    /// Where the fixtures are.
    #[arg(long, default_value = "tests/fixtures/photos")]
    fixtures: PathBuf,
    /// More settings for the server, as `HADIR__SECTION__KEY=value` (repeatable): to compare
    /// runs with a feature on and off.
    #[arg(long = "server-env")]
    server_env: Vec<String>,
    /// How many `hadir serve` processes share the database and the photo store; requests are
    /// spread over them in turn (give a PostgreSQL URL and the S3 server for more than one).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// After the rounds, this many clients send 24-megapixel photos without pause while an
    /// ordinary round runs at the first concurrency: the ordinary check-ins' latency under a
    /// flood of big images, and what the big ones were answered.
    #[arg(long, default_value_t = 0)]
    overload: usize,
    /// After the rounds and the face jobs they left, an admin reads this many pages of 50 flagged check-ins from the
    /// review queue, then the same pages again: the first look makes their thumbnails (a
    /// check-in stores its selfie only), the second finds them made.
    #[arg(long, default_value_t = 0)]
    review_pages: usize,
}

const OFFICE: (f64, f64) = (-6.872_183, 107.542_038);
const PASSWORD: &str = "sandi-beban-puncak-pagi";

/// `p` made absolute: the server runs in a temporary directory, so relative paths are taken
/// from where the benchmark was started.
fn absolute(p: &PathBuf) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn seed(url: &str, n: usize) -> Vec<String> {
    let db_url = DatabaseUrl::parse(url).unwrap_or_else(|e| panic!("{e}"));
    let (db, _) = Database::connect_and_migrate(db_url, &DbOptions::default())
        .unwrap_or_else(|e| panic!("seed database: {e}"));
    let hash = PasswordService::new(&AuthSettings::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .hash(PASSWORD.to_owned())
        .await
        .unwrap_or_else(|e| panic!("hash: {e}"));
    let names: Vec<String> = (0..n).map(|i| format!("pegawai{i:05}")).collect();
    let rows = names.clone();
    db.transaction(move |conn| {
        let now = now_utc();
        let unit = UnitRow {
            id: uuid::Uuid::new_v4().to_string(),
            parent_id: None,
            name: "Sekretariat Daerah".into(),
            code: None,
            created_at: now,
            updated_at: now,
            schedule_id: None,
            wfh_quota_percent: None,
        };
        org::insert_unit(conn, &unit)?;
        let office = OfficeRow {
            id: uuid::Uuid::new_v4().to_string(),
            unit_id: unit.id.clone(),
            name: "Kantor Pemkot Cimahi".into(),
            latitude: OFFICE.0,
            longitude: OFFICE.1,
            radius_m: 100.0,
            polygon: None,
            timezone: "Asia/Jakarta".into(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        org::insert_office(conn, &office)?;
        for (i, name) in rows.iter().enumerate() {
            let employee = EmployeeRow {
                id: uuid::Uuid::new_v4().to_string(),
                nip: format!("19800101200501{i:04}"),
                name: format!("Pegawai {i}"),
                unit_id: unit.id.clone(),
                position: "Analis".into(),
                echelon: "staff".into(),
                supervisor_id: None,
                office_id: Some(office.id.clone()),
                home_latitude: None,
                home_longitude: None,
                home_radius_m: None,
                active: true,
                created_at: now,
                updated_at: now,
                id_type: "nip".into(),
                schedule_id: None,
            };
            org::insert_employee(conn, &employee)?;
            users::insert(
                conn,
                &UserRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    username: name.clone(),
                    password_hash: hash.clone(),
                    role: "employee".into(),
                    employee_id: Some(employee.id),
                    active: true,
                    token_version: 0,
                    created_at: now,
                    updated_at: now,
                    created_by: None,
                },
            )?;
        }
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("seed: {e}"));
    names
}

struct Round {
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

impl Round {
    /// `check-ins | throughput /s | p50 ms | p95 ms | p99 ms | errors`, for a table row.
    fn columns(&self) -> String {
        format!(
            "{} | {:.0} | {:.0} | {:.0} | {:.0} | {}",
            self.latencies.len(),
            self.latencies.len() as f64 / self.wall.as_secs_f64(),
            percentile(&self.latencies, 50.0),
            percentile(&self.latencies, 95.0),
            percentile(&self.latencies, 99.0),
            self.errors,
        )
    }
}

/// A check-in's multipart body: the meta at `position` and the selfie.
fn check_in_form(kind: &str, position: (f64, f64), selfie: &[u8]) -> Form {
    let meta = json!({
        "client_id": uuid::Uuid::new_v4().to_string(),
        "kind": kind,
        "captured_at": chrono::Utc::now().to_rfc3339(),
        "latitude": position.0,
        "longitude": position.1,
        "accuracy_m": 8.0,
        "is_mock": false,
    });
    Form::new().part("meta", Part::text(meta.to_string())).part(
        "selfie",
        Part::bytes(selfie.to_vec()).file_name("selfie.jpg"),
    )
}

/// What every round sends with.
struct Load {
    client: reqwest::Client,
    /// The instances, taken in turn.
    bases: Vec<String>,
    tokens: Vec<String>,
    small: Arc<Vec<u8>>,
    large: Arc<Vec<u8>>,
    large_share: f64,
}

async fn check_in_round(load: &Load, concurrency: usize, kind: &str) -> Round {
    let Load {
        client,
        bases,
        tokens,
        small,
        large,
        large_share,
    } = load;
    let large_share = *large_share;
    let every_large = if large_share > 0.0 {
        (1.0 / large_share).round().max(1.0) as usize
    } else {
        usize::MAX
    };
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = futures_util::stream::iter(tokens.iter().enumerate())
        .map(|(i, token)| {
            let selfie = if i % every_large == every_large - 1 {
                Arc::clone(large)
            } else {
                Arc::clone(small)
            };
            // Spread over the office yard: a few metres apart, all inside the radius.
            let offset = (i % 50) as f64 * 0.000_01;
            let url = format!("{}/api/v1/check-ins", bases[i % bases.len()]);
            async move {
                let form = check_in_form(kind, (OFFICE.0 + offset, OFFICE.1 - offset), &selfie);
                let t = Instant::now();
                let ok = match client
                    .post(url)
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await
                {
                    Ok(res) => {
                        let ok = res.status().is_success();
                        let _ = res.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                (t.elapsed(), ok)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    let errors = results.iter().filter(|(_, ok)| !ok).count();
    let mut latencies: Vec<Duration> = results.into_iter().map(|(d, _)| d).collect();
    latencies.sort();
    Round {
        latencies,
        errors,
        wall,
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = Args::parse();
    args.server_bin = absolute(&args.server_bin);
    args.s3_bin = args.s3_bin.as_ref().map(absolute);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let small = Arc::new(
        std::fs::read(args.fixtures.join("selfie-a-480x640.jpg"))
            .unwrap_or_else(|e| panic!("fixture: {e}")),
    );
    let large = Arc::new(
        std::fs::read(args.fixtures.join("selfie-a-1080x1440.jpg"))
            .unwrap_or_else(|e| panic!("fixture: {e}")),
    );

    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("hadir.sqlite3").display()));
    let port = free_port();
    let mut env: Vec<(String, String)> = vec![
        ("HADIR__DATABASE__URL".into(), database_url.clone()),
        ("HADIR__SERVER__PORT".into(), port.to_string()),
        ("HADIR__LOG__LEVEL".into(), "warn".into()),
        ("HADIR__CHECK_INS__SWEEP_INTERVAL_S".into(), "0".into()),
        (
            "HADIR_ADMIN_PASSWORD".into(),
            "admin-password-for-the-bench".into(),
        ),
        (
            "HADIR__PHOTOS__FOLDER".into(),
            dir.path().join("photos").display().to_string(),
        ),
    ];
    for pair in &args.server_env {
        let (key, value) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("--server-env {pair}: KEY=value"));
        env.push((key.to_owned(), value.to_owned()));
    }
    let _s3 = args.s3_bin.as_ref().map(|bin| {
        let s3_port = free_port();
        let child = Command::new(bin)
            .args(["--port", &s3_port.to_string(), "--root"])
            .arg(dir.path().join("s3"))
            .args([
                "--access-key",
                "benchaccesskey",
                "--secret-key",
                "benchsecretkey0123456789",
            ])
            .args(["--bucket", "hadir"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        for (k, v) in [
            ("HADIR__PHOTOS__BACKEND", "s3".to_owned()),
            (
                "HADIR__PHOTOS__S3_ENDPOINT",
                format!("http://127.0.0.1:{s3_port}"),
            ),
            ("HADIR__PHOTOS__S3_BUCKET", "hadir".to_owned()),
            ("HADIR__PHOTOS__S3_ACCESS_KEY", "benchaccesskey".to_owned()),
            (
                "HADIR__PHOTOS__S3_SECRET_KEY",
                "benchsecretkey0123456789".to_owned(),
            ),
        ] {
            env.push((k.to_owned(), v));
        }
        Proc(child)
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_mins(1))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // One instance after the other: the first migrates the database, the next ones find it
    // ready. Each answers on its own port; all share the database and the photo store.
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for i in 0..args.instances.max(1) {
        let port = if i == 0 { port } else { free_port() };
        let mut command = Command::new(&args.server_bin);
        command.arg("serve").current_dir(dir.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("HADIR") {
                command.env_remove(key);
            }
        }
        command
            .envs(env.iter().cloned())
            .env("HADIR__SERVER__PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        servers.push(Proc(
            command
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", args.server_bin.display())),
        ));
        let base = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        loop {
            if let Ok(res) = client.get(format!("{base}/readyz")).send().await
                && res.status().is_success()
            {
                break;
            }
            assert!(
                ready.elapsed() < Duration::from_mins(1),
                "instance {i} did not get ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bases.push(base);
    }
    let pids: Vec<u32> = servers.iter().map(|s| s.0.id()).collect();
    let server_cpu = || pids.iter().map(|pid| cpu_time(*pid)).sum::<Duration>();
    let server_rss = || pids.iter().map(|pid| peak_rss_mib(*pid)).sum::<f64>();

    let seeding = Instant::now();
    let names = seed(&database_url, args.employees).await;
    eprintln!(
        "seeded {} employees in {:.1?}",
        names.len(),
        seeding.elapsed()
    );

    let logging_in = Instant::now();
    let tokens: Vec<String> = futures_util::stream::iter(names.iter().enumerate())
        .map(|(i, name)| {
            let client = &client;
            let base = &bases[i % bases.len()];
            async move {
                let res = client
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"username": name, "password": PASSWORD}))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("login: {e}"));
                assert!(res.status().is_success(), "login {name}: {}", res.status());
                let body: Value = res.json().await.unwrap_or_else(|e| panic!("{e}"));
                body["access_token"].as_str().unwrap_or_default().to_owned()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let login_s = logging_in.elapsed().as_secs_f64();
    eprintln!(
        "{} logins in {login_s:.1} s ({:.0}/s, argon2id m=19 MiB t=2); server peak RSS so far {:.0} MiB",
        tokens.len(),
        tokens.len() as f64 / login_s,
        server_rss(),
    );

    let store = match (&args.database_url, &args.s3_bin) {
        (None, None) => "SQLite + folder",
        (Some(_), Some(_)) => "PostgreSQL + S3 (s3s-fs dev server)",
        (Some(_), None) => "PostgreSQL + folder",
        (None, Some(_)) => "SQLite + S3",
    };
    let backend = if bases.len() > 1 {
        format!("{store}, {} instances", bases.len())
    } else {
        store.to_owned()
    };
    println!(
        "| store | selfies | concurrency | check-ins | throughput /s | p50 ms | p95 ms | p99 ms | errors | server peak RSS MiB | server CPU ms / check-in | bare decode ms | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let load = Load {
        client,
        bases,
        tokens,
        small,
        large,
        large_share: args.large_share,
    };
    let mix = if args.large_share > 0.0 {
        format!("480x640, {:.0}% 1080x1440", args.large_share * 100.0)
    } else {
        "480x640".to_owned()
    };
    let (jobs_db, _) = Database::connect_and_migrate(
        DatabaseUrl::parse(&database_url).unwrap_or_else(|e| panic!("{e}")),
        &DbOptions::default(),
    )
    .unwrap_or_else(|e| panic!("database: {e}"));
    let mut backlog = Vec::new();
    for (round, concurrency) in args.concurrency.iter().enumerate() {
        let kind = if round % 2 == 0 { "in" } else { "out" };
        let cpu_before = server_cpu();
        let r = check_in_round(&load, *concurrency, kind).await;
        let cpu_ms = server_cpu().saturating_sub(cpu_before).as_secs_f64() * 1000.0
            / r.latencies.len().max(1) as f64;
        // The bare decode of the same selfie, measured now, on this machine: the ratio holds
        // from one machine to the next.
        let decode_ms = bare_decode(&load.small, 200).as_secs_f64() * 1000.0;
        backlog.push(face_jobs(&jobs_db).await);
        println!(
            "| {backend} | {mix} | {concurrency} | {} | {:.0} | {cpu_ms:.2} | {decode_ms:.2} | {:.1}x |",
            r.columns(),
            server_rss(),
            cpu_ms / decode_ms,
        );
    }
    if args.overload > 0 {
        overload_round(&load, args.overload, args.concurrency[0]).await;
    }
    // The face evidence the peak left behind: how long until every job is done.
    let after_peak = Instant::now();
    let (pending_at_end, _) = face_jobs(&jobs_db).await;
    let (pending, failed) = loop {
        let (pending, failed) = face_jobs(&jobs_db).await;
        if pending == 0 || after_peak.elapsed() > Duration::from_mins(30) {
            break (pending, failed);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let caught_up = after_peak.elapsed().as_secs_f64();
    eprintln!(
        "face jobs pending after each round: {backlog:?}; {pending_at_end} at the end of the \
         peak, all done {caught_up:.1} s later ({:.1} jobs/s on {} cores); still pending \
         {pending}, failed {failed}; server peak RSS {:.0} MiB",
        pending_at_end as f64 / caught_up,
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        server_rss(),
    );
    // Once the face evidence is in (the workers would otherwise share the cores).
    if args.review_pages > 0 {
        review_pages(&load, args.review_pages).await;
    }
    drop(servers);
}

/// Reads `pages` pages of 50 flagged check-ins from the review queue as an admin, twice,
/// and prints each pass's latencies per page.
async fn review_pages(load: &Load, pages: usize) {
    let base = &load.bases[0];
    let token = login(&load.client, base, "admin", "admin-password-for-the-bench").await;
    println!();
    println!("| review queue, 50 check-ins a page | pages | p50 ms | max ms |");
    println!("|---|---|---|---|");
    for pass in [
        "first look (thumbnails made)",
        "again (thumbnails made before)",
    ] {
        let mut took = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..pages {
            let mut url = format!("{base}/api/v1/check-ins?limit=50");
            if let Some(c) = &cursor {
                url.push_str("&cursor=");
                url.push_str(c);
            }
            let t = Instant::now();
            let res = load
                .client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap_or_else(|e| panic!("review queue: {e}"));
            assert!(res.status().is_success(), "review queue: {}", res.status());
            let page: Value = res.json().await.unwrap_or_else(|e| panic!("{e}"));
            took.push(t.elapsed());
            cursor = page["next_cursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        took.sort();
        println!(
            "| {pass} | {} | {:.1} | {:.1} |",
            took.len(),
            percentile(&took, 50.0),
            percentile(&took, 100.0),
        );
    }
}

/// Face jobs pending and failed.
async fn face_jobs(db: &Database) -> (i64, i64) {
    db.run(hadir_storage::repo::faces::counts)
        .await
        .unwrap_or_else(|e| panic!("face jobs: {e}"))
}

/// A 24-megapixel (6000x4000) JPEG under the 3 MiB body limit: smooth shading with a little
/// texture, as a photo of a wall would be. What an attacker sends to take the CPU.
fn big_photo() -> Vec<u8> {
    let (w, h) = (6000_u32, 4000_u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let texture = ((x.wrapping_mul(7) ^ y.wrapping_mul(13)) % 9) as u8;
        image::Rgb([
            (x * 200 / w) as u8 + texture,
            (y * 200 / h) as u8 + texture,
            120 + texture,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 60)
        .encode_image(&img)
        .unwrap_or_else(|e| panic!("big photo: {e}"));
    assert!(
        out.len() < 3 * 1024 * 1024,
        "the big photo is {} bytes, above the body limit",
        out.len()
    );
    out
}

/// An ordinary round at `concurrency` from the employees after the first `attackers`, while
/// each of those sends 24-megapixel photos back to back until the round ends.
async fn overload_round(load: &Load, attackers: usize, concurrency: usize) {
    assert!(
        load.tokens.len() > attackers,
        "more employees than attackers needed"
    );
    let big = Arc::new(big_photo());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood: Vec<_> = load.tokens[..attackers]
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let client = load.client.clone();
            let url = format!("{}/api/v1/check-ins", load.bases[i % load.bases.len()]);
            let token = token.clone();
            let big = Arc::clone(&big);
            let stop = Arc::clone(&stop);
            tokio::spawn(async move {
                let mut answers: Vec<(u16, Duration)> = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let form = check_in_form("in", OFFICE, &big);
                    let t = Instant::now();
                    let status = match client
                        .post(&url)
                        .bearer_auth(&token)
                        .multipart(form)
                        .send()
                        .await
                    {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            let _ = res.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    answers.push((status, t.elapsed()));
                    if status == 503 || status == 429 || status == 0 {
                        // As a client would after Retry-After, but impatient: 100 ms.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                answers
            })
        })
        .collect();
    // Let the flood build up before the ordinary check-ins start.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ordinary = Load {
        client: load.client.clone(),
        bases: load.bases.clone(),
        tokens: load.tokens[attackers..].to_vec(),
        small: Arc::clone(&load.small),
        large: Arc::clone(&load.large),
        large_share: 0.0,
    };
    let r = check_in_round(&ordinary, concurrency, "in").await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut big_answers = Vec::new();
    for task in flood {
        big_answers.extend(task.await.unwrap_or_default());
    }
    let count = |code: u16| big_answers.iter().filter(|(s, _)| *s == code).count();
    let mut accepted: Vec<Duration> = big_answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, d)| *d)
        .collect();
    accepted.sort();
    println!();
    println!(
        "| overload | concurrency | ordinary check-ins | throughput /s | p50 ms | p95 ms | p99 ms | errors | 24-MP photos sent | 201 | 503 | 429 | other | 201 p50 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {attackers} clients × 24 MP | {concurrency} | {} | {} | {} | {} | {} | {} | {:.0} |",
        r.columns(),
        big_answers.len(),
        count(201),
        count(503),
        count(429),
        big_answers.len() - count(201) - count(503) - count(429),
        percentile(&accepted, 50.0),
    );
}
