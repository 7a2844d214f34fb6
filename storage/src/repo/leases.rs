//! Leases: work that one instance at a time does, such as the sweeper. A lease is held until
//! its end; the holder may renew it, anyone may take it once it has run out (a holder that
//! died keeps it no longer than that).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::{DbConnection, StorageError};

/// Takes the lease `name` for `holder` until `until`, unless another holder has it after
/// `now`: whether it was taken.
pub fn acquire(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, StorageError> {
    const PG: &str = "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
        WHERE leases.until <= $4 OR leases.holder = excluded.holder";
    const SQLITE: &str = "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3) \
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
        WHERE leases.until <= ?4 OR leases.holder = excluded.holder";
    let changed = match conn {
        DbConnection::Pg(c) => diesel::sql_query(PG)
            .bind::<Text, _>(name)
            .bind::<Text, _>(holder)
            .bind::<Timestamp, _>(until)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQLITE)
            .bind::<Text, _>(name)
            .bind::<Text, _>(holder)
            .bind::<Timestamp, _>(until)
            .bind::<Timestamp, _>(now)
            .execute(c)?,
    };
    Ok(changed == 1)
}

/// Gives the lease back (if `holder` still has it).
pub fn release(conn: &mut DbConnection, name: &str, holder: &str) -> Result<(), StorageError> {
    use crate::schema::leases;
    diesel::delete(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::holder.eq(holder)),
    )
    .execute(conn)?;
    Ok(())
}
