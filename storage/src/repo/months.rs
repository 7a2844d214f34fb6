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

/// How a transaction holds a month until it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthLock {
    /// A change inside the month, checked against its closes: many at once.
    Change,
    /// Closing or reopening it: alone, after the changes in flight commit.
    Close,
}

/// Holds `month` (`YYYY-MM`) until the transaction ends, so that a change checked against the
/// month's closes and a close of the month are serialised across instances: a change never
/// lands in a month closed after its check. PostgreSQL: a transaction-scoped advisory lock,
/// shared for changes, exclusive for closes. SQLite: its single writer already serialises them.
pub fn lock_month(
    conn: &mut DbConnection,
    month: &str,
    how: MonthLock,
) -> Result<(), StorageError> {
    use diesel::sql_types::BigInt;
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    // One key per month, in a key space of its own ("HADM" in the high half).
    let digits: i64 = month.replace('-', "").parse().unwrap_or(0);
    let key = (0x4841_444D_i64 << 32) | digits;
    let sql = match how {
        MonthLock::Change => "SELECT pg_advisory_xact_lock_shared($1)",
        MonthLock::Close => "SELECT pg_advisory_xact_lock($1)",
    };
    diesel::sql_query(sql).bind::<BigInt, _>(key).execute(pg)?;
    Ok(())
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
