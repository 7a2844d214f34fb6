//! Daily activity reports written by employees: a draft for a day that has come, rewritten
//! while it is a draft or was returned, then submitted to the supervisor (who decides in
//! `app::attendance`). Drafts are the employee's own; every write is audited.

use chrono::NaiveDate;
use hadir_domain::Role;
use hadir_storage::repo::attendance::{self as repo, DayFilter, ReportRow};
use hadir_storage::repo::org;
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{parse_id, text, utc};
use super::manual::today_of;
use super::scope::{Scope, open_days, visible_employee};
use super::{Ctx, Error, FieldError};
use crate::audit::Actor;

/// One line of a daily activity report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportEntry {
    /// What was done.
    pub activity: String,
    /// What came of it (a document, a number of letters...).
    #[serde(default)]
    pub output: Option<String>,
    pub minutes: u32,
}

#[derive(Debug, Serialize)]
pub struct ReportView {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    pub entries: Vec<ReportEntry>,
    pub total_minutes: u32,
    pub status: String,
    pub comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub submitted_at: Option<String>,
    pub updated_at: String,
}

impl ReportView {
    pub fn new(r: &ReportRow) -> Result<Self, Error> {
        let entries: Vec<ReportEntry> = serde_json::from_str(&r.entries_json)
            .map_err(|e| Error::Internal(format!("report {}: {e}", r.id)))?;
        Ok(Self {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            date: r.date,
            total_minutes: entries.iter().map(|e| e.minutes).sum(),
            entries,
            status: r.status.clone(),
            comment: r.comment.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at.map(utc),
            submitted_at: r.submitted_at.map(utc),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub entries: Vec<ReportEntry>,
}

pub fn report_date(raw: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| Error::NotFound)
}

fn check_entries(entries: &[ReportEntry]) -> Result<Vec<ReportEntry>, Error> {
    let mut errors = Vec::new();
    if entries.is_empty() || entries.len() > 30 {
        errors.push(FieldError::new("entries", "a report has 1 to 30 entries"));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let activity = text(
            &format!("entries[{i}].activity"),
            &e.activity,
            500,
            &mut errors,
        );
        let output = e
            .output
            .as_deref()
            .and_then(|o| text(&format!("entries[{i}].output"), o, 500, &mut errors));
        if !(1..=1440).contains(&e.minutes) {
            errors.push(FieldError::new(
                format!("entries[{i}].minutes"),
                "must be 1 to 1440 minutes",
            ));
        }
        if let Some(activity) = activity {
            out.push(ReportEntry {
                activity,
                output,
                minutes: e.minutes,
            });
        }
    }
    if entries.iter().map(|e| u64::from(e.minutes)).sum::<u64>() > 1440 {
        errors.push(FieldError::new("entries", "a day has 1440 minutes at most"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Writes (or rewrites) the caller's report of `date` while it is a draft or was returned:
/// the report, and whether it is new.
pub async fn write(
    ctx: &Ctx<'_>,
    date: &str,
    body: &ReportBody,
) -> Result<(ReportRow, bool), Error> {
    let employee_id = me(ctx.caller)?;
    let date = report_date(date)?;
    let entries = check_entries(&body.entries)?;
    let entries_json =
        serde_json::to_string(&entries).map_err(|e| Error::Internal(e.to_string()))?;
    let st = ctx.state.clone();
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            let e = org::find_employee(conn, &employee_id)?;
            let today = today_of(&st, conn, &e)?;
            if date > today {
                return Ok(Err(Error::field(
                    "date",
                    "a day that has not come yet has no report",
                )));
            }
            open_days(conn, &e, date, date)?;
            let now = now_utc();
            let before = repo::report_on(conn, &e.id, date)?;
            let after = match &before {
                Some(r) if !["draft", "returned"].contains(&r.status.as_str()) => {
                    return Err(StorageError::Conflict(format!(
                        "this report is {}: it can no longer be changed",
                        r.status
                    )));
                }
                Some(r) => ReportRow {
                    entries_json,
                    status: "draft".into(),
                    updated_at: now,
                    ..r.clone()
                },
                None => ReportRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    employee_id: e.id.clone(),
                    date,
                    entries_json,
                    status: "draft".into(),
                    comment: None,
                    decided_by: None,
                    decided_at: None,
                    submitted_at: None,
                    created_at: now,
                    updated_at: now,
                },
            };
            if before.is_some() {
                repo::replace_report(conn, &after)?;
            } else {
                repo::insert_report(conn, &after)?;
            }
            let view =
                |r: &ReportRow| ReportView::new(r).map_err(|e| StorageError::Other(e.to_string()));
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                if before.is_some() {
                    "report.update"
                } else {
                    "report.create"
                },
                "report",
                &after.id,
                before.as_ref().map(view).transpose()?.as_ref(),
                Some(&view(&after)?),
            )?;
            Ok(Ok((after, before.is_none())))
        })
        .await?
}

/// Sends the caller's report of `date` to their supervisor.
pub async fn submit(ctx: &Ctx<'_>, date: &str) -> Result<ReportRow, Error> {
    let employee_id = me(ctx.caller)?;
    let date = report_date(date)?;
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let e = org::find_employee(conn, &employee_id)?;
            open_days(conn, &e, date, date)?;
            let before = repo::report_on(conn, &e.id, date)?.ok_or(StorageError::NotFound)?;
            if !["draft", "returned"].contains(&before.status.as_str()) {
                return Err(StorageError::Conflict(format!(
                    "this report is already {}",
                    before.status
                )));
            }
            let now = now_utc();
            let after = ReportRow {
                status: "submitted".into(),
                submitted_at: Some(now),
                updated_at: now,
                ..before.clone()
            };
            repo::replace_report(conn, &after)?;
            let view =
                |r: &ReportRow| ReportView::new(r).map_err(|e| StorageError::Other(e.to_string()));
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                "report.submit",
                "report",
                &after.id,
                Some(&view(&before)?),
                Some(&view(&after)?),
            )?;
            Ok(after)
        })
        .await?)
}

