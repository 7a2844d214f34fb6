//! Corrections asked for by employees: a day to put right (a forgotten check-in or check-out,
//! field duty with its letter, a failed device), pending until someone above them decides (in
//! `app::attendance`). Only for a day that has come, before the month's correction deadline,
//! outside closed months; audited.

use chrono::NaiveDate;
use hadir_domain::attendance::correction_deadline;
use hadir_domain::{PhotoKey, Role};
use hadir_storage::repo::attendance::{self as repo, CorrectionRow, DayFilter};
use hadir_storage::repo::org;
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{parse_id, text, utc};
use super::manual::{hhmm, today_of};
use super::scope::open_days;
use super::{Ctx, Error, FieldError};
use crate::audit::Actor;
use crate::state::AppState;

/// Who lists the corrections of others (each within their scope).
pub const READERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin, Role::Supervisor];
/// The statuses a correction can have.
pub const STATUSES: [&str; 3] = ["pending", "approved", "rejected"];

const CORRECTION_KINDS: [&str; 5] = [
    "forgot_check_in",
    "forgot_check_out",
    "field_duty",
    "device_failure",
    "other",
];

#[derive(Debug, Serialize)]
pub struct CorrectionView {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub check_in_time: Option<String>,
    pub check_out_time: Option<String>,
    pub letter_number: Option<String>,
    pub reason: String,
    pub attachment: Option<Attachment>,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct Attachment {
    pub content_type: String,
    /// A link valid for minutes, minted for whoever may see the correction.
    pub url: Option<String>,
}

impl CorrectionView {
    pub fn new(r: &CorrectionRow, url: Option<String>) -> Self {
        Self {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            date: r.date,
            kind: r.kind.clone(),
            check_in_time: r.check_in_time.clone(),
            check_out_time: r.check_out_time.clone(),
            letter_number: r.letter_number.clone(),
            reason: r.reason.clone(),
            attachment: r.attachment_type.as_ref().map(|t| Attachment {
                content_type: t.clone(),
                url,
            }),
            status: r.status.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at.map(utc),
            decision_note: r.decision_note.clone(),
            created_at: utc(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCorrection {
    pub date: NaiveDate,
    pub kind: String,
    #[serde(default)]
    pub check_in_time: Option<String>,
    #[serde(default)]
    pub check_out_time: Option<String>,
    #[serde(default)]
    pub letter_number: Option<String>,
    pub reason: String,
}

/// Asks to correct a day of the caller's: not a day to come, not after the month's correction
/// deadline, not in a closed month; pending until someone above them decides.
pub async fn create(ctx: &Ctx<'_>, body: &NewCorrection) -> Result<CorrectionRow, Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let mut errors = Vec::new();
    if !CORRECTION_KINDS.contains(&body.kind.as_str()) {
        errors.push(FieldError::new(
            "kind",
            "must be forgot_check_in, forgot_check_out, field_duty, device_failure or other",
        ));
    }
    let check_in = body
        .check_in_time
        .as_deref()
        .and_then(|t| hhmm("check_in_time", t, &mut errors));
    let check_out = body
        .check_out_time
        .as_deref()
        .and_then(|t| hhmm("check_out_time", t, &mut errors));
    let letter = body
        .letter_number
        .as_deref()
        .and_then(|l| text("letter_number", l, 100, &mut errors));
    let reason = text("reason", &body.reason, 1000, &mut errors);
    match body.kind.as_str() {
        "forgot_check_in" if check_in.is_none() && body.check_in_time.is_none() => errors.push(
            FieldError::new("check_in_time", "say when you arrived (HH:MM)"),
        ),
        "forgot_check_out" if check_out.is_none() && body.check_out_time.is_none() => errors.push(
            FieldError::new("check_out_time", "say when you left (HH:MM)"),
        ),
        "field_duty" if letter.is_none() && body.letter_number.is_none() => {
            errors.push(FieldError::new(
                "letter_number",
                "field duty needs the number of its assignment letter",
            ));
        }
        _ => {}
    }
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let close_days = ctx.state.attendance.correction_close_days;
    let st = ctx.state.clone();
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    let date = body.date;
    let row = CorrectionRow {
        id: uuid::Uuid::new_v4().to_string(),
        employee_id,
        date,
        kind: body.kind.clone(),
        check_in_time: check_in.map(|t| t.format("%H:%M").to_string()),
        check_out_time: check_out.map(|t| t.format("%H:%M").to_string()),
        letter_number: letter,
        reason,
        attachment_key: None,
        attachment_type: None,
        status: "pending".into(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        created_at: now_utc(),
    };
    let stored = row.clone();
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            let e = org::find_employee(conn, &stored.employee_id)?;
            let today = today_of(&st, conn, &e)?;
            if date > today {
                return Ok(Err(FieldError::new(
                    "date",
                    "a day that has not come yet cannot be corrected",
                )));
            }
            let deadline = correction_deadline(date, close_days);
            if today > deadline {
                return Ok(Err(FieldError::new(
                    "date",
                    format!(
                        "corrections for {} closed on {deadline}, {close_days} days before the \
                         month's end",
                        date.format("%Y-%m")
                    ),
                )));
            }
            open_days(conn, &e, date, date)?;
            repo::insert_correction(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "correction.create",
                "correction",
                &stored.id,
                None,
                Some(&CorrectionView::new(&stored, None)),
            )?;
            Ok(Ok(()))
        })
        .await?;
    result.map_err(|e| Error::Validation(vec![e]))?;
    Ok(row)
}

/// The view of a correction with a short-lived link to its attachment (minted for a caller
/// found allowed to see it).
pub async fn view(state: &AppState, row: &CorrectionRow) -> Result<CorrectionView, Error> {
    let url = match &row.attachment_key {
        Some(key) => Some(super::links::photo_url(state, key).await?),
        None => None,
    };
    Ok(CorrectionView::new(row, url))
}

/// What an attachment's bytes are, by their first bytes (the declared type is not trusted).
fn sniff_attachment(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else {
        None
    }
}

fn already_decided(row: &CorrectionRow) -> StorageError {
    StorageError::Conflict(format!("this correction is already {}", row.status))
}

/// Attaches the letter or photo behind one of the caller's pending corrections (PDF, JPEG or
/// PNG, known by its bytes); a second upload replaces the first. The file is stored before
/// the row names it.
pub async fn attach(ctx: &Ctx<'_>, id: &str, bytes: Vec<u8>) -> Result<CorrectionRow, Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let id = parse_id(id)?;
    let (content_type, extension) = sniff_attachment(&bytes).ok_or_else(|| {
        Error::UnsupportedMediaType("an attachment is a PDF, JPEG or PNG file".into())
    })?;
    let (emp, cid) = (employee_id.clone(), id.clone());
    let before = ctx
        .state
        .db
        .run(move |conn| {
            let row = repo::find_correction(conn, &cid)?;
            if row.employee_id == emp {
                Ok(row)
            } else {
                Err(StorageError::NotFound)
            }
        })
        .await?;
    if before.status != "pending" {
        return Err(already_decided(&before).into());
    }
    let key = PhotoKey::new(format!("attachments/{employee_id}/{id}.{extension}"))
        .map_err(|e| Error::Internal(e.to_string()))?;
    ctx.state.photos.put(&key, bytes, content_type).await?;
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let before = repo::find_correction(conn, &id)?;
            if before.status != "pending" {
                return Err(already_decided(&before));
            }
            let mut after = before.clone();
            after.attachment_key = Some(key.as_str().to_owned());
            after.attachment_type = Some(content_type.to_owned());
            repo::replace_correction(conn, &after)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "correction.attachment",
                "correction",
                &id,
                Some(&CorrectionView::new(&before, None)),
                Some(&CorrectionView::new(&after, None)),
            )?;
            Ok(after)
        })
        .await?)
}

/// The caller's own corrections.
pub async fn mine(ctx: &Ctx<'_>, mut filter: DayFilter) -> Result<Vec<CorrectionRow>, Error> {
    filter.employee_id = Some(ctx.caller.employee_id.clone().ok_or(Error::NotFound)?);
    Ok(ctx
        .state
        .db
        .run(move |conn| repo::list_corrections(conn, &filter))
        .await?)
}

/// Corrections of the people the caller may list (within `unit`).
pub async fn list(
    ctx: &Ctx<'_>,
    mut filter: DayFilter,
    unit: Option<String>,
) -> Result<Vec<CorrectionRow>, Error> {
    ctx.caller.require(READERS)?;
    super::dated::list(ctx, unit, move |conn, employees| {
        filter.employees = employees;
        repo::list_corrections(conn, &filter)
    })
    .await
}

/// One correction, for its employee and whoever may see them.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<CorrectionRow, Error> {
    super::dated::get(ctx, id, repo::find_correction, |r: &CorrectionRow| {
        r.employee_id.as_str()
    })
    .await
}
