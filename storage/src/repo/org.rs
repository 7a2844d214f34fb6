//! Units, offices and employees: the rows a check-in is judged with.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{employees, offices, units};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub code: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The schedule of the unit's people (and its sub-units' unless they name another).
    pub schedule_id: Option<String>,
    /// The largest share of the unit's people who may work from home on one day.
    pub wfh_quota_percent: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = offices)]
pub struct OfficeRow {
    pub id: String,
    pub unit_id: String,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    /// JSON `[[lat, lon], ...]`.
    pub polygon: Option<String>,
    pub timezone: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(
    Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable, serde::Serialize,
)]
#[diesel(table_name = employees)]
pub struct EmployeeRow {
    pub id: String,
    pub nip: String,
    pub name: String,
    pub unit_id: String,
    pub position: String,
    pub echelon: String,
    pub supervisor_id: Option<String>,
    pub office_id: Option<String>,
    pub home_latitude: Option<f64>,
    pub home_longitude: Option<f64>,
    pub home_radius_m: Option<f64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `nip`, `nik` or `other`: what kind of id `nip` holds.
    pub id_type: String,
    /// The employee's own schedule, when it is not their unit's.
    pub schedule_id: Option<String>,
}

pub fn insert_unit(conn: &mut DbConnection, row: &UnitRow) -> Result<(), StorageError> {
    diesel::insert_into(units::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_office(conn: &mut DbConnection, row: &OfficeRow) -> Result<(), StorageError> {
    diesel::insert_into(offices::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_employee(conn: &mut DbConnection, row: &EmployeeRow) -> Result<(), StorageError> {
    diesel::insert_into(employees::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts many employees; a supervisor must come before the people they supervise.
pub fn insert_employees(conn: &mut DbConnection, rows: &[EmployeeRow]) -> Result<(), StorageError> {
    // Few enough columns times rows per statement for SQLite's parameter limit.
    insert_batch!(conn, employees::table, rows, 500)?;
    Ok(())
}

/// The employees among `nips` that exist: `(nip, id)`.
pub fn ids_by_nip(
    conn: &mut DbConnection,
    nips: &[String],
) -> Result<Vec<(String, String)>, StorageError> {
    let mut found = Vec::new();
    for chunk in nips.chunks(5_000) {
        found.extend(
            employees::table
                .filter(employees::nip.eq_any(chunk))
                .select((employees::nip, employees::id))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(found)
}

/// Every unit, for lookups by code.
pub fn all_units(conn: &mut DbConnection) -> Result<Vec<UnitRow>, StorageError> {
    Ok(units::table.select(UnitRow::as_select()).load(conn)?)
}

/// Every active office, for lookups by name.
pub fn active_offices(conn: &mut DbConnection) -> Result<Vec<OfficeRow>, StorageError> {
    Ok(offices::table
        .filter(offices::active.eq(true))
        .select(OfficeRow::as_select())
        .load(conn)?)
}

/// The employees among `ids` that exist, in no particular order.
pub fn find_employees(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<EmployeeRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(5_000) {
        let query = employees::table.select(EmployeeRow::as_select());
        rows.extend(load_for_ids!(conn, query, employees::id, chunk)?);
    }
    Ok(rows)
}

pub fn find_employee(conn: &mut DbConnection, id: &str) -> Result<EmployeeRow, StorageError> {
    Ok(employees::table
        .find(id)
        .select(EmployeeRow::as_select())
        .first(conn)?)
}

pub fn find_office(conn: &mut DbConnection, id: &str) -> Result<OfficeRow, StorageError> {
    Ok(offices::table
        .find(id)
        .select(OfficeRow::as_select())
        .first(conn)?)
}

/// The employee and their primary office, if they have one.
pub fn employee_with_office(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<(EmployeeRow, Option<OfficeRow>), StorageError> {
    let employee = find_employee(conn, employee_id)?;
    let office = match &employee.office_id {
        Some(office_id) => offices::table
            .find(office_id)
            .filter(offices::active.eq(true))
            .select(OfficeRow::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok((employee, office))
}

/// Whether `supervisor_id` is above `employee_id` in the supervisor chain (at any depth).
pub fn is_supervised_by(
    conn: &mut DbConnection,
    employee_id: &str,
    supervisor_id: &str,
) -> Result<bool, StorageError> {
    let mut current = employee_id.to_owned();
    // The org issue refuses cycles on save; the bound keeps a corrupt chain from looping.
    for _ in 0..64 {
        let above: Option<Option<String>> = employees::table
            .find(&current)
            .select(employees::supervisor_id)
            .first(conn)
            .optional()?;
        match above.flatten() {
            Some(s) if s == supervisor_id => return Ok(true),
            Some(s) => current = s,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Every unit's parent: the tree, for scope checks.
pub fn unit_parents(
    conn: &mut DbConnection,
) -> Result<BTreeMap<String, Option<String>>, StorageError> {
    Ok(units::table
        .select((units::id, units::parent_id))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect())
}

pub fn find_unit(conn: &mut DbConnection, id: &str) -> Result<UnitRow, StorageError> {
    Ok(units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)?)
}

/// Position in a list ordered by name: the last item's name and id.
pub type NameCursor = (String, String);

/// Units ordered by name, within `only` (a scope) when given, after `cursor`.
pub fn list_units(
    conn: &mut DbConnection,
    only: Option<&[String]>,
    parent_id: Option<&str>,
    cursor: Option<&NameCursor>,
    limit: i64,
) -> Result<Vec<UnitRow>, StorageError> {
    let mut query = units::table
        .select(UnitRow::as_select())
        .order((units::name.asc(), units::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(units::id.eq_any(only.to_vec()));
    }
    if let Some(parent) = parent_id {
        query = query.filter(units::parent_id.eq(parent.to_owned()));
    }
    if let Some((name, id)) = cursor {
        query = query.filter(
            units::name
                .gt(name.clone())
                .or(units::name.eq(name.clone()).and(units::id.gt(id.clone()))),
        );
    }
    Ok(query.load(conn)?)
}

#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub name: Option<String>,
    pub parent_id: Option<Option<String>>,
    pub code: Option<Option<String>>,
    pub schedule_id: Option<Option<String>>,
    pub wfh_quota_percent: Option<Option<i32>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_unit(
    conn: &mut DbConnection,
    id: &str,
    changes: &UnitChanges,
) -> Result<UnitRow, StorageError> {
    diesel::update(units::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_unit(conn, id)
}

/// Offices ordered by name, within the units `only` when given, after `cursor`.
pub fn list_offices(
    conn: &mut DbConnection,
    only: Option<&[String]>,
    unit_id: Option<&str>,
    include_inactive: bool,
    cursor: Option<&NameCursor>,
    limit: i64,
) -> Result<Vec<OfficeRow>, StorageError> {
    let mut query = offices::table
        .select(OfficeRow::as_select())
        .order((offices::name.asc(), offices::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(offices::unit_id.eq_any(only.to_vec()));
    }
    if let Some(unit) = unit_id {
        query = query.filter(offices::unit_id.eq(unit.to_owned()));
    }
    if !include_inactive {
        query = query.filter(offices::active.eq(true));
    }
    if let Some((name, id)) = cursor {
        query = query.filter(
            offices::name.gt(name.clone()).or(offices::name
                .eq(name.clone())
                .and(offices::id.gt(id.clone()))),
        );
    }
    Ok(query.load(conn)?)
}

#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = offices)]
pub struct OfficeChanges {
    pub name: Option<String>,
    pub unit_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub radius_m: Option<f64>,
    pub polygon: Option<Option<String>>,
    pub timezone: Option<String>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_office(
    conn: &mut DbConnection,
    id: &str,
    changes: &OfficeChanges,
) -> Result<OfficeRow, StorageError> {
    diesel::update(offices::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_office(conn, id)
}

/// What an employee list may be narrowed by.
#[derive(Clone, Debug, Default)]
pub struct EmployeeFilter {
    /// A scope: only these units.
    pub only_units: Option<Vec<String>>,
    pub unit_id: Option<String>,
    pub office_id: Option<String>,
    pub supervisor_id: Option<String>,
    pub active: Option<bool>,
    /// Part of the name or the id (NIP), case as stored.
    pub q: Option<String>,
}

/// Employees ordered by name, narrowed by `filter`, after `cursor`.
pub fn list_employees(
    conn: &mut DbConnection,
    filter: &EmployeeFilter,
    cursor: Option<&NameCursor>,
    limit: i64,
) -> Result<Vec<EmployeeRow>, StorageError> {
    let mut query = employees::table
        .select(EmployeeRow::as_select())
        .order((employees::name.asc(), employees::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(only) = &filter.only_units {
        query = query.filter(employees::unit_id.eq_any(only.clone()));
    }
    if let Some(unit) = &filter.unit_id {
        query = query.filter(employees::unit_id.eq(unit.clone()));
    }
    if let Some(office) = &filter.office_id {
        query = query.filter(employees::office_id.eq(office.clone()));
    }
    if let Some(supervisor) = &filter.supervisor_id {
        query = query.filter(employees::supervisor_id.eq(supervisor.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(employees::active.eq(active));
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let pattern = pattern.to_lowercase();
        query = query.filter(
            lower(employees::name)
                .like(pattern.clone())
                .escape('\\')
                .or(employees::nip.like(pattern).escape('\\')),
        );
    }
    if let Some((name, id)) = cursor {
        query = query.filter(
            employees::name.gt(name.clone()).or(employees::name
                .eq(name.clone())
                .and(employees::id.gt(id.clone()))),
        );
    }
    Ok(query.load(conn)?)
}

#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = employees)]
pub struct EmployeeChanges {
    pub nip: Option<String>,
    pub id_type: Option<String>,
    pub name: Option<String>,
    pub unit_id: Option<String>,
    pub position: Option<String>,
    pub echelon: Option<String>,
    pub supervisor_id: Option<Option<String>>,
    pub office_id: Option<Option<String>>,
    pub home_latitude: Option<Option<f64>>,
    pub home_longitude: Option<Option<f64>>,
    pub home_radius_m: Option<Option<f64>>,
    pub active: Option<bool>,
    pub schedule_id: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_employee(
    conn: &mut DbConnection,
    id: &str,
    changes: &EmployeeChanges,
) -> Result<EmployeeRow, StorageError> {
    diesel::update(employees::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_employee(conn, id)
}

/// Everyone below `supervisor_id` in the supervisor chain, at any depth.
pub fn subordinate_ids(
    conn: &mut DbConnection,
    supervisor_id: &str,
) -> Result<Vec<String>, StorageError> {
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::from([supervisor_id.to_owned()]);
    let mut frontier = vec![supervisor_id.to_owned()];
    // The bound keeps a corrupt chain from looping; cycles are refused on save.
    for _ in 0..64 {
        if frontier.is_empty() {
            break;
        }
        let next: Vec<String> = employees::table
            .filter(employees::supervisor_id.eq_any(&frontier))
            .select(employees::id)
            .load(conn)?;
        frontier = next
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        found.extend(frontier.iter().cloned());
    }
    Ok(found)
}

/// The ids of the employees of the units `unit_ids`, active or not.
pub fn employee_ids_in(
    conn: &mut DbConnection,
    unit_ids: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut ids = Vec::new();
    for chunk in unit_ids.chunks(5_000) {
        ids.extend(
            employees::table
                .filter(employees::unit_id.eq_any(chunk))
                .select(employees::id)
                .load::<String>(conn)?,
        );
    }
    Ok(ids)
}

/// The active employees of the units `only` (everyone when `None`): `(id, unit_id, name)`.
pub fn roster_of(
    conn: &mut DbConnection,
    only: Option<&[String]>,
) -> Result<Vec<(String, String, String)>, StorageError> {
    let mut q = employees::table
        .filter(employees::active.eq(true))
        .select((employees::id, employees::unit_id, employees::name))
        .into_boxed();
    if let Some(units) = only {
        q = q.filter(employees::unit_id.eq_any(units.to_vec()));
    }
    Ok(q.load(conn)?)
}
