//! The month as HR reads it: the sheet of a unit (or the organisation), one row per employee,
//! one code per day, totals and the allowance cut; and its exports. Computed chunk by chunk
//! (`month`), so an organisation's month is never in memory at once.

use chrono::{Datelike as _, NaiveDate};
use hadir_domain::Role;
use hadir_domain::org::subtree;
use hadir_storage::repo::org;

use super::reads::{self, Read};
use super::scope::Scope;
use super::{Caller, Ctx, Error};
use crate::export::{CsvSheet, Lang, XlsxBook};
use crate::month::{self, CHUNK, EmployeeMonth, MonthRules};
use crate::state::AppState;

/// Who reads a month's sheet.
pub const READERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

/// `YYYY-MM` checked: the month, its first and last day.
pub fn month_param(raw: Option<&str>) -> Result<(String, NaiveDate, NaiveDate), Error> {
    let raw = raw.ok_or_else(|| Error::field("month", "is required, as YYYY-MM"))?;
    let (first, last) =
        month::month_range(raw).ok_or_else(|| Error::field("month", "must be YYYY-MM"))?;
    Ok((raw.to_owned(), first, last))
}

/// The employees of a monthly sheet in the caller's scope (and unit), ordered; `q` keeps those
/// whose name or staff id contains it.
pub async fn people_matching(
    state: &AppState,
    caller: Caller,
    unit: Option<String>,
    q: Option<String>,
) -> Result<Vec<String>, Error> {
    let ids = people(state, caller, unit).await?;
    let Some(q) = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()) else {
        return Ok(ids);
    };
    state
        .db
        .run(move |conn| {
            let rows = org::find_employees(conn, &ids)?;
            let keep: std::collections::HashSet<String> = rows
                .into_iter()
                .filter(|e| e.name.to_lowercase().contains(&q) || e.nip.contains(&q))
                .map(|e| e.id)
                .collect();
            Ok(ids.into_iter().filter(|id| keep.contains(id)).collect())
        })
        .await
        .map_err(Error::from)
}

/// The employees of a monthly sheet in the caller's scope (and unit), ordered.
pub async fn people(
    state: &AppState,
    caller: Caller,
    unit: Option<String>,
) -> Result<Vec<String>, Error> {
    state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let units: Option<Vec<String>> = match (&unit, scope.units()) {
                (Some(u), _) if scope.has_unit(u) => {
                    Some(subtree(&org::unit_parents(conn)?, u).into_iter().collect())
                }
                (Some(_), _) => {
                    return Err(hadir_storage::StorageError::MissingReference(
                        "unit_id".into(),
                    ));
                }
                (None, only) => only,
            };
            month::employees_of(conn, units.as_deref())
        })
        .await
        .map_err(|e| match e {
            hadir_storage::StorageError::MissingReference(_) => {
                Error::field("unit_id", "no such unit in your scope")
            }
            e => e.into(),
        })
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as map_err(xlsx_error), which hands the error over by value"
)]
fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(format!("xlsx: {e}"))
}

