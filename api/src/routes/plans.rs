//! Schedules, holidays, assignments, rosters and leave: where each employee is meant to work
//! each day, and `GET /api/v1/me/today`.
//!
//! Who may do what: schedules and holidays are the organisation's, written by admins and HR;
//! assignments, rosters and leave are written by admins, HR and unit admins for the people of
//! their units, and read by those plus supervisors (their reports) and employees (their own).
//! As everywhere, a record outside the caller's scope is 404. Every write is in the audit log.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use hadir_domain::Role;
use hadir_domain::checkin::Kind;
use hadir_domain::org::subtree;
use hadir_domain::plan::{self, WEEKDAYS};
use hadir_storage::repo::check_ins::{self, CheckInRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::plan::{self as repo, AssignmentRow, PlanFilter, RosterRow};
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::{page_limit, parse_id, query_id};
use crate::app::assignments::{self, AssignmentBody, AssignmentView, check_home_rules};
use crate::app::calendar::{
    self, HolidayPatch, HolidayView, NewHoliday, NewSchedule, SchedulePatch, ScheduleView,
};
use crate::app::input::{field_id, text};
use crate::app::leaves::{self, LeavePatch, LeaveView, NewLeave};
use crate::app::scope::{Scope, open_days};
use crate::app::{Ctx, duty};
use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::planning;
use crate::state::AppState;
use crate::telemetry::RequestId;

const PLAN_WRITERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

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

fn json(value: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))
}

fn ctx<'a>(state: &'a AppState, caller: &'a AuthUser, request: &'a RequestId) -> Ctx<'a> {
    Ctx {
        state,
        caller,
        request,
    }
}

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
// Rosters

/// A day of a roster's week: `office`, `home` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterMode {
    Office,
    Home,
    Off,
}

impl RosterMode {
    fn as_str(self) -> &'static str {
        match self {
            RosterMode::Office => "office",
            RosterMode::Home => "home",
            RosterMode::Off => "off",
        }
    }
}

/// One group of a roster: its people, and one or more weeks that repeat from the roster's
/// first week (`weeks[0]` the week of `starts_on`, then `weeks[1]`...). A weekday left out of a
/// week keeps the schedule's default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterGroup {
    pub name: String,
    pub employee_ids: Vec<String>,
    pub weeks: Vec<BTreeMap<String, RosterMode>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoster {
    pub unit_id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub groups: Vec<RosterGroup>,
}

