//! Days explained by people: the corrections employees ask for and their daily activity
//! reports, decided by someone above them in the supervisor chain, or by HR or an admin;
//! nobody decides their own (nor one of the account that recently created theirs: refused and
//! audited). The inbox lists what waits for the caller.

use hadir_domain::Role;
use hadir_storage::repo::attendance::{self as repo, CorrectionRow, ReportRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::{DbConnection, StorageError, now_utc};

use super::input::text;
use super::scope::{Scope, may_see, open_days};
use super::{Caller, Ctx, Error, FieldError, RequestId, duty};
use crate::audit::Actor;

/// Who decides for everyone.
const HR: &[Role] = &[Role::Admin, Role::Hr];

/// How many waiting items the inbox shows of each kind.
const INBOX: i64 = 200;

/// Whether the caller decides for `employee`: HR, admins, and anyone above them in the chain.
fn may_decide(
    conn: &mut DbConnection,
    caller: &Caller,
    employee: &EmployeeRow,
) -> Result<bool, StorageError> {
    if HR.contains(&caller.role) {
        return Ok(true);
    }
    match &caller.employee_id {
        Some(me) => org::is_supervised_by(conn, &employee.id, me),
        None => Ok(false),
    }
}

/// Who is deciding, for what, with which separation-of-duties window.
struct Deciding<'a> {
    caller: &'a Caller,
    request: &'a RequestId,
    action: &'a str,
    window_days: u32,
}

/// The employee whose correction or report the caller decides: not found when the caller may
/// not see them (or the record is `hidden`, a draft), forbidden for their own, for the account
/// that recently created theirs (both audited) and for someone not above them.
fn decider(
    conn: &mut DbConnection,
    deciding: &Deciding<'_>,
    employee_id: &str,
    hidden: bool,
) -> Result<Result<EmployeeRow, Error>, StorageError> {
    let caller = deciding.caller;
    let e = org::find_employee(conn, employee_id)?;
    let scope = Scope::of(conn, caller)?;
    if hidden || !may_see(conn, &scope, caller, &e)? {
        return Err(StorageError::NotFound);
    }
    if let Some(refused) = duty::Guard::load(conn, caller, deciding.window_days)?.refused(&e.id) {
        duty::record_refusal(conn, caller, deciding.request, deciding.action, &refused)?;
        return Ok(Err(Error::Forbidden(refused.conflict.explanation())));
    }
    if !may_decide(conn, caller, &e)? {
        return Ok(Err(Error::Forbidden(
            "it is decided by a supervisor of the employee, HR or an admin",
        )));
    }
    Ok(Ok(e))
}

/// Approve or reject a correction (a rejection needs a note).
pub async fn decide_correction(
    ctx: &Ctx<'_>,
    id: &str,
    decision: &str,
    note: Option<&str>,
) -> Result<CorrectionRow, Error> {
    let mut errors = Vec::new();
    let status = match decision {
        "approve" => "approved",
        "reject" => "rejected",
        _ => {
            errors.push(FieldError::new("decision", "must be approve or reject"));
            ""
        }
    };
    let note = note.and_then(|n| text("note", n, 1000, &mut errors));
    if status == "rejected" && note.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            "note",
            "a rejection needs a note that says why",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let window = ctx.state.attendance.creator_conflict_days;
    let (caller, request, id) = (ctx.caller.clone(), ctx.request.clone(), id.to_owned());
    ctx.state
        .db
        .transaction(move |conn| {
            let before = repo::find_correction(conn, &id)?;
            let deciding = Deciding {
                caller: &caller,
                request: &request,
                action: "correction.decide",
                window_days: window,
            };
            let e = match decider(conn, &deciding, &before.employee_id, false)? {
                Ok(e) => e,
                Err(refused) => return Ok(Err(refused)),
            };
            open_days(conn, &e, before.date, before.date)?;
            if !repo::decide_correction(
                conn,
                &id,
                status,
                &caller.user_id,
                now_utc(),
                note.as_deref(),
            )? {
                return Err(StorageError::Conflict(format!(
                    "this correction was already decided: it is {}",
                    before.status
                )));
            }
            let after = repo::find_correction(conn, &id)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "correction.decide",
                "correction",
                &id,
                Some(&before),
                Some(&after),
            )?;
            Ok(Ok(after))
        })
        .await?
}

