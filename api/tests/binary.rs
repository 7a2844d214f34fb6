//! The `hadir` binary as an operator runs it: settings errors, `migrate`, the first start.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `hadir` in a fresh working directory, with no `HADIR*` variable inherited.
fn hadir(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hadir"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("HADIR") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn bad_settings_stop_the_start_with_exit_2_naming_each_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = hadir(dir.path())
        .env("HADIR__SERVER__PORT", "eighty")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HADIR__SERVER__PORT"), "{err}");

    let out = hadir(dir.path())
        .env("HADIR__DATABASE__URL", "mysql://root:hunter2@db/hadir")
        .env("HADIR__AUTH__LEEWAY_S", "300")
        .env("HADIR__PHOTOS__BACKEND", "s3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for name in [
        "HADIR__DATABASE__URL",
        "HADIR__AUTH__LEEWAY_S",
        "HADIR__PHOTOS__S3_BUCKET",
    ] {
        assert!(err.contains(name), "{name} not named in: {err}");
    }
    assert!(!err.contains("hunter2"), "a secret leaked: {err}");

    let out = hadir(dir.path())
        .env("HADIR__SERVER__PROT", "8080")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a misspelt setting is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("prot"));
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn migrate_applies_the_migrations_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = hadir(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/hadir.sqlite3").exists());
    let again = hadir(dir.path()).arg("migrate").output().unwrap();
    assert!(again.status.success());
}

struct Server {
    child: Child,
    stdout: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `hadir` with JSON logs on a free port; returns once it listens.
fn start(dir: &std::path::Path) -> Server {
    start_with(dir, &[])
}

/// `start` with more settings.
fn start_with(dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let mut cmd = hadir(dir);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd
        .env("HADIR__SERVER__PORT", "0")
        .env("HADIR__LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let started = Instant::now();
    let mut port = None;
    for line in stderr.by_ref() {
        let line = line.unwrap();
        let event: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        if event["message"] == "hadir is listening" {
            let address = event["address"].as_str().unwrap();
            port = Some(address.rsplit(':').next().unwrap().parse().unwrap());
            break;
        }
        assert!(started.elapsed() < Duration::from_mins(1), "no start");
    }
    let port = port.expect("the server said where it listens");
    // Keep reading the log: a closed pipe would make the server's next log line fail.
    std::thread::spawn(move || stderr.for_each(drop));
    // What it printed on standard output before listening (the first account's password).
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
                let _ = tx.send(text.clone());
            }
        });
        while let Ok(text) = rx.recv_timeout(Duration::from_millis(500)) {
            stdout = text;
        }
    }
    Server {
        child,
        stdout,
        port,
    }
}

#[tokio::test]
async fn the_first_start_creates_admin_with_a_password_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let password = server
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password printed: {:?}", server.stdout))
        .to_owned();
    let url = format!("http://127.0.0.1:{}/api/v1/auth/login", server.port);
    let client = reqwest::Client::new();
    let res = client
        .post(&url)
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    drop(server);

    // The second start finds the account and prints no password.
    let again = start(dir.path());
    assert!(!again.stdout.contains("password"), "{:?}", again.stdout);
    let res = client
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", again.port))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        reqwest::StatusCode::OK,
        "the same signing key and account"
    );
}