#[derive(Debug, Serialize)]
pub struct RosterView {
    pub id: String,
    pub unit_id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub groups: Vec<RosterGroup>,
    pub assignments: i64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl RosterView {
    fn new(r: &RosterRow, assignments: i64) -> Result<Self, ApiError> {
        Ok(Self {
            id: r.id.clone(),
            unit_id: r.unit_id.clone(),
            name: r.name.clone(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            groups: serde_json::from_str(&r.pattern_json)
                .map_err(|e| ApiError::Internal(format!("roster {}: {e}", r.id)))?,
            assignments,
            created_by: r.created_by.clone(),
            created_at: r.created_at.and_utc(),
        })
    }
}

/// The day modes a roster's groups give, per employee and date.
fn roster_days(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    groups: &[RosterGroup],
) -> BTreeMap<(String, NaiveDate), RosterMode> {
    let first_monday =
        starts_on - TimeDelta::days(i64::from(starts_on.weekday().num_days_from_monday()));
    let mut days = BTreeMap::new();
    for date in starts_on.iter_days().take_while(|d| *d <= ends_on) {
        let week = usize::try_from((date - first_monday).num_days() / 7).unwrap_or(0);
        let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
        for g in groups {
            let Some(mode) = g
                .weeks
                .get(week % g.weeks.len().max(1))
                .and_then(|w| w.get(weekday))
            else {
                continue;
            };
            for e in &g.employee_ids {
                days.insert((e.clone(), date), *mode);
            }
        }
    }
    days
}

#[derive(Debug, Serialize)]
pub struct KeptDay {
    pub employee_id: String,
    pub date: NaiveDate,
    pub mode: String,
}

pub async fn create_roster(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewRoster>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PLAN_WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let unit_id = field_id("unit_id", &body.unit_id, &mut errors);
    let span = (body.ends_on - body.starts_on).num_days() + 1;
    if span < 1 {
        errors.push(FieldError::new("ends_on", "is before starts_on"));
    } else if span > i64::from(state.plans.max_roster_days) {
        errors.push(FieldError::new(
            "ends_on",
            format!(
                "a roster covers at most {} days",
                state.plans.max_roster_days
            ),
        ));
    }
    if body.groups.is_empty() {
        errors.push(FieldError::new(
            "groups",
            "a roster needs at least one group",
        ));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut groups = body.groups.clone();
    for (i, g) in groups.iter_mut().enumerate() {
        text(&format!("groups[{i}].name"), &g.name, 100, &mut errors);
        if g.weeks.is_empty() || g.weeks.len() > 8 {
            errors.push(FieldError::new(
                format!("groups[{i}].weeks"),
                "must list 1 to 8 weeks",
            ));
        }
        for (w, week) in g.weeks.iter().enumerate() {
            for day in week.keys() {
                if !WEEKDAYS.contains(&day.as_str()) {
                    errors.push(FieldError::new(
                        format!("groups[{i}].weeks[{w}]"),
                        format!("`{day}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun"),
                    ));
                }
            }
        }
        let mut ids = Vec::new();
        for (k, e) in g.employee_ids.iter().enumerate() {
            let Some(id) = field_id(&format!("groups[{i}].employee_ids[{k}]"), e, &mut errors)
            else {
                continue;
            };
            if let Some(other) = seen.insert(id.clone(), i) {
                errors.push(FieldError::new(
                    format!("groups[{i}].employee_ids[{k}]"),
                    format!("is already in groups[{other}]: one group per person"),
                ));
            }
            ids.push(id);
        }
        g.employee_ids = ids;
    }
    let (Some(name), Some(unit_id)) = (name, unit_id) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let days = roster_days(body.starts_on, body.ends_on, &groups);
    let now = now_utc();
    let roster = RosterRow {
        id: uuid::Uuid::new_v4().to_string(),
        unit_id,
        name,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        pattern_json: json(&groups)?,
        created_by: Some(caller.user_id.clone()),
        created_at: now,
    };
    let rules = state.plans.clone();
    let stored = roster.clone();
    let (who, rid) = (caller.clone(), request_id.clone());
    let window = state.attendance.creator_conflict_days;
    let result = state
        .db
        .transaction_as(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let parents = org::unit_parents(conn)?;
            if !(parents.contains_key(&stored.unit_id) && scope.has_unit(&stored.unit_id)) {
                return Ok(Err(vec![FieldError::new("unit_id", "no such unit")]));
            }
            let units = subtree(&parents, &stored.unit_id);
            let mut errors = Vec::new();
            let named: Vec<String> = groups
                .iter()
                .flat_map(|g| g.employee_ids.iter().cloned())
                .collect();
            let people: HashMap<String, EmployeeRow> = org::find_employees(conn, &named)?
                .into_iter()
                .filter(|e| e.active && units.contains(&e.unit_id))
                .map(|e| (e.id.clone(), e))
                .collect();
            for (i, g) in groups.iter().enumerate() {
                for (k, id) in g.employee_ids.iter().enumerate() {
                    if !people.contains_key(id) {
                        errors.push(FieldError::new(
                            format!("groups[{i}].employee_ids[{k}]"),
                            "no such active employee in this unit or its sub-units",
                        ));
                    }
                }
            }
            let mut reported = HashSet::new();
            for ((employee_id, _), mode) in &days {
                if *mode == RosterMode::Home
                    && let Some(e) = people.get(employee_id)
                    && e.home_latitude.is_none()
                    && reported.insert(employee_id.clone())
                {
                    errors.push(FieldError::new(
                        "groups",
                        format!("{} has work-from-home days but no home point", e.name),
                    ));
                }
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            duty::Guard::load(conn, &caller, window)?.ensure(people.keys().map(String::as_str))?;
            for e in people.values() {
                open_days(conn, e, stored.starts_on, stored.ends_on)?;
            }
            // Days with an assignment made by hand keep it; earlier rosters' days are replaced.
            let ids: Vec<String> = people.keys().cloned().collect();
            let existing: HashMap<(String, NaiveDate), AssignmentRow> =
                repo::assignments_of(conn, &ids, stored.starts_on, stored.ends_on)?
                    .into_iter()
                    .map(|a| ((a.employee_id.clone(), a.date), a))
                    .collect();
            let mut kept = Vec::new();
            let mut changes = BTreeMap::new();
            for (key, mode) in &days {
                match existing.get(key) {
                    Some(a) if a.roster_id.is_none() => kept.push(KeptDay {
                        employee_id: a.employee_id.clone(),
                        date: a.date,
                        mode: a.mode.clone(),
                    }),
                    _ => {
                        changes.insert(key.clone(), mode.as_str().to_owned());
                    }
                }
            }
            let errors = check_home_rules(conn, &rules, &people, &changes)?;
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            repo::insert_roster(conn, &stored)?;
            let now = now_utc();
            let mut replaced = 0;
            for ((employee_id, date), mode) in &changes {
                let row = AssignmentRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    employee_id: employee_id.clone(),
                    date: *date,
                    mode: mode.clone(),
                    office_id: None,
                    destination_name: None,
                    destination_latitude: None,
                    destination_longitude: None,
                    destination_radius_m: None,
                    letter_number: None,
                    shift_start: None,
                    shift_end: None,
                    note: None,
                    roster_id: Some(stored.id.clone()),
                    created_by: Some(caller.user_id.clone()),
                    created_at: now,
                    updated_at: now,
                };
                if let Some(old) = existing.get(&(employee_id.clone(), *date)) {
                    repo::delete_assignment(conn, &old.id)?;
                    replaced += 1;
                }
                repo::insert_assignment(conn, &row)?;
            }
            let view = RosterView::new(&stored, i64::try_from(changes.len()).unwrap_or(0))
                .map_err(|e| StorageError::Other(e.to_string()))?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "roster.create",
                "roster",
                &stored.id,
                None,
                Some(&serde_json::json!({
                    "roster": &view,
                    "replaced": replaced,
                    "kept": &kept,
                })),
            )?;
            Ok(Ok((view, replaced, kept)))
        })
        .await;
    let result =
        super::settled(&state, &who, &rid, "roster.create", result, ApiError::from).await?;
    match result {
        Ok((view, replaced, kept)) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/rosters/{}", roster.id)))
            .json(serde_json::json!({
                "roster": view,
                "assignments_created": view.assignments,
                "assignments_replaced": replaced,
                "kept": kept,
            }))),
        Err(errors) => Err(ApiError::Validation(errors)),
    }
}

#[derive(Debug, Deserialize)]
pub struct RosterQuery {
    pub unit_id: Option<String>,
}

pub async fn list_rosters(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<RosterQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PLAN_WRITERS)?;
    let unit = query_id("unit_id", query.unit_id.as_deref())?;
    let rows = state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let rows = repo::list_rosters(conn, scope.units().as_deref(), unit.as_deref())?;
            rows.into_iter()
                .map(|r| {
                    let n = repo::roster_assignment_count(conn, &r.id)?;
                    Ok((r, n))
                })
                .collect::<Result<Vec<_>, StorageError>>()
        })
        .await?;
    let items = rows
        .iter()
        .map(|(r, n)| RosterView::new(r, *n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub async fn get_roster(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PLAN_WRITERS)?;
    let id = parse_id(&id)?;
    let (row, n) = state
        .db
        .run(move |conn| {
            let row = repo::find_roster(conn, &id)?;
            if !Scope::of(conn, &caller)?.has_unit(&row.unit_id) {
                return Err(StorageError::NotFound);
            }
            let n = repo::roster_assignment_count(conn, &id)?;
            Ok((row, n))
        })
        .await?;
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
