//! Face evidence, off the request path. A check-in is stored and answered as before, with a
//! face job written in its own transaction; the worker claims due jobs (several instances on
//! one PostgreSQL share them, `FOR UPDATE SKIP LOCKED`), runs the face models on the CPU pool,
//! and writes what it found on the check-in: the faces' scores, the distance to the enrolled
//! reference, and the flags (`no_face`, `several_faces`, `face_mismatch`) with their score and
//! threshold. A flag that arrives after the answer moves an accepted check-in to `flagged`,
//! audited; a decided one keeps its decision.
//!
//! A job that fails (photo store or database down, an unreadable photo) is retried with a
//! growing wait; after the last attempt it is left `failed`, recorded on the check-in and in
//! the audit log, and logged as an error: never dropped. A worker that dies holding jobs lets
//! them fall due again when its lease ends.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::TimeDelta;
use hadir_domain::PhotoKey;
use hadir_domain::checkin::PerceptualHash;
use hadir_domain::checkin::{self, Flag, FlagCode, Status};
use hadir_domain::face::{CopyFound, copy_flag};
use hadir_domain::face::{FaceFinding, FaceThresholds, face_flags, late_status};
use hadir_face::copy::{self, Picture};
use hadir_face::{Detection, Embedding, FaceModels};
use hadir_storage::repo::check_ins;
use hadir_storage::repo::faces;
use hadir_storage::{DbConnection, StorageError, now_utc};
use image::RgbImage;
use serde_json::json;

use crate::audit::{self, Entry};
use crate::settings::FaceSettings;
use crate::state::AppState;

/// The models, loaded once per process (they are immutable and shared by every worker).
static MODELS: OnceLock<Result<Arc<FaceModels>, String>> = OnceLock::new();

/// The face models, loaded on first use off the async workers.
pub async fn models() -> Result<Arc<FaceModels>, String> {
    if let Some(loaded) = MODELS.get() {
        return loaded.clone();
    }
    let loaded =
        tokio::task::spawn_blocking(|| FaceModels::load().map(Arc::new).map_err(|e| e.to_string()))
            .await
            .map_err(|e| format!("loading the face models failed: {e}"))?;
    MODELS.get_or_init(|| loaded).clone()
}

/// The face flag codes: a job run again replaces them instead of adding them twice.
const FACE_CODES: [FlagCode; 4] = [
    FlagCode::NoFace,
    FlagCode::SeveralFaces,
    FlagCode::FaceMismatch,
    FlagCode::DuplicateSelfie,
];

/// What the models saw in one photo.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Candidates scoring at least 0.5, best first.
    pub detections: Vec<Detection>,
    /// The embedding of the face, when there is exactly one at or above the threshold.
    pub embedding: Option<Embedding>,
}

impl Analysis {
    /// The faces: candidates at or above `face_score`.
    #[must_use]
    pub fn faces(&self, face_score: f32) -> usize {
        self.detections
            .iter()
            .filter(|d| d.score >= face_score)
            .count()
    }
}

/// Detects the faces in `photo` (any format `image` reads; stored selfies are upright JPEGs)
/// and embeds the face when there is exactly one. CPU-bound: run it on the CPU pool.
pub fn analyse(models: &FaceModels, photo: &[u8], face_score: f32) -> Result<Analysis, String> {
    let img = decode(photo)?.to_rgb8();
    analyse_image(models, &img, face_score)
}

fn decode(photo: &[u8]) -> Result<image::DynamicImage, String> {
    image::load_from_memory(photo).map_err(|e| format!("the photo cannot be decoded: {e}"))
}

/// `analyse` of a decoded photo.
fn analyse_image(models: &FaceModels, img: &RgbImage, face_score: f32) -> Result<Analysis, String> {
    let detections = models.detect(img).map_err(|e| e.to_string())?;
    let mut faces = detections.iter().filter(|d| d.score >= face_score);
    let embedding = match (faces.next(), faces.next()) {
        (Some(face), None) => Some(models.embed(img, face).map_err(|e| e.to_string())?),
        _ => None,
    };
    Ok(Analysis {
        detections,
        embedding,
    })
}

