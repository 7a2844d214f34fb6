//! Settings: defaults, then an optional `hadir.toml`, then `HADIR__SECTION__KEY` environment
//! variables. Every value is checked at start-up; an error names the variable to fix.

use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use hadir_storage::db::{DatabaseUrl, DbOptions};
use hadir_storage::photos::S3Config;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Every setting, grouped as in `hadir.toml`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub photos: PhotoSettings,
    pub auth: AuthSettings,
    pub check_ins: CheckInSettings,
    pub faces: FaceSettings,
    pub plans: PlanSettings,
    pub attendance: AttendanceSettings,
    pub allowance: AllowanceSettings,
    pub console: ConsoleSettings,
    pub metrics: MetricsSettings,
    pub log: LogSettings,
    /// The first account's password (`HADIR_ADMIN_PASSWORD`), used only when the database has
    /// no account yet.
    #[serde(skip)]
    pub admin_password: Option<SecretString>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// 0 means one worker per core.
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub shutdown_timeout_s: u64,
    /// A request body must arrive whole within this many seconds (408 otherwise).
    pub body_timeout_s: u64,
    /// A body that stalls this long between two chunks is dropped (408).
    pub body_idle_timeout_s: u64,
    /// The reverse proxies in front of Hadir: from a request that comes from one of these
    /// addresses, the client's address is read from `X-Forwarded-For` (the nearest address
    /// that is not a trusted proxy). Empty: the connection's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            json_limit_bytes: 64 * 1024,
            shutdown_timeout_s: 30,
            body_timeout_s: 60,
            body_idle_timeout_s: 15,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    /// Connections per instance; unset: 8 on PostgreSQL, 2 on SQLite (see `pool_size`).
    pub pool_size: Option<u32>,
    pub acquire_timeout_ms: u64,
    pub busy_timeout_ms: u64,
    pub statement_timeout_ms: u64,
    pub connect_timeout_s: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("sqlite://./data/hadir.sqlite3"),
            pool_size: None,
            acquire_timeout_ms: 5000,
            busy_timeout_ms: 5000,
            statement_timeout_ms: 15_000,
            connect_timeout_s: 5,
        }
    }
}

impl DatabaseSettings {
    /// The pool's size: as set, else 8 connections on PostgreSQL and 2 on SQLite. SQLite has
    /// one writer, and each connection keeps its own page cache, which it drops whenever
    /// another connection has written: with 8, nearly every trip of a check-in re-reads its
    /// pages; with 2, a check-in costs about a tenth less CPU under load (docs/PERFORMANCE.md).
    #[must_use]
    pub fn pool_size(&self) -> u32 {
        self.pool_size
            .unwrap_or(match DatabaseUrl::parse(self.url.expose_secret()) {
                Ok(DatabaseUrl::Sqlite(_)) => 2,
                _ => 8,
            })
    }

    #[must_use]
    pub fn options(&self) -> DbOptions {
        DbOptions {
            pool_size: self.pool_size(),
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
            busy_timeout: Duration::from_millis(self.busy_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            connect_timeout: Duration::from_secs(self.connect_timeout_s),
        }
    }
}

/// Where photos go.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PhotoBackend {
    Folder,
    S3,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoSettings {
    pub backend: PhotoBackend,
    pub folder: PathBuf,
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_bucket: String,
    pub s3_path_style: bool,
    pub s3_access_key: String,
    pub s3_secret_key: SecretString,
    pub s3_timeout_s: u64,
    /// How long a photo link stays valid.
    pub link_expiry_s: u64,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        Self {
            backend: PhotoBackend::Folder,
            folder: PathBuf::from("./data/photos"),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_bucket: String::new(),
            s3_path_style: true,
            s3_access_key: String::new(),
            s3_secret_key: SecretString::from(""),
            s3_timeout_s: 10,
            link_expiry_s: 300,
        }
    }
}

