//! Reads of someone else's personal data are audited like changes (UU PDP): a selfie, a
//! location, a home point, an export. One entry per request, however many people it read,
//! listing them as the entry's subjects so the log filters by person; a read of one's own data
//! is not recorded. The entry is written before the data leaves: a read that cannot be audited
//! is not answered.

use hadir_storage::{Database, StorageError};

use super::{Caller, RequestId};
use crate::audit::{self, Entry};

/// What was read.
#[derive(Debug)]
pub struct Read<'a> {
    /// `check_in.read`, `check_ins.read`, `employee.read`, `attendance.export`...
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    /// Whose data it holds.
    pub subjects: Vec<String>,
    /// What the request asked for (filters, format), for the reader of the log.
    pub detail: serde_json::Value,
}

/// Records `read` unless it held nobody's data but the caller's own.
pub async fn record(
    db: &Database,
    caller: &Caller,
    request: &RequestId,
    mut read: Read<'_>,
) -> Result<(), StorageError> {
    read.subjects
        .retain(|s| caller.employee_id.as_deref() != Some(s.as_str()));
    read.subjects.sort_unstable();
    read.subjects.dedup();
    if read.subjects.is_empty() {
        return Ok(());
    }
    let (caller, request) = (caller.clone(), request.clone());
    let (action, entity, entity_id) = (
        read.action.to_owned(),
        read.entity.to_owned(),
        read.entity_id.to_owned(),
    );
    let (subjects, detail) = (read.subjects, read.detail);
    db.transaction(move |conn| {
        audit::record::<(), _>(
            conn,
            &Entry {
                actor: Some(&caller.user_id),
                action: &action,
                entity: &entity,
                entity_id: &entity_id,
                before: None,
                after: Some(&serde_json::json!({
                    "read": detail,
                    "people": subjects.len(),
                })),
                request: Some(&request),
                subjects: &subjects,
            },
        )
    })
    .await
}
