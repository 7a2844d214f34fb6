//! The audit log: append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{audit_log, audit_subjects};
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
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
    /// The client's address (behind trusted proxies, the one they forwarded).
    pub client_addr: Option<String>,
}

/// An employee an entry concerns.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_subjects)]
pub struct AuditSubjectRow {
    pub audit_id: String,
    pub employee_id: String,
}

pub fn record(conn: &mut DbConnection, row: &AuditRow) -> Result<(), StorageError> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records the employees entry `audit_id` concerns (duplicates in `employee_ids` count once).
pub fn record_subjects(
    conn: &mut DbConnection,
    audit_id: &str,
    employee_ids: &[String],
) -> Result<(), StorageError> {
    let unique: std::collections::BTreeSet<&String> = employee_ids.iter().collect();
    let rows: Vec<AuditSubjectRow> = unique
        .into_iter()
        .map(|e| AuditSubjectRow {
            audit_id: audit_id.to_owned(),
            employee_id: e.clone(),
        })
        .collect();
    insert_batch!(conn, audit_subjects::table, &rows, 5_000)?;
    Ok(())
}

/// The employees each of `audit_ids` concerns.
pub fn subjects_of(
    conn: &mut DbConnection,
    audit_ids: &[String],
) -> Result<Vec<AuditSubjectRow>, StorageError> {
    let mut out = Vec::new();
    for chunk in audit_ids.chunks(5_000) {
        out.extend(
            audit_subjects::table
                .filter(audit_subjects::audit_id.eq_any(chunk))
                .order((audit_subjects::audit_id, audit_subjects::employee_id))
                .select(AuditSubjectRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
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

/// What the audit log lists.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<String>,
    /// The employee the entry concerns.
    pub subject_employee_id: Option<String>,
    /// An action, or a prefix ending in `.` (`employee.` for every employee action).
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Keyset: before this `(at, id)`, newest first.
    pub before: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// Entries newest first.
pub fn list(conn: &mut DbConnection, f: &AuditFilter) -> Result<Vec<AuditRow>, StorageError> {
    let mut q = audit_log::table
        .select(AuditRow::as_select())
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(e) = &f.entity {
        q = q.filter(audit_log::entity.eq(e.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(actor) = &f.actor_user_id {
        q = q.filter(audit_log::actor_user_id.eq(actor.clone()));
    }
    if let Some(subject) = &f.subject_employee_id {
        q = q.filter(
            audit_log::id.eq_any(
                audit_subjects::table
                    .filter(audit_subjects::employee_id.eq(subject.clone()))
                    .select(audit_subjects::audit_id),
            ),
        );
    }
    if let Some(action) = &f.action {
        if action.ends_with('.') {
            q = q.filter(audit_log::action.like(format!("{action}%")));
        } else {
            q = q.filter(audit_log::action.eq(action.clone()));
        }
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::at.lt(to));
    }
    if let Some((at, id)) = &f.before {
        q = q.filter(
            audit_log::at
                .lt(*at)
                .or(audit_log::at.eq(*at).and(audit_log::id.lt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}
