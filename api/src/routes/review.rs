//! What reviewers and HR do with what phones sent: the review queue, decisions, month close,
//! the audit log, and the counts a client shows as "waiting for you".
//!
//! Reviewers are admins, HR (the whole organisation) and unit admins (their units and the
//! sub-units). Nobody reviews their own check-in, nor one of the account that recently created theirs
//! (403, audited: `app::duty`). A decision, once taken, stands (409 on
//! a second one), and nothing in a closed month changes (409) until an admin reopens it.

use actix_web::{HttpResponse, web};
use hadir_storage::repo::months::MonthCloseRow;
use serde::{Deserialize, Serialize};

use super::check_ins::{CheckInView, photo_url, utc};
use super::{ctx, parse_id};
use crate::app::{self};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

// ---------------------------------------------------------------------------------------------
// Month close

#[derive(Debug, Serialize)]
pub struct MonthCloseView {
    pub id: String,
    pub month: String,
    pub unit_id: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: String,
}

impl From<&MonthCloseRow> for MonthCloseView {
    fn from(r: &MonthCloseRow) -> Self {
        Self {
            id: r.id.clone(),
            month: r.month.clone(),
            unit_id: r.unit_id.clone(),
            closed_by: r.closed_by.clone(),
            closed_at: utc(r.closed_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    #[serde(default)]
    pub unit_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    #[serde(default)]
    pub unit_id: Option<String>,
    pub reason: String,
}

/// `GET /api/v1/months/{month}`: which closes hold for the month.
pub async fn get_month(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    month: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (month, rows) = app::months::status(&ctx(&state, &caller, &request_id), &month).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "month": month,
        "closes": rows.iter().map(MonthCloseView::from).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/months/{month}/close`: HR and admins close a month for the organisation or
/// a unit (and its sub-units).
pub async fn close_month(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    month: web::Path<String>,
    Json(body): Json<CloseBody>,
) -> Result<HttpResponse, ApiError> {
    let row = app::months::close(
        &ctx(&state, &caller, &request_id),
        &month,
        body.unit_id.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Created().json(MonthCloseView::from(&row)))
}

/// `POST /api/v1/months/{month}/reopen`: an admin reopens a closed month, with a reason that
/// goes into the audit log.
pub async fn reopen_month(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    month: web::Path<String>,
    Json(body): Json<ReopenBody>,
) -> Result<HttpResponse, ApiError> {
    app::months::reopen(
        &ctx(&state, &caller, &request_id),
        &month,
        body.unit_id.as_deref(),
        &body.reason,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// The review queue

/// Who a queue item belongs to.
#[derive(Debug, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub nip: String,
    pub unit_id: String,
}

/// One item of the queue: the check-in, whose it is, its risk and a thumbnail link.
#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub check_in: CheckInView,
    pub employee: Person,
    pub risk: i32,
    pub thumbnail_url: String,
}

/// `GET /api/v1/check-ins`: the review queue, riskiest first (then oldest first).
pub async fn queue(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<app::review::QueueRequest>,
) -> Result<HttpResponse, ApiError> {
    let page = app::review::queue(&ctx(&state, &caller, &request_id), query.into_inner()).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for (r, e) in &page.items {
        items.push(QueueItem {
            check_in: CheckInView::from_row(r, None)?,
            employee: Person {
                id: e.id.clone(),
                name: e.name.clone(),
                nip: e.nip.clone(),
                unit_id: e.unit_id.clone(),
            },
            risk: r.risk,
            thumbnail_url: photo_url(&state, app::thumbnails::shown(r)).await?,
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "items": items, "next_cursor": page.next_cursor })))
}

// ---------------------------------------------------------------------------------------------
// Decisions

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkDecision {
    pub ids: Vec<String>,
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/check-ins/{id}/review`.
pub async fn review(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    caller.require(app::review::REVIEWERS)?;
    let id = parse_id(&id)?;
    let (row, review) = app::review::decide(
        &ctx(&state, &caller, &request_id),
        &id,
        &body.decision,
        body.note.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CheckInView::from_row(&row, None)?.with_review(Some(&review))))
}

/// `POST /api/v1/check-ins/review`: one decision over many check-ins; each gets its own
/// result (200 with the check-in, or the status and problem that refused it).
pub async fn review_many(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<BulkDecision>,
) -> Result<HttpResponse, ApiError> {
    use actix_web::ResponseError as _;
    let outcomes = app::review::decide_many(
        &ctx(&state, &caller, &request_id),
        &body.ids,
        &body.decision,
        body.note.as_deref(),
    )
    .await?;
    let mut results = Vec::with_capacity(outcomes.len());
    for (id, outcome) in outcomes {
        results.push(match outcome {
            Ok((row, review)) => serde_json::json!({
                "id": id,
                "status": 200,
                "check_in": CheckInView::from_row(&row, None)?.with_review(Some(&review)),
            }),
            Err(refusal) => {
                let problem = refusal.problem();
                serde_json::json!({ "id": id, "status": refusal.status_code().as_u16(), "problem": problem })
            }
        });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": results })))
}

// ---------------------------------------------------------------------------------------------
// The audit log and the inbox

/// `GET /api/v1/audit-log`: who did what, newest first (admins and HR). There is no route that
/// changes or deletes an entry.
pub async fn audit_log(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<app::audit_log::AuditRequest>,
) -> Result<HttpResponse, ApiError> {
    let page = app::audit_log::list(&ctx(&state, &caller, &request_id), &query).await?;
    let parse = |raw: &Option<String>| {
        raw.as_deref().map(|j| {
            serde_json::from_str::<serde_json::Value>(j).unwrap_or(serde_json::Value::Null)
        })
    };
    let items: Vec<_> = page
        .items
        .iter()
        .map(|(r, subjects)| {
            serde_json::json!({
                "id": r.id,
                "at": utc(r.at),
                "actor_user_id": r.actor_user_id,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "before": parse(&r.before_json),
                "after": parse(&r.after_json),
                "request_id": r.request_id,
                "client_addr": r.client_addr,
                "employee_ids": subjects,
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "items": items, "next_cursor": page.next_cursor })))
}

/// `GET /api/v1/me/inbox`: what waits for the caller, for the counts a client shows.
pub async fn inbox(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let waiting = app::review::waiting(&ctx(&state, &caller, &request_id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "check_ins_to_review": waiting.check_ins,
        "corrections_to_decide": waiting.corrections,
        "reports_to_decide": waiting.reports,
    })))
}