impl PhotoSettings {
    #[must_use]
    pub fn s3_config(&self) -> S3Config {
        S3Config {
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            bucket: self.s3_bucket.clone(),
            path_style: self.s3_path_style,
            access_key: self.s3_access_key.clone(),
            secret_key: self.s3_secret_key.clone(),
            request_timeout: Duration::from_secs(self.s3_timeout_s),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// The token signing key. Unset: generated once and kept in the database.
    pub jwt_secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_s: u64,
    pub refresh_ttl_s: u64,
    pub leeway_s: u64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// How many passwords may be hashed at once; 0 means one per core.
    pub hash_concurrency: usize,
    pub hash_queue_timeout_ms: u64,
    /// Failed logins allowed for one account name before each further one waits (1 s, 2 s,
    /// 4 s... up to `login_max_block_s`); the same for a name that has no account.
    pub login_account_free_failures: u32,
    /// Failed logins allowed from one client address (many people share an office's address).
    pub login_address_free_failures: u32,
    /// The longest wait after failed logins.
    pub login_max_block_s: u64,
    /// Failures older than this are forgotten.
    pub login_forget_after_s: u64,
    /// A refresh token presented again within this many seconds of its use gets a new pair
    /// (two refreshes sent at once by one phone); later, reuse ends the session.
    pub refresh_grace_s: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            issuer: "hadir".into(),
            audience: "hadir-api".into(),
            access_ttl_s: 15 * 60,
            refresh_ttl_s: 30 * 24 * 3600,
            leeway_s: 30,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hash_concurrency: 0,
            hash_queue_timeout_ms: 5000,
            login_account_free_failures: 5,
            login_address_free_failures: 20,
            login_max_block_s: 900,
            login_forget_after_s: 3600,
            refresh_grace_s: 10,
        }
    }
}

/// Check-ins: the upload limit, the selfie pipeline and the thresholds behind the flags.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct CheckInSettings {
    /// The largest check-in request (meta and selfie together); larger ones get 413.
    pub max_body_bytes: usize,
    /// Most check-ins in one batch request (its body may be this many times `max_body_bytes`).
    pub max_batch_items: usize,
    /// Long edge of the stored selfie.
    pub stored_long_edge_px: u32,
    /// Long edge of the review thumbnail.
    pub thumbnail_long_edge_px: u32,
    /// Widest or tallest selfie decoded.
    pub max_side_px: u32,
    /// Most pixels a selfie may have.
    pub max_pixels: u64,
    /// Accuracy worse than this earns `low_accuracy`.
    pub low_accuracy_m: f64,
    /// Faster than this between two check-ins (over `min_travel_m`) is `impossible_travel`.
    pub max_speed_kmh: f64,
    pub min_travel_m: f64,
    /// A capture up to this far ahead of the server's clock is drift, not `clock_skew`.
    pub future_tolerance_s: i64,
    /// Sent this long after capture, a check-in is `offline_late`.
    pub offline_after_s: i64,
    /// Captures older than this when received are `clock_skew`.
    pub offline_window_h: i64,
    /// Perceptual-hash distance (of 64 bits) up to which two selfies are the same.
    pub duplicate_max_distance: u32,
    /// How far back an employee's own selfies are compared.
    pub duplicate_lookback_days: i64,
    /// The time zone of check-ins that have no place (IANA name).
    pub default_timezone: String,
    /// An object without a check-in row is deleted once it is this old.
    pub sweep_grace_s: u64,
    /// How often the server sweeps orphaned objects; 0 turns the periodic sweep off.
    pub sweep_interval_s: u64,
    /// Days after a month is closed when its selfies are reduced to their thumbnail and hash
    /// (UU PDP: selfies are not kept longer than needed).
    pub selfie_retention_days: u32,
    /// Images with more pixels than this go through the large-image lane, which may use all
    /// cores but one: ordinary selfies are never stuck behind big photos.
    pub large_image_pixels: u64,
    /// How long an ordinary selfie may wait for a core before the answer is 503 + Retry-After.
    pub image_queue_timeout_ms: u64,
    /// How long a large image may wait for its lane before the answer is 503 + Retry-After.
    pub large_image_queue_timeout_ms: u64,
    /// Check-in uploads one account may have in flight at once (more: 429).
    pub max_uploads_per_account: u32,
    /// Check-in uploads the instance reads at once (more: 503): bounds the memory that
    /// stalled or slow uploads can hold.
    pub max_uploads_in_flight: u32,
    /// A photo whose own capture time (EXIF) is further than this from the check-in's is
    /// `photo_mismatch` (a gallery photo).
    pub photo_max_age_minutes: i64,
    /// A photo whose own position (EXIF GPS) is further than this from the fix is
    /// `photo_mismatch`.
    pub photo_max_distance_m: f64,
}