/// The thresholds of the settings, for the domain.
#[must_use]
pub fn thresholds(settings: &FaceSettings) -> FaceThresholds {
    FaceThresholds {
        face_score: settings.face_score,
        match_distance: settings.match_distance,
    }
}

/// The evidence of a check-in as the API shows it: what its job found, or that it waits.
#[must_use]
pub fn evidence_of(job: &faces::FaceJobRow) -> serde_json::Value {
    job.evidence
        .as_deref()
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_else(pending)
}

/// The evidence of a check-in whose job waits.
#[must_use]
pub fn pending() -> serde_json::Value {
    json!({ "state": "pending" })
}

fn round2(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

/// The evidence recorded on a check-in: every candidate with its score and box, the
/// thresholds, and the match against the reference (or that there is none).
fn evidence_json(
    analysis: &Analysis,
    distance: Option<f32>,
    enrolled: bool,
    t: FaceThresholds,
) -> serde_json::Value {
    let faces: Vec<_> = analysis
        .detections
        .iter()
        .map(|d| {
            json!({
                "score": round2(d.score),
                "box": d.bbox.map(f32::round),
            })
        })
        .collect();
    let matched = match (enrolled, distance) {
        (false, _) => json!({ "reference": "none", "threshold": round2(t.match_distance) }),
        (true, None) => json!({
            "reference": "enrolled",
            "distance": null,
            "threshold": round2(t.match_distance),
            "same_person": null,
        }),
        (true, Some(d)) => json!({
            "reference": "enrolled",
            "distance": round2(d),
            "threshold": round2(t.match_distance),
            "same_person": d < t.match_distance,
        }),
    };
    json!({
        "state": "done",
        "checked_at": now_utc().and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "face_threshold": round2(t.face_score),
        "faces": faces,
        "match": matched,
    })
}

/// The outcome of one job.
#[derive(Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    Retrying,
    Failed,
}

/// Claims and runs due jobs until none is due; answers how many ran (any outcome).
pub async fn drain(state: &AppState, worker: &str) -> Result<usize, String> {
    let mut ran = 0;
    loop {
        let claimed = claim(state, worker, 8).await?;
        if claimed.is_empty() {
            return Ok(ran);
        }
        for id in claimed {
            run_job(state, &id).await;
            ran += 1;
        }
    }
}

async fn claim(state: &AppState, worker: &str, limit: i64) -> Result<Vec<String>, String> {
    let lease = TimeDelta::seconds(i64::try_from(state.faces.lease_s).unwrap_or(300));
    let worker = worker.to_owned();
    state
        .db
        .transaction(move |conn| {
            let now = now_utc();
            faces::claim(conn, &worker, now, now + lease, limit)
        })
        .await
        .map_err(|e| e.to_string())
}

/// Runs one claimed job to its outcome and records it.
pub async fn run_job(state: &AppState, check_in_id: &str) -> JobOutcome {
    let id = check_in_id.to_owned();
    let job = match state.db.run(move |conn| faces::find_job(conn, &id)).await {
        Ok(job) => job,
        Err(e) => {
            tracing::warn!(check_in = check_in_id, error = %e, "face job: cannot read the job");
            return JobOutcome::Retrying;
        }
    };
    let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
    let result: Result<Vec<&'static str>, String> = if attempts > state.faces.max_attempts {
        Err(format!(
            "gave up after {} attempts (the last one did not finish: {})",
            state.faces.max_attempts,
            job.last_error.as_deref().unwrap_or("the worker stopped")
        ))
    } else {
        examine(state, check_in_id).await
    };
    let outcome = match result {
        Ok(added) => {
            for code in added {
                state.metrics.flag(code);
            }
            JobOutcome::Done
        }
        Err(error) => record_failure(state, check_in_id, attempts, &error).await,
    };
    state
        .metrics
        .face_jobs
        .get_or_create(&crate::metrics::OutcomeLabels {
            outcome: match outcome {
                JobOutcome::Done => "done",
                JobOutcome::Retrying => "retrying",
                JobOutcome::Failed => "failed",
            },
        })
        .inc();
    outcome
}

