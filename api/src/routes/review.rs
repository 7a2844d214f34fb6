//! What reviewers and HR do with what phones sent: the review queue, decisions, month close,
//! the audit log, and the counts a client shows as "waiting for you".
//!
//! Reviewers are admins, HR (the whole organisation) and unit admins (their units and the
//! sub-units). Nobody reviews their own check-in, nor one of the account that recently created theirs
//! (403, audited: `app::duty`). A decision, once taken, stands (409 on
//! a second one), and nothing in a closed month changes (409) until an admin reopens it.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use hadir_domain::Role;
use hadir_domain::checkin::FlagCode;
use hadir_domain::org::subtree;
use hadir_storage::repo::audit::{self as audit_repo, AuditFilter};
use hadir_storage::repo::check_ins::{self, CheckInRow, QueueFilter, ReviewRow};
use hadir_storage::repo::months::{self, MonthCloseRow};
use hadir_storage::repo::org;
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::check_ins::{CheckInView, photo_url, utc};
use super::{page_limit, parse_id, query_id};
use crate::app::duty;
use crate::app::input::{field_id, text};
use crate::app::reads::Read;
use crate::app::scope::{Scope, closed_error, month_closed};
use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

const REVIEWERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];
const STATUSES: [&str; 4] = ["flagged", "accepted", "approved", "rejected"];

// ---------------------------------------------------------------------------------------------
// Month close

fn parse_month(raw: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 7)
        .ok_or(ApiError::NotFound)
}

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
    month: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(REVIEWERS)?;
    let first = parse_month(&month)?;
    let key = first.format("%Y-%m").to_string();
    let rows = state
        .db
        .run(move |conn| months::of_month(conn, &key))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "month": first.format("%Y-%m").to_string(),
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
    caller.require(&[Role::Admin, Role::Hr])?;
    let first = parse_month(&month)?;
    let mut errors = Vec::new();
    let unit_id = body
        .unit_id
        .as_deref()
        .and_then(|u| field_id("unit_id", u, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = MonthCloseRow {
        id: uuid::Uuid::new_v4().to_string(),
        month: first.format("%Y-%m").to_string(),
        unit_id,
        closed_by: Some(caller.user_id.clone()),
        closed_at: now_utc(),
    };
    let stored = row.clone();
    let result = state
        .db
        .transaction(move |conn| {
            if let Some(unit) = &stored.unit_id
                && !org::unit_parents(conn)?.contains_key(unit)
            {
                return Err(StorageError::MissingReference("unit_id".into()));
            }
            months::insert(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "month.close",
                "month",
                &stored.month,
                None,
                Some(&MonthCloseView::from(&stored)),
            )
        })
        .await;
    match result {
        Ok(()) => Ok(HttpResponse::Created().json(MonthCloseView::from(&row))),
        Err(StorageError::MissingReference(_)) => Err(ApiError::field("unit_id", "no such unit")),
        Err(StorageError::Duplicate(_)) => Err(ApiError::Conflict(format!(
            "{} is already closed{}",
            row.month,
            if row.unit_id.is_some() {
                " for that unit"
            } else {
                ""
            }
        ))),
        Err(e) => Err(e.into()),
    }
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
    caller.require(&[Role::Admin])?;
    let first = parse_month(&month)?;
    let mut errors = Vec::new();
    let unit_id = body
        .unit_id
        .as_deref()
        .and_then(|u| field_id("unit_id", u, &mut errors));
    let reason = text("reason", &body.reason, 500, &mut errors);
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let key = first.format("%Y-%m").to_string();
    state
        .db
        .transaction(move |conn| {
            let close = months::of_month(conn, &key)?
                .into_iter()
                .find(|c| c.unit_id == unit_id)
                .ok_or(StorageError::NotFound)?;
            months::delete(conn, &close.id)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                "month.reopen",
                "month",
                &close.month,
                Some(&MonthCloseView::from(&close)),
                Some(&serde_json::json!({"reopened": true, "reason": reason})),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// The review queue

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub unit_id: Option<String>,
    pub employee_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub flag: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

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

fn encode_cursor(r: &CheckInRow) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}|{}",
        r.risk,
        r.received_at.and_utc().timestamp_micros(),
        r.id
    ))
}

