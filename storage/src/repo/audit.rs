//! The audit log: append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_log;
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
}

pub fn record(conn: &mut DbConnection, row: &AuditRow) -> Result<(), StorageError> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records many entries at once (an import).
pub fn record_many(conn: &mut DbConnection, rows: &[AuditRow]) -> Result<(), StorageError> {
    insert_batch!(conn, audit_log::table, rows, 500)?;
    Ok(())
}

/// Entries about one record, oldest first.
pub fn for_entity(
    conn: &mut DbConnection,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRow>, StorageError> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::at.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}
