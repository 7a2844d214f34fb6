//! Days explained by people: HR's manual entries, the corrections employees ask for, and daily
//! activity reports.
//!
//! Manual entries are HR's (and admins'); they count like check-ins and carry their source,
//! author and reason. Corrections and reports are the employee's, decided by someone above
//! them in the supervisor chain, or by HR or an admin; nobody decides their own (403). Lists
//! follow the scope rule of the organisation (404 outside it). Nothing dated in a closed month
//! changes (409).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use hadir_storage::repo::attendance::{CorrectionRow, DayFilter, ReportRow};
use serde::Deserialize;

use super::plans::{created, date_param, decode_cursor, page};
use super::{ctx, page_limit, parse_id, query_id};
use crate::app::corrections::{self, CorrectionView, NewCorrection};
use crate::app::manual::{self, ManualEntryView, NewManualBatch, NewManualEntry};
use crate::app::reports::{self, ReportBody, ReportView};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// The caller's employee id, or 404 for an account that is no employee.
fn me(caller: &AuthUser) -> Result<String, ApiError> {
    caller.employee_id.clone().ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    pub employee_id: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl DayQuery {
    fn filter(&self, statuses: &[&str]) -> Result<(DayFilter, Option<String>), ApiError> {
        if let Some(s) = &self.status
            && !statuses.contains(&s.as_str())
        {
            return Err(ApiError::field(
                "status",
                format!("must be one of {}", statuses.join(", ")),
            ));
        }
        Ok((
            DayFilter {
                employees: None,
                employee_id: query_id("employee_id", self.employee_id.as_deref())?,
                status: self.status.clone(),
                from: date_param("from", self.from.as_deref())?,
                to: date_param("to", self.to.as_deref())?,
                after: decode_cursor(self.cursor.as_deref())?,
                limit: page_limit(self.limit)? + 1,
            },
            query_id("unit_id", self.unit_id.as_deref())?,
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Manual entries: the rules live in `app::manual`.

/// `POST /api/v1/attendance/manual`: HR enters one employee's check-in or check-out.
pub async fn create_manual(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewManualEntry>,
) -> Result<HttpResponse, ApiError> {
    let row = manual::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created(
        "attendance/manual",
        &row.id,
        &ManualEntryView::from(&row),
    ))
}

/// `POST /api/v1/attendance/manual/batch`: the same entry for every active employee of a unit
/// and its sub-units (a day when phones or readers failed).
pub async fn create_manual_batch(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewManualBatch>,
) -> Result<HttpResponse, ApiError> {
    let (batch_id, rows) = manual::create_batch(&ctx(&state, &caller, &request_id), body).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "batch_id": batch_id,
        "created": rows.len(),
        "items": rows.iter().map(ManualEntryView::from).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/attendance/manual`: manual entries in the caller's scope, by date.
pub async fn list_manual(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, unit) = query.filter(&[])?;
    if query.status.is_some() {
        return Err(ApiError::field("status", "manual entries have no status"));
    }
    let limit = filter.limit;
    let rows = manual::list(&ctx(&state, &caller, &request_id), filter, unit).await?;
    let (rows, next_cursor) = page(rows, limit, |r| (r.date, r.id.as_str()));
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(ManualEntryView::from).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

// ---------------------------------------------------------------------------------------------
// Corrections

// The rules of asking live in `app::corrections`.

/// `POST /api/v1/me/corrections`: ask to correct a day.
pub async fn create_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewCorrection>,
) -> Result<HttpResponse, ApiError> {
    let row = corrections::create(&ctx(&state, &caller, &request_id), &body).await?;
    Ok(created(
        "corrections",
        &row.id,
        &CorrectionView::new(&row, None),
    ))
}

/// `PUT /api/v1/me/corrections/{id}/attachment`: the letter or photo behind a pending
/// correction (PDF, JPEG or PNG; the body is the file). A second upload replaces the first.
pub async fn put_attachment(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Refused before the body is read (the use case checks both again).
    me(&caller)?;
    parse_id(&id)?;
    let bytes = super::read_limited(
        &req,
        payload,
        state.attendance.max_attachment_bytes,
        "an attachment",
    )
    .await?;
    let row = corrections::attach(&ctx(&state, &caller, &request_id), &id, bytes).await?;
    Ok(HttpResponse::Ok().json(CorrectionView::new(&row, None)))
}

async fn corrections_page(
    state: &AppState,
    rows: Vec<CorrectionRow>,
    limit: i64,
) -> Result<HttpResponse, ApiError> {
    let (rows, next_cursor) = page(rows, limit, |r| (r.date, r.id.as_str()));
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        items.push(corrections::view(state, r).await?);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "items": items, "next_cursor": next_cursor })))
}

/// `GET /api/v1/me/corrections`: the caller's own requests.
pub async fn my_corrections(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    me(&caller)?;
    let (filter, _) = query.filter(&corrections::STATUSES)?;
    let limit = filter.limit;
    let rows = corrections::mine(&ctx(&state, &caller, &request_id), filter).await?;
    corrections_page(&state, rows, limit).await
}

/// `GET /api/v1/corrections`: requests of the people in the caller's scope.
pub async fn list_corrections(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(corrections::READERS)?;
    let (filter, unit) = query.filter(&corrections::STATUSES)?;
    let limit = filter.limit;
    let rows = corrections::list(&ctx(&state, &caller, &request_id), filter, unit).await?;
    corrections_page(&state, rows, limit).await
}

/// `GET /api/v1/corrections/{id}`: for the employee and whoever may see them.
pub async fn get_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = corrections::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(corrections::view(&state, &row).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionDecision {
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/corrections/{id}/decision`: approve or reject (with a note).
pub async fn decide_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<CorrectionDecision>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let ctx = super::ctx(&state, &caller, &request_id);
    let row =
        crate::app::attendance::decide_correction(&ctx, &id, &body.decision, body.note.as_deref())
            .await?;
    Ok(HttpResponse::Ok().json(corrections::view(&state, &row).await?))
}

// ---------------------------------------------------------------------------------------------
// Daily activity reports: the rules live in `app::reports`.

/// `PUT /api/v1/me/reports/{date}`: write (or rewrite) the day's report while it is a draft or
/// was returned.
pub async fn put_report(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    date: web::Path<String>,
    Json(body): Json<ReportBody>,
) -> Result<HttpResponse, ApiError> {
    let (row, was_new) = reports::write(&ctx(&state, &caller, &request_id), &date, &body).await?;
    let view = ReportView::new(&row)?;
    Ok(if was_new {
        created("reports", &row.id, &view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// `POST /api/v1/me/reports/{date}/submit`: send the day's report to the supervisor.
pub async fn submit_report(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    date: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = reports::submit(&ctx(&state, &caller, &request_id), &date).await?;
    Ok(HttpResponse::Ok().json(ReportView::new(&row)?))
}

fn report_page(rows: Vec<ReportRow>, limit: i64) -> Result<HttpResponse, ApiError> {
    let (rows, next_cursor) = page(rows, limit, |r| (r.date, r.id.as_str()));
    let items = rows
        .iter()
        .map(ReportView::new)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": next_cursor })))
}

/// `GET /api/v1/me/reports`: the caller's reports, by date.
pub async fn my_reports(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, _) = query.filter(&reports::STATUSES)?;
    let limit = filter.limit;
    let rows = reports::mine(&ctx(&state, &caller, &request_id), filter).await?;
    report_page(rows, limit)
}

/// `GET /api/v1/reports`: reports of the people in the caller's scope (drafts stay private).
pub async fn list_reports(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, unit) = query.filter(&reports::STATUSES[1..])?;
    let limit = filter.limit;
    let rows = reports::list(&ctx(&state, &caller, &request_id), filter, unit).await?;
    report_page(rows, limit)
}

/// `GET /api/v1/reports/{id}`: for the employee and whoever may see them (not drafts).
pub async fn get_report(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = reports::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(ReportView::new(&row)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDecision {
    pub decision: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/reports/{id}/decision`: approve, return with a comment (the employee edits
/// and submits again) or reject with a comment.
pub async fn decide_report(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<ReportDecision>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let ctx = super::ctx(&state, &caller, &request_id);
    let row =
        crate::app::attendance::decide_report(&ctx, &id, &body.decision, body.comment.as_deref())
            .await?;
    Ok(HttpResponse::Ok().json(ReportView::new(&row)?))
}