/// Looks at the check-in's selfie and records what was found: the codes of the flags it added.
async fn examine(state: &AppState, check_in_id: &str) -> Result<Vec<&'static str>, String> {
    let id = check_in_id.to_owned();
    let (row, reference) = state
        .db
        .run(move |conn| {
            let row = check_ins::find(conn, &id)?;
            let reference = faces::find_reference(conn, &row.employee_id)?;
            Ok::<_, StorageError>((row, reference))
        })
        .await
        .map_err(|e| format!("database: {e}"))?;
    let key = PhotoKey::new(row.photo_key.clone()).map_err(|e| e.to_string())?;
    let photo = state
        .photos
        .get(&key)
        .await
        .map_err(|e| format!("photo store: {e}"))?;
    let models = models().await?;
    let face_score = state.faces.face_score;
    let thumbnail_edge = state.check_in.pipeline().thumbnail_long_edge_px;
    let (analysis, picture, hashes) = state
        .cpu
        .run(move || {
            let img = decode(&photo)?;
            let hashes = crate::selfie::reuse_hashes(&img, thumbnail_edge);
            let rgb = img.to_rgb8();
            let picture = Picture::new(&rgb);
            Ok::<_, String>((analyse_image(&models, &rgb, face_score)?, picture, hashes))
        })
        .await??;
    let (copy, reuse) = find_copy(state, &row, picture, hashes).await?;
    let reference_embedding = reference
        .as_ref()
        .and_then(|r| hex::decode(&r.embedding).ok())
        .and_then(|b| Embedding::from_bytes(&b));
    let distance = match (&analysis.embedding, &reference_embedding) {
        (Some(a), Some(b)) => Some(hadir_face::distance(a, b)),
        _ => None,
    };
    let t = thresholds(&state.faces);
    let finding = FaceFinding {
        scores: analysis.detections.iter().map(|d| d.score).collect(),
        distance,
    };
    let mut added = face_flags(&finding, &t);
    added.extend(copy.as_ref().map(copy_flag));
    let codes: Vec<&'static str> = added.iter().map(|f| f.code.as_str()).collect();
    let mut evidence = evidence_json(&analysis, distance, reference_embedding.is_some(), t);
    evidence["reuse"] = reuse;
    let id = check_in_id.to_owned();
    state
        .db
        .transaction(move |conn| record_finding(conn, &id, &evidence, &added))
        .await
        .map_err(|e| format!("database: {e}"))?;
    Ok(codes)
}

