//! Schedules, holidays, rosters, assignments and leave: the rows `plan::resolve` is fed from.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::repo::org::{EmployeeRow, OfficeRow, UnitRow};
use crate::schema::{
    assignments, employee_offices, employees, holidays, leaves, offices, plan_epoch, rosters,
    schedule_versions, schedules, units,
};
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = schedules)]
pub struct ScheduleRow {
    pub id: String,
    pub name: String,
    /// JSON: hours per weekday (`plan::Week`).
    pub days_json: String,
    pub grace_minutes: i32,
    pub check_in_opens_before_minutes: i32,
    pub check_out_closes_after_minutes: i32,
    /// JSON: `[plan::ScheduleOverride]`.
    pub overrides_json: String,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a schedule said up to `valid_until` (included), before a change.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = schedule_versions)]
pub struct ScheduleVersionRow {
    pub id: String,
    pub schedule_id: String,
    pub valid_until: NaiveDate,
    pub days_json: String,
    pub grace_minutes: i32,
    pub check_in_opens_before_minutes: i32,
    pub check_out_closes_after_minutes: i32,
    pub overrides_json: String,
    pub created_at: NaiveDateTime,
}

impl ScheduleVersionRow {
    /// The schedule as it read up to `valid_until`: the current row with the version's rules.
    #[must_use]
    pub fn applied_to(&self, current: &ScheduleRow) -> ScheduleRow {
        ScheduleRow {
            days_json: self.days_json.clone(),
            grace_minutes: self.grace_minutes,
            check_in_opens_before_minutes: self.check_in_opens_before_minutes,
            check_out_closes_after_minutes: self.check_out_closes_after_minutes,
            overrides_json: self.overrides_json.clone(),
            ..current.clone()
        }
    }
}

/// Keeps `before`'s rules for the days up to `valid_until`, ahead of a change.
pub fn insert_schedule_version(
    conn: &mut DbConnection,
    before: &ScheduleRow,
    valid_until: NaiveDate,
) -> Result<(), StorageError> {
    diesel::insert_into(schedule_versions::table)
        .values(&ScheduleVersionRow {
            id: uuid::Uuid::new_v4().to_string(),
            schedule_id: before.id.clone(),
            valid_until,
            days_json: before.days_json.clone(),
            grace_minutes: before.grace_minutes,
            check_in_opens_before_minutes: before.check_in_opens_before_minutes,
            check_out_closes_after_minutes: before.check_out_closes_after_minutes,
            overrides_json: before.overrides_json.clone(),
            created_at: crate::now_utc(),
        })
        .execute(conn)?;
    Ok(())
}

/// The last day an earlier version of the schedule covers, if it has one.
pub fn last_version_until(
    conn: &mut DbConnection,
    schedule_id: &str,
) -> Result<Option<NaiveDate>, StorageError> {
    Ok(schedule_versions::table
        .filter(schedule_versions::schedule_id.eq(schedule_id))
        .select(diesel::dsl::max(schedule_versions::valid_until))
        .first(conn)?)
}

#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = schedules)]
pub struct ScheduleChanges {
    pub name: Option<String>,
    pub days_json: Option<String>,
    pub grace_minutes: Option<i32>,
    pub check_in_opens_before_minutes: Option<i32>,
    pub check_out_closes_after_minutes: Option<i32>,
    pub overrides_json: Option<String>,
    pub is_default: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = holidays)]
pub struct HolidayRow {
    pub id: String,
    pub date: NaiveDate,
    pub name: String,
    /// `national`, `collective_leave` or `local`.
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = holidays)]
pub struct HolidayChanges {
    pub date: Option<NaiveDate>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = rosters)]
