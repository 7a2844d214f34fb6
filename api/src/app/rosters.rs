//! Rosters: a unit's rotation between office and home (and days off) for weeks ahead, set by
//! admins, HR and unit admins for the people of their units. A roster becomes assignments,
//! kept to the rules of working from home; a day assigned by hand stays as it was and is
//! reported; the whole roster is one audited change.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use hadir_domain::Role;
use hadir_domain::org::subtree;
use hadir_domain::plan::WEEKDAYS;
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::plan::{self as repo, AssignmentRow, RosterRow};
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::assignments::check_home_rules;
use super::input::{field_id, parse_id, text};
use super::scope::{Scope, open_days};
use super::{Ctx, Error, FieldError, duty};
use crate::audit::Actor;

/// Who writes and reads rosters.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// What a new roster did.
#[derive(Debug)]
pub struct Created {
    pub view: RosterView,
    /// Days an earlier roster had, now this one's.
    pub replaced: i32,
    /// Days assigned by hand, left as they were.
    pub kept: Vec<KeptDay>,
}

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
    pub fn new(r: &RosterRow, assignments: i64) -> Result<Self, Error> {
        Ok(Self {
            id: r.id.clone(),
            unit_id: r.unit_id.clone(),
            name: r.name.clone(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            groups: serde_json::from_str(&r.pattern_json)
                .map_err(|e| Error::Internal(format!("roster {}: {e}", r.id)))?,
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

/// A roster: its groups' weeks become assignments from `starts_on` to `ends_on`, except on
/// days someone assigned by hand (kept, and reported); earlier rosters' days are replaced.
pub async fn create(ctx: &Ctx<'_>, body: NewRoster) -> Result<Created, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let unit_id = field_id("unit_id", &body.unit_id, &mut errors);
    let span = (body.ends_on - body.starts_on).num_days() + 1;
    if span < 1 {
        errors.push(FieldError::new("ends_on", "is before starts_on"));
    } else if span > i64::from(ctx.state.plans.max_roster_days) {
        errors.push(FieldError::new(
            "ends_on",
            format!(
                "a roster covers at most {} days",
                ctx.state.plans.max_roster_days
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
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
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
        created_by: Some(ctx.caller.user_id.clone()),
        created_at: now,
    };
    let rules = ctx.state.plans.clone();
    let stored = roster.clone();
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
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
    let (view, replaced, kept) = duty::settled(ctx, "roster.create", result, Error::from)
        .await?
        .map_err(Error::Validation)?;
    Ok(Created {
        view,
        replaced,
        kept,
    })
}

/// The rosters of the caller's units (within `unit` when given), with their assignments.
pub async fn list(ctx: &Ctx<'_>, unit: Option<String>) -> Result<Vec<(RosterRow, i64)>, Error> {
    ctx.caller.require(WRITERS)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
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
        .await?)
}

/// One roster of the caller's units, with its assignments.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<(RosterRow, i64), Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let row = repo::find_roster(conn, &id)?;
            if !Scope::of(conn, &caller)?.has_unit(&row.unit_id) {
                return Err(StorageError::NotFound);
            }
            let n = repo::roster_assignment_count(conn, &id)?;
            Ok((row, n))
        })
        .await?)
}