/// Runs `produce`, handing each chunk to `write`; the first error (reading, computing or
/// writing) stops it and is returned.
pub fn produce_all(
    state: &AppState,
    ids: &[String],
    (first, last): (NaiveDate, NaiveDate),
    rules: &MonthRules,
    mut write: impl FnMut(Vec<EmployeeMonth>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut failure = None;
    produce(state, ids, first, last, rules, |chunk| {
        match chunk.and_then(&mut write) {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

/// The month as an XLSX file (on a blocking thread: it reads the database chunk by chunk).
pub fn xlsx_bytes(
    state: &AppState,
    ids: &[String],
    range: (NaiveDate, NaiveDate),
    rules: &MonthRules,
    lang: Lang,
    days: &[u32],
) -> Result<Vec<u8>, Error> {
    let mut book = XlsxBook::new(lang, days).map_err(xlsx_error)?;
    produce_all(state, ids, range, rules, |months| {
        book.rows(&months).map_err(xlsx_error)
    })?;
    book.finish().map_err(xlsx_error)
}

/// Produces the month chunk by chunk on a blocking thread, handing each chunk to `sink`; stops
/// early when `sink` says so (the client went away). The next chunk is read from the database
/// while this one is computed, so the two cores work at once.
pub fn produce(
    state: &AppState,
    ids: &[String],
    first: NaiveDate,
    last: NaiveDate,
    rules: &MonthRules,
    mut sink: impl FnMut(Result<Vec<EmployeeMonth>, Error>) -> bool,
) {
    let handle = tokio::runtime::Handle::current();
    let read = |chunk: &[String]| {
        let (chunk, db) = (chunk.to_vec(), state.db.clone());
        handle.spawn(async move {
            db.run(move |conn| month::load(conn, &chunk, first, last))
                .await
        })
    };
    let mut chunks = ids.chunks(CHUNK);
    let mut next = chunks.next().map(read);
    while let Some(reading) = next.take() {
        let inputs = handle
            .block_on(reading)
            .map_err(|e| Error::Internal(format!("month task: {e}")))
            .and_then(|r| r.map_err(Error::from));
        next = chunks.next().map(read);
        let result = inputs.and_then(|inputs| month::months(inputs, rules));
        let failed = result.is_err();
        if !sink(result) || failed {
            return;
        }
    }
}

/// The month of the people `q` and `unit` select, as shown on a page (a unit's sheet).
#[derive(Debug)]
pub struct Sheet {
    pub month: String,
    pub days: Vec<u32>,
    pub rows: Vec<EmployeeMonth>,
}

/// The sheet of `month` for the caller's scope, a unit and a search.
pub async fn sheet(
    ctx: &Ctx<'_>,
    month_raw: &str,
    unit: Option<&str>,
    q: Option<&str>,
) -> Result<Sheet, Error> {
    ctx.caller.require(READERS)?;
    let (raw, first, last) = month_param(Some(month_raw))?;
    let unit = super::input::query_id("unit_id", unit)?;
    let ids = people_matching(ctx.state, ctx.caller.clone(), unit, q.map(str::to_owned)).await?;
    let rules = ctx.state.month_rules();
    let st = ctx.state.clone();
    let rows = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::with_capacity(ids.len());
        produce_all(&st, &ids, (first, last), &rules, |chunk| {
            rows.extend(chunk);
            Ok(())
        })
        .map(|()| rows)
    })
    .await
    .map_err(|e| Error::Internal(format!("month task: {e}")))??;
    Ok(Sheet {
        days: month::day_numbers(first, last),
        month: raw,
        rows,
    })
}

/// An export of a month, checked and audited: who is in it and the month's range.
#[derive(Debug)]
pub struct Export {
    pub month: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: Vec<u32>,
    pub ids: Vec<String>,
    pub rules: MonthRules,
}

/// Opens an export of `month` in `format` (json, csv or xlsx) for the caller's scope, a unit
/// and a search: audited as a read of everyone in it before a byte is produced.
pub async fn open_export(
    ctx: &Ctx<'_>,
    month_raw: Option<&str>,
    unit: Option<&str>,
    q: Option<&str>,
    format: &str,
) -> Result<Export, Error> {
    ctx.caller.require(READERS)?;
    let (raw, first, last) = month_param(month_raw)?;
    if !["json", "csv", "xlsx"].contains(&format) {
        return Err(Error::field("format", "must be json, csv or xlsx"));
    }
    let unit = super::input::query_id("unit_id", unit)?;
    let ids = people_matching(
        ctx.state,
        ctx.caller.clone(),
        unit.clone(),
        q.map(str::to_owned),
    )
    .await?;
    let mut detail = serde_json::json!({"format": format, "unit_id": unit});
    if let Some(q) = q {
        detail["q"] = q.into();
    }
    reads::record(
        &ctx.state.db,
        ctx.caller,
        ctx.request,
        Read {
            action: "attendance.export",
            entity: "month",
            entity_id: &raw,
            subjects: ids.clone(),
            detail,
        },
    )
    .await?;
    Ok(Export {
        days: month::day_numbers(first, last),
        month: raw,
        first,
        last,
        ids,
        rules: ctx.state.month_rules(),
    })
}

/// A file of the selected month: XLSX or CSV bytes, and its name. Audited as an export of
/// everyone in it.
pub async fn export(
    ctx: &Ctx<'_>,
    month_raw: &str,
    unit: Option<&str>,
    q: Option<&str>,
    format: &str,
    lang: Lang,
) -> Result<(Vec<u8>, String), Error> {
    ctx.caller.require(READERS)?;
    if !["csv", "xlsx"].contains(&format) {
        return Err(Error::field("format", "must be csv or xlsx"));
    }
    let export = open_export(ctx, Some(month_raw), unit, q, format).await?;
    let name = format!("rekap-kehadiran-{}.{format}", export.month);
    let st = ctx.state.clone();
    let is_csv = format == "csv";
    let bytes = tokio::task::spawn_blocking(move || {
        let Export {
            first,
            last,
            days,
            ids,
            rules,
            ..
        } = export;
        if is_csv {
            let csv = CsvSheet::new(lang);
            let mut out = csv.start(&days).map_err(Error::Internal)?;
            produce_all(&st, &ids, (first, last), &rules, |months| {
                out.extend(csv.rows(&months).map_err(Error::Internal)?);
                Ok(())
            })?;
            Ok(out)
        } else {
            xlsx_bytes(&st, &ids, (first, last), &rules, lang, &days)
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("export task: {e}")))??;
    Ok((bytes, name))
}

/// One employee's month, computed in a single chunk.
async fn one(
    state: &AppState,
    employee_id: String,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<EmployeeMonth, Error> {
    let rules = state.month_rules();
    state
        .db
        .run(move |conn| Ok(month::compute(conn, &[employee_id], first, last, &rules)))
        .await??
        .pop()
        .ok_or(Error::NotFound)
}

/// The caller's own month (`YYYY-MM`): the month checked, and its days, totals and cut.
pub async fn mine(
    ctx: &Ctx<'_>,
    month_raw: Option<&str>,
) -> Result<(String, EmployeeMonth), Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let (raw, first, last) = month_param(month_raw)?;
    Ok((raw, one(ctx.state, employee_id, first, last).await?))
}

/// The allowance statement of an employee's month (the caller's own when `employee_id` is
/// left out), for whoever may see them; audited as a read.
pub async fn statement(
    ctx: &Ctx<'_>,
    employee_id: Option<&str>,
    month_raw: Option<&str>,
) -> Result<(String, hadir_storage::repo::org::EmployeeRow, EmployeeMonth), Error> {
    let (raw, first, last) = month_param(month_raw)?;
    let employee_id = match super::input::query_id("employee_id", employee_id)? {
        Some(id) => id,
        None => ctx
            .caller
            .employee_id
            .clone()
            .ok_or_else(|| Error::field("employee_id", "is required"))?,
    };
    let (caller, id) = (ctx.caller.clone(), employee_id.clone());
    let employee = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            super::scope::visible_employee(conn, &scope, &caller, &id)
        })
        .await?;
    reads::record(
        &ctx.state.db,
        ctx.caller,
        ctx.request,
        Read {
            action: "attendance.statement.read",
            entity: "employee",
            entity_id: &employee.id,
            subjects: vec![employee.id.clone()],
            detail: serde_json::json!({"month": raw}),
        },
    )
    .await?;
    let m = one(ctx.state, employee_id, first, last).await?;
    Ok((raw, employee, m))
}

/// One employee's day as the month reads it: its status (codes, punches, why) and its plan.
#[derive(Debug)]
pub struct Day {
    pub employee: hadir_storage::repo::org::EmployeeRow,
    pub status: hadir_domain::day::DayStatus,
    pub plan: hadir_domain::plan::DayPlan,
}

/// The day behind a cell of the sheet, for whoever may see the employee (404 otherwise).
pub async fn day(ctx: &Ctx<'_>, employee_id: &str, date: NaiveDate) -> Result<Day, Error> {
    ctx.caller.require(READERS)?;
    let id = super::input::parse_id(employee_id)?;
    let (caller, rules) = (ctx.caller.clone(), ctx.state.month_rules());
    let first = date.with_day(1).unwrap_or(date);
    let last = hadir_domain::attendance::month_end(first);
    ctx.state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let employee = super::scope::visible_employee(conn, &scope, &caller, &id)?;
            Ok((
                employee,
                month::load(conn, std::slice::from_ref(&id), first, last)?,
            ))
        })
        .await
        .map_err(Error::from)
        .and_then(|(employee, inputs)| {
            let m = month::months(inputs, &rules)?
                .pop()
                .ok_or(Error::NotFound)?;
            let (status, plan) = m
                .days
                .into_iter()
                .find(|(s, _)| s.date == date)
                .ok_or(Error::NotFound)?;
            Ok(Day {
                employee,
                status,
                plan,
            })
        })
}

