//! What every handler shares: the database, the photo store, the token and password services.

use std::sync::Arc;
use std::time::Duration;

use hadir_domain::PhotoStore;
use hadir_storage::Database;

use crate::auth::{PasswordService, TokenService};
use crate::photo_links::PhotoLinks;
use crate::selfie::CpuPool;
use crate::settings::{AttendanceSettings, CheckInSettings, PlanSettings};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Database,
    pub photos: Arc<dyn PhotoStore>,
    pub tokens: TokenService,
    pub passwords: PasswordService,
    /// The largest JSON body accepted.
    pub json_limit: usize,
    /// How long a photo link stays valid.
    pub link_expiry: Duration,
    /// Check-in limits and flag thresholds.
    pub check_in: Arc<CheckInSettings>,
    /// Counters, histograms and gauges for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The token Prometheus may scrape `/metrics` with (besides an admin's).
    pub metrics_token: Option<secrecy::SecretString>,
    /// Face evidence: the worker and its thresholds.
    pub faces: Arc<crate::settings::FaceSettings>,
    /// Wakes the face worker when a check-in queued a job.
    pub face_wake: Arc<tokio::sync::Notify>,
    /// The rules rosters and assignments are checked against.
    pub plans: Arc<PlanSettings>,
    /// The web console.
    pub console: Arc<crate::settings::ConsoleSettings>,
    /// Corrections, manual entries and reports.
    pub attendance: Arc<AttendanceSettings>,
    /// The allowance cut per day code.
    pub allowance: hadir_domain::day::AllowancePolicy,
    /// Where image work runs: bounded, off the async workers.
    pub cpu: CpuPool,
    /// Signed links to photos where the store cannot presign (the folder store).
    pub photo_links: PhotoLinks,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// Failed logins per account name and client address.
    pub login_throttle: crate::app::throttle::LoginThrottle,
    /// Check-in uploads in flight, per account and in all.
    pub uploads: crate::load::UploadGate,
    /// How long a request body may take.
    pub body_deadline: crate::load::BodyDeadline,
    /// Seconds after its spending during which a refresh token presented again gets a pair of
    /// its own instead of ending the session (the same phone sending twice).
    pub refresh_grace_s: i64,
}

impl AppState {
    /// The rules a month of attendance is computed with.
    #[must_use]
    pub fn month_rules(&self) -> crate::month::MonthRules {
        crate::month::MonthRules {
            now: Some(chrono::Utc::now()),
            default_tz: self.check_in.time_zone(),
            wfh_requires_report: self.attendance.wfh_requires_report,
            policy: self.allowance.clone(),
        }
    }
}
