//! Review: the queue of check-ins, one check-in with its evidence, and decisions.
//!
//! Reviewers are admins, HR (the whole organisation) and unit admins (their units and the
//! sub-units). Nobody reviews their own check-in, nor one of the account that recently created
//! theirs (refused and audited, `duty`). A decision, once taken, stands (a second one is a
//! conflict), and nothing in a closed month changes until an admin reopens it. Reading someone
//! else's check-in (selfie and fix) is audited (`reads`).

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use hadir_domain::Role;
use hadir_domain::checkin::FlagCode;
use hadir_domain::org::subtree;
use hadir_storage::repo::check_ins::{self, CheckInRow, QueueFilter, ReviewRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::{DbConnection, StorageError, now_utc};

use super::input::{page_limit, query_id, text};
use super::reads::{self, Read};
use super::scope::{Scope, closed_error, may_see, month_closed};
use super::{Ctx, Error, FieldError, duty};
use crate::audit::Actor;

/// Who reviews.
pub const REVIEWERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];
/// The statuses a check-in can have.
pub const STATUSES: [&str; 4] = ["flagged", "accepted", "approved", "rejected"];

/// What the queue is asked for, as the interface received it (checked here).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct QueueRequest {
    pub status: Option<String>,
    pub unit_id: Option<String>,
    pub employee_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub flag: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of the queue: each check-in with its employee, riskiest first.
#[derive(Debug)]
pub struct QueuePage {
    pub items: Vec<(CheckInRow, EmployeeRow)>,
    pub next_cursor: Option<String>,
}

fn encode_cursor(r: &CheckInRow) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}|{}",
        r.risk,
        r.received_at.and_utc().timestamp_micros(),
        r.id
    ))
}

fn decode_cursor(raw: Option<&str>) -> Result<Option<(i32, NaiveDateTime, String)>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    let parsed = (|| {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let mut parts = text.splitn(3, '|');
        let risk = parts.next()?.parse().ok()?;
        let at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?.naive_utc();
        let id = parts.next()?;
        uuid::Uuid::parse_str(id).ok()?;
        Some((risk, at, id.to_owned()))
    })();
    parsed
        .map(Some)
        .ok_or_else(|| Error::field("cursor", "not a cursor this API issued"))
}

fn local_date(field: &str, raw: Option<&str>) -> Result<Option<String>, Error> {
    raw.map(|r| {
        NaiveDate::parse_from_str(r, "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|_| Error::field(field, "must be a date as YYYY-MM-DD"))
    })
    .transpose()
}

/// The review queue, riskiest first (then oldest first), in the caller's scope; audited as a
/// read of everyone on the page. The page's check-ins come with their thumbnails made.
pub async fn queue(ctx: &Ctx<'_>, req: QueueRequest) -> Result<QueuePage, Error> {
    ctx.caller.require(REVIEWERS)?;
    let limit = page_limit(req.limit)?;
    let status = req.status.clone().unwrap_or_else(|| "flagged".into());
    if !STATUSES.contains(&status.as_str()) {
        return Err(Error::field(
            "status",
            "must be flagged, accepted, approved or rejected",
        ));
    }
    if let Some(flag) = &req.flag
        && !FlagCode::ALL.iter().any(|c| c.as_str() == flag)
    {
        return Err(Error::field(
            "flag",
            "not a flag code (see the Flag schema)",
        ));
    }
    let unit = query_id("unit_id", req.unit_id.as_deref())?;
    let mut filter = QueueFilter {
        status,
        units: None,
        employee_id: query_id("employee_id", req.employee_id.as_deref())?,
        from: local_date("from", req.from.as_deref())?,
        to: local_date("to", req.to.as_deref())?,
        flag: req.flag.clone(),
        after: decode_cursor(req.cursor.as_deref())?,
        limit: limit + 1,
    };
    let detail = serde_json::json!({
        "status": filter.status, "unit_id": unit, "employee_id": filter.employee_id,
        "flag": filter.flag, "from": filter.from, "to": filter.to,
    });
    let caller = ctx.caller.clone();
    let (mut rows, people) = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            filter.units = match (&unit, scope.units()) {
                (Some(u), _) if scope.has_unit(u) => {
                    Some(subtree(&org::unit_parents(conn)?, u).into_iter().collect())
                }
                (Some(_), _) => Some(Vec::new()),
                (None, only) => only,
            };
            let rows = check_ins::queue(conn, &filter)?;
            let ids: Vec<String> = rows
                .iter()
                .map(|r| r.employee_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let people = org::find_employees(conn, &ids)?;
            Ok((rows, people))
        })
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(encode_cursor)
    } else {
        None
    };
    super::thumbnails::ensure(ctx.state, &mut rows).await;
    reads::record(
        &ctx.state.db,
        ctx.caller,
        ctx.request,
        Read {
            action: "check_ins.read",
            entity: "check_in",
            entity_id: "queue",
            subjects: rows.iter().map(|r| r.employee_id.clone()).collect(),
            detail,
        },
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let e = people
                .iter()
                .find(|p| p.id == r.employee_id)
                .cloned()
                .ok_or_else(|| {
                    Error::Internal(format!("check-in {} without its employee", r.id))
                })?;
            Ok((r, e))
        })
        .collect::<Result<_, Error>>()?;
    Ok(QueuePage { items, next_cursor })
}