pub struct RosterRow {
    pub id: String,
    pub unit_id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// JSON: the groups and their weekly patterns, as posted.
    pub pattern_json: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(
    Clone,
    Debug,
    PartialEq,
    Queryable,
    Selectable,
    Insertable,
    Identifiable,
    AsChangeset,
    serde::Serialize,
)]
#[diesel(table_name = assignments, treat_none_as_null = true)]
pub struct AssignmentRow {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    /// `office`, `home`, `field`, `duty` or `off`.
    pub mode: String,
    pub office_id: Option<String>,
    pub destination_name: Option<String>,
    pub destination_latitude: Option<f64>,
    pub destination_longitude: Option<f64>,
    pub destination_radius_m: Option<f64>,
    pub letter_number: Option<String>,
    /// `HH:MM`, for duty shifts.
    pub shift_start: Option<String>,
    pub shift_end: Option<String>,
    pub note: Option<String>,
    pub roster_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(
    Clone,
    Debug,
    PartialEq,
    Queryable,
    Selectable,
    Insertable,
    Identifiable,
    AsChangeset,
    serde::Serialize,
)]
#[diesel(table_name = leaves, treat_none_as_null = true)]
pub struct LeaveRow {
    pub id: String,
    pub employee_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// `cuti`, `sakit`, `izin` or `tugas_belajar`.
    pub kind: String,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

// ---------------------------------------------------------------------------------------------
// Schedules

pub fn insert_schedule(conn: &mut DbConnection, row: &ScheduleRow) -> Result<(), StorageError> {
    if row.is_default {
        clear_default_schedule(conn)?;
    }
    diesel::insert_into(schedules::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

fn clear_default_schedule(conn: &mut DbConnection) -> Result<(), StorageError> {
    diesel::update(schedules::table.filter(schedules::is_default.eq(true)))
        .set(schedules::is_default.eq(false))
        .execute(conn)?;
    Ok(())
}

pub fn find_schedule(conn: &mut DbConnection, id: &str) -> Result<ScheduleRow, StorageError> {
    Ok(schedules::table
        .find(id)
        .select(ScheduleRow::as_select())
        .first(conn)?)
}

pub fn list_schedules(conn: &mut DbConnection) -> Result<Vec<ScheduleRow>, StorageError> {
    Ok(schedules::table
        .select(ScheduleRow::as_select())
        .order((schedules::name.asc(), schedules::id.asc()))
        .load(conn)?)
}

pub fn update_schedule(
    conn: &mut DbConnection,
    id: &str,
    changes: &ScheduleChanges,
) -> Result<ScheduleRow, StorageError> {
    if changes.is_default == Some(true) {
        clear_default_schedule(conn)?;
    }
    diesel::update(schedules::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_schedule(conn, id)
}

/// Whether a schedule is still named by a unit or an employee (then it cannot be deleted).
pub fn schedule_in_use(conn: &mut DbConnection, id: &str) -> Result<bool, StorageError> {
    let by_units: i64 = units::table
        .filter(units::schedule_id.eq(id))
        .count()
        .get_result(conn)?;
    let by_employees: i64 = employees::table
        .filter(employees::schedule_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(by_units + by_employees > 0)
}

pub fn delete_schedule(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::delete(schedule_versions::table.filter(schedule_versions::schedule_id.eq(id)))
        .execute(conn)?;
    diesel::delete(schedules::table.find(id)).execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Holidays

pub fn insert_holiday(conn: &mut DbConnection, row: &HolidayRow) -> Result<(), StorageError> {
    diesel::insert_into(holidays::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_holiday(conn: &mut DbConnection, id: &str) -> Result<HolidayRow, StorageError> {
    Ok(holidays::table
        .find(id)
        .select(HolidayRow::as_select())
        .first(conn)?)
}

/// Holidays from `from` to `to` (both included), by date.
pub fn holidays_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<HolidayRow>, StorageError> {
    Ok(holidays::table
        .filter(holidays::date.ge(from).and(holidays::date.le(to)))
        .select(HolidayRow::as_select())
        .order(holidays::date.asc())
        .load(conn)?)
}

pub fn update_holiday(
    conn: &mut DbConnection,
    id: &str,
    changes: &HolidayChanges,
) -> Result<HolidayRow, StorageError> {
    diesel::update(holidays::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_holiday(conn, id)
}

pub fn delete_holiday(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::delete(holidays::table.find(id)).execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Assignments

pub fn find_assignment(conn: &mut DbConnection, id: &str) -> Result<AssignmentRow, StorageError> {
    Ok(assignments::table
        .find(id)
        .select(AssignmentRow::as_select())
        .first(conn)?)
}

pub fn insert_assignment(conn: &mut DbConnection, row: &AssignmentRow) -> Result<(), StorageError> {
    diesel::insert_into(assignments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn replace_assignment(
    conn: &mut DbConnection,
    row: &AssignmentRow,
) -> Result<(), StorageError> {
    diesel::update(assignments::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn delete_assignment(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::delete(assignments::table.find(id)).execute(conn)?;
    Ok(())
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    /// Only these employees (a scope or a unit), when given.
    pub employees: Option<Vec<String>>,
    pub employee_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Keyset: after this `(date, id)`.
    pub after: Option<(NaiveDate, String)>,
    pub limit: i64,
}

/// Assignments by date then id.
pub fn list_assignments(
    conn: &mut DbConnection,
    f: &PlanFilter,
) -> Result<Vec<AssignmentRow>, StorageError> {
    let mut q = assignments::table
        .select(AssignmentRow::as_select())
        .order((assignments::date.asc(), assignments::id.asc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(only) = &f.employees {
        q = q.filter(assignments::employee_id.eq_any(only.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(assignments::employee_id.eq(e.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(assignments::date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(assignments::date.le(to));
    }
    if let Some((date, id)) = &f.after {
        q = q.filter(
            assignments::date.gt(*date).or(assignments::date
                .eq(*date)
                .and(assignments::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

/// The assignments of `employees` from `from` to `to`.
pub fn assignments_of(
    conn: &mut DbConnection,
    employees: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AssignmentRow>, StorageError> {
    let mut rows = Vec::new();
    // Bounded IN lists: SQLite allows at most 32,766 parameters per statement.
    for chunk in employees.chunks(5_000) {
        let query = assignments::table
            .filter(assignments::date.ge(from).and(assignments::date.le(to)))
            .select(AssignmentRow::as_select());
        rows.extend(load_for_ids!(conn, query, assignments::employee_id, chunk)?);
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Rosters

pub fn insert_roster(conn: &mut DbConnection, row: &RosterRow) -> Result<(), StorageError> {
    diesel::insert_into(rosters::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_roster(conn: &mut DbConnection, id: &str) -> Result<RosterRow, StorageError> {
    Ok(rosters::table
        .find(id)
        .select(RosterRow::as_select())
        .first(conn)?)
}

/// Rosters of the units `only` (all when `None`), newest first.
pub fn list_rosters(
    conn: &mut DbConnection,
    only: Option<&[String]>,
    unit_id: Option<&str>,
) -> Result<Vec<RosterRow>, StorageError> {
    let mut q = rosters::table
        .select(RosterRow::as_select())
        .order((rosters::created_at.desc(), rosters::id.asc()))
        .into_boxed();
    if let Some(only) = only {
        q = q.filter(rosters::unit_id.eq_any(only.to_vec()));
    }
    if let Some(unit) = unit_id {
        q = q.filter(rosters::unit_id.eq(unit.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// How many assignments a roster generated.
pub fn roster_assignment_count(conn: &mut DbConnection, id: &str) -> Result<i64, StorageError> {
    Ok(assignments::table
        .filter(assignments::roster_id.eq(id))
        .count()
        .get_result(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Leave

pub fn insert_leave(conn: &mut DbConnection, row: &LeaveRow) -> Result<(), StorageError> {
    diesel::insert_into(leaves::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_leave(conn: &mut DbConnection, id: &str) -> Result<LeaveRow, StorageError> {
    Ok(leaves::table
        .find(id)
        .select(LeaveRow::as_select())
        .first(conn)?)
}

pub fn replace_leave(conn: &mut DbConnection, row: &LeaveRow) -> Result<(), StorageError> {
    diesel::update(leaves::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn delete_leave(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::delete(leaves::table.find(id)).execute(conn)?;
    Ok(())
}

/// Another leave of the same employee overlapping `from..=to`, other than `except`.
pub fn overlapping_leave(
    conn: &mut DbConnection,
    employee_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    except: Option<&str>,
) -> Result<Option<LeaveRow>, StorageError> {
    let mut q = leaves::table
        .filter(leaves::employee_id.eq(employee_id))
        .filter(leaves::starts_on.le(to).and(leaves::ends_on.ge(from)))
        .select(LeaveRow::as_select())
        .into_boxed();
    if let Some(except) = except {
        q = q.filter(leaves::id.ne(except.to_owned()));
    }
    Ok(q.first(conn).optional()?)
}

/// Leave by start date then id, overlapping `from..=to` when given.
pub fn list_leaves(conn: &mut DbConnection, f: &PlanFilter) -> Result<Vec<LeaveRow>, StorageError> {
    let mut q = leaves::table
        .select(LeaveRow::as_select())
        .order((leaves::starts_on.asc(), leaves::id.asc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(only) = &f.employees {
        q = q.filter(leaves::employee_id.eq_any(only.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(leaves::employee_id.eq(e.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(leaves::ends_on.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(leaves::starts_on.le(to));
    }
    if let Some((date, id)) = &f.after {
        q = q.filter(
            leaves::starts_on
                .gt(*date)
                .or(leaves::starts_on.eq(*date).and(leaves::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Everything resolution needs, for many employees and a date range at once

/// The rows behind the plans of `employees` from `from` to `to`: loaded with a fixed number of
/// queries whatever the number of people and days.
#[derive(Clone, Debug, Default)]
pub struct PlanBook {
    pub employees: Vec<EmployeeRow>,
    // The organisation's rows, the same for everyone (shared with the check-in route's cache).
    pub units: Arc<HashMap<String, UnitRow>>,
    pub schedules: Arc<HashMap<String, ScheduleRow>>,
    /// Earlier rules of the schedules that cover days of the book, by schedule, the earliest
    /// first.
    pub schedule_versions: Arc<HashMap<String, Vec<ScheduleVersionRow>>>,
    pub default_schedule: Option<String>,
    /// Active offices by id: primary, additional and assigned ones.
    pub offices: Arc<HashMap<String, OfficeRow>>,
    pub holidays: Arc<BTreeMap<NaiveDate, HolidayRow>>,
    // The employees' own rows.
    /// Additional offices per employee, besides the primary one.
    pub other_offices: HashMap<String, Vec<String>>,
    pub leaves: HashMap<String, Vec<LeaveRow>>,
    pub assignments: HashMap<(String, NaiveDate), AssignmentRow>,
}

impl PlanBook {
    /// The schedule that applies to `employee`: their own, else the nearest unit's up the
    /// tree, else the organisation's default.
    #[must_use]
    pub fn schedule_of(&self, employee: &EmployeeRow) -> Option<&ScheduleRow> {
        if let Some(s) = employee
            .schedule_id
            .as_ref()
            .and_then(|id| self.schedules.get(id))
        {
            return Some(s);
        }
        let mut unit = self.units.get(&employee.unit_id);
        for _ in 0..64 {
            let Some(u) = unit else { break };
            if let Some(s) = u.schedule_id.as_ref().and_then(|id| self.schedules.get(id)) {
                return Some(s);
            }
            unit = u.parent_id.as_ref().and_then(|p| self.units.get(p));
        }
        self.default_schedule
            .as_ref()
            .and_then(|id| self.schedules.get(id))
    }

    /// The earlier versions of `schedule` the book holds (each the rules up to its
    /// `valid_until`), the earliest first.
    #[must_use]
    pub fn versions_of(&self, schedule: &ScheduleRow) -> &[ScheduleVersionRow] {
        self.schedule_versions
            .get(&schedule.id)
            .map_or(&[], Vec::as_slice)
    }

    /// The leave of `employee_id` covering `date`.
    #[must_use]
    pub fn leave_on(&self, employee_id: &str, date: NaiveDate) -> Option<&LeaveRow> {
        self.leaves
            .get(employee_id)?
            .iter()
            .find(|l| l.starts_on <= date && date <= l.ends_on)
    }

    #[must_use]
    pub fn assignment_on(&self, employee_id: &str, date: NaiveDate) -> Option<&AssignmentRow> {
        self.assignments.get(&(employee_id.to_owned(), date))
    }

    /// The active offices `employee` may work at by default, primary first.
    #[must_use]
    pub fn offices_of(&self, employee: &EmployeeRow) -> Vec<&OfficeRow> {
        let mut ids: Vec<&String> = employee.office_id.iter().collect();
        if let Some(more) = self.other_offices.get(&employee.id) {
            ids.extend(
                more.iter()
                    .filter(|o| Some(*o) != employee.office_id.as_ref()),
            );
        }
        ids.into_iter()
            .filter_map(|id| self.offices.get(id))
            .collect()
    }
}

/// Loads the plan book for `employee_ids` (all active employees when `None`) over `from..=to`.
pub fn load_book(
    conn: &mut DbConnection,
    employee_ids: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PlanBook, StorageError> {
    let reference = load_reference(conn, from, to)?;
    load_book_with(conn, employee_ids, from, to, reference)
}

/// [`load_book`] with the organisation's rows taken from `cache` while the database's plan
/// epoch has not moved since they were read (one small query instead of five); read anew and
/// kept otherwise. Every write to units, schedules, schedule versions, offices or holidays moves
/// the epoch (database triggers, so writes by another instance, an import or plain SQL count
/// too): the book is what [`load_book`] would have read.
pub fn load_book_cached(
    conn: &mut DbConnection,
    cache: &ReferenceCache,
    employee_ids: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PlanBook, StorageError> {
    let epoch: i64 = plan_epoch::table
        .find(1)
        .select(plan_epoch::version)
        .get_result(conn)?;
    let key = (epoch, from, to);
    let reference = if let Some(reference) = cache.kept(key) {
        reference
    } else {
        // Read after the epoch: rows at least as new as it, so keeping them under it is safe
        // (a write in between moves the epoch again and the next look reads anew).
        let reference = load_reference(conn, from, to)?;
        cache.keep(key, reference.clone());
        reference
    };
    load_book_with(conn, employee_ids, from, to, reference)
}

/// The organisation's rows a plan book reads the employees' against.
#[derive(Clone, Debug, Default)]
struct Reference {
    units: Arc<HashMap<String, UnitRow>>,
    schedules: Arc<HashMap<String, ScheduleRow>>,
    schedule_versions: Arc<HashMap<String, Vec<ScheduleVersionRow>>>,
    default_schedule: Option<String>,
    offices: Arc<HashMap<String, OfficeRow>>,
    holidays: Arc<BTreeMap<NaiveDate, HolidayRow>>,
}

/// The organisation's rows of the last [`load_book_cached`], under the plan epoch and the dates
/// they were read for. One per process (`Database::plan_cache`).
#[derive(Debug, Default)]
pub struct ReferenceCache {
    last: std::sync::Mutex<Option<(ReferenceKey, Reference)>>,
}

/// The plan epoch and the dates the rows were read for.
type ReferenceKey = (i64, NaiveDate, NaiveDate);

impl ReferenceCache {
    fn kept(&self, key: ReferenceKey) -> Option<Reference> {
        let last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, r)| r.clone())
    }

    fn keep(&self, key: ReferenceKey, reference: Reference) {
        // A slower request may put back rows of an older epoch: the next look sees the epoch
        // differ and reads anew.
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((key, reference));
    }
}

fn load_reference(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Reference, StorageError> {
    let units = units::table
        .select(UnitRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|u: UnitRow| (u.id.clone(), u))
        .collect();
    let schedules: HashMap<String, ScheduleRow> = schedules::table
        .select(ScheduleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|s: ScheduleRow| (s.id.clone(), s))
        .collect();
    let default_schedule = schedules
        .values()
        .find(|s| s.is_default)
        .map(|s| s.id.clone());
    let mut schedule_versions: HashMap<String, Vec<ScheduleVersionRow>> = HashMap::new();
    for v in schedule_versions::table
        .filter(schedule_versions::valid_until.ge(from))
        .order((
            schedule_versions::schedule_id.asc(),
            schedule_versions::valid_until.asc(),
        ))
        .select(ScheduleVersionRow::as_select())
        .load::<ScheduleVersionRow>(conn)?
    {
        schedule_versions
            .entry(v.schedule_id.clone())
            .or_default()
            .push(v);
    }
    let offices = offices::table
        .filter(offices::active.eq(true))
        .select(OfficeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|o: OfficeRow| (o.id.clone(), o))
        .collect();
    let holidays = holidays_between(conn, from, to)?
        .into_iter()
        .map(|h| (h.date, h))
        .collect();
    Ok(Reference {
        units: Arc::new(units),
        schedules: Arc::new(schedules),
        schedule_versions: Arc::new(schedule_versions),
        default_schedule,
        offices: Arc::new(offices),
        holidays: Arc::new(holidays),
    })
}

fn load_book_with(
    conn: &mut DbConnection,
    employee_ids: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
    reference: Reference,
) -> Result<PlanBook, StorageError> {
    let employees: Vec<EmployeeRow> = match employee_ids {
        Some(ids) => crate::repo::org::find_employees(conn, ids)?,
        None => employees::table
            .filter(employees::active.eq(true))
            .select(EmployeeRow::as_select())
            .order(employees::name.asc())
            .load(conn)?,
    };
    let ids: Vec<String> = employees.iter().map(|e| e.id.clone()).collect();
    let other_offices = other_offices_of(conn, &ids)?;
    let mut leaves_by: HashMap<String, Vec<LeaveRow>> = HashMap::new();
    let mut assignments_by = HashMap::new();
    for chunk in ids.chunks(5_000) {
        let query = leaves::table
            .filter(leaves::starts_on.le(to).and(leaves::ends_on.ge(from)))
            .select(LeaveRow::as_select());
        let rows: Vec<LeaveRow> = load_for_ids!(conn, query, leaves::employee_id, chunk)?;
        for l in rows {
            leaves_by.entry(l.employee_id.clone()).or_default().push(l);
        }
    }
    for a in assignments_of(conn, &ids, from, to)? {
        assignments_by.insert((a.employee_id.clone(), a.date), a);
    }
    Ok(PlanBook {
        employees,
        units: reference.units,
        schedules: reference.schedules,
        schedule_versions: reference.schedule_versions,
        default_schedule: reference.default_schedule,
        offices: reference.offices,
        holidays: reference.holidays,
        other_offices,
        leaves: leaves_by,
        assignments: assignments_by,
    })
}

/// The additional offices of one employee.
pub fn other_offices(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<Vec<String>, StorageError> {
    Ok(employee_offices::table
        .filter(employee_offices::employee_id.eq(employee_id))
        .select(employee_offices::office_id)
        .order(employee_offices::office_id)
        .load(conn)?)
}

/// The additional offices of many employees.
pub fn other_offices_of(
    conn: &mut DbConnection,
    employee_ids: &[String],
) -> Result<HashMap<String, Vec<String>>, StorageError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in employee_ids.chunks(5_000) {
        let pairs = (employee_offices::employee_id, employee_offices::office_id);
        let query = employee_offices::table.select(pairs).order(pairs);
        let rows: Vec<(String, String)> =
            load_for_ids!(conn, query, employee_offices::employee_id, chunk)?;
        for (e, o) in rows {
            out.entry(e).or_default().push(o);
        }
    }
    Ok(out)
}

/// Replaces the additional offices of one employee.
pub fn set_other_offices(
    conn: &mut DbConnection,
    employee_id: &str,
    office_ids: &[String],
) -> Result<(), StorageError> {
    diesel::delete(employee_offices::table.filter(employee_offices::employee_id.eq(employee_id)))
        .execute(conn)?;
    for office_id in office_ids {
        diesel::insert_into(employee_offices::table)
            .values((
                employee_offices::employee_id.eq(employee_id),
                employee_offices::office_id.eq(office_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Active employees of the units `unit_ids`, with their echelons, for roster checks.
pub fn active_employees_in(
    conn: &mut DbConnection,
    unit_ids: &[String],
) -> Result<Vec<EmployeeRow>, StorageError> {
    Ok(employees::table
        .filter(employees::unit_id.eq_any(unit_ids))
        .filter(employees::active.eq(true))
        .select(EmployeeRow::as_select())
        .load(conn)?)
}
