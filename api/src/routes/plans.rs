//! Schedules, holidays, assignments, rosters and leave: where each employee is meant to work
//! each day, and `GET /api/v1/me/today`.
//!
//! Who may do what: schedules and holidays are the organisation's, written by admins and HR;
//! assignments, rosters and leave are written by admins, HR and unit admins for the people of
//! their units, and read by those plus supervisors (their reports) and employees (their own).
//! As everywhere, a record outside the caller's scope is 404. Every write is in the audit log.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use hadir_storage::repo::plan::PlanFilter;
use serde::{Deserialize, Serialize};

use super::{ctx, page_limit, query_id};
use crate::app::assignments::{self, AssignmentBody, AssignmentView};
use crate::app::calendar::{
    self, HolidayPatch, HolidayView, NewHoliday, NewSchedule, SchedulePatch, ScheduleView,
};
use crate::app::leaves::{self, LeavePatch, LeaveView, NewLeave};
use crate::app::rosters::{self, NewRoster, RosterView};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

pub(crate) fn date_param(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    raw.map(|r| {
        NaiveDate::parse_from_str(r, "%Y-%m-%d")
            .map_err(|_| ApiError::field(field, "must be a date as YYYY-MM-DD"))
    })
    .transpose()
}

pub(crate) fn created(path: &str, id: &str, body: &impl Serialize) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/{path}/{id}")))
        .json(body)
}

// ---------------------------------------------------------------------------------------------
// Schedules and holidays: the rules live in `app::calendar`.

