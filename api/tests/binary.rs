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
    let mut child = hadir(dir)
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
