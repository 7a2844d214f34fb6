//! Login accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::users;
use crate::{DbConnection, StorageError};

#[derive(
    Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable, serde::Serialize,
)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    /// Never leaves the server, not even in the account holder's own export.
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub employee_id: Option<String>,
    pub active: bool,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The account that created this one (separation of duties).
    pub created_by: Option<String>,
}

/// The fields an admin may change on an account.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub role: Option<String>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub token_version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn count(conn: &mut DbConnection) -> Result<i64, StorageError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> Result<(), StorageError> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts many accounts at once.
pub fn insert_many(conn: &mut DbConnection, rows: &[UserRow]) -> Result<(), StorageError> {
    insert_batch!(conn, users::table, rows, 500)?;
    Ok(())
}

/// The usernames among `names` that are taken.
pub fn taken_usernames(
    conn: &mut DbConnection,
    names: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut taken = Vec::new();
    for chunk in names.chunks(5_000) {
        taken.extend(
            users::table
                .filter(users::username.eq_any(chunk))
                .select(users::username)
                .load::<String>(conn)?,
        );
    }
    Ok(taken)
}

pub fn find_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<UserRow>, StorageError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<UserRow, StorageError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?)
}

/// Accounts ordered by username, after `after` (keyset pagination).
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>, StorageError> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::username.gt(after.to_owned()));
    }
    Ok(query.load(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    changes: &UserChanges,
) -> Result<UserRow, StorageError> {
    let n = diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    find(conn, id)
}

/// The accounts linked to these employees.
pub fn for_employees(
    conn: &mut DbConnection,
    employee_ids: &[String],
) -> Result<Vec<UserRow>, StorageError> {
    if employee_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::employee_id.eq_any(employee_ids))
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The account `user_id` followed by its creator, the creator's creator and so on, nearest
/// first: at most `depth` accounts, and the walk stops after the first account created before
/// `since` (older links cannot matter to separation of duties).
pub fn creator_chain(
    conn: &mut DbConnection,
    user_id: &str,
    since: NaiveDateTime,
    depth: usize,
) -> Result<Vec<UserRow>, StorageError> {
    let mut chain: Vec<UserRow> = Vec::new();
    let mut next = Some(user_id.to_owned());
    while let Some(id) = next.take() {
        if chain.len() >= depth || chain.iter().any(|u| u.id == id) {
            break;
        }
        let Some(row) = users::table
            .find(&id)
            .select(UserRow::as_select())
            .first(conn)
            .optional()?
        else {
            break;
        };
        if row.created_at >= since {
            next.clone_from(&row.created_by);
        }
        chain.push(row);
    }
    Ok(chain)
}

/// The accounts linked to an employee, by username.
pub fn with_employees(conn: &mut DbConnection) -> Result<Vec<UserRow>, StorageError> {
    Ok(users::table
        .filter(users::employee_id.is_not_null())
        .order(users::username.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}