/// The reuse check's second stage: the nearest earlier selfies by hash (the employee's own
/// within the look-back, colleagues' at the same place that day), nearest first and at most
/// `faces.copy_candidates`, each registered onto and compared with this one pixel by pixel
/// (`hadir_face::copy`). `hashes` are this selfie's [`crate::selfie::reuse_hashes`]: every one
/// is measured against the selfies read whole (one's own, a day of up to `SCAN_UP_TO`), up to
/// `faces.copy_max_distance` bits; the selfie's own and its mirror image's are looked up in a
/// larger day's band index, up to `check_ins.duplicate_max_distance`. The first
/// copy found is the `duplicate_selfie`; the evidence says how many were near and compared,
/// and the best score.
async fn find_copy(
    state: &AppState,
    row: &check_ins::CheckInRow,
    picture: Picture,
    mut hashes: Vec<PerceptualHash>,
) -> Result<(Option<CopyFound>, serde_json::Value), String> {
    // The hash stored at the answer leads (the one made again from the stored JPEG may differ
    // by a bit).
    hashes.insert(
        0,
        PerceptualHash::from_hex(&row.photo_phash).map_err(|e| e.to_string())?,
    );
    let distances = (
        state.faces.copy_max_distance,
        state.check_in.duplicate_max_distance,
    );
    let since = row.received_at - TimeDelta::days(state.check_in.duplicate_lookback_days);
    let of = row.clone();
    let mut near = state
        .db
        .run(move |conn| {
            // The selfie's own hash and its mirror image's are looked up in a large day's index.
            let indexed = &hashes[..3.min(hashes.len())];
            crate::app::check_ins::earlier_selfies(conn, &of, since, (&hashes, indexed), distances)
        })
        .await
        .map_err(|e| format!("database: {e}"))?;
    let found_near = near.len();
    near.truncate(state.faces.copy_candidates);
    let threshold = state.faces.copy_score;
    let picture = Arc::new(picture);
    let mut compared = 0usize;
    let mut best: Option<(f32, String)> = None;
    let mut copy = None;
    for candidate in near {
        let earlier = &candidate.selfie;
        let key = PhotoKey::new(earlier.photo_key.clone()).map_err(|e| e.to_string())?;
        let bytes = match state.photos.get(&key).await {
            Ok(bytes) => bytes,
            // Retention removed it: nothing to compare.
            Err(hadir_domain::PhotoStoreError::NotFound(_)) => continue,
            Err(e) => return Err(format!("photo store: {e}")),
        };
        let later = Arc::clone(&picture);
        let found = state
            .cpu
            .run(move || {
                let img = decode(&bytes)?.to_rgb8();
                Ok::<_, String>(copy::compare(&Picture::new(&img), &later))
            })
            .await??;
        compared += 1;
        if best.as_ref().is_none_or(|(s, _)| found.score > *s) {
            best = Some((found.score, earlier.check_in_id.clone()));
        }
        if found.is_copy(threshold) {
            copy = Some(CopyFound {
                of: candidate.duplicate_of(),
                score: found.score,
                threshold,
                mirrored: found.mirrored,
            });
            break;
        }
    }
    let reuse = json!({
        "near_by_hash": found_near,
        "compared": compared,
        "threshold": round2(threshold),
        "best": best.map(|(score, id)| json!({ "score": round2(score), "check_in_id": id })),
        "copy": copy.is_some(),
    });
    Ok((copy, reuse))
}

/// Writes the evidence and flags on the check-in, completes the job, and audits a change of
/// status: all in one transaction, so a crash leaves the job to run again.
fn record_finding(
    conn: &mut DbConnection,
    check_in_id: &str,
    evidence: &serde_json::Value,
    added: &[Flag],
) -> Result<(), StorageError> {
    let row = check_ins::find(conn, check_in_id)?;
    let mut flags: Vec<Flag> = serde_json::from_str(&row.flags_json)
        .map_err(|e| StorageError::Other(format!("check-in {check_in_id}: flags: {e}")))?;
    let before_codes: Vec<FlagCode> = flags.iter().map(|f| f.code).collect();
    flags.retain(|f| !FACE_CODES.contains(&f.code));
    flags.extend(added.iter().cloned());
    let current: Status = row
        .status
        .parse()
        .map_err(|e| StorageError::Other(format!("check-in {check_in_id}: {e}")))?;
    let status = late_status(current, added);
    let beyond = match (row.distance_m, row.place_radius_m) {
        (Some(d), Some(r)) => Some(d - r),
        _ => None,
    };
    let risk = i32::try_from(checkin::risk(&flags, beyond)).unwrap_or(100);
    let flags_json =
        serde_json::to_string(&flags).map_err(|e| StorageError::Other(e.to_string()))?;
    let new_codes: Vec<&str> = added
        .iter()
        .filter(|f| !before_codes.contains(&f.code))
        .map(|f| f.code.as_str())
        .collect();
    faces::record_on_check_in(
        conn,
        check_in_id,
        (&flags_json, status.as_str(), risk),
        &new_codes,
    )?;
    faces::complete(conn, check_in_id, &evidence.to_string(), now_utc())?;
    if status != current {
        audit::record(
            conn,
            &Entry {
                actor: None,
                action: "check_in.flagged",
                entity: "check_in",
                entity_id: check_in_id,
                before: Some(&json!({ "status": current.as_str() })),
                after: Some(&json!({
                    "status": status.as_str(),
                    "flags": added,
                    "by": "face evidence",
                })),
                request: None,
                subjects: std::slice::from_ref(&row.employee_id),
            },
        )?;
    }
    Ok(())
}