fn decode_cursor(raw: Option<&str>) -> Result<Option<(i32, NaiveDateTime, String)>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let parsed = (|| {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let mut parts = text.splitn(3, '|');
        let risk = parts.next()?.parse().ok()?;
        let at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?.naive_utc();
        let id = parts.next()?;
        uuid::Uuid::parse_str(id).ok()?;
        Some((risk, at, id.to_owned()))
    })();
    parsed
        .map(Some)
        .ok_or_else(|| ApiError::field("cursor", "not a cursor this API issued"))
}

fn local_date(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|r| {
        NaiveDate::parse_from_str(r, "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|_| ApiError::field(field, "must be a date as YYYY-MM-DD"))
    })
    .transpose()
}

/// `GET /api/v1/check-ins`: the review queue, riskiest first (then oldest first).
pub async fn queue(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(REVIEWERS)?;
    let limit = page_limit(query.limit)?;
    let status = query.status.clone().unwrap_or_else(|| "flagged".into());
    if !STATUSES.contains(&status.as_str()) {
        return Err(ApiError::field(
            "status",
            "must be flagged, accepted, approved or rejected",
        ));
    }
    if let Some(flag) = &query.flag
        && !FlagCode::ALL.iter().any(|c| c.as_str() == flag)
    {
        return Err(ApiError::field(
            "flag",
            "not a flag code (see the Flag schema)",
        ));
    }
    let unit = query_id("unit_id", query.unit_id.as_deref())?;
    let mut filter = QueueFilter {
        status,
        units: None,
        employee_id: query_id("employee_id", query.employee_id.as_deref())?,
        from: local_date("from", query.from.as_deref())?,
        to: local_date("to", query.to.as_deref())?,
        flag: query.flag.clone(),
        after: decode_cursor(query.cursor.as_deref())?,
        limit: limit + 1,
    };
    let who = caller.clone();
    let detail = serde_json::json!({
        "status": filter.status, "unit_id": unit, "employee_id": filter.employee_id,
        "flag": filter.flag, "from": filter.from, "to": filter.to,
    });
    let (mut rows, people) = state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            filter.units = match (&unit, scope.units()) {
                (Some(u), _) if scope.has_unit(u) => {
                    Some(subtree(&org::unit_parents(conn)?, u).into_iter().collect())
                }
                (Some(_), _) => Some(Vec::new()),
                (None, only) => only,
            };
            let rows = check_ins::queue(conn, &filter)?;
            let ids: Vec<String> = rows
                .iter()
                .map(|r| r.employee_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let people = org::find_employees(conn, &ids)?;
            Ok((rows, people))
        })
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(encode_cursor)
    } else {
        None
    };
    super::audit_read(
        &state,
        &who,
        &request_id,
        Read {
            action: "check_ins.read",
            entity: "check_in",
            entity_id: "queue",
            subjects: rows.iter().map(|r| r.employee_id.clone()).collect(),
            detail,
        },
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let e = people
            .iter()
            .find(|p| p.id == r.employee_id)
            .ok_or_else(|| ApiError::Internal(format!("check-in {} without its employee", r.id)))?;
        items.push(QueueItem {
            check_in: CheckInView::from_row(r, None)?,
            employee: Person {
                id: e.id.clone(),
                name: e.name.clone(),
                nip: e.nip.clone(),
                unit_id: e.unit_id.clone(),
            },
            risk: r.risk,
            thumbnail_url: photo_url(&state, &r.thumbnail_key).await?,
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "items": items, "next_cursor": next_cursor })))
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

