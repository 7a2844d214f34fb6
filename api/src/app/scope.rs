//! The scope rule of DOMAIN.md, in one place for every interface: admins and HR see the whole
//! organisation; a unit admin their unit and its sub-units; a supervisor their subordinates; an
//! employee themselves. A record outside the caller's scope is "not found", never "forbidden",
//! so that ids cannot be probed. And the other rule every change of a day obeys: nothing dated
//! in a closed month changes.

use std::collections::BTreeSet;

use chrono::{Datelike as _, NaiveDate};
use hadir_domain::Role;
use hadir_domain::org::subtree;
use hadir_storage::repo::months;
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::{DbConnection, StorageError};

use super::Caller;

/// Which units a caller's organisation routes reach.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Admins and HR: the whole organisation.
    All,
    /// A unit admin: their unit and its sub-units.
    Units(BTreeSet<String>),
    /// Supervisors and employees: no unit as such (they see people, not units).
    People,
}

impl Scope {
    pub fn of(conn: &mut DbConnection, caller: &Caller) -> Result<Self, StorageError> {
        Ok(match caller.role {
            Role::Admin | Role::Hr => Scope::All,
            Role::UnitAdmin => {
                let Some(me) = &caller.employee_id else {
                    return Ok(Scope::Units(BTreeSet::new()));
                };
                let unit = org::find_employee(conn, me)?.unit_id;
                Scope::Units(subtree(&org::unit_parents(conn)?, &unit))
            }
            Role::Supervisor | Role::Employee => Scope::People,
        })
    }

    #[must_use]
    pub fn has_unit(&self, unit_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Units(units) => units.contains(unit_id),
            Scope::People => false,
        }
    }

    #[must_use]
    pub fn units(&self) -> Option<Vec<String>> {
        match self {
            Scope::All => None,
            Scope::Units(units) => Some(units.iter().cloned().collect()),
            Scope::People => Some(Vec::new()),
        }
    }
}

/// Whether the caller may see `employee` (see the module docs).
pub fn may_see(
    conn: &mut DbConnection,
    scope: &Scope,
    caller: &Caller,
    employee: &EmployeeRow,
) -> Result<bool, StorageError> {
    if caller.employee_id.as_deref() == Some(employee.id.as_str())
        || scope.has_unit(&employee.unit_id)
    {
        return Ok(true);
    }
    match (&caller.role, &caller.employee_id) {
        (Role::Supervisor, Some(me)) => org::is_supervised_by(conn, &employee.id, me),
        _ => Ok(false),
    }
}

/// The employee `id` if the caller may write their plans (their unit is in scope); else 404.
pub fn writable_employee(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> Result<EmployeeRow, StorageError> {
    let employee = org::find_employee(conn, id)?;
    if scope.has_unit(&employee.unit_id) {
        Ok(employee)
    } else {
        Err(StorageError::NotFound)
    }
}

/// The employee `id` if the caller may see them; else 404.
pub fn visible_employee(
    conn: &mut DbConnection,
    scope: &Scope,
    caller: &Caller,
    id: &str,
) -> Result<EmployeeRow, StorageError> {
    let employee = org::find_employee(conn, id)?;
    if may_see(conn, scope, caller, &employee)? {
        Ok(employee)
    } else {
        Err(StorageError::NotFound)
    }
}

/// The employees whose plans a list may show: `None` for everyone.
pub fn listable_employees(
    conn: &mut DbConnection,
    scope: &Scope,
    caller: &Caller,
    unit_id: Option<&str>,
) -> Result<Option<Vec<String>>, StorageError> {
    let units = match (scope, unit_id) {
        (Scope::All, None) => return Ok(None),
        (_, Some(unit)) if scope.has_unit(unit) => Some(
            subtree(&org::unit_parents(conn)?, unit)
                .into_iter()
                .collect::<Vec<_>>(),
        ),
        (Scope::Units(units), None) => Some(units.iter().cloned().collect()),
        (_, Some(_)) => return Ok(Some(Vec::new())),
        (Scope::People, None) => None,
    };
    if let Some(units) = units {
        return Ok(Some(org::employee_ids_in(conn, &units)?));
    }
    let mut ids: Vec<String> = caller.employee_id.iter().cloned().collect();
    if let (Role::Supervisor, Some(me)) = (caller.role, &caller.employee_id) {
        ids.extend(org::subordinate_ids(conn, me)?);
    }
    Ok(Some(ids))
}

// ---------------------------------------------------------------------------------------------
// Closed months

/// Whether `date` lies in a month closed for the whole organisation or for `unit_id` or a unit
/// above it.
pub fn month_closed(
    conn: &mut DbConnection,
    unit_id: &str,
    date: NaiveDate,
) -> Result<bool, StorageError> {
    let month = date.format("%Y-%m").to_string();
    months::lock_month(conn, &month, months::MonthLock::Change)?;
    let closes = months::of_month(conn, &month)?;
    if closes.is_empty() {
        return Ok(false);
    }
    if closes.iter().any(|c| c.unit_id.is_none()) {
        return Ok(true);
    }
    let parents = org::unit_parents(conn)?;
    let mut current = Some(unit_id.to_owned());
    for _ in 0..64 {
        let Some(u) = current else { break };
        if closes
            .iter()
            .any(|c| c.unit_id.as_deref() == Some(u.as_str()))
        {
            return Ok(true);
        }
        current = parents.get(&u).cloned().flatten();
    }
    Ok(false)
}

/// The conflict answered for a change in a closed month.
#[must_use]
pub fn closed_error(date: NaiveDate) -> StorageError {
    StorageError::Conflict(format!(
        "{} is closed: nothing in it changes unless an admin reopens it",
        date.format("%Y-%m")
    ))
}

/// Refuses a change to a day of a closed month (409).
pub fn open_days(
    conn: &mut DbConnection,
    employee: &EmployeeRow,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), StorageError> {
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        let day = month.max(from);
        if month_closed(conn, &employee.unit_id, day)? {
            return Err(closed_error(day));
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    Ok(())
}
