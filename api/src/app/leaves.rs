//! Leave: the days an employee is away (cuti, sakit, izin, tugas belajar), written by admins,
//! HR and unit admins for the people of their units (never their own, nor of an account that
//! recently created theirs), read by those plus supervisors and the employee. A leave may not
//! overlap another of the same employee, nor touch a closed month; every write is audited.

use chrono::{DateTime, NaiveDate, Utc};
use hadir_domain::Role;
use hadir_storage::repo::plan::{self as repo, LeaveRow, PlanFilter};
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::dated::{self, Dated};
use super::input::{field_id, nullable, parse_id, present, text};
use super::scope::{Scope, open_days, writable_employee};
use super::{Ctx, Error, FieldError, duty};
use crate::audit::Actor;

/// Who writes leave.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

const LEAVE_KINDS: [&str; 4] = ["cuti", "sakit", "izin", "tugas_belajar"];

#[derive(Debug, Serialize)]
pub struct LeaveView {
    pub id: String,
    pub employee_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub kind: String,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&LeaveRow> for LeaveView {
    fn from(r: &LeaveRow) -> Self {
        Self {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            kind: r.kind.clone(),
            note: r.note.clone(),
            created_by: r.created_by.clone(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLeave {
    pub employee_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub kind: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeavePatch {
    #[serde(default, deserialize_with = "present")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    pub ends_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub note: Option<Option<String>>,
}

fn leave_kind(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if LEAVE_KINDS.contains(&raw) {
        Some(raw.to_owned())
    } else {
        errors.push(FieldError::new(
            "kind",
            "must be cuti, sakit, izin or tugas_belajar",
        ));
        None
    }
}

fn leave_range(from: NaiveDate, to: NaiveDate, errors: &mut Vec<FieldError>) {
    if from > to {
        errors.push(FieldError::new("ends_on", "is before starts_on"));
    } else if (to - from).num_days() >= 366 * 2 {
        errors.push(FieldError::new(
            "ends_on",
            "leave is recorded two years at most at a time",
        ));
    }
}

fn overlap_error(other: &LeaveRow) -> StorageError {
    StorageError::Conflict(format!(
        "the employee is already on leave ({}) from {} to {}",
        other.kind, other.starts_on, other.ends_on
    ))
}

/// The leave of the employees the caller may list, by `filter` (within `unit` when given).
pub async fn list(
    ctx: &Ctx<'_>,
    mut filter: PlanFilter,
    unit: Option<String>,
) -> Result<Vec<LeaveRow>, Error> {
    super::dated::list(ctx, unit, move |conn, employees| {
        filter.employees = employees;
        repo::list_leaves(conn, &filter)
    })
    .await
}

/// Records a leave.
pub async fn create(ctx: &Ctx<'_>, body: NewLeave) -> Result<LeaveRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let employee_id = field_id("employee_id", &body.employee_id, &mut errors);
    let kind = leave_kind(&body.kind, &mut errors);
    let note = body
        .note
        .as_deref()
        .and_then(|n| text("note", n, 500, &mut errors));
    leave_range(body.starts_on, body.ends_on, &mut errors);
    let (Some(employee_id), Some(kind)) = (employee_id, kind) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = now_utc();
    let row = LeaveRow {
        id: uuid::Uuid::new_v4().to_string(),
        employee_id,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        kind,
        note,
        created_by: Some(ctx.caller.user_id.clone()),
        created_at: now,
        updated_at: now,
    };
    let stored = row.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let employee =
                writable_employee(conn, &scope, &stored.employee_id).map_err(|e| match e {
                    StorageError::NotFound => StorageError::MissingReference("employee_id".into()),
                    e => e,
                })?;
            duty::ensure(conn, &caller, &employee.id, window)?;
            open_days(conn, &employee, stored.starts_on, stored.ends_on)?;
            if let Some(other) = repo::overlapping_leave(
                conn,
                &stored.employee_id,
                stored.starts_on,
                stored.ends_on,
                None,
            )? {
                return Err(overlap_error(&other).into());
            }
            repo::insert_leave(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "leave.create",
                "leave",
                &stored.id,
                None,
                Some(&LeaveView::from(&stored)),
            )?;
            Ok(())
        })
        .await;
    duty::settled(ctx, "leave.create", result, |e| match e {
        StorageError::MissingReference(_) => Error::field("employee_id", "no such employee"),
        e => e.into(),
    })
    .await?;
    Ok(row)
}

/// One leave, when the caller may see its employee (404 otherwise).
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<LeaveRow, Error> {
    dated::get(ctx, id, repo::find_leave, |r: &LeaveRow| {
        r.employee_id.as_str()
    })
    .await
}

/// Changes a leave (its old and new days must be in open months).
pub async fn update(ctx: &Ctx<'_>, id: &str, body: LeavePatch) -> Result<LeaveRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    let kind = body
        .kind
        .as_deref()
        .and_then(|k| leave_kind(k, &mut errors));
    let note = match &body.note {
        None => None,
        Some(None) => Some(None),
        Some(Some(n)) => text("note", n, 500, &mut errors).map(Some),
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let before = repo::find_leave(conn, &id)?;
            let scope = Scope::of(conn, &caller)?;
            let employee = writable_employee(conn, &scope, &before.employee_id)?;
            duty::ensure(conn, &caller, &employee.id, window)?;
            let mut after = before.clone();
            after.starts_on = body.starts_on.unwrap_or(before.starts_on);
            after.ends_on = body.ends_on.unwrap_or(before.ends_on);
            if let Some(k) = kind {
                after.kind = k;
            }
            if let Some(n) = note {
                after.note = n;
            }
            after.updated_at = now_utc();
            let mut errors = Vec::new();
            leave_range(after.starts_on, after.ends_on, &mut errors);
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            open_days(conn, &employee, before.starts_on, before.ends_on)?;
            open_days(conn, &employee, after.starts_on, after.ends_on)?;
            if let Some(other) = repo::overlapping_leave(
                conn,
                &after.employee_id,
                after.starts_on,
                after.ends_on,
                Some(&id),
            )? {
                return Err(overlap_error(&other).into());
            }
            repo::replace_leave(conn, &after)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "leave.update",
                "leave",
                &id,
                Some(&LeaveView::from(&before)),
                Some(&LeaveView::from(&after)),
            )?;
            Ok(Ok(after))
        })
        .await;
    duty::settled(ctx, "leave.update", result, Error::from)
        .await?
        .map_err(Error::Validation)
}

/// Deletes a leave of open months.
pub async fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    let kind = Dated {
        entity: "leave",
        find: repo::find_leave,
        delete: repo::delete_leave,
        days: |l: &LeaveRow| (l.employee_id.as_str(), l.starts_on, l.ends_on),
        view: |l: &LeaveRow| LeaveView::from(l),
    };
    dated::delete(ctx, WRITERS, kind, id).await
}
