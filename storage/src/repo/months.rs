//! Closed months: after HR closes a month, nothing in it changes but through an audited reopen.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::month_closes;
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = month_closes)]
pub struct MonthCloseRow {
    pub id: String,
    /// `YYYY-MM`.
    pub month: String,
    /// `None`: the whole organisation; otherwise the unit and its sub-units.
    pub unit_id: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &MonthCloseRow) -> Result<(), StorageError> {
    diesel::insert_into(month_closes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The closes of `month`.
pub fn of_month(conn: &mut DbConnection, month: &str) -> Result<Vec<MonthCloseRow>, StorageError> {
    Ok(month_closes::table
        .filter(month_closes::month.eq(month))
        .select(MonthCloseRow::as_select())
        .order(month_closes::closed_at.asc())
        .load(conn)?)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), StorageError> {
    diesel::delete(month_closes::table.find(id)).execute(conn)?;
    Ok(())
}

/// Every close older than `before`.
pub fn closed_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<Vec<MonthCloseRow>, StorageError> {
    Ok(month_closes::table
        .filter(month_closes::closed_at.lt(before))
        .select(MonthCloseRow::as_select())
        .load(conn)?)
}
