//! Enrolment of reference faces: HR or an admin uploads a photo, or a reviewer promotes the
//! selfie of an approved check-in. The reference is biometric personal data: one per enrolled
//! employee, its photo stored beside the selfies (never compared for reuse, never a check-in),
//! deleted on request or with the employee. Every change is audited, and separation of duties
//! holds: nobody enrols their own face or that of the account that created theirs.

use hadir_domain::{PhotoKey, Role};
use hadir_storage::repo::check_ins;
use hadir_storage::repo::faces::{self, FaceReferenceRow};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::Serialize;
use serde_json::json;

use super::duty::{self, Guard, Settled, TxError};
use super::review::REVIEWERS;
use super::scope::{Scope, writable_employee};
use super::{Ctx, Error, FieldError};
use crate::audit::{self, Entry};
use crate::faces::{Analysis, analyse, forget_photos, models};
use crate::selfie::{self, CpuError, SelfieError};

/// Who enrols a face from an uploaded photo.
pub const ENROLLERS: &[Role] = &[Role::Admin, Role::Hr];

/// A reference as the API shows it (never the embedding itself).
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    pub employee_id: String,
    pub source: String,
    pub source_check_in_id: Option<String>,
    pub face_score: f64,
    pub created_by: Option<String>,
    pub created_at: String,
}

impl From<&FaceReferenceRow> for Reference {
    fn from(r: &FaceReferenceRow) -> Self {
        Self {
            employee_id: r.employee_id.clone(),
            source: r.source.clone(),
            source_check_in_id: r.source_check_in_id.clone(),
            face_score: (r.face_score * 100.0).round() / 100.0,
            created_by: r.created_by.clone(),
            created_at: r
                .created_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        }
    }
}

/// What an enrolment did.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub reference: Reference,
    /// Whether there was no reference before (201) or one was replaced (200).
    pub created: bool,
    /// Where its photo and thumbnail are stored (for links).
    pub photo_key: String,
    pub thumbnail_key: String,
}

/// The audit view of a reference: where it came from, never the embedding.
fn audit_view(r: &FaceReferenceRow) -> serde_json::Value {
    json!({
        "source": r.source,
        "source_check_in_id": r.source_check_in_id,
        "face_score": r.face_score,
        "photo_key": r.photo_key,
    })
}

fn cpu_error(e: CpuError) -> Error {
    match e {
        CpuError::Busy(after) => Error::Busy(
            "the server is busy with other photos; retry shortly".into(),
            after,
        ),
        CpuError::Failed(e) => Error::Internal(e),
    }
}

/// The one face of `analysis`, or the 422 that says why there is not one.
fn one_face(analysis: &Analysis, face_score: f32, field: &str) -> Result<f32, Error> {
    let faces: Vec<f32> = analysis
        .detections
        .iter()
        .map(|d| d.score)
        .filter(|s| *s >= face_score)
        .collect();
    match faces.as_slice() {
        [score] if analysis.embedding.is_some() => Ok(*score),
        [] => Err(Error::Validation(vec![FieldError::new(
            field,
            match analysis.detections.first() {
                Some(best) => format!(
                    "no_face: the photo shows no face (the best candidate scores {:.2}; a face \
                     needs {face_score:.2})",
                    best.score
                ),
                None => format!("no_face: the photo shows no face (a face needs {face_score:.2})"),
            },
        )])),
        several => Err(Error::Validation(vec![FieldError::new(
            field,
            format!(
                "several_faces: the photo shows {} faces; a reference shows one person alone",
                several.len()
            ),
        )])),
    }
}

/// Checks that the caller may change `employee_id`'s reference (in scope, not their own, not
/// their creator's): the employee, or the refusal recorded and answered.
async fn may_change(ctx: &Ctx<'_>, employee_id: &str, action: &str) -> Result<(), Error> {
    let (caller, id, window) = (
        ctx.caller.clone(),
        employee_id.to_owned(),
        ctx.state.attendance.creator_conflict_days,
    );
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| -> Result<(), TxError> {
            let scope = Scope::of(conn, &caller)?;
            writable_employee(conn, &scope, &id)?;
            Guard::load(conn, &caller, window)?.ensure([id.as_str()])
        })
        .await;
    settled(ctx, action, result).await
}

async fn settled<T>(ctx: &Ctx<'_>, action: &str, result: Result<T, TxError>) -> Result<T, Error> {
    match duty::settle(&ctx.state.db, ctx.caller, ctx.request, action, result).await {
        Settled::Done(v) => Ok(v),
        Settled::Refused(why) => Err(Error::Forbidden(why)),
        Settled::Failed(e) => Err(e.into()),
    }
}