impl Default for CheckInSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 3 * 1024 * 1024,
            max_batch_items: 20,
            large_image_pixels: 3_000_000,
            image_queue_timeout_ms: 10_000,
            large_image_queue_timeout_ms: 2_000,
            max_uploads_per_account: 2,
            max_uploads_in_flight: 128,
            stored_long_edge_px: 1280,
            thumbnail_long_edge_px: 160,
            max_side_px: 8000,
            max_pixels: 24_000_000,
            low_accuracy_m: 100.0,
            max_speed_kmh: 150.0,
            min_travel_m: 1000.0,
            future_tolerance_s: 120,
            offline_after_s: 600,
            offline_window_h: 12,
            duplicate_max_distance: 10,
            duplicate_lookback_days: 30,
            default_timezone: "Asia/Jakarta".into(),
            sweep_grace_s: 3600,
            sweep_interval_s: 900,
            selfie_retention_days: 90,
            photo_max_age_minutes: 60,
            photo_max_distance_m: 1000.0,
        }
    }
}

/// `GET /metrics`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// A token Prometheus sends as `Authorization: Bearer ...` (its `bearer_token`); unset,
    /// only an admin's access token reads the metrics.
    pub scrape_token: Option<SecretString>,
}

/// Face evidence: the background worker and the thresholds behind `no_face`,
/// `several_faces` and `face_mismatch`.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct FaceSettings {
    /// Whether check-ins get face evidence (a face job each).
    pub enabled: bool,
    /// Whether this instance runs the face worker (with `enabled`): several instances share
    /// the queue; an operator may keep the work off the instances that answer the phones.
    pub worker: bool,
    /// A face candidate at or above this score is a face (`BlazeFace`, 0 to 1).
    pub face_score: f32,
    /// A face at this distance or more from the enrolled reference is someone else (dlib's
    /// documented threshold is 0.6).
    pub match_distance: f32,
    /// How often an idle worker looks for jobs another instance queued.
    pub poll_interval_ms: u64,
    /// A claimed job falls due again this long after its claim if the worker died.
    pub lease_s: u64,
    /// Attempts before a job is left `failed` (and reported).
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles with each attempt (at most an hour).
    pub retry_base_s: u64,
    /// While check-in uploads are in flight the worker waits up to this long before each
    /// job, so the morning peak keeps its cores.
    pub peak_yield_ms: u64,
    /// A selfie registered onto an earlier one whose fine detail matches at least this much
    /// is a copy of it (`duplicate_selfie`); docs/FACES.md has the measured scores.
    pub copy_score: f32,
    /// How many of the nearest earlier selfies by hash are compared pixel by pixel.
    pub copy_candidates: usize,
    /// Earlier selfies read whole (the employee's own, a day of colleagues' up to 1,500) are
    /// compared when this close (bits) to any of the new selfie's hashes; a larger day's index
    /// looks up `check_ins.duplicate_max_distance`.
    pub copy_max_distance: u32,
}

impl Default for FaceSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            worker: true,
            face_score: hadir_face::FACE_THRESHOLD,
            match_distance: hadir_face::SAME_PERSON_DISTANCE,
            poll_interval_ms: 2000,
            lease_s: 300,
            max_attempts: 5,
            retry_base_s: 10,
            peak_yield_ms: 2000,
            copy_score: hadir_face::copy::COPY_THRESHOLD,
            copy_candidates: 8,
            copy_max_distance: 16,
        }
    }
}

/// Rosters and assignments: the rules checked when they are saved.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct PlanSettings {
    /// Echelons that must stay in the office: no work from home by roster or assignment.
    pub office_echelons: Vec<String>,
    /// The WFH quota (percent of a unit's people on one day) where no unit up the tree sets one.
    pub default_wfh_quota_percent: u32,
    /// The longest range one roster may cover, in days.
    pub max_roster_days: u32,
}

impl Default for PlanSettings {
    fn default() -> Self {
        Self {
            office_echelons: vec!["II".into(), "III".into()],
            default_wfh_quota_percent: 100,
            max_roster_days: 186,
        }
    }
}

/// The web console at `/console`.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// A console session unused this long ends.
    pub idle_timeout_s: i64,
    /// A console session ends this long after sign-in, used or not.
    pub absolute_timeout_s: i64,
    /// Served over TLS (directly or behind a proxy): cookies are `Secure` with the `__Host-`
    /// prefix.
    pub secure_cookie: bool,
    /// A map tile URL template (`https://tiles.example/{z}/{x}/{y}.png`) and its attribution;
    /// unset, maps are drawn without tiles (the OpenStreetMap tile policy forbids hard-coding
    /// its servers).
    pub tile_url: Option<String>,
    pub tile_attribution: Option<String>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            idle_timeout_s: 30 * 60,
            absolute_timeout_s: 12 * 3600,
            secure_cookie: false,
            tile_url: None,
            tile_attribution: None,
        }
    }
}

