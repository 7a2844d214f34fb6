//! Server-generated secrets shared by every instance on one database.

use diesel::prelude::*;

use crate::schema::app_secrets;
use crate::{DbConnection, StorageError, now_utc};

/// The secret called `name`, created with `make` the first time. When two instances start at
/// once, the first insert wins and both return its value.
pub fn get_or_create(
    conn: &mut DbConnection,
    name: &str,
    make: impl FnOnce() -> String,
) -> Result<String, StorageError> {
    let existing = app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first::<String>(conn)
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let inserted = diesel::insert_into(app_secrets::table)
        .values((
            app_secrets::name.eq(name),
            app_secrets::value.eq(make()),
            app_secrets::created_at.eq(now_utc()),
        ))
        .execute(conn);
    match inserted.map_err(StorageError::from) {
        Ok(_) | Err(StorageError::Duplicate(_)) => Ok(app_secrets::table
            .find(name)
            .select(app_secrets::value)
            .first(conn)?),
        Err(e) => Err(e),
    }
}