/// A decision, checked: `(decision, note, status it gives)`.
fn checked(
    decision: &str,
    note: Option<&str>,
) -> Result<(String, Option<String>, &'static str), ApiError> {
    let mut errors = Vec::new();
    let status = match decision {
        "approve" => Some("approved"),
        "reject" => Some("rejected"),
        _ => {
            errors.push(FieldError::new("decision", "must be approve or reject"));
            None
        }
    };
    let note = note.and_then(|n| text("note", n, 1000, &mut errors));
    if decision == "reject" && note.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            "note",
            "a rejection needs a note that tells the employee why",
        ));
    }
    match status {
        Some(status) if errors.is_empty() => Ok((decision.to_owned(), note, status)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Why one decision could not be taken.
enum Refusal {
    NotFound,
    /// Separation of duties (recorded in the audit log already).
    Duty(&'static str),
    Decided(String),
    Closed(NaiveDate),
}

/// Takes one decision inside the caller's transaction.
fn decide_one(
    conn: &mut DbConnection,
    (scope, guard): (&Scope, &duty::Guard),
    caller: &AuthUser,
    request_id: &RequestId,
    id: &str,
    (decision, note, status): (&str, Option<&str>, &str),
) -> Result<Result<(CheckInRow, ReviewRow), Refusal>, StorageError> {
    let before = match check_ins::find(conn, id) {
        Ok(row) => row,
        Err(StorageError::NotFound) => return Ok(Err(Refusal::NotFound)),
        Err(e) => return Err(e),
    };
    let employee = org::find_employee(conn, &before.employee_id)?;
    if !scope.has_unit(&employee.unit_id) {
        return Ok(Err(Refusal::NotFound));
    }
    if let Some(refused) = guard.refused(&employee.id) {
        duty::record_refusal(conn, caller, request_id, "check_in.review", &refused)?;
        return Ok(Err(Refusal::Duty(refused.conflict.explanation())));
    }
    let date = NaiveDate::parse_from_str(&before.local_date, "%Y-%m-%d")
        .map_err(|e| StorageError::Other(format!("check-in {id}: local date: {e}")))?;
    if month_closed(conn, &employee.unit_id, date)? {
        return Ok(Err(Refusal::Closed(date)));
    }
    let review = ReviewRow {
        check_in_id: id.to_owned(),
        decision: decision.to_owned(),
        note: note.map(str::to_owned),
        reviewer_user_id: caller.user_id.clone(),
        decided_at: now_utc(),
    };
    if !check_ins::decide(conn, &review, status)? {
        return Ok(Err(Refusal::Decided(before.status)));
    }
    let after = check_ins::find(conn, id)?;
    let view = |r: &CheckInRow, review: Option<&ReviewRow>| {
        CheckInView::from_row(r, None)
            .map(|v| v.with_review(review))
            .map_err(|e| StorageError::Other(e.to_string()))
    };
    Actor { caller, request_id }.record(
        conn,
        "check_in.review",
        "check_in",
        id,
        Some(&view(&before, None)?),
        Some(&view(&after, Some(&review))?),
    )?;
    Ok(Ok((after, review)))
}

fn refusal_error(r: Refusal) -> ApiError {
    match r {
        Refusal::NotFound => ApiError::NotFound,
        Refusal::Duty(why) => ApiError::Forbidden(why),
        Refusal::Decided(status) => ApiError::Conflict(format!(
            "this check-in was already reviewed: it is {status}"
        )),
        Refusal::Closed(date) => closed_error(date).into(),
    }
}

/// `POST /api/v1/check-ins/{id}/review`.
pub async fn review(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    caller.require(REVIEWERS)?;
    let id = parse_id(&id)?;
    let (decision, note, status) = checked(&body.decision, body.note.as_deref())?;
    let window = state.attendance.creator_conflict_days;
    let result = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let guard = duty::Guard::load(conn, &caller, window)?;
            decide_one(
                conn,
                (&scope, &guard),
                &caller,
                &request_id,
                &id,
                (&decision, note.as_deref(), status),
            )
        })
        .await?;
    let (row, review) = result.map_err(refusal_error)?;
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
    caller.require(REVIEWERS)?;
    if body.ids.is_empty() || body.ids.len() > 500 {
        return Err(ApiError::field("ids", "must list 1 to 500 check-in ids"));
    }
    let (decision, note, status) = checked(&body.decision, body.note.as_deref())?;
    let ids = body.ids.clone();
    let window = state.attendance.creator_conflict_days;
    let outcomes = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let guard = duty::Guard::load(conn, &caller, window)?;
            let mut outcomes = Vec::with_capacity(ids.len());
            for raw in &ids {
                let outcome = match uuid::Uuid::parse_str(raw) {
                    Err(_) => Err(Refusal::NotFound),
                    Ok(u) => decide_one(
                        conn,
                        (&scope, &guard),
                        &caller,
                        &request_id,
                        &u.hyphenated().to_string(),
                        (&decision, note.as_deref(), status),
                    )?,
                };
                outcomes.push((raw.clone(), outcome));
            }
            Ok(outcomes)
        })
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
                let problem = refusal_error(refusal).problem();
                serde_json::json!({ "id": id, "status": problem.status, "problem": problem })
            }
        });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": results })))
}