/// Corrections, manual entries and daily activity reports.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct AttendanceSettings {
    /// Corrections for a month close this many days before its end (Sikonci: 3).
    pub correction_close_days: u32,
    /// The largest attachment to a correction (a PDF letter or a photo).
    pub max_attachment_bytes: usize,
    /// Whether a day of work from home counts only with an approved daily activity report.
    pub wfh_requires_report: bool,
    /// Separation of duties: for this many days after an account was created, it may not act
    /// on the attendance of the account that created it (nor of that account's recent creator).
    pub creator_conflict_days: u32,
}

impl Default for AttendanceSettings {
    fn default() -> Self {
        Self {
            correction_close_days: 3,
            max_attachment_bytes: 5 * 1024 * 1024,
            wfh_requires_report: true,
            creator_conflict_days: 90,
        }
    }
}

/// The allowance (TPP/tukin) cuts: per day code, in basis points of the month's allowance
/// (1% = 100), and the most a month can lose.
#[derive(Debug, Deserialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct AllowanceSettings {
    /// Code (`TL1`...`TL4`, `PSW1`...`PSW4`, `TK`...) to basis points; a code left out cuts
    /// nothing.
    pub cut_bp: std::collections::BTreeMap<String, u32>,
    pub cap_bp: u32,
}

impl Default for AllowanceSettings {
    fn default() -> Self {
        let policy = hadir_domain::day::AllowancePolicy::default();
        Self {
            cut_bp: policy
                .per_code
                .iter()
                .filter(|(_, bp)| **bp > 0)
                .map(|(c, bp)| (c.as_str().to_owned(), *bp))
                .collect(),
            cap_bp: policy.cap_bp,
        }
    }
}

impl AllowanceSettings {
    /// The policy for the domain; codes were checked when the settings loaded.
    #[must_use]
    pub fn policy(&self) -> hadir_domain::day::AllowancePolicy {
        hadir_domain::day::AllowancePolicy {
            per_code: self
                .cut_bp
                .iter()
                .filter_map(|(c, bp)| Some((c.parse().ok()?, *bp)))
                .collect(),
            cap_bp: self.cap_bp,
        }
    }
}