#[tokio::test]
async fn the_server_keeps_serving_when_its_log_reader_goes_away() {
    // A server whose log nobody reads after it said where it listens (`start` would keep
    // draining it).
    let dir = tempfile::tempdir().unwrap();
    let mut child = hadir(dir.path())
        .env("HADIR__SERVER__PORT", "0")
        .env("HADIR__LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut port = None;
    for line in stderr.by_ref() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if event["message"] == "hadir is listening" {
            let address = event["address"].as_str().unwrap().to_owned();
            port = Some(address.rsplit(':').next().unwrap().parse::<u16>().unwrap());
            break;
        }
    }
    let port = port.expect("the server said where it listens");
    drop(stderr); // the log reader goes away: the pipe is closed
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let res = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn hadir_export_writes_a_months_csv_and_xlsx_and_names_a_bad_month() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rekap.csv");
    let out = hadir(dir.path())
        .args(["export", "--month", "2026-11", "--format", "csv", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(0 employees, csv)"));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFNIP;Nama;Unit Kerja;Jabatan;1;2;"));
    assert!(
        String::from_utf8_lossy(&bytes).contains(";30;Hadir;TL1;"),
        "November has 30 days"
    );

    let xlsx = dir.path().join("rekap.xlsx");
    let out = hadir(dir.path())
        .args(["export", "--month", "2026-11", "--lang", "en", "--out"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an XLSX is a zip"
    );

    let out = hadir(dir.path())
        .args(["export", "--month", "2026-13", "--out"])
        .arg(dir.path().join("x.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("month"));
}

/// The face jobs of the database in `dir`: `(check_in_id, state, attempts, claimed_by)`.
fn face_jobs(dir: &std::path::Path) -> Vec<(String, String, i32, Option<String>)> {
    use diesel::prelude::*;
    use diesel::sql_types::{Integer, Nullable, Text};
    #[derive(QueryableByName)]
    struct Job {
        #[diesel(sql_type = Text)]
        check_in_id: String,
        #[diesel(sql_type = Text)]
        state: String,
        #[diesel(sql_type = Integer)]
        attempts: i32,
        #[diesel(sql_type = Nullable<Text>)]
        claimed_by: Option<String>,
    }
    let path = dir.join("data/hadir.sqlite3");
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::sql_query("PRAGMA busy_timeout = 5000")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(
        "SELECT check_in_id, state, attempts, claimed_by FROM face_jobs ORDER BY check_in_id",
    )
    .load::<Job>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|j| (j.check_in_id, j.state, j.attempts, j.claimed_by))
    .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/photos")
            .join(name),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn face_jobs_cut_off_by_a_kill_are_finished_after_the_restart() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    // An instance that answers check-ins but runs no face worker: the jobs wait.
    let server = start_with(dir.path(), &[("HADIR__FACES__WORKER", "false")]);
    let password = server
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap()
        .to_owned();
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::new();
    let token = |body: Value| body["access_token"].as_str().unwrap().to_owned();
    let login = |username: &str, password: &str| {
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    let admin = token(
        login("admin", &password)
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let created = |res: reqwest::Response| async move {
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let unit = created(
        post("/api/v1/units", json!({"name": "Diskominfo"}))
            .await
            .unwrap(),
    )
    .await;
    let office = created(
        post(
            "/api/v1/offices",
            json!({"name": "Kantor", "unit_id": unit, "latitude": -6.872_183,
                   "longitude": 107.542_038, "radius_m": 100, "timezone": "Asia/Jakarta"}),
        )
        .await
        .unwrap(),
    )
    .await;
    created(
        post(
            "/api/v1/employees",
            json!({"nip": "198503122010011001", "name": "Budi", "unit_id": unit,
                   "position": "Analis", "echelon": "staff", "office_id": office,
                   "username": "budi", "password": "sandi-yang-panjang", "role": "employee"}),
        )
        .await
        .unwrap(),
    )
    .await;
    let budi = token(
        login("budi", "sandi-yang-panjang")
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    let photos = [
        "selfie-a-480x640.jpg",
        "selfie-b-480x640.jpg",
        "not-a-face-cat-480x640.jpg",
        "selfie-a-1080x1440.jpg",
        "selfie-a-resaved-360x480-q60.jpg",
        "not-a-face-coffee-480x640.png",
    ];
    for (k, name) in photos.iter().enumerate() {
        let meta = json!({
            "client_id": uuid::Uuid::new_v4().to_string(),
            "kind": if k % 2 == 0 { "in" } else { "out" },
            "captured_at": chrono::Utc::now().to_rfc3339(),
            "latitude": -6.872_183, "longitude": 107.542_038, "accuracy_m": 10.0,
            "is_mock": false,
        });
        let form = reqwest::multipart::Form::new()
            .part("meta", reqwest::multipart::Part::text(meta.to_string()))
            .part("selfie", reqwest::multipart::Part::bytes(fixture(name)));
        let res = client
            .post(format!("{base}/api/v1/check-ins"))
            .bearer_auth(&budi)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED, "{name}");
    }
    drop(server);
    let jobs = face_jobs(dir.path());
    assert_eq!(jobs.len(), photos.len(), "one job per check-in");
    assert!(jobs.iter().all(|j| j.1 == "pending" && j.2 == 0));

    // A worker starts, and is killed (SIGKILL) while it holds a job: watched from the
    // process's start, without waiting for it to say it listens.
    let mut server = Server {
        child: hadir(dir.path())
            .env("HADIR__SERVER__PORT", "0")
            .env("HADIR__FACES__LEASE_S", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        stdout: String::new(),
        port: 0,
    };
    let started = Instant::now();
    let cut = loop {
        let jobs = face_jobs(dir.path());
        if let Some(held) = jobs.iter().find(|j| j.1 == "pending" && j.3.is_some()) {
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            break held.0.clone();
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "no job was claimed: {jobs:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    drop(server);
    let after_kill = face_jobs(dir.path());
    let held = after_kill.iter().find(|j| j.0 == cut).unwrap();
    assert_eq!(held.1, "pending", "the killed worker never finished it");

    // After the restart every job is done, the cut-off one in a second attempt.
    let _server = start_with(dir.path(), &[("HADIR__FACES__LEASE_S", "1")]);
    let started = Instant::now();
    loop {
        let jobs = face_jobs(dir.path());
        if jobs.iter().all(|j| j.1 == "done") {
            for job in &jobs {
                assert!(job.2 >= 1, "{job:?}");
                if job.0 == cut {
                    assert_eq!(job.2, 2, "claimed before the kill and after: {job:?}");
                }
            }
            break;
        }
        assert!(
            jobs.iter().all(|j| j.1 != "failed"),
            "a job failed: {jobs:?}"
        );
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "not finished: {jobs:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
