//! Separation of duties (`hadir_domain::duty`) against the database: who created whom, and the
//! audit entry of a refusal.
//!
//! Two ways to use it: inside a transaction that answers a refusal as a value (and commits),
//! `conflict` then `record_refusal`; inside one that fails with `?`, `ensure`, whose
//! `Refused` rolls the transaction back, and `settle` afterwards, which records the refusal in
//! a transaction of its own.

use chrono::Duration;
use hadir_domain::duty::{self, Account, Conflict};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{Database, DbConnection, StorageError, now_utc};

use super::{Caller, RequestId};
use crate::audit::{self, Entry};

/// How many creators up the chain are read at most.
const CHAIN_DEPTH: usize = 8;

/// An act on `employee_id`'s attendance that separation of duties refuses.
#[derive(Clone, Debug)]
pub struct Refused {
    pub employee_id: String,
    pub conflict: Conflict,
}

/// What a use case's transaction fails with when it refuses by `?`.
#[derive(Debug)]
pub enum TxError {
    Storage(StorageError),
    Refused(Refused),
}

impl From<StorageError> for TxError {
    fn from(e: StorageError) -> Self {
        TxError::Storage(e)
    }
}

fn account(row: UserRow) -> Account {
    Account {
        user_id: row.id,
        employee_id: row.employee_id,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

/// The caller's side of the rule, read once per transaction: their account and its recent
/// creators.
#[derive(Debug)]
pub struct Guard {
    chain: Vec<Account>,
    caller_employee: Option<String>,
    now: chrono::NaiveDateTime,
    window: Duration,
}

impl Guard {
    /// Reads `caller`'s chain of creators; `window_days` is
    /// `attendance.creator_conflict_days`.
    pub fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        window_days: u32,
    ) -> Result<Self, StorageError> {
        let now = now_utc();
        let window = Duration::days(i64::from(window_days));
        let chain = users::creator_chain(conn, &caller.user_id, now - window, CHAIN_DEPTH)?
            .into_iter()
            .map(account)
            .collect();
        Ok(Self {
            chain,
            caller_employee: caller.employee_id.clone(),
            now,
            window,
        })
    }

    /// Why the caller may not act on `employee_id`'s attendance; `None` when they may.
    #[must_use]
    pub fn refused(&self, employee_id: &str) -> Option<Refused> {
        let conflict = if self.caller_employee.as_deref() == Some(employee_id) {
            Some(Conflict::Own)
        } else {
            duty::conflict(&self.chain, employee_id, self.now, self.window)
        };
        conflict.map(|conflict| Refused {
            employee_id: employee_id.to_owned(),
            conflict,
        })
    }

    /// `Err(TxError::Refused)` for the first of `employee_ids` the caller may not act on.
    pub fn ensure<'a>(
        &self,
        employee_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), TxError> {
        match employee_ids.into_iter().find_map(|e| self.refused(e)) {
            None => Ok(()),
            Some(refused) => Err(TxError::Refused(refused)),
        }
    }
}

/// Reads the caller's guard and checks `employee_id` in one step.
pub fn ensure(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: &str,
    window_days: u32,
) -> Result<(), TxError> {
    Guard::load(conn, caller, window_days)?.ensure([employee_id])
}

/// Writes the audit entry of a refusal: the attempted `action`, on whose attendance, and why.
pub fn record_refusal(
    conn: &mut DbConnection,
    caller: &Caller,
    request: &RequestId,
    action: &str,
    refused: &Refused,
) -> Result<(), StorageError> {
    let creator = match &refused.conflict {
        Conflict::Own => None,
        Conflict::CreatedBy { creator_user_id } => Some(creator_user_id.as_str()),
    };
    audit::record::<(), _>(
        conn,
        &Entry {
            actor: Some(&caller.user_id),
            action: "duty.refused",
            entity: "employee",
            entity_id: &refused.employee_id,
            before: None,
            after: Some(&serde_json::json!({
                "attempted": action,
                "reason": refused.conflict.code(),
                "creator_user_id": creator,
            })),
            request: Some(request),
            subjects: std::slice::from_ref(&refused.employee_id),
        },
    )
}

/// What `settle` turns a transaction's outcome into.
#[derive(Debug)]
pub enum Settled<T> {
    Done(T),
    /// Refused and recorded: answer 403 with this explanation.
    Refused(&'static str),
    Failed(StorageError),
}

/// After a transaction that used `ensure`: a refusal is recorded in a transaction of its own
/// (the first one rolled back).
pub async fn settle<T>(
    db: &Database,
    caller: &Caller,
    request: &RequestId,
    action: &str,
    result: Result<T, TxError>,
) -> Settled<T> {
    match result {
        Ok(value) => Settled::Done(value),
        Err(TxError::Storage(e)) => Settled::Failed(e),
        Err(TxError::Refused(refused)) => {
            let explanation = refused.conflict.explanation();
            let (caller, request, action) = (caller.clone(), request.clone(), action.to_owned());
            match db
                .transaction(move |conn| record_refusal(conn, &caller, &request, &action, &refused))
                .await
            {
                Ok(()) => Settled::Refused(explanation),
                Err(e) => Settled::Failed(e),
            }
        }
    }
}

/// `settle` as a use case answers: a refusal (recorded) is 403, storage errors go through
/// `map`.
pub async fn settled<T>(
    ctx: &super::Ctx<'_>,
    action: &str,
    result: Result<T, TxError>,
    map: impl FnOnce(StorageError) -> super::Error,
) -> Result<T, super::Error> {
    match settle(&ctx.state.db, ctx.caller, ctx.request, action, result).await {
        Settled::Done(value) => Ok(value),
        Settled::Refused(why) => Err(super::Error::Forbidden(why)),
        Settled::Failed(e) => Err(map(e)),
    }
}

/// Records a refused grant: `caller` tried to give `role`, which is not below their own.
pub async fn record_grant_refusal(
    db: &Database,
    caller: &Caller,
    request: &RequestId,
    attempted: &str,
    role: hadir_domain::Role,
) -> Result<(), StorageError> {
    let (caller, request, attempted) = (caller.clone(), request.clone(), attempted.to_owned());
    db.transaction(move |conn| {
        audit::record::<(), _>(
            conn,
            &Entry {
                actor: Some(&caller.user_id),
                action: "duty.refused",
                entity: "user",
                entity_id: &caller.user_id,
                before: None,
                after: Some(&serde_json::json!({
                    "attempted": attempted,
                    "reason": "role_not_below_own",
                    "role": role.as_str(),
                })),
                request: Some(&request),
                subjects: &[],
            },
        )
    })
    .await
}
