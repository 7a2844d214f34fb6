//! The organisation's calendar: the schedules that units and employees follow, and the
//! holidays. Written by admins and HR; schedules are read by whoever plans or supervises,
//! holidays by anyone signed in (phones show them). A change to a schedule's rules holds from a
//! date, so the days before it read as they did; nothing changes in a closed month; every
//! write is audited with the record before and after.

use chrono::{DateTime, NaiveDate, Utc};
use hadir_domain::Role;
use hadir_domain::plan::{ScheduleOverride, Week};
use hadir_storage::repo::months::{self, MonthLock};
use hadir_storage::repo::plan::{
    self as repo, HolidayChanges, HolidayRow, ScheduleChanges, ScheduleRow,
};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{parse_id, present, text};
use super::scope::closed_error;
use super::{Ctx, Error, FieldError};
use crate::audit::Actor;
use crate::planning;

/// Who reads schedules.
pub const READERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin, Role::Supervisor];
/// Who writes the calendar.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Hr];

// ---------------------------------------------------------------------------------------------
// Schedules

/// A schedule as the API shows it (and as the audit log records it).
#[derive(Debug, Serialize)]
pub struct ScheduleView {
    pub id: String,
    pub name: String,
    pub days: Week,
    pub grace_minutes: i32,
    pub check_in_opens_before_minutes: i32,
    pub check_out_closes_after_minutes: i32,
    pub overrides: Vec<ScheduleOverride>,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ScheduleView {
    pub fn new(r: &ScheduleRow) -> Result<Self, Error> {
        let s = planning::schedule(r)?;
        Ok(Self {
            id: r.id.clone(),
            name: r.name.clone(),
            days: s.days,
            grace_minutes: r.grace_minutes,
            check_in_opens_before_minutes: r.check_in_opens_before_minutes,
            check_out_closes_after_minutes: r.check_out_closes_after_minutes,
            overrides: s.overrides,
            is_default: r.is_default,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub name: String,
    pub days: Week,
    #[serde(default)]
    pub grace_minutes: Option<i32>,
    #[serde(default)]
    pub check_in_opens_before_minutes: Option<i32>,
    #[serde(default)]
    pub check_out_closes_after_minutes: Option<i32>,
    #[serde(default)]
    pub overrides: Vec<ScheduleOverride>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulePatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub days: Option<Week>,
    #[serde(default, deserialize_with = "present")]
    pub grace_minutes: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    pub check_in_opens_before_minutes: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    pub check_out_closes_after_minutes: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    pub overrides: Option<Vec<ScheduleOverride>>,
    #[serde(default, deserialize_with = "present")]
    pub is_default: Option<bool>,
    /// The first day the changed hours, grace or windows apply (`YYYY-MM-DD`; default today,
    /// in the organisation's time zone). The days before it keep the rules they had.
    #[serde(default, deserialize_with = "present")]
    pub valid_from: Option<String>,
}

fn minutes(field: &str, value: i32, max: i32, errors: &mut Vec<FieldError>) -> i32 {
    if !(0..=max).contains(&value) {
        errors.push(FieldError::new(
            field,
            format!("must be 0 to {max} minutes"),
        ));
    }
    value
}

fn check_overrides(overrides: &[ScheduleOverride], errors: &mut Vec<FieldError>) {
    for (i, o) in overrides.iter().enumerate() {
        let field = format!("overrides[{i}]");
        text(&format!("{field}.name"), &o.name, 200, errors);
        if o.from > o.to {
            errors.push(FieldError::new(field.clone(), "`from` is after `to`"));
        }
        if (o.to - o.from).num_days() > 366 {
            errors.push(FieldError::new(field.clone(), "covers more than a year"));
        }
        if let Some(j) = overrides[..i]
            .iter()
            .position(|p| p.from <= o.to && o.from <= p.to)
        {
            errors.push(FieldError::new(
                field,
                format!("overlaps overrides[{j}]: a date can have one set of hours"),
            ));
        }
    }
}

fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// Every schedule.
pub async fn list_schedules(ctx: &Ctx<'_>) -> Result<Vec<ScheduleRow>, Error> {
    ctx.caller.require(READERS)?;
    Ok(ctx.state.db.run(repo::list_schedules).await?)
}

/// One schedule.
pub async fn schedule(ctx: &Ctx<'_>, id: &str) -> Result<ScheduleRow, Error> {
    ctx.caller.require(READERS)?;
    let id = parse_id(id)?;
    Ok(ctx
        .state
        .db
        .run(move |conn| repo::find_schedule(conn, &id))
        .await?)
}

/// A new schedule.
pub async fn create_schedule(ctx: &Ctx<'_>, body: NewSchedule) -> Result<ScheduleRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let grace = minutes(
        "grace_minutes",
        body.grace_minutes.unwrap_or(0),
        240,
        &mut errors,
    );
    let before = minutes(
        "check_in_opens_before_minutes",
        body.check_in_opens_before_minutes.unwrap_or(60),
        720,
        &mut errors,
    );
    let after = minutes(
        "check_out_closes_after_minutes",
        body.check_out_closes_after_minutes.unwrap_or(240),
        720,
        &mut errors,
    );
    check_overrides(&body.overrides, &mut errors);
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let now = now_utc();
    let row = ScheduleRow {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        days_json: json(&body.days)?,
        grace_minutes: grace,
        check_in_opens_before_minutes: before,
        check_out_closes_after_minutes: after,
        overrides_json: json(&body.overrides)?,
        is_default: body.is_default,
        created_at: now,
        updated_at: now,
    };
    let view = ScheduleView::new(&row)?;
    let stored = row.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            repo::insert_schedule(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "schedule.create",
                "schedule",
                &stored.id,
                None,
                Some(&view),
            )
        })
        .await?;
    Ok(row)
}

/// Changes a schedule. A change to its rules (days, grace, windows, overrides) holds from
/// `valid_from`: the rules before it are kept as a version for the days up to then.
pub async fn update_schedule(
    ctx: &Ctx<'_>,
    id: &str,
    body: SchedulePatch,
) -> Result<ScheduleRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let grace = body
        .grace_minutes
        .map(|m| minutes("grace_minutes", m, 240, &mut errors));
    let before = body
        .check_in_opens_before_minutes
        .map(|m| minutes("check_in_opens_before_minutes", m, 720, &mut errors));
    let after = body
        .check_out_closes_after_minutes
        .map(|m| minutes("check_out_closes_after_minutes", m, 720, &mut errors));
    if let Some(o) = &body.overrides {
        check_overrides(o, &mut errors);
    }
    let today = Utc::now()
        .with_timezone(&ctx.state.check_in.time_zone())
        .date_naive();
    let valid_from = match body.valid_from.as_deref() {
        None => today,
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "valid_from",
                "must be a date as YYYY-MM-DD",
            ));
            today
        }),
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    // The rules days are read by: changing them starts a new version from `valid_from`.
    let rules_change = body.days.is_some()
        || body.grace_minutes.is_some()
        || body.check_in_opens_before_minutes.is_some()
        || body.check_out_closes_after_minutes.is_some()
        || body.overrides.is_some();
    let changes = ScheduleChanges {
        name,
        days_json: body.days.as_ref().map(json).transpose()?,
        grace_minutes: grace,
        check_in_opens_before_minutes: before,
        check_out_closes_after_minutes: after,
        overrides_json: body.overrides.as_ref().map(json).transpose()?,
        is_default: body.is_default,
        updated_at: Some(now_utc()),
    };
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let before = repo::find_schedule(conn, &id)?;
            if rules_change {
                let month = valid_from.format("%Y-%m").to_string();
                months::lock_month(conn, &month, MonthLock::Change)?;
                if !months::of_month(conn, &month)?.is_empty() {
                    return Err(StorageError::Conflict(format!(
                        "{month} is closed (for the organisation or a unit): a change to the \
                         schedule's hours takes effect from a day of an open month (valid_from)"
                    )));
                }
                if let Some(until) = repo::last_version_until(conn, &id)?
                    && until >= valid_from
                {
                    return Err(StorageError::Conflict(format!(
                        "an earlier change already holds the days up to {until}: valid_from \
                         must come after it"
                    )));
                }
                if let Some(until) = valid_from.pred_opt() {
                    repo::insert_schedule_version(conn, &before, until)?;
                }
            }
            let after = repo::update_schedule(conn, &id, &changes)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "schedule.update",
                "schedule",
                &id,
                Some(&ScheduleView::new(&before).ok()),
                Some(&ScheduleView::new(&after).ok()),
            )?;
            Ok(after)
        })
        .await?)
}

