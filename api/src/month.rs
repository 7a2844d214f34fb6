//! A month of attendance: every employee's day codes, totals and allowance cut, computed in
//! chunks of employees so that a whole organisation is never held in memory at once. The HTTP
//! routes, the exports and `hadir export` all read it from here.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use hadir_domain::attendance::month_end;
use hadir_domain::day::{
    self, AllowancePolicy, Code, DayFacts, DayStatus, Punch, Source, Statement,
};
use hadir_domain::plan::DayPlan;
use hadir_storage::repo::attendance as attendance_repo;
use hadir_storage::repo::check_ins;
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::plan::{self as plan_repo, PlanBook};
use hadir_storage::{DbConnection, StorageError};

use crate::planning;

/// How many employees are computed at once.
pub const CHUNK: usize = 500;

/// The rules a month is computed with (from the settings).
#[derive(Clone, Debug)]
pub struct MonthRules {
    /// Days not over at this instant are pending (`-`); `None` judges every day.
    pub now: Option<DateTime<Utc>>,
    pub default_tz: Tz,
    pub wfh_requires_report: bool,
    pub policy: AllowancePolicy,
}

/// One employee's month.
#[derive(Clone, Debug)]
pub struct EmployeeMonth {
    pub employee: EmployeeRow,
    pub unit_name: String,
    /// One per day of the month, in order.
    pub days: Vec<(DayStatus, DayPlan)>,
    pub totals: BTreeMap<Code, u32>,
    pub present_days: u32,
    pub statement: Statement,
}

/// The first and last day of the month `YYYY-MM`.
#[must_use]
pub fn month_range(raw: &str) -> Option<(NaiveDate, NaiveDate)> {
    if raw.len() != 7 {
        return None;
    }
    let first = NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok()?;
    Some((first, month_end(first)))
}

/// The active employees of `units` (everyone when `None`), ordered by unit name then name.
pub fn employees_of(
    conn: &mut DbConnection,
    units: Option<&[String]>,
) -> Result<Vec<String>, StorageError> {
    let names: HashMap<String, String> = org::all_units(conn)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut people = org::roster_of(conn, units)?;
    people.sort_by(|a, b| {
        let unit = |u: &str| names.get(u).cloned().unwrap_or_default();
        (unit(&a.1), &a.2, &a.0).cmp(&(unit(&b.1), &b.2, &b.0))
    });
    Ok(people.into_iter().map(|(id, _, _)| id).collect())
}