/// A report's statuses.
pub const STATUSES: [&str; 5] = ["draft", "submitted", "approved", "returned", "rejected"];

/// The caller's employee id, or 404 for an account that is no employee.
fn me(caller: &super::Caller) -> Result<String, Error> {
    caller.employee_id.clone().ok_or(Error::NotFound)
}

/// The caller's own reports, by `filter`.
pub async fn mine(ctx: &Ctx<'_>, mut filter: DayFilter) -> Result<Vec<ReportRow>, Error> {
    filter.employee_id = Some(me(ctx.caller)?);
    Ok(ctx
        .state
        .db
        .run(move |conn| repo::list_reports(conn, &filter))
        .await?)
}

/// Reports of the people the caller may list (within `unit`); drafts stay private.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: DayFilter,
    unit: Option<String>,
) -> Result<Vec<ReportRow>, Error> {
    ctx.caller
        .require(&[Role::Admin, Role::Hr, Role::UnitAdmin, Role::Supervisor])?;
    let mut filter = filter;
    super::dated::list(ctx, unit, move |conn, employees| {
        filter.employees = employees;
        let rows = repo::list_reports(conn, &filter)?;
        Ok(rows.into_iter().filter(|r| r.status != "draft").collect())
    })
    .await
}

/// One report, for its employee and whoever may see them (not a draft).
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<ReportRow, Error> {
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let row = repo::find_report(conn, &id)?;
            let own = caller.employee_id.as_deref() == Some(row.employee_id.as_str());
            let scope = Scope::of(conn, &caller)?;
            visible_employee(conn, &scope, &caller, &row.employee_id)?;
            if row.status == "draft" && !own {
                return Err(StorageError::NotFound);
            }
            Ok(row)
        })
        .await?)
}
