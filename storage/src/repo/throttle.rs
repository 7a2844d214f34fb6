//! Failed-login counts per key (see the `login_throttle` migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::schema::login_throttle;
use crate::{DbConnection, StorageError};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// The latest `blocked_until` among `keys` that lies after `now`, if any.
pub fn blocked_until(
    conn: &mut DbConnection,
    keys: &[String],
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StorageError> {
    Ok(login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::blocked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::blocked_until))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// Counts one failure for `key` at `now` and returns the failures in a row: the count starts
/// again when the previous failure is older than `forget_before`. Atomic on both backends
/// (one upsert), so instances racing on one key count every failure.
pub fn count_failure(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> Result<u32, StorageError> {
    const UPSERT_PG: &str = "INSERT INTO login_throttle (key, failures, last_failure_at) \
        VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
                        ELSE login_throttle.failures + 1 END, \
        last_failure_at = $2 RETURNING failures";
    const UPSERT_SQLITE: &str = "INSERT INTO login_throttle (key, failures, last_failure_at) \
        VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET \
        failures = CASE WHEN login_throttle.last_failure_at < ?3 THEN 1 \
                        ELSE login_throttle.failures + 1 END, \
        last_failure_at = ?2 RETURNING failures";
    let rows: Vec<Count> = match conn {
        DbConnection::Pg(c) => diesel::sql_query(UPSERT_PG)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(forget_before)
            .load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(UPSERT_SQLITE)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(forget_before)
            .load(c)?,
    };
    let failures = rows.first().map_or(1, |r| r.failures);
    Ok(u32::try_from(failures).unwrap_or(1))
}

/// Refuses `key` until `until`.
pub fn block(conn: &mut DbConnection, key: &str, until: NaiveDateTime) -> Result<(), StorageError> {
    diesel::update(login_throttle::table.find(key))
        .set(login_throttle::blocked_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// Forgets `key`'s failures (a successful login).
pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), StorageError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the keys whose last failure is older than `before` and that are not blocked at
/// `now` (the sweeper).
pub fn forget(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    Ok(diesel::delete(
        login_throttle::table
            .filter(login_throttle::last_failure_at.lt(before))
            .filter(
                login_throttle::blocked_until
                    .is_null()
                    .or(login_throttle::blocked_until.lt(now)),
            ),
    )
    .execute(conn)?)
}