/// A local `HH:MM` on `date` in `tz` as an instant.
fn at(date: NaiveDate, hhmm: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let t = planning::hhmm(hhmm)?;
    date.and_time(t)
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// What a chunk of employees' month is computed from, as read from the database.
#[derive(Debug)]
pub struct MonthInputs {
    ids: Vec<String>,
    first: NaiveDate,
    last: NaiveDate,
    book: PlanBook,
    counted: Vec<check_ins::CountedRow>,
    manual: Vec<attendance_repo::ManualEntryRow>,
    corrections: Vec<attendance_repo::CorrectionRow>,
    reports: Vec<(String, NaiveDate)>,
}

/// Reads what the months of `employee_ids` (a chunk) need: a fixed number of queries.
pub fn load(
    conn: &mut DbConnection,
    employee_ids: &[String],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<MonthInputs, StorageError> {
    let (from, to) = (first.to_string(), last.to_string());
    Ok(MonthInputs {
        ids: employee_ids.to_vec(),
        first,
        last,
        book: plan_repo::load_book(conn, Some(employee_ids), first, last)?,
        counted: check_ins::counted_for(conn, employee_ids, &from, &to)?,
        manual: attendance_repo::manual_between(conn, employee_ids, first, last)?,
        corrections: attendance_repo::approved_corrections(conn, employee_ids, first, last)?,
        reports: attendance_repo::approved_report_days(conn, employee_ids, first, last)?,
    })
}

/// The months of `employee_ids` (a chunk), in the order given.
pub fn compute(
    conn: &mut DbConnection,
    employee_ids: &[String],
    first: NaiveDate,
    last: NaiveDate,
    rules: &MonthRules,
) -> Result<Vec<EmployeeMonth>, crate::error::ApiError> {
    months(load(conn, employee_ids, first, last)?, rules)
}

/// The months of a chunk from what `load` read: CPU work only, no database.
pub fn months(
    inputs: MonthInputs,
    rules: &MonthRules,
) -> Result<Vec<EmployeeMonth>, crate::error::ApiError> {
    let MonthInputs {
        ids: employee_ids,
        first,
        last,
        book,
        counted,
        manual,
        corrections,
        reports,
    } = inputs;
    let mut ins: HashMap<(String, NaiveDate), Vec<Punch>> = HashMap::new();
    let mut outs: HashMap<(String, NaiveDate), Vec<Punch>> = HashMap::new();
    for (id, employee, kind, counted_at, local_date) in counted {
        let Ok(date) = local_date.parse::<NaiveDate>() else {
            continue;
        };
        let punch = Punch {
            at: counted_at.and_utc(),
            source: Source::Phone,
            id,
        };
        let side = if kind == "in" { &mut ins } else { &mut outs };
        side.entry((employee, date)).or_default().push(punch);
    }
    for m in manual {
        let punch = Punch {
            at: m.at.and_utc(),
            source: Source::Manual,
            id: m.id,
        };
        let side = if m.kind == "in" { &mut ins } else { &mut outs };
        side.entry((m.employee_id, m.date)).or_default().push(punch);
    }
    let mut field_duty: HashMap<(String, NaiveDate), String> = HashMap::new();
    let reports: HashSet<(String, NaiveDate)> = reports.into_iter().collect();
    let units: HashMap<&str, &str> = book
        .units
        .values()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();
    let by_id: HashMap<&str, &EmployeeRow> =
        book.employees.iter().map(|e| (e.id.as_str(), e)).collect();
    for c in &corrections {
        let Some(e) = by_id.get(c.employee_id.as_str()) else {
            continue;
        };
        let tz = planning::time_zone_of(&book, e, rules.default_tz);
        let key = (c.employee_id.clone(), c.date);
        if c.kind == "field_duty" {
            field_duty.insert(key.clone(), c.id.clone());
        }
        for (time, side) in [(&c.check_in_time, &mut ins), (&c.check_out_time, &mut outs)] {
            if let Some(at) = time.as_deref().and_then(|t| at(c.date, t, tz)) {
                side.entry(key.clone()).or_default().push(Punch {
                    at,
                    source: Source::Correction,
                    id: c.id.clone(),
                });
            }
        }
    }

    let mut out = Vec::with_capacity(employee_ids.len());
    for id in &employee_ids {
        let Some(e) = by_id.get(id.as_str()) else {
            continue;
        };
        let planner = planning::Planner::new(&book, e, rules.default_tz)?;
        let mut days = Vec::with_capacity(31);
        for date in first.iter_days().take_while(|d| *d <= last) {
            let plan = planner.day(date)?;
            let grace = planner.grace_minutes(date);
            let key = (e.id.clone(), date);
            let status = day::day_status_as_of(
                &DayFacts {
                    plan: &plan,
                    leave_kind: book.leave_on(&e.id, date).map(|l| l.kind.as_str()),
                    grace_minutes: grace,
                    ins: ins.get(&key).map_or(&[], Vec::as_slice),
                    outs: outs.get(&key).map_or(&[], Vec::as_slice),
                    field_duty_correction: field_duty.get(&key).map(String::as_str),
                    report_approved: reports.contains(&key),
                    wfh_requires_report: rules.wfh_requires_report,
                },
                rules.now,
            );
            days.push((status, plan));
        }
        let statuses: Vec<DayStatus> = days.iter().map(|(s, _)| s.clone()).collect();
        let with_plans: Vec<(DayStatus, &DayPlan)> =
            days.iter().map(|(s, p)| (s.clone(), p)).collect();
        out.push(EmployeeMonth {
            employee: (*e).clone(),
            unit_name: units
                .get(e.unit_id.as_str())
                .map_or_else(String::new, |n| (*n).to_owned()),
            totals: day::totals(&statuses),
            present_days: day::present_days(&statuses),
            statement: day::statement(&with_plans, &rules.policy),
            days,
        });
    }
    Ok(out)
}

/// The day numbers of a month, for headers.
#[must_use]
pub fn day_numbers(first: NaiveDate, last: NaiveDate) -> Vec<u32> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| d.day())
        .collect()
}
