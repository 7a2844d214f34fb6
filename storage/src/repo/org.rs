//! Units, offices and employees: the rows a check-in is judged with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{employees, offices, units};
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

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable)]
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

/// Whether `unit_id` is `ancestor_id` or one of its sub-units (at any depth).
pub fn is_within_unit(
    conn: &mut DbConnection,
    unit_id: &str,
    ancestor_id: &str,
) -> Result<bool, StorageError> {
    let mut current = unit_id.to_owned();
    for _ in 0..64 {
        if current == ancestor_id {
            return Ok(true);
        }
        let parent: Option<Option<String>> = units::table
            .find(&current)
            .select(units::parent_id)
            .first(conn)
            .optional()?;
        match parent.flatten() {
            Some(p) => current = p,
            None => return Ok(false),
        }
    }
    Ok(false)
}