/// One check-in as a reviewer (or its owner) sees it.
#[derive(Debug)]
pub struct CheckInDetail {
    pub row: CheckInRow,
    pub review: Option<ReviewRow>,
    pub employee: EmployeeRow,
    /// The place judged against, where it is now (latitude, longitude).
    pub place_point: Option<(f64, f64)>,
    /// The employee's earlier check-ins that were not rejected, newest first (their photos
    /// are what a reviewer compares the selfie with; their thumbnails may not be made yet:
    /// `super::thumbnails::ensure`).
    pub earlier: Vec<CheckInRow>,
    /// The employee's enrolled reference face, shown beside the selfie.
    pub face_reference: Option<hadir_storage::repo::faces::FaceReferenceRow>,
    /// The check-in's face job and what it found.
    pub face_job: Option<hadir_storage::repo::faces::FaceJobRow>,
}

/// How many earlier check-ins a detail shows.
const EARLIER: i64 = 4;

/// Where the place a check-in was judged against lies now.
fn place_point(
    conn: &mut DbConnection,
    row: &CheckInRow,
    employee: &EmployeeRow,
) -> Option<(f64, f64)> {
    let id = row.place_id.as_ref()?;
    match row.place_kind.as_deref() {
        Some("office") => org::find_office(conn, id)
            .ok()
            .map(|o| (o.latitude, o.longitude)),
        Some("home") => employee.home_latitude.zip(employee.home_longitude),
        Some("field") => hadir_storage::repo::plan::find_assignment(conn, id)
            .ok()
            .and_then(|a| a.destination_latitude.zip(a.destination_longitude)),
        _ => None,
    }
}

/// A check-in for whoever may see its employee (404 for anyone else); someone else's is
/// audited as a read of its selfie and fix.
pub async fn check_in(ctx: &Ctx<'_>, id: &str) -> Result<CheckInDetail, Error> {
    let (caller, id) = (ctx.caller.clone(), id.to_owned());
    let detail = ctx
        .state
        .db
        .run(move |conn| {
            let row = check_ins::find(conn, &id)?;
            let employee = org::find_employee(conn, &row.employee_id)?;
            let scope = Scope::of(conn, &caller)?;
            if may_see(conn, &scope, &caller, &employee)? {
                let review = check_ins::reviews_of(conn, std::slice::from_ref(&row.id))?.pop();
                let earlier = check_ins::list_for_employee(
                    conn,
                    &row.employee_id,
                    None,
                    Some(row.received_at),
                    None,
                    EARLIER * 2,
                )?
                .into_iter()
                .filter(|c| c.status != "rejected")
                .take(usize::try_from(EARLIER).unwrap_or(4))
                .collect();
                let place_point = place_point(conn, &row, &employee);
                let face_reference =
                    hadir_storage::repo::faces::find_reference(conn, &row.employee_id)?;
                let face_job = hadir_storage::repo::faces::job_of(conn, &row.id)?;
                Ok(CheckInDetail {
                    row,
                    review,
                    employee,
                    place_point,
                    earlier,
                    face_reference,
                    face_job,
                })
            } else {
                Err(StorageError::NotFound)
            }
        })
        .await?;
    reads::record(
        &ctx.state.db,
        ctx.caller,
        ctx.request,
        Read {
            action: "check_in.read",
            entity: "check_in",
            entity_id: &detail.row.id,
            subjects: vec![detail.row.employee_id.clone()],
            detail: serde_json::json!({"selfie": true, "location": true}),
        },
    )
    .await?;
    Ok(detail)
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Reject => "rejected",
        }
    }
}

/// A decision, checked: approve or reject, and a note (required to reject: the employee is
/// told why).
#[derive(Debug, Clone)]
pub struct Decision {
    verdict: Verdict,
    note: Option<String>,
}