pub async fn list_schedules(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let rows = calendar::list_schedules(&ctx(&state, &caller, &request_id)).await?;
    let items = rows
        .iter()
        .map(ScheduleView::new)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub async fn create_schedule(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewSchedule>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::create_schedule(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("schedules", &row.id, &ScheduleView::new(&row)?))
}

pub async fn get_schedule(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::schedule(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(ScheduleView::new(&row)?))
}

pub async fn update_schedule(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<SchedulePatch>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::update_schedule(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(ScheduleView::new(&row)?))
}

pub async fn delete_schedule(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    calendar::delete_schedule(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub struct HolidayQuery {
    pub year: Option<i32>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/v1/holidays?year=&from=&to=`: any signed-in user, so that phones can show them.
pub async fn list_holidays(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = date_param("from", query.from.as_deref())?;
    let to = date_param("to", query.to.as_deref())?;
    let rows = calendar::holidays(&ctx(&state, &caller, &request_id), query.year, from, to).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(HolidayView::from).collect::<Vec<_>>(),
    })))
}

pub async fn create_holiday(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewHoliday>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::create_holiday(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("holidays", &row.id, &HolidayView::from(&row)))
}

pub async fn get_holiday(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::holiday(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(HolidayView::from(&row)))
}

pub async fn update_holiday(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<HolidayPatch>,
) -> Result<HttpResponse, ApiError> {
    let row = calendar::update_holiday(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(HolidayView::from(&row)))
}

pub async fn delete_holiday(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    calendar::delete_holiday(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    pub employee_id: Option<String>,
    pub unit_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub(crate) fn decode_cursor(raw: Option<&str>) -> Result<Option<(NaiveDate, String)>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| {
            let (date, id) = t.split_once('|')?;
            Some((
                NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
                id.to_owned(),
            ))
        })
        .map(Some)
        .ok_or_else(|| ApiError::field("cursor", "not a cursor this API issued"))
}

fn encode_cursor(date: NaiveDate, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{date}|{id}"))
}

impl PlanQuery {
    fn filter(&self) -> Result<(PlanFilter, Option<String>), ApiError> {
        let limit = page_limit(self.limit)?;
        let unit = query_id("unit_id", self.unit_id.as_deref())?;
        Ok((
            PlanFilter {
                employees: None,
                employee_id: query_id("employee_id", self.employee_id.as_deref())?,
                from: date_param("from", self.from.as_deref())?,
                to: date_param("to", self.to.as_deref())?,
                after: decode_cursor(self.cursor.as_deref())?,
                limit: limit + 1,
            },
            unit,
        ))
    }
}

pub(crate) fn page<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (NaiveDate, &str),
) -> (Vec<T>, Option<String>) {
    let wanted = usize::try_from(limit - 1).unwrap_or(0);
    if rows.len() > wanted {
        rows.truncate(wanted);
        let next = rows.last().map(|r| {
            let (d, id) = key(r);
            encode_cursor(d, id)
        });
        (rows, next)
    } else {
        (rows, None)
    }
}

// ---------------------------------------------------------------------------------------------
// Assignments: the rules live in `app::assignments`.

pub async fn list_assignments(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, unit) = query.filter()?;
    let limit = filter.limit;
    let rows = assignments::list(&ctx(&state, &caller, &request_id), filter, unit).await?;
    let (rows, next_cursor) = page(rows, limit, |r| (r.date, r.id.as_str()));
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(AssignmentView::from).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

pub async fn create_assignment(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<AssignmentBody>,
) -> Result<HttpResponse, ApiError> {
    let row = assignments::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("assignments", &row.id, &AssignmentView::from(&row)))
}

pub async fn get_assignment(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = assignments::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(AssignmentView::from(&row)))
}

/// `PATCH /api/v1/assignments/{id}`: replaces what the day's assignment says (the mode and
/// its fields); the employee and the date stay.
pub async fn update_assignment(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<AssignmentBody>,
) -> Result<HttpResponse, ApiError> {
    let row = assignments::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(AssignmentView::from(&row)))
}

pub async fn delete_assignment(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    assignments::delete(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Rosters: the rules live in `app::rosters`.

pub async fn create_roster(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewRoster>,
) -> Result<HttpResponse, ApiError> {
    let done = rosters::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/rosters/{}", done.view.id),
        ))
        .json(serde_json::json!({
            "roster": done.view,
            "assignments_created": done.view.assignments,
            "assignments_replaced": done.replaced,
            "kept": done.kept,
        })))
}

#[derive(Debug, Deserialize)]
pub struct RosterQuery {
    pub unit_id: Option<String>,
}

pub async fn list_rosters(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<RosterQuery>,
) -> Result<HttpResponse, ApiError> {
    let unit = query_id("unit_id", query.unit_id.as_deref())?;
    let rows = rosters::list(&ctx(&state, &caller, &request_id), unit).await?;
    let items = rows
        .iter()
        .map(|(r, n)| RosterView::new(r, *n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub async fn get_roster(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (row, n) = rosters::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(RosterView::new(&row, n)?))
}

// ---------------------------------------------------------------------------------------------
// Leave: the rules live in `app::leaves`.

pub async fn list_leaves(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, unit) = query.filter()?;
    let limit = filter.limit;
    let rows = leaves::list(&ctx(&state, &caller, &request_id), filter, unit).await?;
    let (rows, next_cursor) = page(rows, limit, |r| (r.starts_on, r.id.as_str()));
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(LeaveView::from).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

pub async fn create_leave(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewLeave>,
) -> Result<HttpResponse, ApiError> {
    let row = leaves::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("leaves", &row.id, &LeaveView::from(&row)))
}

pub async fn get_leave(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = leaves::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(LeaveView::from(&row)))
}

pub async fn update_leave(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<LeavePatch>,
) -> Result<HttpResponse, ApiError> {
    let row = leaves::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(LeaveView::from(&row)))
}

pub async fn delete_leave(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    leaves::delete(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Today

/// `GET /api/v1/me/today`: the caller's plan for the current work day and what they sent.
pub async fn today(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let today = crate::app::check_ins::today(&ctx(&state, &caller, &request_id)).await?;
    Ok(HttpResponse::Ok().json(today))
}