/// Stores the reference photo and its thumbnail; answers their keys.
async fn store_photo(
    ctx: &Ctx<'_>,
    employee_id: &str,
    processed: selfie::ProcessedSelfie,
) -> Result<(String, String), Error> {
    let stem = format!("{employee_id}/{}", uuid::Uuid::new_v4().simple());
    let key =
        PhotoKey::new(format!("faces/{stem}.jpg")).map_err(|e| Error::Internal(e.to_string()))?;
    let thumb = PhotoKey::new(format!("faces/{stem}-thumb.jpg"))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let thumbnail = processed
        .thumbnail_jpeg()
        .map_err(|e| Error::Internal(e.to_string()))?;
    ctx.state
        .photos
        .put(&key, processed.jpeg, "image/jpeg")
        .await?;
    ctx.state
        .photos
        .put(&thumb, thumbnail, "image/jpeg")
        .await?;
    Ok((key.as_str().to_owned(), thumb.as_str().to_owned()))
}

/// Saves `row` as the reference, audited, and settles the duty check in the same
/// transaction; then deletes the replaced photos.
async fn save(
    ctx: &Ctx<'_>,
    row: FaceReferenceRow,
    action: &'static str,
) -> Result<Enrolled, Error> {
    let (caller, request, window) = (
        ctx.caller.clone(),
        ctx.request.clone(),
        ctx.state.attendance.creator_conflict_days,
    );
    let (key, thumb) = (row.photo_key.clone(), row.thumbnail_key.clone());
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| -> Result<_, TxError> {
            let scope = Scope::of(conn, &caller)?;
            if row.source == "upload" {
                writable_employee(conn, &scope, &row.employee_id)?;
            }
            Guard::load(conn, &caller, window)?.ensure([row.employee_id.as_str()])?;
            let before = faces::put_reference(conn, &row)?;
            audit::record(
                conn,
                &Entry {
                    actor: Some(&caller.user_id),
                    action,
                    entity: "employee",
                    entity_id: &row.employee_id,
                    before: before.as_ref().map(audit_view).as_ref(),
                    after: Some(&audit_view(&row)),
                    request: Some(&request),
                    subjects: std::slice::from_ref(&row.employee_id),
                },
            )?;
            Ok((row, before))
        })
        .await;
    match settled(ctx, action, result).await {
        Ok((row, before)) => {
            if let Some(old) = &before {
                forget_photos(ctx.state, &[&old.photo_key, &old.thumbnail_key]).await;
            }
            Ok(Enrolled {
                reference: Reference::from(&row),
                created: before.is_none(),
                photo_key: row.photo_key.clone(),
                thumbnail_key: row.thumbnail_key.clone(),
            })
        }
        Err(e) => {
            forget_photos(ctx.state, &[&key, &thumb]).await;
            Err(e)
        }
    }
}

fn embedding_hex(analysis: &Analysis) -> Result<String, Error> {
    analysis
        .embedding
        .map(|e| hex::encode(e.to_bytes()))
        .ok_or_else(|| Error::Internal("a single face without an embedding".into()))
}

/// `PUT /api/v1/employees/{id}/face`: enrols `photo` as the employee's reference.
pub async fn enrol(ctx: &Ctx<'_>, employee_id: &str, photo: Vec<u8>) -> Result<Enrolled, Error> {
    ctx.caller.require(ENROLLERS)?;
    may_change(ctx, employee_id, "face.enrol").await?;
    let limits = ctx.state.check_in.pipeline();
    let pixels = selfie::header_pixels(&photo);
    let processed = ctx
        .state
        .cpu
        .run_image(pixels, move || selfie::process(&photo, &limits))
        .await
        .map_err(cpu_error)?
        .map_err(|e: SelfieError| {
            if e.is_unsupported_type() {
                Error::UnsupportedMediaType(e.to_string())
            } else {
                Error::field("photo", e.to_string())
            }
        })?;
    let models = models().await.map_err(Error::Internal)?;
    let face_score = ctx.state.faces.face_score;
    let jpeg = processed.jpeg.clone();
    let analysis = ctx
        .state
        .cpu
        .run_image(None, move || analyse(&models, &jpeg, face_score))
        .await
        .map_err(cpu_error)?
        .map_err(Error::Internal)?;
    let score = one_face(&analysis, face_score, "photo")?;
    let embedding = embedding_hex(&analysis)?;
    let (photo_key, thumbnail_key) = store_photo(ctx, employee_id, processed).await?;
    save(
        ctx,
        FaceReferenceRow {
            employee_id: employee_id.to_owned(),
            embedding,
            photo_key,
            thumbnail_key,
            source: "upload".into(),
            source_check_in_id: None,
            face_score: f64::from(score),
            created_by: Some(ctx.caller.user_id.clone()),
            created_at: now_utc(),
        },
        "face.enrolled",
    )
    .await
}