/// Records a failed attempt: retried after a growing wait, or failed for good (on the
/// check-in, in the audit log and in the log) after the last attempt.
async fn record_failure(
    state: &AppState,
    check_in_id: &str,
    attempts: u32,
    error: &str,
) -> JobOutcome {
    let last = attempts >= state.faces.max_attempts;
    let wait = state
        .faces
        .retry_base_s
        .saturating_mul(1 << attempts.saturating_sub(1).min(10))
        .min(3600);
    let (id, error_owned) = (check_in_id.to_owned(), error.to_owned());
    let recorded = state
        .db
        .transaction(move |conn| {
            if last {
                let failed = json!({
                    "state": "failed",
                    "attempts": attempts,
                    "error": error_owned,
                });
                faces::fail(conn, &id, &error_owned, None, Some(&failed.to_string()))?;
                let employee = check_ins::find(conn, &id)?.employee_id;
                audit::record(
                    conn,
                    &Entry::<(), _> {
                        actor: None,
                        action: "face_job.failed",
                        entity: "check_in",
                        entity_id: &id,
                        before: None,
                        after: Some(&failed),
                        request: None,
                        subjects: std::slice::from_ref(&employee),
                    },
                )
            } else {
                let at = now_utc() + TimeDelta::seconds(i64::try_from(wait).unwrap_or(3600));
                faces::fail(conn, &id, &error_owned, Some(at), None)
            }
        })
        .await;
    if let Err(e) = recorded {
        // The lease runs out and the job falls due again: nothing is lost.
        tracing::warn!(check_in = check_in_id, error = %e, "face job: cannot record a failure");
        return JobOutcome::Retrying;
    }
    if last {
        tracing::error!(
            check_in = check_in_id,
            attempts,
            error,
            "face job failed for good; the check-in shows it for review"
        );
        JobOutcome::Failed
    } else {
        tracing::warn!(
            check_in = check_in_id,
            attempts,
            error,
            retry_in_s = wait,
            "face job failed; will retry"
        );
        JobOutcome::Retrying
    }
}

/// Runs the worker until the process ends: drains due jobs, then waits for a new check-in or
/// the poll interval. While check-in uploads are in flight it takes one job at a time and
/// waits a little before each (up to `peak_yield_ms`), so the morning peak keeps its cores and
/// the evidence catches up after, several jobs at once.
pub fn spawn(state: AppState) {
    let worker = format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple());
    tokio::spawn(async move {
        // Loaded at start-up, not in the middle of the first morning peak.
        if let Err(e) = models().await {
            tracing::error!(error = %e, "the face models did not load; face jobs will fail");
        }
        let poll = Duration::from_millis(state.faces.poll_interval_ms);
        // Outside a peak, a few jobs at once: one's photo downloads while another's faces are
        // looked for (the CPU pool still bounds the image work to the cores).
        let batch = i64::try_from(
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get) * 2,
        )
        .unwrap_or(4);
        loop {
            yield_to_uploads(&state).await;
            let take = if state.uploads.busy() { 1 } else { batch };
            match claim(&state, &worker, take).await {
                Ok(claimed) if !claimed.is_empty() => {
                    futures_util::future::join_all(claimed.iter().map(|id| run_job(&state, id)))
                        .await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "face worker: cannot claim jobs"),
            }
            let _ = tokio::time::timeout(poll, state.face_wake.notified()).await;
        }
    });
}

async fn yield_to_uploads(state: &AppState) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(state.faces.peak_yield_ms);
    while state.uploads.busy() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "hadir".into())
}

/// Deletes reference photos no reference uses any more (after the change committed); a
/// failure leaves an orphan, logged, never a broken reference.
pub async fn forget_photos(state: &AppState, keys: &[&str]) {
    for key in keys {
        if let Ok(key) = PhotoKey::new(*key)
            && let Err(e) = state.photos.delete(&key).await
        {
            tracing::warn!(key = %key, error = %e, "a reference photo was not deleted");
        }
    }
}