impl CheckInSettings {
    /// The time zone of employees without an office (validated when settings load).
    #[must_use]
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.default_timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Jakarta)
    }

    /// The flag thresholds for the domain.
    #[must_use]
    pub fn thresholds(&self) -> hadir_domain::checkin::Thresholds {
        hadir_domain::checkin::Thresholds {
            low_accuracy_m: self.low_accuracy_m,
            max_speed_kmh: self.max_speed_kmh,
            min_travel_m: self.min_travel_m,
            future_tolerance: chrono::TimeDelta::seconds(self.future_tolerance_s),
            offline_after: chrono::TimeDelta::seconds(self.offline_after_s),
            offline_window: chrono::TimeDelta::hours(self.offline_window_h),
            duplicate_max_distance: self.duplicate_max_distance,
            photo_max_age: chrono::TimeDelta::minutes(self.photo_max_age_minutes),
            photo_max_distance_m: self.photo_max_distance_m,
        }
    }

    /// The selfie pipeline's limits.
    #[must_use]
    pub fn pipeline(&self) -> crate::selfie::PipelineLimits {
        crate::selfie::PipelineLimits {
            max_side_px: self.max_side_px,
            max_pixels: self.max_pixels,
            stored_long_edge_px: self.stored_long_edge_px,
            thumbnail_long_edge_px: self.thumbnail_long_edge_px,
            jpeg_quality: 85,
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// The settings could not be loaded; each line names a variable and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings:\n{}", .0.join("\n"))]
pub struct SettingsError(pub Vec<String>);

/// The environment variable that sets `path` (`["server", "port"]` → `HADIR__SERVER__PORT`).
fn env_name(path: &[&str]) -> String {
    let mut name = String::from("HADIR");
    for part in path {
        name.push_str("__");
        name.push_str(&part.to_ascii_uppercase());
    }
    name
}

impl Settings {
    /// Loads from the process environment and, if present, the TOML file named by
    /// `HADIR_CONFIG` (default `./hadir.toml`).
    pub fn load() -> Result<Self, SettingsError> {
        let file =
            std::env::var_os("HADIR_CONFIG").map_or_else(|| "hadir.toml".into(), PathBuf::from);
        let mut figment = Figment::new().merge(Toml::file(&file));
        // The short form that DESIGN.md and many deployments use.
        if let Ok(url) = std::env::var("HADIR_DATABASE_URL") {
            figment = figment.merge(("database.url", url));
        }
        figment = figment.merge(
            Env::prefixed("HADIR__")
                .split("__")
                .map(|k| k.as_str().to_ascii_lowercase().into()),
        );
        let mut settings: Settings = figment.extract().map_err(|err| {
            SettingsError(
                err.into_iter()
                    .map(|e| {
                        let path: Vec<&str> = e.path.iter().map(String::as_str).collect();
                        let (name, key) = if path.is_empty() {
                            ("HADIR__…".to_owned(), String::from("?"))
                        } else {
                            (env_name(&path), path.join("."))
                        };
                        format!("  {name} ({key} in {}): {}", file.display(), e.kind)
                    })
                    .collect(),
            )
        })?;
        settings.admin_password = std::env::var("HADIR_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .map(SecretString::from);
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every value; all problems are reported at once.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, path: &[&str], message: &str| {
            if !ok {
                errors.push(format!("  {}: {message}", env_name(path)));
            }
        };
        let s = &self.server;
        check(
            !s.host.trim().is_empty(),
            &["server", "host"],
            "must not be empty",
        );
        check(
            s.workers <= 512,
            &["server", "workers"],
            "must be 0 (one per core) to 512",
        );
        check(
            (1024..=16 * 1024 * 1024).contains(&s.json_limit_bytes),
            &["server", "json_limit_bytes"],
            "must be 1024 to 16777216",
        );
        check(
            (1..=3600).contains(&s.body_timeout_s),
            &["server", "body_timeout_s"],
            "must be 1 to 3600 seconds",
        );
        check(
            (1..=s.body_timeout_s.max(1)).contains(&s.body_idle_timeout_s),
            &["server", "body_idle_timeout_s"],
            "must be 1 second to server.body_timeout_s",
        );

        let d = &self.database;
        if let Err(e) = DatabaseUrl::parse(d.url.expose_secret()) {
            check(false, &["database", "url"], &e.to_string());
        }
        check(
            (1..=256).contains(&d.pool_size()),
            &["database", "pool_size"],
            "must be 1 to 256",
        );
        check(
            d.acquire_timeout_ms > 0,
            &["database", "acquire_timeout_ms"],
            "must be positive",
        );
        check(
            d.busy_timeout_ms > 0,
            &["database", "busy_timeout_ms"],
            "must be positive",
        );
        check(
            d.statement_timeout_ms > 0,
            &["database", "statement_timeout_ms"],
            "must be positive",
        );
        check(
            d.connect_timeout_s > 0,
            &["database", "connect_timeout_s"],
            "must be positive",
        );

        let p = &self.photos;
        match p.backend {
            PhotoBackend::Folder => {
                check(
                    !p.folder.as_os_str().is_empty(),
                    &["photos", "folder"],
                    "must not be empty",
                );
            }
            PhotoBackend::S3 => {
                let endpoint_ok =
                    p.s3_endpoint.starts_with("http://") || p.s3_endpoint.starts_with("https://");
                check(
                    endpoint_ok,
                    &["photos", "s3_endpoint"],
                    "must be an http:// or https:// URL",
                );
                check(
                    !p.s3_region.is_empty(),
                    &["photos", "s3_region"],
                    "must not be empty",
                );
                check(
                    !p.s3_bucket.is_empty(),
                    &["photos", "s3_bucket"],
                    "must not be empty",
                );
                check(
                    !p.s3_access_key.is_empty(),
                    &["photos", "s3_access_key"],
                    "must not be empty",
                );
                check(
                    !p.s3_secret_key.expose_secret().is_empty(),
                    &["photos", "s3_secret_key"],
                    "must not be empty",
                );
            }
        }
        check(
            p.s3_timeout_s > 0,
            &["photos", "s3_timeout_s"],
            "must be positive",
        );
        check(
            (10..=3600).contains(&p.link_expiry_s),
            &["photos", "link_expiry_s"],
            "must be 10 to 3600 seconds (links are short-lived)",
        );

        let a = &self.auth;
        if let Some(secret) = &a.jwt_secret {
            check(
                secret.expose_secret().len() >= 32,
                &["auth", "jwt_secret"],
                "must be at least 32 bytes",
            );
        }
        check(
            !a.issuer.is_empty(),
            &["auth", "issuer"],
            "must not be empty",
        );
        check(
            !a.audience.is_empty(),
            &["auth", "audience"],
            "must not be empty",
        );
        check(
            (60..=86_400).contains(&a.access_ttl_s),
            &["auth", "access_ttl_s"],
            "must be 60 to 86400",
        );
        check(
            a.refresh_ttl_s >= a.access_ttl_s && a.refresh_ttl_s <= 366 * 86_400,
            &["auth", "refresh_ttl_s"],
            "must be at least the access token lifetime and at most 366 days",
        );
        check(
            a.leeway_s <= 30,
            &["auth", "leeway_s"],
            "must be at most 30 seconds",
        );
        check(
            a.argon2_memory_kib >= 19 * 1024,
            &["auth", "argon2_memory_kib"],
            "must be at least 19456",
        );
        check(
            a.argon2_iterations >= 2,
            &["auth", "argon2_iterations"],
            "must be at least 2",
        );
        check(
            (1..=16).contains(&a.argon2_parallelism),
            &["auth", "argon2_parallelism"],
            "must be 1 to 16",
        );
        check(
            a.hash_concurrency <= 64,
            &["auth", "hash_concurrency"],
            "must be 0 (one per core) to 64",
        );
        check(
            a.hash_queue_timeout_ms > 0,
            &["auth", "hash_queue_timeout_ms"],
            "must be positive",
        );
        check(
            (1..=1000).contains(&a.login_account_free_failures),
            &["auth", "login_account_free_failures"],
            "must be 1 to 1000",
        );
        check(
            (1..=100_000).contains(&a.login_address_free_failures),
            &["auth", "login_address_free_failures"],
            "must be 1 to 100000",
        );
        check(
            (1..=86_400).contains(&a.login_max_block_s),
            &["auth", "login_max_block_s"],
            "must be 1 to 86400 seconds",
        );
        check(
            (60..=30 * 86_400).contains(&a.login_forget_after_s),
            &["auth", "login_forget_after_s"],
            "must be 60 seconds to 30 days",
        );
        check(
            a.refresh_grace_s <= 60,
            &["auth", "refresh_grace_s"],
            "must be 0 to 60 seconds",
        );

        let ci = &self.check_ins;
        check(
            (64 * 1024..=64 * 1024 * 1024).contains(&ci.max_body_bytes),
            &["check_ins", "max_body_bytes"],
            "must be 65536 to 67108864",
        );
        check(
            (1..=100).contains(&ci.max_batch_items),
            &["check_ins", "max_batch_items"],
            "must be 1 to 100",
        );
        check(
            (160..=4096).contains(&ci.stored_long_edge_px),
            &["check_ins", "stored_long_edge_px"],
            "must be 160 to 4096",
        );
        check(
            (32..=512).contains(&ci.thumbnail_long_edge_px),
            &["check_ins", "thumbnail_long_edge_px"],
            "must be 32 to 512",
        );
        check(
            (256..=20_000).contains(&ci.max_side_px),
            &["check_ins", "max_side_px"],
            "must be 256 to 20000",
        );
        check(
            (65_536..=100_000_000).contains(&ci.max_pixels),
            &["check_ins", "max_pixels"],
            "must be 65536 to 100000000",
        );
        for (value, key) in [
            (ci.low_accuracy_m, "low_accuracy_m"),
            (ci.max_speed_kmh, "max_speed_kmh"),
            (ci.min_travel_m, "min_travel_m"),
        ] {
            check(
                value.is_finite() && value > 0.0,
                &["check_ins", key],
                "must be a positive number",
            );
        }
        check(
            (0..=3600).contains(&ci.future_tolerance_s),
            &["check_ins", "future_tolerance_s"],
            "must be 0 to 3600",
        );
        check(
            (0..=86_400).contains(&ci.offline_after_s),
            &["check_ins", "offline_after_s"],
            "must be 0 to 86400",
        );
        check(
            (1..=168).contains(&ci.offline_window_h),
            &["check_ins", "offline_window_h"],
            "must be 1 to 168 hours",
        );
        check(
            ci.duplicate_max_distance <= 32,
            &["check_ins", "duplicate_max_distance"],
            "must be 0 to 32",
        );
        check(
            (1..=366).contains(&ci.duplicate_lookback_days),
            &["check_ins", "duplicate_lookback_days"],
            "must be 1 to 366",
        );
        check(
            ci.default_timezone.parse::<chrono_tz::Tz>().is_ok(),
            &["check_ins", "default_timezone"],
            "must be an IANA time zone such as Asia/Jakarta",
        );
        check(
            ci.sweep_grace_s >= 60,
            &["check_ins", "sweep_grace_s"],
            "must be at least 60 seconds",
        );
        check(
            (1..=10_080).contains(&ci.photo_max_age_minutes),
            &["check_ins", "photo_max_age_minutes"],
            "must be 1 to 10080 minutes",
        );
        check(
            ci.photo_max_distance_m.is_finite() && ci.photo_max_distance_m >= 50.0,
            &["check_ins", "photo_max_distance_m"],
            "must be at least 50 metres",
        );
        check(
            self.metrics
                .scrape_token
                .as_ref()
                .is_none_or(|t| t.expose_secret().len() >= 32),
            &["metrics", "scrape_token"],
            "must be at least 32 characters",
        );
        let fs = &self.faces;
        check(
            fs.face_score.is_finite() && (0.5..=0.99).contains(&fs.face_score),
            &["faces", "face_score"],
            "must be 0.5 to 0.99",
        );
        check(
            fs.match_distance.is_finite() && (0.2..=1.2).contains(&fs.match_distance),
            &["faces", "match_distance"],
            "must be 0.2 to 1.2",
        );
        check(
            fs.copy_score.is_finite() && (0.1..=0.99).contains(&fs.copy_score),
            &["faces", "copy_score"],
            "must be 0.1 to 0.99",
        );
        check(
            (1..=64).contains(&fs.copy_candidates),
            &["faces", "copy_candidates"],
            "must be 1 to 64",
        );
        check(
            fs.copy_max_distance <= 24,
            &["faces", "copy_max_distance"],
            "must be 0 to 24",
        );
        check(
            (100..=600_000).contains(&fs.poll_interval_ms),
            &["faces", "poll_interval_ms"],
            "must be 100 to 600000 milliseconds",
        );
        check(
            (1..=86_400).contains(&fs.lease_s),
            &["faces", "lease_s"],
            "must be 1 to 86400 seconds",
        );
        check(
            (1..=50).contains(&fs.max_attempts),
            &["faces", "max_attempts"],
            "must be 1 to 50",
        );
        check(
            (1..=3600).contains(&fs.retry_base_s),
            &["faces", "retry_base_s"],
            "must be 1 to 3600 seconds",
        );
        check(
            fs.peak_yield_ms <= 60_000,
            &["faces", "peak_yield_ms"],
            "must be 0 to 60000 milliseconds",
        );
        check(
            (1..=3650).contains(&ci.selfie_retention_days),
            &["check_ins", "selfie_retention_days"],
            "must be 1 to 3650 days",
        );
        check(
            ci.large_image_pixels >= 100_000,
            &["check_ins", "large_image_pixels"],
            "must be at least 100000",
        );
        check(
            ci.image_queue_timeout_ms > 0 && ci.large_image_queue_timeout_ms > 0,
            &["check_ins", "image_queue_timeout_ms"],
            "the image queue timeouts must be positive",
        );
        check(
            (1..=100).contains(&ci.max_uploads_per_account),
            &["check_ins", "max_uploads_per_account"],
            "must be 1 to 100",
        );
        check(
            (1..=100_000).contains(&ci.max_uploads_in_flight),
            &["check_ins", "max_uploads_in_flight"],
            "must be 1 to 100000",
        );
        let co = &self.console;
        check(
            (60..=86_400).contains(&co.idle_timeout_s),
            &["console", "idle_timeout_s"],
            "must be 60 to 86400 seconds",
        );
        check(
            (co.idle_timeout_s..=30 * 86_400).contains(&co.absolute_timeout_s),
            &["console", "absolute_timeout_s"],
            "must be console.idle_timeout_s to 30 days",
        );
        let at = &self.attendance;
        check(
            at.correction_close_days <= 27,
            &["attendance", "correction_close_days"],
            "must be 0 to 27 days",
        );
        check(
            at.creator_conflict_days <= 3650,
            &["attendance", "creator_conflict_days"],
            "must be 0 to 3650 days",
        );
        check(
            (1024..=50 * 1024 * 1024).contains(&at.max_attachment_bytes),
            &["attendance", "max_attachment_bytes"],
            "must be 1 KiB to 50 MiB",
        );
        let al = &self.allowance;
        check(
            al.cut_bp
                .keys()
                .all(|c| c.parse::<hadir_domain::day::Code>().is_ok()),
            &["allowance", "cut_bp"],
            "keys must be day codes: H, TL1-TL4, PSW1-PSW4, TK, WFH, DL, C, S, I, L",
        );
        check(
            al.cut_bp.values().all(|bp| *bp <= 10_000) && al.cap_bp <= 10_000,
            &["allowance", "cap_bp"],
            "cuts are basis points from 0 to 10000 (100%)",
        );
        let pl = &self.plans;
        check(
            pl.office_echelons
                .iter()
                .all(|e| e.parse::<hadir_domain::org::Echelon>().is_ok()),
            &["plans", "office_echelons"],
            "must list echelons among II, III, IV and staff",
        );
        check(
            pl.default_wfh_quota_percent <= 100,
            &["plans", "default_wfh_quota_percent"],
            "must be a percentage from 0 to 100",
        );
        check(
            (1..=366).contains(&pl.max_roster_days),
            &["plans", "max_roster_days"],
            "must be 1 to 366 days",
        );

        check(
            tracing_subscriber::EnvFilter::try_new(&self.log.level).is_ok(),
            &["log", "level"],
            "must be a tracing filter such as info or hadir_api=debug,info",
        );

        if errors.is_empty() {
            Ok(())
        } else {
            Err(SettingsError(errors))
        }
    }

    /// The parsed database URL (valid after `validate`).
    pub fn database_url(&self) -> Result<DatabaseUrl, SettingsError> {
        DatabaseUrl::parse(self.database.url.expose_secret())
            .map_err(|e| SettingsError(vec![format!("  HADIR__DATABASE__URL: {e}")]))
    }

    /// One worker per core unless set.
    #[must_use]
    pub fn workers(&self) -> usize {
        if self.server.workers == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            self.server.workers
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_embedded() {
        let s = Settings::default();
        assert!(s.validate().is_ok());
        assert_eq!(
            s.database.url.expose_secret(),
            "sqlite://./data/hadir.sqlite3"
        );
        assert_eq!(s.photos.folder, PathBuf::from("./data/photos"));
        assert_eq!((s.server.host.as_str(), s.server.port), ("127.0.0.1", 8080));
    }

    #[test]
    fn every_bad_value_is_reported_with_its_variable() {
        let mut s = Settings::default();
        s.database.url = SecretString::from("mysql://root:pw@db/x");
        s.auth.leeway_s = 120;
        s.auth.argon2_memory_kib = 4096;
        s.photos.backend = PhotoBackend::S3;
        let err = s.validate().unwrap_err().to_string();
        for name in [
            "HADIR__DATABASE__URL",
            "HADIR__AUTH__LEEWAY_S",
            "HADIR__AUTH__ARGON2_MEMORY_KIB",
            "HADIR__PHOTOS__S3_ENDPOINT",
            "HADIR__PHOTOS__S3_BUCKET",
        ] {
            assert!(err.contains(name), "{name} missing in {err}");
        }
        assert!(!err.contains("pw@"), "the URL's password leaked: {err}");
    }

    #[test]
    fn the_reuse_checks_settings_out_of_range_are_each_reported() {
        let mut s = Settings::default();
        s.faces.copy_score = 1.5;
        s.faces.copy_candidates = 0;
        s.faces.copy_max_distance = 25;
        let err = s.validate().unwrap_err().to_string();
        for name in [
            "HADIR__FACES__COPY_SCORE",
            "HADIR__FACES__COPY_CANDIDATES",
            "HADIR__FACES__COPY_MAX_DISTANCE",
        ] {
            assert!(err.contains(name), "{name} missing in {err}");
        }
        s.faces.copy_score = f32::NAN;
        s.faces.copy_candidates = 65;
        s.faces.copy_max_distance = 24;
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("HADIR__FACES__COPY_SCORE"), "{err}");
        assert!(err.contains("HADIR__FACES__COPY_CANDIDATES"), "{err}");
        assert!(!err.contains("HADIR__FACES__COPY_MAX_DISTANCE"), "{err}");
    }

    #[test]
    fn the_pool_is_two_connections_on_sqlite_and_eight_on_postgresql_unless_set() {
        let mut d = DatabaseSettings::default();
        assert_eq!(d.pool_size(), 2);
        d.url = SecretString::from("postgres://hadir@127.0.0.1/hadir");
        assert_eq!(d.pool_size(), 8);
        d.pool_size = Some(3);
        assert_eq!(d.options().pool_size, 3);
        for bad in [0, 257] {
            let mut s = Settings::default();
            s.database.pool_size = Some(bad);
            let err = s.validate().unwrap_err().to_string();
            assert!(err.contains("HADIR__DATABASE__POOL_SIZE"), "{bad}: {err}");
        }
    }
}
