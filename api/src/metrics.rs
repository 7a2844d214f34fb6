//! Metrics in the Prometheus (OpenMetrics) text format at `GET /metrics`, for an admin's token
//! or the configured scrape token. The series, and what to alert on, are listed in
//! docs/OPERATIONS.md.
//!
//! Counters and histograms are updated where things happen (the request middleware, the
//! check-in pipeline, logins, the photo store, the pool, the sweeper, the face worker); the
//! gauges that describe the database (the review backlog, face jobs waiting) are read when
//! the metrics are scraped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hadir_domain::photo::{PhotoKey, PhotoStore, PhotoStoreError, StoredObject};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route's pattern (`/api/v1/check-ins/{id}`), never the raw path: ids would make a
    /// series per record.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabels {
    /// `decode` (the selfie pipeline), `store` (the photo objects), `database` (the row's
    /// transaction).
    pub stage: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreLabels {
    pub op: &'static str,
    /// `ok`, `not_found` or `error`.
    pub outcome: &'static str,
}

/// Every series the server keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub check_in_stage: Family<StageLabels, Histogram, fn() -> Histogram>,
    pub flags: Family<CodeLabels, Counter>,
    pub logins: Family<OutcomeLabels, Counter>,
    pub photo_store: Family<StoreLabels, Histogram, fn() -> Histogram>,
    pub db_acquire: Histogram,
    pub db_acquire_failures: Counter,
    pub sweep: Family<OutcomeLabels, Counter>,
    pub face_jobs: Family<OutcomeLabels, Counter>,
    pub review_backlog: Gauge,
    pub face_jobs_pending: Gauge,
    pub face_jobs_failed: Gauge,
    pub db_connections: Gauge,
    pub db_idle: Gauge,
}

fn latency() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("hadir");
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency),
            check_in_stage: Family::new_with_constructor(latency),
            flags: Family::default(),
            logins: Family::default(),
            photo_store: Family::new_with_constructor(latency),
            db_acquire: Histogram::new(exponential_buckets(0.000_1, 2.0, 16)),
            db_acquire_failures: Counter::default(),
            sweep: Family::default(),
            face_jobs: Family::default(),
            review_backlog: Gauge::default(),
            face_jobs_pending: Gauge::default(),
            face_jobs_failed: Gauge::default(),
            db_connections: Gauge::default(),
            db_idle: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "Requests answered, by method, route and status",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by method and route",
            m.http_duration.clone(),
        );
        registry.register(
            "check_in_stage_duration_seconds",
            "Time of each stage of a new check-in: decode (the selfie pipeline), store (the photo objects), database (the row)",
            m.check_in_stage.clone(),
        );
        registry.register(
            "flags_raised",
            "Flags raised on check-ins, by code (at the answer and by the face job)",
            m.flags.clone(),
        );
        registry.register(
            "logins",
            "Login attempts by outcome: ok, failed, throttled, error",
            m.logins.clone(),
        );
        registry.register(
            "photo_store_duration_seconds",
            "Photo store calls by operation and outcome",
            m.photo_store.clone(),
        );
        registry.register(
            "db_pool_wait_seconds",
            "Time a request waited for a database connection",
            m.db_acquire.clone(),
        );
        registry.register(
            "db_pool_timeouts",
            "Waits for a database connection that ended without one",
            m.db_acquire_failures.clone(),
        );
        registry.register(
            "sweep_objects",
            "What the sweeper did: examined, deleted, reduced (retention)",
            m.sweep.clone(),
        );
        registry.register(
            "face_jobs_run",
            "Face jobs run, by outcome: done, retrying, failed",
            m.face_jobs.clone(),
        );
        registry.register(
            "review_backlog",
            "Check-ins waiting for review (status flagged)",
            m.review_backlog.clone(),
        );
        registry.register(
            "face_jobs_pending",
            "Face jobs waiting or running",
            m.face_jobs_pending.clone(),
        );
        registry.register(
            "face_jobs_failed",
            "Face jobs that failed for good (their check-ins say so)",
            m.face_jobs_failed.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections of this instance",
            m.db_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections of this instance",
            m.db_idle.clone(),
        );
        Self { registry, ..m }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    /// Counts a request answered with `status` by `route` (its pattern) in `elapsed`.
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Times a stage of the check-in pipeline.
    pub fn stage(&self, stage: &'static str, started: Instant) {
        self.check_in_stage
            .get_or_create(&StageLabels { stage })
            .observe(started.elapsed().as_secs_f64());
    }

    pub fn flag(&self, code: &'static str) {
        self.flags.get_or_create(&CodeLabels { code }).inc();
    }

    pub fn login(&self, outcome: &'static str) {
        self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A photo store that times every call into the metrics.
#[derive(Debug)]
pub struct MeteredStore {
    inner: Arc<dyn PhotoStore>,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    #[must_use]
    pub fn new(inner: Arc<dyn PhotoStore>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    fn record<T>(&self, op: &'static str, started: Instant, result: &Result<T, PhotoStoreError>) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(PhotoStoreError::NotFound(_)) => "not_found",
            Err(PhotoStoreError::Unavailable(_)) => "error",
        };
        self.metrics
            .photo_store
            .get_or_create(&StoreLabels { op, outcome })
            .observe(started.elapsed().as_secs_f64());
    }
}

#[async_trait]
impl PhotoStore for MeteredStore {
    async fn put(
        &self,
        key: &PhotoKey,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        let started = Instant::now();
        let result = self.inner.put(key, bytes, content_type).await;
        self.record("put", started, &result);
        result
    }

    async fn put_all(
        &self,
        objects: Vec<(PhotoKey, Vec<u8>)>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        // Timed as one `put`: the objects are written together.
        let started = Instant::now();
        let result = self.inner.put_all(objects, content_type).await;
        self.record("put", started, &result);
        result
    }

    async fn get(&self, key: &PhotoKey) -> Result<Vec<u8>, PhotoStoreError> {
        let started = Instant::now();
        let result = self.inner.get(key).await;
        self.record("get", started, &result);
        result
    }

    async fn delete(&self, key: &PhotoKey) -> Result<(), PhotoStoreError> {
        let started = Instant::now();
        let result = self.inner.delete(key).await;
        self.record("delete", started, &result);
        result
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, PhotoStoreError> {
        let started = Instant::now();
        let result = self.inner.list(prefix).await;
        self.record("list", started, &result);
        result
    }

    async fn presigned_get(
        &self,
        key: &PhotoKey,
        expiry: Duration,
    ) -> Result<Option<String>, PhotoStoreError> {
        self.inner.presigned_get(key, expiry).await
    }

    async fn check(&self) -> Result<(), PhotoStoreError> {
        let started = Instant::now();
        let result = self.inner.check().await;
        self.record("check", started, &result);
        result
    }
}
