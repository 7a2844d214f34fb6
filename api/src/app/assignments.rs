//! Assignments: where an employee works on a date (office, home, field, duty, off), written by
//! admins, HR and unit admins for the people of their units (never their own, nor of an
//! account that recently created theirs), read by those plus supervisors and the employee. An
//! assignment keeps to the rules of working from home (echelons, each unit's quota), names an
//! active office, never touches a closed month, and is audited.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use hadir_domain::Role;
use hadir_domain::geofence::Coordinates;
use hadir_domain::org::subtree;
use hadir_domain::plan::{self, Hours};
use hadir_storage::repo::org::{self, EmployeeRow, UnitRow};
use hadir_storage::repo::plan::{self as repo, AssignmentRow, PlanFilter};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::dated::{self, Dated};
use super::input::{field_id, parse_id, text};
use super::scope::{Scope, open_days, writable_employee};
use super::{Ctx, Error, FieldError, duty};
use crate::audit::Actor;
use crate::planning;
use crate::settings::PlanSettings;

/// Who writes assignments.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

const MODES: [&str; 5] = ["office", "home", "field", "duty", "off"];

#[derive(Debug, Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
}

#[derive(Debug, Serialize)]
pub struct AssignmentView {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    pub mode: String,
    pub office_id: Option<String>,
    pub destination: Option<Destination>,
    pub letter_number: Option<String>,
    pub shift: Option<Hours>,
    pub note: Option<String>,
    pub roster_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&AssignmentRow> for AssignmentView {
    fn from(r: &AssignmentRow) -> Self {
        let destination = match (
            &r.destination_name,
            r.destination_latitude,
            r.destination_longitude,
            r.destination_radius_m,
        ) {
            (Some(name), Some(latitude), Some(longitude), Some(radius_m)) => Some(Destination {
                name: name.clone(),
                latitude,
                longitude,
                radius_m,
            }),
            _ => None,
        };
        let shift = r
            .shift_start
            .as_deref()
            .and_then(planning::hhmm)
            .zip(r.shift_end.as_deref().and_then(planning::hhmm))
            .map(|(start, end)| Hours { start, end });
        Self {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            date: r.date,
            mode: r.mode.clone(),
            office_id: r.office_id.clone(),
            destination,
            letter_number: r.letter_number.clone(),
            shift,
            note: r.note.clone(),
            roster_id: r.roster_id.clone(),
            created_by: r.created_by.clone(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// What a day's assignment says; the same body creates (with employee and date) and replaces.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    #[serde(default)]
    pub employee_id: Option<String>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    pub mode: String,
    #[serde(default)]
    pub office_id: Option<String>,
    #[serde(default)]
    pub destination: Option<Destination>,
    #[serde(default)]
    pub letter_number: Option<String>,
    #[serde(default)]
    pub shift: Option<Hours>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The mode's own fields, checked: `(office_id, destination, letter_number, shift, note)`.
struct ModeFields {
    mode: String,
    office_id: Option<String>,
    destination: Option<Destination>,
    letter_number: Option<String>,
    shift: Option<Hours>,
    note: Option<String>,
}

fn mode_fields(body: &AssignmentBody, errors: &mut Vec<FieldError>) -> Option<ModeFields> {
    let mode = body.mode.as_str();
    if !MODES.contains(&mode) {
        errors.push(FieldError::new(
            "mode",
            "must be office, home, field, duty or off",
        ));
        return None;
    }
    let office_id = body
        .office_id
        .as_deref()
        .and_then(|o| field_id("office_id", o, errors));
    let note = body
        .note
        .as_deref()
        .and_then(|n| text("note", n, 500, errors));
    let letter_number = body
        .letter_number
        .as_deref()
        .and_then(|l| text("letter_number", l, 100, errors));
    let only = |field: &str, present: bool, modes: &str, errors: &mut Vec<FieldError>| {
        if present {
            errors.push(FieldError::new(
                field,
                format!("belongs to mode {modes} only"),
            ));
        }
    };
    match mode {
        "office" => {
            only("destination", body.destination.is_some(), "field", errors);
            only("shift", body.shift.is_some(), "duty", errors);
        }
        "duty" => {
            if body.office_id.is_none() {
                errors.push(FieldError::new(
                    "office_id",
                    "a duty shift needs its office",
                ));
            }
            if body.shift.is_none() {
                errors.push(FieldError::new(
                    "shift",
                    "a duty shift needs its hours: {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}",
                ));
            }
            only("destination", body.destination.is_some(), "field", errors);
        }
        "field" => {
            match &body.destination {
                None => errors.push(FieldError::new(
                    "destination",
                    "field duty needs its destination: name, latitude, longitude, radius_m",
                )),
                Some(d) => {
                    text("destination.name", &d.name, 200, errors);
                    if let Err(e) = Coordinates::new(d.latitude, d.longitude) {
                        errors.push(FieldError::new("destination.latitude", e.to_string()));
                    }
                    if !(d.radius_m.is_finite() && d.radius_m > 0.0 && d.radius_m <= 50_000.0) {
                        errors.push(FieldError::new(
                            "destination.radius_m",
                            "must be a number of metres above 0 and at most 50000",
                        ));
                    }
                }
            }
            if body.letter_number.is_none() {
                errors.push(FieldError::new(
                    "letter_number",
                    "field duty needs the number of its assignment letter (surat tugas)",
                ));
            }
            only(
                "office_id",
                body.office_id.is_some(),
                "office or duty",
                errors,
            );
            only("shift", body.shift.is_some(), "duty", errors);
        }
        _ => {
            only(
                "office_id",
                body.office_id.is_some(),
                "office or duty",
                errors,
            );
            only("destination", body.destination.is_some(), "field", errors);
            only("shift", body.shift.is_some(), "duty", errors);
        }
    }
    if mode != "field" && body.letter_number.is_some() {
        errors.push(FieldError::new(
            "letter_number",
            "belongs to mode field only",
        ));
    }
    Some(ModeFields {
        mode: mode.to_owned(),
        office_id,
        destination: body.destination.clone(),
        letter_number,
        shift: body.shift,
        note,
    })
}

impl ModeFields {
    fn row(
        self,
        id: String,
        employee_id: String,
        date: NaiveDate,
        created_by: Option<String>,
        created_at: chrono::NaiveDateTime,
    ) -> AssignmentRow {
        let d = self.destination;
        AssignmentRow {
            id,
            employee_id,
            date,
            mode: self.mode,
            office_id: self.office_id,
            destination_name: d.as_ref().map(|d| d.name.trim().to_owned()),
            destination_latitude: d.as_ref().map(|d| d.latitude),
            destination_longitude: d.as_ref().map(|d| d.longitude),
            destination_radius_m: d.as_ref().map(|d| d.radius_m),
            letter_number: self.letter_number,
            shift_start: self.shift.map(|h| h.start.format("%H:%M").to_string()),
            shift_end: self.shift.map(|h| h.end.format("%H:%M").to_string()),
            note: self.note,
            roster_id: None,
            created_by,
            created_at,
            updated_at: now_utc(),
        }
    }
}

/// Checks an assignment's references: an active office; a home point for work from home.
fn check_assignment_refs(
    conn: &mut DbConnection,
    employee: &EmployeeRow,
    row: &AssignmentRow,
) -> Result<Vec<FieldError>, StorageError> {
    let mut errors = Vec::new();
    if let Some(office) = &row.office_id {
        match org::find_office(conn, office) {
            Ok(o) if o.active => {}
            Ok(_) | Err(StorageError::NotFound) => {
                errors.push(FieldError::new("office_id", "no such active office"));
            }
            Err(e) => return Err(e),
        }
    }
    if row.mode == "home" && employee.home_latitude.is_none() {
        errors.push(FieldError::new(
            "mode",
            format!(
                "{} has no home point: record home_latitude, home_longitude and home_radius_m \
                 on the employee before assigning work from home",
                employee.name
            ),
        ));
    }
    Ok(errors)
}

/// The rules a set of new day modes must keep (DOMAIN.md): echelons that stay in the office,
/// and each unit's WFH quota. `changes` maps (employee, date) to the mode it will have; the
/// other days keep what is stored. Every breach is reported, naming the days and people.
pub(crate) fn check_home_rules(
    conn: &mut DbConnection,
    rules: &PlanSettings,
    employees: &HashMap<String, EmployeeRow>,
    changes: &BTreeMap<(String, NaiveDate), String>,
) -> Result<Vec<FieldError>, StorageError> {
    let mut errors = Vec::new();
    // Echelon rule.
    let mut barred: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for ((employee_id, date), mode) in changes {
        if mode == "home"
            && let Some(e) = employees.get(employee_id)
            && rules.office_echelons.contains(&e.echelon)
        {
            barred.entry(employee_id.as_str()).or_default().push(*date);
        }
    }
    for (employee_id, dates) in barred {
        let e = &employees[employee_id];
        let dates: Vec<String> = dates.iter().map(ToString::to_string).collect();
        errors.push(FieldError::new(
            "mode",
            format!(
                "{} (NIP {}, echelon {}) must stay in the office: echelons {} do not work from \
                 home; days: {}",
                e.name,
                e.nip,
                e.echelon,
                rules.office_echelons.join(", "),
                dates.join(", ")
            ),
        ));
    }
    // Quota per unit: the nearest unit up the tree that sets one, else the employee's own unit
    // with the default quota.
    let home_changes: Vec<_> = changes.iter().filter(|(_, m)| *m == "home").collect();
    if home_changes.is_empty() {
        return Ok(errors);
    }
    let parents = org::unit_parents(conn)?;
    let mut unit_rows: HashMap<String, UnitRow> = HashMap::new();
    let mut quota_of =
        |conn: &mut DbConnection, unit: &str| -> Result<(String, u32), StorageError> {
            let mut current = Some(unit.to_owned());
            for _ in 0..64 {
                let Some(u) = current else { break };
                if !unit_rows.contains_key(&u) {
                    let row = org::find_unit(conn, &u)?;
                    unit_rows.insert(u.clone(), row);
                }
                let row = &unit_rows[&u];
                if let Some(q) = row.wfh_quota_percent {
                    return Ok((u, u32::try_from(q).unwrap_or(100)));
                }
                current = parents.get(&u).cloned().flatten();
            }
            Ok((unit.to_owned(), rules.default_wfh_quota_percent))
        };
    let mut checks: BTreeMap<String, (u32, BTreeSet<NaiveDate>)> = BTreeMap::new();
    for ((employee_id, date), _) in &home_changes {
        let Some(e) = employees.get(employee_id) else {
            continue;
        };
        let (unit, quota) = quota_of(conn, &e.unit_id)?;
        if quota < 100 {
            checks
                .entry(unit)
                .or_insert((quota, BTreeSet::new()))
                .1
                .insert(*date);
        }
    }
    for (unit, (quota, dates)) in checks {
        let (Some(from), Some(to)) = (dates.first().copied(), dates.last().copied()) else {
            continue;
        };
        let units: Vec<String> = subtree(&parents, &unit).into_iter().collect();
        let members = repo::active_employees_in(conn, &units)?;
        let ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        let names: HashMap<&str, &str> = members
            .iter()
            .map(|m| (m.id.as_str(), m.name.as_str()))
            .collect();
        let mut modes: HashMap<(String, NaiveDate), String> =
            repo::assignments_of(conn, &ids, from, to)?
                .into_iter()
                .map(|a| ((a.employee_id, a.date), a.mode))
                .collect();
        for ((e, d), m) in changes {
            if names.contains_key(e.as_str()) && *d >= from && *d <= to {
                modes.insert((e.clone(), *d), m.clone());
            }
        }
        let mut at_home: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for ((e, d), m) in &modes {
            if m == "home" && dates.contains(d) {
                at_home
                    .entry(*d)
                    .or_default()
                    .push(names.get(e.as_str()).copied().unwrap_or(e).to_owned());
            }
        }
        let unit_name = unit_rows
            .get(&unit)
            .map_or(unit.as_str(), |u| u.name.as_str());
        for breach in plan::wfh_quota_breaches(unit_name, quota, members.len(), &at_home) {
            errors.push(FieldError::new("mode", breach.message));
        }
    }
    Ok(errors)
}

fn conflict(e: StorageError) -> Error {
    match e {
        StorageError::Duplicate(_) => Error::Conflict(
            "the employee already has an assignment on that date; change that one (PATCH) or \
             delete it first"
                .into(),
        ),
        e => e.into(),
    }
}

/// The assignments of the employees the caller may list, by `filter` (within `unit`).
pub async fn list(
    ctx: &Ctx<'_>,
    mut filter: PlanFilter,
    unit: Option<String>,
) -> Result<Vec<AssignmentRow>, Error> {
    super::dated::list(ctx, unit, move |conn, employees| {
        filter.employees = employees;
        repo::list_assignments(conn, &filter)
    })
    .await
}

/// Assigns an employee's day.
pub async fn create(ctx: &Ctx<'_>, body: AssignmentBody) -> Result<AssignmentRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let employee_id = if let Some(e) = &body.employee_id {
        field_id("employee_id", e, &mut errors)
    } else {
        errors.push(FieldError::new("employee_id", "is required"));
        None
    };
    if body.date.is_none() {
        errors.push(FieldError::new("date", "is required (YYYY-MM-DD)"));
    }
    let fields = mode_fields(&body, &mut errors);
    let (Some(employee_id), Some(date), Some(fields)) = (employee_id, body.date, fields) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = now_utc();
    let row = fields.row(
        uuid::Uuid::new_v4().to_string(),
        employee_id,
        date,
        Some(ctx.caller.user_id.clone()),
        now,
    );
    let rules = ctx.state.plans.clone();
    let stored = row.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let employee =
                writable_employee(conn, &scope, &stored.employee_id).map_err(|e| match e {
                    StorageError::NotFound => StorageError::MissingReference("employee_id".into()),
                    e => e,
                })?;
            duty::ensure(conn, &caller, &employee.id, window)?;
            open_days(conn, &employee, stored.date, stored.date)?;
            let mut errors = check_assignment_refs(conn, &employee, &stored)?;
            let people = HashMap::from([(employee.id.clone(), employee.clone())]);
            let changes =
                BTreeMap::from([((employee.id.clone(), stored.date), stored.mode.clone())]);
            errors.extend(check_home_rules(conn, &rules, &people, &changes)?);
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            repo::insert_assignment(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "assignment.create",
                "assignment",
                &stored.id,
                None,
                Some(&AssignmentView::from(&stored)),
            )?;
            Ok(Ok(()))
        })
        .await;
    duty::settled(ctx, "assignment.create", result, |e| match e {
        StorageError::MissingReference(_) => Error::field("employee_id", "no such employee"),
        e => conflict(e),
    })
    .await?
    .map_err(Error::Validation)?;
    Ok(row)
}

/// One assignment, when the caller may see its employee (404 otherwise).
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<AssignmentRow, Error> {
    dated::get(ctx, id, repo::find_assignment, |r: &AssignmentRow| {
        r.employee_id.as_str()
    })
    .await
}

/// Replaces what the day's assignment says (the mode and its fields); the employee and the
/// date stay.
pub async fn update(ctx: &Ctx<'_>, id: &str, body: AssignmentBody) -> Result<AssignmentRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    if body.employee_id.is_some() || body.date.is_some() {
        errors.push(FieldError::new(
            "date",
            "an assignment keeps its employee and date; delete it and create another",
        ));
    }
    let fields = mode_fields(&body, &mut errors);
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let rules = ctx.state.plans.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let before = repo::find_assignment(conn, &id)?;
            let scope = Scope::of(conn, &caller)?;
            let employee = writable_employee(conn, &scope, &before.employee_id)?;
            duty::ensure(conn, &caller, &employee.id, window)?;
            let after = fields.row(
                id.clone(),
                before.employee_id.clone(),
                before.date,
                before.created_by.clone(),
                before.created_at,
            );
            open_days(conn, &employee, after.date, after.date)?;
            let mut errors = check_assignment_refs(conn, &employee, &after)?;
            let people = HashMap::from([(employee.id.clone(), employee.clone())]);
            let changes = BTreeMap::from([((employee.id.clone(), after.date), after.mode.clone())]);
            errors.extend(check_home_rules(conn, &rules, &people, &changes)?);
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            repo::replace_assignment(conn, &after)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "assignment.update",
                "assignment",
                &id,
                Some(&AssignmentView::from(&before)),
                Some(&AssignmentView::from(&after)),
            )?;
            Ok(Ok(after))
        })
        .await;
    duty::settled(ctx, "assignment.update", result, Error::from)
        .await?
        .map_err(Error::Validation)
}

/// Deletes an assignment of an open month.
pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let kind = Dated {
        entity: "assignment",
        find: repo::find_assignment,
        delete: repo::delete_assignment,
        days: |a: &AssignmentRow| (a.employee_id.as_str(), a.date, a.date),
        view: |a: &AssignmentRow| AssignmentView::from(a),
    };
    dated::delete(ctx, WRITERS, kind, id).await
}