/// `POST /api/v1/check-ins/{id}/face-reference`: a reviewer makes the selfie of an approved
/// check-in its employee's reference.
pub async fn promote(ctx: &Ctx<'_>, check_in_id: &str) -> Result<Enrolled, Error> {
    ctx.caller.require(REVIEWERS)?;
    let (caller, id) = (ctx.caller.clone(), check_in_id.to_owned());
    let row = ctx
        .state
        .db
        .run(move |conn| {
            let row = check_ins::find(conn, &id)?;
            let scope = Scope::of(conn, &caller)?;
            writable_employee(conn, &scope, &row.employee_id)?;
            Ok::<_, StorageError>(row)
        })
        .await?;
    may_change(ctx, &row.employee_id, "face.promote").await?;
    if row.status != "approved" {
        return Err(Error::Conflict(format!(
            "only an approved check-in's selfie can become the reference; this one is {}",
            row.status
        )));
    }
    if row.photo_key == row.thumbnail_key {
        return Err(Error::Conflict(
            "this check-in's selfie is no longer kept (retention); enrol an uploaded photo".into(),
        ));
    }
    let key = PhotoKey::new(row.photo_key.clone()).map_err(|e| Error::Internal(e.to_string()))?;
    let photo = ctx.state.photos.get(&key).await.map_err(|e| match e {
        hadir_domain::PhotoStoreError::NotFound(_) => Error::Conflict(
            "this check-in's selfie is no longer kept (retention); enrol an uploaded photo".into(),
        ),
        other @ hadir_domain::PhotoStoreError::Unavailable(_) => other.into(),
    })?;
    let models = models().await.map_err(Error::Internal)?;
    let face_score = ctx.state.faces.face_score;
    let analysis = ctx
        .state
        .cpu
        .run_image(None, move || analyse(&models, &photo, face_score))
        .await
        .map_err(cpu_error)?
        .map_err(Error::Internal)?;
    let score = one_face(&analysis, face_score, "check_in")?;
    let embedding = embedding_hex(&analysis)?;
    // The reference keeps its own copy: the selfie itself may be reduced by retention.
    let limits = ctx.state.check_in.pipeline();
    let original = ctx.state.photos.get(&key).await?;
    let processed = ctx
        .state
        .cpu
        .run_image(None, move || selfie::process(&original, &limits))
        .await
        .map_err(cpu_error)?
        .map_err(|e| Error::Internal(e.to_string()))?;
    let (photo_key, thumbnail_key) = store_photo(ctx, &row.employee_id, processed).await?;
    save(
        ctx,
        FaceReferenceRow {
            employee_id: row.employee_id.clone(),
            embedding,
            photo_key,
            thumbnail_key,
            source: "check_in".into(),
            source_check_in_id: Some(row.id.clone()),
            face_score: f64::from(score),
            created_by: Some(ctx.caller.user_id.clone()),
            created_at: now_utc(),
        },
        "face.promoted",
    )
    .await
}

/// `GET /api/v1/employees/{id}/face`: the reference's metadata and its photo's row.
pub async fn find(ctx: &Ctx<'_>, employee_id: &str) -> Result<FaceReferenceRow, Error> {
    ctx.caller.require(REVIEWERS)?;
    let (caller, id) = (ctx.caller.clone(), employee_id.to_owned());
    let found = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            writable_employee(conn, &scope, &id)?;
            faces::find_reference(conn, &id)
        })
        .await?;
    found.ok_or(Error::NotFound)
}

/// `DELETE /api/v1/employees/{id}/face`: removes the reference and its photos (404 when
/// there is none).
pub async fn remove(ctx: &Ctx<'_>, employee_id: &str) -> Result<(), Error> {
    ctx.caller.require(ENROLLERS)?;
    let (caller, request, id) = (
        ctx.caller.clone(),
        ctx.request.clone(),
        employee_id.to_owned(),
    );
    // Deleting biometric data is never a conflict of duties: anyone allowed may remove it,
    // their own included.
    let removed = ctx
        .state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            writable_employee(conn, &scope, &id)?;
            let removed = delete_reference(conn, &id)?;
            if let Some(old) = &removed {
                audit::record::<_, ()>(
                    conn,
                    &Entry {
                        actor: Some(&caller.user_id),
                        action: "face.removed",
                        entity: "employee",
                        entity_id: &id,
                        before: Some(&audit_view(old)),
                        after: None,
                        request: Some(&request),
                        subjects: std::slice::from_ref(&id),
                    },
                )?;
            }
            Ok::<_, StorageError>(removed)
        })
        .await?;
    let old = removed.ok_or(Error::NotFound)?;
    forget_photos(ctx.state, &[&old.photo_key, &old.thumbnail_key]).await;
    Ok(())
}

fn delete_reference(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<Option<FaceReferenceRow>, StorageError> {
    faces::delete_reference(conn, employee_id)
}
