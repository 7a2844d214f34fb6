//! Days entered by hand: HR records an employee's check-in or check-out (one person, or every
//! active person of a unit and its sub-units on a day when phones or readers failed), in the
//! time zone the employee's days are counted in, never for themselves or an account that
//! recently created theirs, never in a closed month, audited. Also the time-zone helpers the
//! employee's own corrections and reports use.

use chrono::{NaiveDate, NaiveTime, Utc};
use hadir_domain::Role;
use hadir_storage::repo::attendance::{self as repo, DayFilter, ManualEntryRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::plan as plan_repo;
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{parse_id, text, utc};
use super::scope::{Scope, open_days, writable_employee};
use super::{Ctx, Error, FieldError, duty};
use crate::audit::Actor;
use crate::planning;
use crate::state::AppState;

/// Who enters days by hand.
pub const HR: &[Role] = &[Role::Admin, Role::Hr];

/// `HH:MM`, checked.
pub fn hhmm(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveTime> {
    let t = planning::hhmm(raw);
    if t.is_none() {
        errors.push(FieldError::new(field, "must be a time as HH:MM"));
    }
    t
}

/// The employees among `ids` with the time zone their days are counted in: the rule of the day
/// status (`planning::time_zone_of`: the first active office, else the default).
pub fn zoned(
    state: &AppState,
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<(EmployeeRow, chrono_tz::Tz)>, StorageError> {
    let today = Utc::now().date_naive();
    let book = plan_repo::load_book(conn, Some(ids), today, today)?;
    let default = state.check_in.time_zone();
    Ok(book
        .employees
        .iter()
        .map(|e| (e.clone(), planning::time_zone_of(&book, e, default)))
        .collect())
}

/// The local date an employee's days are counted in, now.
pub fn today_of(
    state: &AppState,
    conn: &mut DbConnection,
    e: &EmployeeRow,
) -> Result<NaiveDate, StorageError> {
    let tz = zoned(state, conn, std::slice::from_ref(&e.id))?
        .pop()
        .map_or_else(|| state.check_in.time_zone(), |(_, tz)| tz);
    Ok(Utc::now().with_timezone(&tz).date_naive())
}

#[derive(Debug, Serialize)]
pub struct ManualEntryView {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub time: String,
    pub timezone: String,
    pub at: String,
    pub source: &'static str,
    pub reason: String,
    pub author_user_id: String,
    pub batch_id: Option<String>,
    pub created_at: String,
}

impl From<&ManualEntryRow> for ManualEntryView {
    fn from(r: &ManualEntryRow) -> Self {
        Self {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            date: r.date,
            kind: r.kind.clone(),
            time: r.local_time.clone(),
            timezone: r.timezone.clone(),
            at: utc(r.at),
            source: "manual",
            reason: r.reason.clone(),
            author_user_id: r.author_user_id.clone(),
            batch_id: r.batch_id.clone(),
            created_at: utc(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewManualEntry {
    pub employee_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub time: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewManualBatch {
    pub unit_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub time: String,
    pub reason: String,
}

/// The common fields of a manual entry, checked: `(kind, time, reason)`.
fn manual_fields(
    kind: &str,
    time: &str,
    reason: &str,
) -> Result<(String, NaiveTime, String), Error> {
    let mut errors = Vec::new();
    if !["in", "out"].contains(&kind) {
        errors.push(FieldError::new("kind", "must be in or out"));
    }
    let time = hhmm("time", time, &mut errors);
    let reason = text("reason", reason, 500, &mut errors);
    match (time, reason) {
        (Some(t), Some(r)) if errors.is_empty() => Ok((kind.to_owned(), t, r)),
        _ => Err(Error::Validation(errors)),
    }
}

/// The manual entry of `kind` at `time` on `date` for `e`, in their time zone `tz`.
fn manual_row(
    (e, tz): &(EmployeeRow, chrono_tz::Tz),
    (date, kind, time, reason): (NaiveDate, &str, NaiveTime, &str),
    author: &str,
    batch_id: Option<&str>,
) -> ManualEntryRow {
    let tz = *tz;
    let at = date
        .and_time(time)
        .and_local_timezone(tz)
        .earliest()
        .map_or_else(|| date.and_time(time), |t| t.naive_utc());
    ManualEntryRow {
        id: uuid::Uuid::new_v4().to_string(),
        employee_id: e.id.clone(),
        date,
        kind: kind.to_owned(),
        local_time: time.format("%H:%M").to_string(),
        timezone: tz.name().to_owned(),
        at,
        reason: reason.to_owned(),
        author_user_id: author.to_owned(),
        batch_id: batch_id.map(str::to_owned),
        created_at: now_utc(),
    }
}

fn not_found_as(field: &'static str) -> impl Fn(StorageError) -> StorageError {
    move |e| match e {
        StorageError::NotFound => StorageError::MissingReference(field.into()),
        e => e,
    }
}

fn missing_reference(e: StorageError) -> Error {
    match e {
        StorageError::MissingReference(field) => {
            let what = if field == "unit_id" {
                "no such unit"
            } else {
                "no such employee"
            };
            Error::field(field, what)
        }
        e => e.into(),
    }
}

/// One employee's check-in or check-out, entered by HR.
pub async fn create(ctx: &Ctx<'_>, body: NewManualEntry) -> Result<ManualEntryRow, Error> {
    ctx.caller.require(HR)?;
    let (kind, time, reason) = manual_fields(&body.kind, &body.time, &body.reason)?;
    let employee_id =
        parse_id(&body.employee_id).map_err(|_| Error::field("employee_id", "must be a UUID"))?;
    let date = body.date;
    let st = ctx.state.clone();
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let e = writable_employee(conn, &scope, &employee_id)
                .map_err(not_found_as("employee_id"))?;
            duty::ensure(conn, &caller, &e.id, window)?;
            open_days(conn, &e, date, date)?;
            let zoned = zoned(&st, conn, std::slice::from_ref(&e.id))?;
            let row = manual_row(
                zoned.first().ok_or(StorageError::NotFound)?,
                (date, &kind, time, &reason),
                &caller.user_id,
                None,
            );
            repo::insert_manual(conn, std::slice::from_ref(&row))?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "manual_entry.create",
                "manual_entry",
                &row.id,
                None,
                Some(&ManualEntryView::from(&row)),
            )?;
            Ok(row)
        })
        .await;
    duty::settled(ctx, "manual_entry.create", result, missing_reference).await
}

/// The same entry for every active employee of a unit and its sub-units: the batch's id and
/// its entries.
pub async fn create_batch(
    ctx: &Ctx<'_>,
    body: NewManualBatch,
) -> Result<(String, Vec<ManualEntryRow>), Error> {
    ctx.caller.require(HR)?;
    let (kind, time, reason) = manual_fields(&body.kind, &body.time, &body.reason)?;
    let unit_id = parse_id(&body.unit_id).map_err(|_| Error::field("unit_id", "must be a UUID"))?;
    let date = body.date;
    let st = ctx.state.clone();
    let (caller, request_id) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let parents = org::unit_parents(conn)?;
            if !parents.contains_key(&unit_id) {
                return Err(StorageError::MissingReference("unit_id".into()).into());
            }
            let units: Vec<String> = hadir_domain::org::subtree(&parents, &unit_id)
                .into_iter()
                .collect();
            let batch_id = uuid::Uuid::new_v4().to_string();
            let ids = repo::active_ids_in(conn, &units)?;
            // A unit's batch that would reach the caller (or the account that made theirs)
            // is refused whole: another officer enters it.
            duty::Guard::load(conn, &caller, window)?.ensure(ids.iter().map(String::as_str))?;
            let mut people = zoned(&st, conn, &ids)?;
            people.sort_by(|(a, _), (b, _)| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            // The close of a month is per unit: each unit of the batch is checked once.
            let batch_units: std::collections::BTreeSet<&str> =
                people.iter().map(|(e, _)| e.unit_id.as_str()).collect();
            for unit in batch_units {
                if super::scope::month_closed(conn, unit, date)? {
                    return Err(super::scope::closed_error(date).into());
                }
            }
            let rows: Vec<ManualEntryRow> = people
                .iter()
                .map(|p| {
                    manual_row(
                        p,
                        (date, &kind, time, &reason),
                        &caller.user_id,
                        Some(&batch_id),
                    )
                })
                .collect();
            repo::insert_manual(conn, &rows)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "manual_entry.batch",
                "unit",
                &unit_id,
                None,
                Some(&serde_json::json!({
                    "batch_id": batch_id,
                    "date": date,
                    "kind": kind,
                    "time": time.format("%H:%M").to_string(),
                    "reason": reason,
                    "employees": rows.iter().map(|r| &r.employee_id).collect::<Vec<_>>(),
                })),
            )?;
            Ok((batch_id, rows))
        })
        .await;
    duty::settled(ctx, "manual_entry.batch", result, missing_reference).await
}

/// Manual entries of the employees the caller may list, by `filter` (within `unit`).
pub async fn list(
    ctx: &Ctx<'_>,
    mut filter: DayFilter,
    unit: Option<String>,
) -> Result<Vec<ManualEntryRow>, Error> {
    super::dated::list(ctx, unit, move |conn, employees| {
        filter.employees = employees;
        repo::list_manual(conn, &filter)
    })
    .await
}