/// Deletes a schedule nobody follows (409 while units or employees do).
pub async fn delete_schedule(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            let before = repo::find_schedule(conn, &id)?;
            if repo::schedule_in_use(conn, &id)? {
                return Err(StorageError::Conflict(
                    "units or employees still follow this schedule; give them another first".into(),
                ));
            }
            repo::delete_schedule(conn, &id)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<_, ()>(
                conn,
                "schedule.delete",
                "schedule",
                &id,
                Some(&ScheduleView::new(&before).ok()),
                None,
            )
        })
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Holidays

const HOLIDAY_KINDS: [&str; 3] = ["national", "collective_leave", "local"];

/// A holiday as the API shows it (and as the audit log records it).
#[derive(Debug, Serialize)]
pub struct HolidayView {
    pub id: String,
    pub date: NaiveDate,
    pub name: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&HolidayRow> for HolidayView {
    fn from(r: &HolidayRow) -> Self {
        Self {
            id: r.id.clone(),
            date: r.date,
            name: r.name.clone(),
            kind: r.kind.clone(),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHoliday {
    pub date: NaiveDate,
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayPatch {
    #[serde(default, deserialize_with = "present")]
    pub date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub kind: Option<String>,
}

fn holiday_kind(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if HOLIDAY_KINDS.contains(&raw) {
        Some(raw.to_owned())
    } else {
        errors.push(FieldError::new(
            "kind",
            "must be national, collective_leave or local",
        ));
        None
    }
}

/// The holidays from `from` to `to` (either open), within `year` when given: any signed-in
/// caller.
pub async fn holidays(
    ctx: &Ctx<'_>,
    year: Option<i32>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<HolidayRow>, Error> {
    // Dates every database stores: without bounds, every holiday there is. A year and a
    // range together give the part of the range in that year.
    let mut from = from.unwrap_or(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default());
    let mut to = to.unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default());
    if let Some(year) = year {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1).filter(|_| (1900..=2200).contains(&year)),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(Error::field("year", "must be a year from 1900 to 2200"));
        };
        from = from.max(first);
        to = to.min(last);
    }
    Ok(ctx
        .state
        .db
        .run(move |conn| repo::holidays_between(conn, from, to))
        .await?)
}

/// One holiday: any signed-in caller.
pub async fn holiday(ctx: &Ctx<'_>, id: &str) -> Result<HolidayRow, Error> {
    let id = parse_id(id)?;
    Ok(ctx
        .state
        .db
        .run(move |conn| repo::find_holiday(conn, &id))
        .await?)
}

/// A holiday changes every unit's days: refused (409) when its month is closed anywhere.
fn holiday_month_open(conn: &mut DbConnection, date: NaiveDate) -> Result<(), StorageError> {
    if months::of_month(conn, &date.format("%Y-%m").to_string())?.is_empty() {
        Ok(())
    } else {
        Err(closed_error(date))
    }
}

fn holiday_conflict(e: StorageError) -> Error {
    match e {
        StorageError::Duplicate(_) => {
            Error::Conflict("there is already a holiday on that date".into())
        }
        e => e.into(),
    }
}

/// A new holiday (one per date).
pub async fn create_holiday(ctx: &Ctx<'_>, body: NewHoliday) -> Result<HolidayRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let kind = holiday_kind(body.kind.as_deref().unwrap_or("national"), &mut errors);
    let (Some(name), Some(kind)) = (name, kind) else {
        return Err(Error::Validation(errors));
    };
    let now = now_utc();
    let row = HolidayRow {
        id: uuid::Uuid::new_v4().to_string(),
        date: body.date,
        name,
        kind,
        created_at: now,
        updated_at: now,
    };
    let stored = row.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            holiday_month_open(conn, stored.date)?;
            repo::insert_holiday(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "holiday.create",
                "holiday",
                &stored.id,
                None,
                Some(&HolidayView::from(&stored)),
            )
        })
        .await
        .map_err(holiday_conflict)?;
    Ok(row)
}

/// Changes a holiday (its old and new month must both be open).
pub async fn update_holiday(
    ctx: &Ctx<'_>,
    id: &str,
    body: HolidayPatch,
) -> Result<HolidayRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let kind = body
        .kind
        .as_deref()
        .and_then(|k| holiday_kind(k, &mut errors));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let changes = HolidayChanges {
        date: body.date,
        name,
        kind,
        updated_at: Some(now_utc()),
    };
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            let before = repo::find_holiday(conn, &id)?;
            holiday_month_open(conn, before.date)?;
            if let Some(date) = changes.date {
                holiday_month_open(conn, date)?;
            }
            let after = repo::update_holiday(conn, &id, &changes)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "holiday.update",
                "holiday",
                &id,
                Some(&HolidayView::from(&before)),
                Some(&HolidayView::from(&after)),
            )?;
            Ok(after)
        })
        .await
        .map_err(holiday_conflict)
}

/// Deletes a holiday of an open month.
pub async fn delete_holiday(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    ctx.state
        .db
        .transaction(move |conn| {
            let before = repo::find_holiday(conn, &id)?;
            holiday_month_open(conn, before.date)?;
            repo::delete_holiday(conn, &id)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<_, ()>(
                conn,
                "holiday.delete",
                "holiday",
                &id,
                Some(&HolidayView::from(&before)),
                None,
            )
        })
        .await?;
    Ok(())
}