/// The units the caller may pick on the month page, by name.
pub async fn units(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, Error> {
    ctx.caller.require(READERS)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let mut units: Vec<(String, String)> = org::all_units(conn)?
                .into_iter()
                .filter(|u| scope.has_unit(&u.id))
                .map(|u| (u.id, u.name))
                .collect();
            units.sort_by(|a, b| a.1.cmp(&b.1));
            Ok(units)
        })
        .await?)
}

/// `day` for the employee with this staff id (404 when none is visible to the caller).
pub async fn day_by_staff_id(ctx: &Ctx<'_>, staff_id: &str, date: NaiveDate) -> Result<Day, Error> {
    ctx.caller.require(READERS)?;
    let nip = staff_id.to_owned();
    let found = ctx
        .state
        .db
        .run(move |conn| org::ids_by_nip(conn, std::slice::from_ref(&nip)))
        .await?;
    let (_, id) = found.into_iter().next().ok_or(Error::NotFound)?;
    day(ctx, &id, date).await
}

/// `hadir export` (the operator, on the server: no caller, no scope): the month of every active
/// employee (or a unit's) into `out`, in `format`.
pub async fn export_to_file(
    state: &AppState,
    raw: &str,
    format: &str,
    lang: Lang,
    unit: Option<String>,
    out: &std::path::Path,
) -> Result<usize, Error> {
    let (first, last) =
        month::month_range(raw).ok_or_else(|| Error::field("month", "must be YYYY-MM"))?;
    let ids = state
        .db
        .run(move |conn| {
            let units = match unit {
                Some(u) => Some(
                    subtree(&org::unit_parents(conn)?, &u)
                        .into_iter()
                        .collect::<Vec<_>>(),
                ),
                None => None,
            };
            month::employees_of(conn, units.as_deref())
        })
        .await?;
    let count = ids.len();
    let days = month::day_numbers(first, last);
    let rules = state.month_rules();
    let (st, format, raw, out) = (
        state.clone(),
        format.to_owned(),
        raw.to_owned(),
        out.to_owned(),
    );
    tokio::task::spawn_blocking(move || -> Result<(), Error> {
        use std::io::Write as _;
        let io = |e: std::io::Error| Error::Internal(format!("{}: {e}", out.display()));
        if format == "xlsx" {
            let bytes = xlsx_bytes(&st, &ids, (first, last), &rules, lang, &days)?;
            return std::fs::write(&out, bytes).map_err(io);
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(&out).map_err(io)?);
        let csv = CsvSheet::new(lang);
        if format == "csv" {
            file.write_all(&csv.start(&days).map_err(Error::Internal)?)
                .map_err(io)?;
        } else {
            file.write_all(&crate::export::json_opening(&raw, &days))
                .map_err(io)?;
        }
        let mut first_row = true;
        let cap_bp = st.allowance.cap_bp;
        produce_all(&st, &ids, (first, last), &rules, |months| {
            let bytes = if format == "csv" {
                csv.rows(&months).map_err(Error::Internal)?
            } else {
                crate::export::json_rows(&months, &mut first_row, cap_bp)
                    .map_err(Error::Internal)?
            };
            file.write_all(&bytes).map_err(io)
        })?;
        if format == "json" {
            file.write_all(b"]}").map_err(io)?;
        }
        file.flush().map_err(io)
    })
    .await
    .map_err(|e| Error::Internal(format!("export task: {e}")))??;
    Ok(count)
}