// ---------------------------------------------------------------------------------------------
// The audit log and the inbox

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// The employee the entries concern (whose data was read or changed).
    pub employee_id: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.naive_utc()));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Some)
        .ok_or_else(|| ApiError::field(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// `GET /api/v1/audit-log`: who did what, newest first (admins and HR). There is no route that
/// changes or deletes an entry.
pub async fn audit_log(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Hr])?;
    let limit = page_limit(query.limit)?;
    let before = match query.cursor.as_deref() {
        None => None,
        Some(raw) => Some(
            (|| {
                let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
                let (micros, id) = text.split_once('|')?;
                let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
                Some((at, id.to_owned()))
            })()
            .ok_or_else(|| ApiError::field("cursor", "not a cursor this API issued"))?,
        ),
    };
    let mut to = instant("to", query.to.as_deref())?;
    if let (Some(raw), Some(t)) = (query.to.as_deref(), to)
        && NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
    {
        // A `to` date includes that whole day.
        to = Some(t + chrono::TimeDelta::days(1));
    }
    let filter = AuditFilter {
        subject_employee_id: query_id("employee_id", query.employee_id.as_deref())?,
        entity: query.entity.clone(),
        entity_id: query.entity_id.clone(),
        actor_user_id: query_id("actor_user_id", query.actor_user_id.as_deref())?,
        action: query.action.clone(),
        from: instant("from", query.from.as_deref())?,
        to,
        before,
        limit: limit + 1,
    };
    let (mut rows, subjects) = state
        .db
        .run(move |conn| {
            let rows = audit_repo::list(conn, &filter)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut subjects: std::collections::HashMap<String, Vec<String>> =
                std::collections::HashMap::new();
            for s in audit_repo::subjects_of(conn, &ids)? {
                subjects.entry(s.audit_id).or_default().push(s.employee_id);
            }
            Ok((rows, subjects))
        })
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(|r| {
            URL_SAFE_NO_PAD.encode(format!("{}|{}", r.at.and_utc().timestamp_micros(), r.id))
        })
    } else {
        None
    };
    let parse = |raw: &Option<String>| {
        raw.as_deref().map(|j| {
            serde_json::from_str::<serde_json::Value>(j).unwrap_or(serde_json::Value::Null)
        })
    };
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
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
                "employee_ids": subjects.get(&r.id).cloned().unwrap_or_default(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": next_cursor })))
}

/// `GET /api/v1/me/inbox`: what waits for the caller, for the counts a client shows.
pub async fn inbox(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let (flagged, corrections, reports) = state
        .db
        .run(move |conn| {
            let flagged = if REVIEWERS.contains(&caller.role) {
                let scope = Scope::of(conn, &caller)?;
                check_ins::flagged_count(conn, scope.units().as_deref())?
            } else {
                0
            };
            let (corrections, reports) = super::attendance::waiting(conn, &caller)?;
            Ok((flagged, corrections, reports))
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "check_ins_to_review": flagged,
        "corrections_to_decide": corrections,
        "reports_to_decide": reports,
    })))
}
