//! The readiness write probe: one row per instance, rewritten on each check.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::{DbConnection, StorageError};

/// Writes this instance's row (an upsert): fails when the database cannot take a write.
pub fn probe(
    conn: &mut DbConnection,
    instance_id: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    const UPSERT_PG: &str = "INSERT INTO readiness_probe (instance_id, checked_at) VALUES ($1, $2) \
        ON CONFLICT (instance_id) DO UPDATE SET checked_at = $2";
    const UPSERT_SQLITE: &str = "INSERT INTO readiness_probe (instance_id, checked_at) \
        VALUES (?1, ?2) ON CONFLICT (instance_id) DO UPDATE SET checked_at = ?2";
    match conn {
        DbConnection::Pg(c) => diesel::sql_query(UPSERT_PG)
            .bind::<Text, _>(instance_id)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(UPSERT_SQLITE)
            .bind::<Text, _>(instance_id)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
    };
    Ok(())
}
