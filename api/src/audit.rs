//! Writing to the audit log: who did what to which record, when, before and after.

use hadir_storage::repo::audit::{self, AuditRow};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::Serialize;

use crate::app::{Caller, RequestId};

/// One entry to record; `actor` is `None` for the system itself (bootstrap, CLI).
#[derive(Debug)]
pub struct Entry<'a, B: Serialize, A: Serialize> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
    /// The request behind the change (its id and the client's address); `None` for the
    /// system.
    pub request: Option<&'a RequestId>,
    /// The employees the entry concerns (the audit log filters by them): whose attendance
    /// was refused, whose data was read.
    pub subjects: &'a [String],
}

fn json<T: Serialize>(value: Option<&T>) -> Result<Option<String>, StorageError> {
    value
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StorageError::Other(format!("audit serialisation: {e}")))
}

/// Records `entry` on `conn` (inside the caller's transaction, so the change and its audit
/// entry commit together).
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    entry: &Entry<'_, B, A>,
) -> Result<(), StorageError> {
    let id = uuid::Uuid::new_v4().to_string();
    audit::record(
        conn,
        &AuditRow {
            id: id.clone(),
            at: now_utc(),
            actor_user_id: entry.actor.map(str::to_owned),
            action: entry.action.to_owned(),
            entity: entry.entity.to_owned(),
            entity_id: Some(entry.entity_id.to_owned()),
            before_json: json(entry.before)?,
            after_json: json(entry.after)?,
            request_id: entry
                .request
                .map(|r| r.id.clone())
                .filter(|r| !r.is_empty()),
            client_addr: entry.request.and_then(|r| r.client_addr.clone()),
        },
    )?;
    if !entry.subjects.is_empty() {
        audit::record_subjects(conn, &id, entry.subjects)?;
    }
    Ok(())
}

/// Who is changing something, for the audit log: the caller and their request.
pub struct Actor<'a> {
    pub caller: &'a Caller,
    pub request_id: &'a RequestId,
}

impl Actor<'_> {
    pub fn record<B: Serialize, A: Serialize>(
        &self,
        conn: &mut DbConnection,
        action: &str,
        entity: &str,
        id: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<(), StorageError> {
        record(
            conn,
            &Entry {
                actor: Some(&self.caller.user_id),
                action,
                entity,
                entity_id: id,
                before,
                after,
                request: Some(self.request_id),
                subjects: &[],
            },
        )
    }
}
