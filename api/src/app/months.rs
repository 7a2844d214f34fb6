//! Closing a month: HR and admins close it for the organisation or a unit (and its
//! sub-units); nothing dated in it changes until an admin reopens it, with a reason.

use chrono::NaiveDate;
use hadir_domain::Role;
use hadir_storage::repo::months::{self, MonthCloseRow};
use hadir_storage::repo::org;
use hadir_storage::{StorageError, now_utc};

use super::input::{field_id, text};
use super::review::REVIEWERS;
use super::{Ctx, Error};
use crate::audit::Actor;

/// The first day of `raw` (`YYYY-MM`); anything else names no month (404).
pub fn parse_month(raw: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 7)
        .ok_or(Error::NotFound)
}

/// What the audit log keeps of a close.
fn close_json(r: &MonthCloseRow) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "month": r.month, "unit_id": r.unit_id, "closed_by": r.closed_by,
        "closed_at": r.closed_at.and_utc(),
    })
}

/// The closes that hold for `month`.
pub async fn status(ctx: &Ctx<'_>, month: &str) -> Result<(String, Vec<MonthCloseRow>), Error> {
    ctx.caller.require(REVIEWERS)?;
    let key = parse_month(month)?.format("%Y-%m").to_string();
    let k = key.clone();
    let rows = ctx
        .state
        .db
        .run(move |conn| months::of_month(conn, &k))
        .await?;
    Ok((key, rows))
}

/// Closes `month` for the organisation (`unit_id` `None`) or a unit and its sub-units.
pub async fn close(
    ctx: &Ctx<'_>,
    month: &str,
    unit_id: Option<&str>,
) -> Result<MonthCloseRow, Error> {
    ctx.caller.require(&[Role::Admin, Role::Hr])?;
    let first = parse_month(month)?;
    let mut errors = Vec::new();
    let unit_id = unit_id.and_then(|u| field_id("unit_id", u, &mut errors));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let row = MonthCloseRow {
        id: uuid::Uuid::new_v4().to_string(),
        month: first.format("%Y-%m").to_string(),
        unit_id,
        closed_by: Some(ctx.caller.user_id.clone()),
        closed_at: now_utc(),
    };
    let (mut stored, caller, request) = (row.clone(), ctx.caller.clone(), ctx.request.clone());
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            if let Some(unit) = &stored.unit_id
                && !org::unit_parents(conn)?.contains_key(unit)
            {
                return Err(StorageError::MissingReference("unit_id".into()));
            }
            months::lock_month(conn, &stored.month, months::MonthLock::Close)?;
            // Closed when the changes in flight have committed (the lock waited for them).
            stored.closed_at = now_utc();
            months::insert(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "month.close",
                "month",
                &stored.month,
                None,
                Some(&close_json(&stored)),
            )?;
            Ok(stored)
        })
        .await;
    match result {
        Ok(stored) => Ok(stored),
        Err(StorageError::MissingReference(_)) => Err(Error::field("unit_id", "no such unit")),
        Err(StorageError::Duplicate(_)) => Err(Error::Conflict(format!(
            "{} is already closed{}",
            row.month,
            if row.unit_id.is_some() {
                " for that unit"
            } else {
                ""
            }
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Reopens a closed `month` (admins only), with the reason in the audit log.
pub async fn reopen(
    ctx: &Ctx<'_>,
    month: &str,
    unit_id: Option<&str>,
    reason: &str,
) -> Result<(), Error> {
    ctx.caller.require(&[Role::Admin])?;
    let first = parse_month(month)?;
    let mut errors = Vec::new();
    let unit_id = unit_id.and_then(|u| field_id("unit_id", u, &mut errors));
    let reason = text("reason", reason, 500, &mut errors);
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let key = first.format("%Y-%m").to_string();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            months::lock_month(conn, &key, months::MonthLock::Close)?;
            let close = months::of_month(conn, &key)?
                .into_iter()
                .find(|c| c.unit_id == unit_id)
                .ok_or(StorageError::NotFound)?;
            months::delete(conn, &close.id)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "month.reopen",
                "month",
                &close.month,
                Some(&close_json(&close)),
                Some(&serde_json::json!({"reopened": true, "reason": reason})),
            )
        })
        .await?;
    Ok(())
}
