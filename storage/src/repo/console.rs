//! The console's cookie sessions (see the `console_sessions` migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::repo::sessions::SessionRow;
use crate::repo::users::UserRow;
use crate::schema::{console_sessions, sessions, users};
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_sessions)]
pub struct ConsoleSessionRow {
    pub token_hash: String,
    pub session_id: String,
    pub user_id: String,
    pub token_version: i32,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &ConsoleSessionRow) -> Result<(), StorageError> {
    diesel::insert_into(console_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The console session with this token hash, with its session and account.
pub fn find(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(ConsoleSessionRow, SessionRow, UserRow)>, StorageError> {
    Ok(console_sessions::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(console_sessions::token_hash.eq(token_hash))
        .select((
            ConsoleSessionRow::as_select(),
            SessionRow::as_select(),
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?)
}

/// Marks the session as used now.
pub fn touch(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    diesel::update(console_sessions::table.find(token_hash))
        .set(console_sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Deletes console sessions last used before `before` (the sweeper).
pub fn forget_idle(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, StorageError> {
    Ok(
        diesel::delete(console_sessions::table.filter(console_sessions::last_seen_at.lt(before)))
            .execute(conn)?,
    )
}
