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
use chrono::{NaiveDate, TimeDelta, Utc};
use hadir_domain::checkin::Kind;
use hadir_domain::plan::{self};
use hadir_storage::repo::check_ins::{self, CheckInRow};
use hadir_storage::repo::org::{self};
use hadir_storage::repo::plan::{self as repo, PlanFilter};
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
use crate::planning;
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

#[derive(Debug, Serialize)]
pub struct TodayView {
    pub date: NaiveDate,
    pub timezone: String,
    pub mode: plan::Mode,
    /// The main place (the first of `places`), as API.md shows it.
    pub place: Option<plan::Place>,
    /// Every place the day allows (an employee may be allowed at several offices).
    pub places: Vec<plan::Place>,
    pub window: Option<plan::Window>,
    /// One line: what decided the day (leave, holiday, assignment, schedule).
    pub reason: String,
    pub check_in: Option<super::check_ins::CheckInView>,
    pub check_out: Option<super::check_ins::CheckInView>,
}

/// `GET /api/v1/me/today`: the caller's plan for the current work day and what they sent.
pub async fn today(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let employee_id = caller.employee_id.clone().ok_or(ApiError::NotFound)?;
    let now = Utc::now();
    let default_tz = state.check_in.time_zone();
    let (employee, book) = state
        .db
        .run(move |conn| {
            let employee = org::find_employee(conn, &employee_id)?;
            let d = now.date_naive();
            let book = repo::load_book(
                conn,
                Some(std::slice::from_ref(&employee_id)),
                d - TimeDelta::days(2),
                d + TimeDelta::days(1),
            )?;
            Ok((employee, book))
        })
        .await?;
    let tz = planning::time_zone_of(&book, &employee, default_tz);
    let today = now.with_timezone(&tz).date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    let today_plan = planning::day_plan(&book, &employee, today, default_tz)?;
    let yesterday_plan = planning::day_plan(&book, &employee, yesterday, default_tz)?;
    // A night shift that is not over yet is still "today" for the phone.
    let day = plan::plan_for(&yesterday_plan, &today_plan, Kind::Out, now).clone();
    let (emp, date) = (employee.id.clone(), day.date.to_string());
    let rows: Vec<CheckInRow> = state
        .db
        .run(move |conn| check_ins::on_local_date(conn, &emp, &date))
        .await?;
    let counted = |r: &&CheckInRow| r.status != "rejected";
    let first_in = rows
        .iter()
        .filter(counted)
        .filter(|r| r.kind == "in")
        .min_by_key(|r| r.counted_at);
    let last_out = rows
        .iter()
        .filter(counted)
        .filter(|r| r.kind == "out")
        .max_by_key(|r| r.counted_at);
    Ok(HttpResponse::Ok().json(TodayView {
        date: day.date,
        timezone: day.timezone.clone(),
        mode: day.mode,
        place: day.places.first().cloned(),
        places: day.places.clone(),
        window: day.window,
        reason: day.reason.clone(),
        check_in: first_in
            .map(|r| super::check_ins::CheckInView::from_row(r, None))
            .transpose()?,
        check_out: last_out
            .map(|r| super::check_ins::CheckInView::from_row(r, None))
            .transpose()?,
    }))
}
