//! What the benchmark binaries share: child processes, ports, percentiles, peak memory, and
//! seeding an organisation straight into PostgreSQL with `generate_series`.

#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::missing_panics_doc,
    reason = "statistics over counts far below 2^52; a benchmark fails by panicking"
)]

use std::net::TcpListener;
use std::process::Child;
use std::time::Duration;

use diesel::RunQueryDsl;
use hadir_storage::Database;
use serde_json::{Value, json};

/// A small, fast, reproducible generator (xorshift), so a run can be repeated.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }
}

/// A free port on loopback.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or_else(|e| panic!("no free port: {e}"), |a| a.port())
}

/// A child process killed when dropped.
#[derive(Debug)]
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident set of a process, in MiB (`VmHWM` of `/proc/PID/status`).
#[must_use]
pub fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The CPU time (user + system) process `pid` has used so far, from `/proc/<pid>/stat`.
#[must_use]
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let total = ticks(11) + ticks(12);
    // The kernel's clock ticks are 100 per second on Linux.
    Duration::from_millis(total * 10)
}

/// The median time of a bare decode of `bytes` (`image::load_from_memory`), over `n` runs.
#[must_use]
pub fn bare_decode(bytes: &[u8], n: usize) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            let img = image::load_from_memory(bytes).map(|i| i.width());
            std::hint::black_box(img.ok());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The `p`th percentile of sorted latencies, in milliseconds.
#[must_use]
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// A `hadir` server on `database_url` (photos in `dir`), started on a free port and ready;
/// returns it (killed when dropped) and its base URL.
pub async fn start_server(
    bin: &std::path::Path,
    database_url: &str,
    admin_password: &str,
    dir: &std::path::Path,
) -> (Proc, String) {
    let port = free_port();
    let server = Proc(
        std::process::Command::new(bin)
            .current_dir(dir)
            .env("HADIR__DATABASE__URL", database_url)
            .env("HADIR__SERVER__PORT", port.to_string())
            .env("HADIR__PHOTOS__FOLDER", dir.join("photos"))
            .env("HADIR__LOG__LEVEL", "warn")
            .env("HADIR_ADMIN_PASSWORD", admin_password)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display())),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&reqwest::Client::new(), &base).await;
    (server, base)
}

/// Waits until `base/readyz` answers 200 (at most 20 s).
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not become ready");
}

/// Logs in; returns the access token.
pub async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let res: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("login: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("login: {e}"));
    res["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("login {username}: {res}"))
        .to_owned()
}

/// Runs SQL statements one after the other (seeding).
pub async fn run_sql(db: &Database, statements: Vec<String>) {
    db.run(move |conn| {
        for sql in &statements {
            if let Err(e) = diesel::sql_query(sql.as_str()).execute(conn) {
                panic!("seeding: {e}\n{sql}");
            }
        }
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("seeding: {e}"));
}

/// The units of a seeded organisation: a root and `units - 1` below it.
pub const UNITS: u64 = 50;

/// Statements that seed a root unit and `UNITS - 1` units below it, one office (Asia/Jakarta),
/// `employees` employees spread over the units (ids `md5('e' || i)`), an HR login `hr.pusat`
/// and a unit admin `kepala.unit` (employee 1), both with the password `hash` was made from.
#[must_use]
pub fn organisation(employees: u64, hash: &str) -> Vec<String> {
    vec![
        "INSERT INTO units (id, parent_id, name, code, created_at, updated_at) \
         VALUES (md5('u1')::uuid::text, NULL, 'Pemerintah Kota', 'ROOT', now(), now())"
            .to_owned(),
        format!(
            "INSERT INTO units (id, parent_id, name, code, created_at, updated_at) \
             SELECT md5('u' || i)::uuid::text, md5('u1')::uuid::text, 'Unit ' || i, 'U' || i, \
                    now(), now() FROM generate_series(2, {UNITS}) i"
        ),
        "INSERT INTO offices (id, unit_id, name, latitude, longitude, radius_m, polygon, timezone, \
                              active, created_at, updated_at) \
         VALUES (md5('o')::uuid::text, md5('u1')::uuid::text, 'Kantor', -6.872183, 107.542038, \
                 100, NULL, 'Asia/Jakarta', TRUE, now(), now())"
            .to_owned(),
        format!(
            "INSERT INTO employees (id, nip, name, unit_id, position, echelon, supervisor_id, \
                                    office_id, home_latitude, home_longitude, home_radius_m, \
                                    active, created_at, updated_at, id_type, schedule_id) \
             SELECT md5('e' || i)::uuid::text, lpad(i::text, 18, '0'), 'Pegawai ' || i, \
                    md5('u' || (2 + i % {units}))::uuid::text, 'Staf', 'staff', NULL, \
                    md5('o')::uuid::text, NULL, NULL, NULL, TRUE, now(), now(), 'other', NULL \
             FROM generate_series(1, {employees}) i",
            units = UNITS - 1
        ),
        format!(
            "INSERT INTO users (id, username, password_hash, role, employee_id, active, \
                                token_version, created_at, updated_at) \
             VALUES (md5('user-unit-admin')::uuid::text, 'kepala.unit', '{hash}', 'unit_admin', \
                     md5('e1')::uuid::text, TRUE, 0, now(), now()), \
                    (md5('user-hr')::uuid::text, 'hr.pusat', '{hash}', 'hr', NULL, TRUE, 0, \
                     now(), now())"
        ),
    ]
}

/// The organisation (`organisation`) and `check_ins` check-ins spread over its employees from
/// 2026-01-01, one every 20 seconds: a fifth flagged (risk 1 to 100, a tenth of those a mock
/// location), the rest accepted; with their flag codes, analysed.
#[must_use]
pub fn queue_seed(employees: u64, check_ins: u64, hash: &str) -> Vec<String> {
    let mut statements = organisation(employees, hash);
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
    statements
}
