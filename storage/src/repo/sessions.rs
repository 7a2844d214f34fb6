//! Login sessions and their refresh tokens (kept only as hashes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::repo::users::UserRow;
use crate::schema::{refresh_tokens, sessions, users};
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub device_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub session_id: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub spent_at: Option<NaiveDateTime>,
}

pub fn insert_session(conn: &mut DbConnection, row: &SessionRow) -> Result<(), StorageError> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_refresh_token(
    conn: &mut DbConnection,
    row: &RefreshTokenRow,
) -> Result<(), StorageError> {
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The refresh token with this hash, with its session and account.
pub fn find_refresh_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(RefreshTokenRow, SessionRow, UserRow)>, StorageError> {
    Ok(refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            RefreshTokenRow::as_select(),
            SessionRow::as_select(),
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?)
}

/// Marks a refresh token spent. Returns false when it was already spent (another request won the
/// race), so that a token is exchanged at most once.
pub fn spend_refresh_token(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::spent_at.is_null()),
    )
    .set(refresh_tokens::spent_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes a session (idempotent: an already revoked session keeps its first reason).
pub fn revoke_session(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<(), StorageError> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(at)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Revokes every open session of an account (password change, deactivation).
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<usize, StorageError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(at)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)?)
}

/// The session and its account, for checking an access token on every request.
pub fn find_session_with_user(
    conn: &mut DbConnection,
    session_id: &str,
) -> Result<Option<(SessionRow, UserRow)>, StorageError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}