/// Approve, return (with a comment) or reject (with a comment) a submitted report.
pub async fn decide_report(
    ctx: &Ctx<'_>,
    id: &str,
    decision: &str,
    comment: Option<&str>,
) -> Result<ReportRow, Error> {
    let mut errors = Vec::new();
    let status = match decision {
        "approve" => "approved",
        "return" => "returned",
        "reject" => "rejected",
        _ => {
            errors.push(FieldError::new(
                "decision",
                "must be approve, return or reject",
            ));
            ""
        }
    };
    let comment = comment.and_then(|c| text("comment", c, 1000, &mut errors));
    if ["returned", "rejected"].contains(&status) && comment.is_none() && errors.is_empty() {
        errors.push(FieldError::new("comment", "say what to change or why"));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let window = ctx.state.attendance.creator_conflict_days;
    let (caller, request, id) = (ctx.caller.clone(), ctx.request.clone(), id.to_owned());
    ctx.state
        .db
        .transaction(move |conn| {
            let before = repo::find_report(conn, &id)?;
            let deciding = Deciding {
                caller: &caller,
                request: &request,
                action: "report.decide",
                window_days: window,
            };
            let e = match decider(
                conn,
                &deciding,
                &before.employee_id,
                before.status == "draft",
            )? {
                Ok(e) => e,
                Err(refused) => return Ok(Err(refused)),
            };
            open_days(conn, &e, before.date, before.date)?;
            if before.status != "submitted" {
                return Err(StorageError::Conflict(format!(
                    "this report is {}, not waiting for a decision",
                    before.status
                )));
            }
            let now = now_utc();
            let after = ReportRow {
                status: status.to_owned(),
                comment,
                decided_by: Some(caller.user_id.clone()),
                decided_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            repo::replace_report(conn, &after)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "report.decide",
                "report",
                &id,
                Some(&before),
                Some(&after),
            )?;
            Ok(Ok(after))
        })
        .await?
}

/// What waits for the caller's decision, oldest first, with whose it is.
#[derive(Debug, Default)]
pub struct Inbox {
    pub corrections: Vec<(CorrectionRow, EmployeeRow)>,
    pub reports: Vec<(ReportRow, EmployeeRow)>,
}

/// Whose corrections and reports the caller decides: everyone's (`None`: HR and admins), or
/// their subordinates' (none for an account that is no employee).
fn decided_by(
    conn: &mut DbConnection,
    caller: &Caller,
) -> Result<Option<Vec<String>>, StorageError> {
    Ok(if HR.contains(&caller.role) {
        None
    } else if let Some(me) = &caller.employee_id {
        Some(org::subordinate_ids(conn, me)?)
    } else {
        Some(Vec::new())
    })
}

/// The counts of corrections and reports waiting for the caller's decision.
pub fn waiting(conn: &mut DbConnection, caller: &Caller) -> Result<(i64, i64), StorageError> {
    let people = decided_by(conn, caller)?;
    if people.as_ref().is_some_and(Vec::is_empty) {
        return Ok((0, 0));
    }
    Ok((
        repo::pending_corrections(conn, people.as_deref())?,
        repo::submitted_reports(conn, people.as_deref())?,
    ))
}

/// The corrections and reports the caller may decide (never their own).
pub async fn inbox(ctx: &Ctx<'_>) -> Result<Inbox, Error> {
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let people = decided_by(conn, &caller)?;
            if people.as_ref().is_some_and(Vec::is_empty) {
                return Ok(Inbox::default());
            }
            let mine = |e: &str| caller.employee_id.as_deref() == Some(e);
            let corrections: Vec<CorrectionRow> =
                repo::waiting_corrections(conn, people.as_deref(), INBOX)?
                    .into_iter()
                    .filter(|c| !mine(&c.employee_id))
                    .collect();
            let reports: Vec<ReportRow> = repo::waiting_reports(conn, people.as_deref(), INBOX)?
                .into_iter()
                .filter(|r| !mine(&r.employee_id))
                .collect();
            let ids: Vec<String> = corrections
                .iter()
                .map(|c| c.employee_id.clone())
                .chain(reports.iter().map(|r| r.employee_id.clone()))
                .collect();
            let employees = org::find_employees(conn, &ids)?;
            let find = |id: &str| employees.iter().find(|e| e.id == id).cloned();
            Ok(Inbox {
                corrections: corrections
                    .into_iter()
                    .filter_map(|c| find(&c.employee_id).map(|e| (c, e)))
                    .collect(),
                reports: reports
                    .into_iter()
                    .filter_map(|r| find(&r.employee_id).map(|e| (r, e)))
                    .collect(),
            })
        })
        .await?)
}