impl Decision {
    pub fn parse(decision: &str, note: Option<&str>) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let verdict = match decision {
            "approve" => Some(Verdict::Approve),
            "reject" => Some(Verdict::Reject),
            _ => {
                errors.push(FieldError::new("decision", "must be approve or reject"));
                None
            }
        };
        let note = note
            .filter(|n| !n.trim().is_empty())
            .and_then(|n| text("note", n, 1000, &mut errors));
        if verdict == Some(Verdict::Reject) && note.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "note",
                "a rejection needs a note that tells the employee why",
            ));
        }
        match verdict {
            Some(verdict) if errors.is_empty() => Ok(Self { verdict, note }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

/// A decided check-in: its row after the decision and the review.
pub type Decided = (CheckInRow, ReviewRow);

/// Takes one decision inside the caller's transaction. A refusal by separation of duties is
/// recorded here, in the same (committed) transaction.
fn decide_one(
    conn: &mut DbConnection,
    ctx: (&Scope, &duty::Guard, &Ctx<'_>),
    id: &str,
    decision: &Decision,
) -> Result<Result<Decided, Error>, StorageError> {
    let (scope, guard, ctx) = ctx;
    let before = match check_ins::find(conn, id) {
        Ok(row) => row,
        Err(StorageError::NotFound) => return Ok(Err(Error::NotFound)),
        Err(e) => return Err(e),
    };
    let employee = org::find_employee(conn, &before.employee_id)?;
    if !scope.has_unit(&employee.unit_id) {
        return Ok(Err(Error::NotFound));
    }
    if let Some(refused) = guard.refused(&employee.id) {
        duty::record_refusal(conn, ctx.caller, ctx.request, "check_in.review", &refused)?;
        return Ok(Err(Error::Forbidden(refused.conflict.explanation())));
    }
    let date = NaiveDate::parse_from_str(&before.local_date, "%Y-%m-%d")
        .map_err(|e| StorageError::Other(format!("check-in {id}: local date: {e}")))?;
    if month_closed(conn, &employee.unit_id, date)? {
        return Ok(Err(closed_error(date).into()));
    }
    let review = ReviewRow {
        check_in_id: id.to_owned(),
        decision: decision.verdict.word().to_owned(),
        note: decision.note.clone(),
        reviewer_user_id: ctx.caller.user_id.clone(),
        decided_at: now_utc(),
    };
    if !check_ins::decide(conn, &review, decision.verdict.status())? {
        return Ok(Err(Error::Conflict(format!(
            "this check-in was already reviewed: it is {}",
            before.status
        ))));
    }
    let after = check_ins::find(conn, id)?;
    Actor {
        caller: ctx.caller,
        request_id: ctx.request,
    }
    .record(
        conn,
        "check_in.review",
        "check_in",
        id,
        Some(&audit_view(&before, None)),
        Some(&audit_view(&after, Some(&review))),
    )?;
    Ok(Ok((after, review)))
}

/// What the audit log keeps of a check-in around a decision.
fn audit_view(row: &CheckInRow, review: Option<&ReviewRow>) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "employee_id": row.employee_id,
        "local_date": row.local_date,
        "status": row.status,
        "flags": serde_json::from_str::<serde_json::Value>(&row.flags_json).unwrap_or_default(),
        "review": review.map(|r| serde_json::json!({
            "by": r.reviewer_user_id, "decision": r.decision, "note": r.note,
        })),
    })
}

/// Decides one check-in: `decision` is `approve` or `reject` (with a `note`).
pub async fn decide(
    ctx: &Ctx<'_>,
    id: &str,
    decision: &str,
    note: Option<&str>,
) -> Result<Decided, Error> {
    decide_many(ctx, &[id.to_owned()], decision, note)
        .await?
        .pop()
        .map_or(Err(Error::NotFound), |(_, outcome)| outcome)
}

/// One decision over many check-ins (1 to 500), each with its own outcome, in one
/// transaction.
pub async fn decide_many(
    ctx: &Ctx<'_>,
    ids: &[String],
    decision: &str,
    note: Option<&str>,
) -> Result<Vec<(String, Result<Decided, Error>)>, Error> {
    ctx.caller.require(REVIEWERS)?;
    if ids.is_empty() || ids.len() > 500 {
        return Err(Error::field("ids", "must list 1 to 500 check-in ids"));
    }
    let decision = Decision::parse(decision, note)?;
    let window = ctx.state.attendance.creator_conflict_days;
    let (caller, request, ids) = (ctx.caller.clone(), ctx.request.clone(), ids.to_vec());
    let state = ctx.state.clone();
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let ctx = Ctx {
                state: &state,
                caller: &caller,
                request: &request,
            };
            let scope = Scope::of(conn, &caller)?;
            let guard = duty::Guard::load(conn, &caller, window)?;
            let mut outcomes = Vec::with_capacity(ids.len());
            for raw in &ids {
                let outcome = match uuid::Uuid::parse_str(raw) {
                    Err(_) => Err(Error::NotFound),
                    Ok(u) => decide_one(
                        conn,
                        (&scope, &guard, &ctx),
                        &u.hyphenated().to_string(),
                        &decision,
                    )?,
                };
                outcomes.push((raw.clone(), outcome));
            }
            Ok(outcomes)
        })
        .await?)
}

/// What waits for the caller's decision, as counts a client shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Waiting {
    /// Flagged check-ins in the caller's scope (reviewers only).
    pub check_ins: i64,
    pub corrections: i64,
    pub reports: i64,
}

/// The counts of what waits for the caller: flagged check-ins, corrections and reports.
pub async fn waiting(ctx: &Ctx<'_>) -> Result<Waiting, Error> {
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let check_ins = if REVIEWERS.contains(&caller.role) {
                let scope = Scope::of(conn, &caller)?;
                check_ins::flagged_count(conn, scope.units().as_deref())?
            } else {
                0
            };
            let (corrections, reports) = super::attendance::waiting(conn, &caller)?;
            Ok(Waiting {
                check_ins,
                corrections,
                reports,
            })
        })
        .await?)
}
