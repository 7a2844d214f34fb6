//! Manual entries, corrections and daily activity reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{corrections, daily_reports, employees, manual_entries};
use crate::{DbConnection, StorageError};

#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = manual_entries)]
pub struct ManualEntryRow {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    /// `in` or `out`.
    pub kind: String,
    /// `HH:MM` as entered, in `timezone`.
    pub local_time: String,
    pub timezone: String,
    pub at: NaiveDateTime,
    pub reason: String,
    pub author_user_id: String,
    /// Shared by the entries of one batch (a whole unit on a day).
    pub batch_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(
    Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize,
)]
#[diesel(table_name = corrections, treat_none_as_null = true)]
pub struct CorrectionRow {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub check_in_time: Option<String>,
    pub check_out_time: Option<String>,
    pub letter_number: Option<String>,
    pub reason: String,
    pub attachment_key: Option<String>,
    pub attachment_type: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(
    Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize,
)]
#[diesel(table_name = daily_reports, treat_none_as_null = true)]
pub struct ReportRow {
    pub id: String,
    pub employee_id: String,
    pub date: NaiveDate,
    /// JSON: `[{activity, output, minutes}]`.
    pub entries_json: String,
    /// `draft`, `submitted`, `approved`, `returned` or `rejected`.
    pub status: String,
    pub comment: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the lists of this module show.
#[derive(Clone, Debug, Default)]
pub struct DayFilter {
    /// Only these employees (a scope), when given.
    pub employees: Option<Vec<String>>,
    pub employee_id: Option<String>,
    pub status: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Keyset: after this `(date, id)`.
    pub after: Option<(NaiveDate, String)>,
    pub limit: i64,
}

// ---------------------------------------------------------------------------------------------
// Manual entries

pub fn insert_manual(conn: &mut DbConnection, rows: &[ManualEntryRow]) -> Result<(), StorageError> {
    insert_batch!(conn, manual_entries::table, rows, 500)?;
    Ok(())
}

pub fn list_manual(
    conn: &mut DbConnection,
    f: &DayFilter,
) -> Result<Vec<ManualEntryRow>, StorageError> {
    let mut q = manual_entries::table
        .select(ManualEntryRow::as_select())
        .order((manual_entries::date.asc(), manual_entries::id.asc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(only) = &f.employees {
        q = q.filter(manual_entries::employee_id.eq_any(only.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(manual_entries::employee_id.eq(e.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(manual_entries::date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(manual_entries::date.le(to));
    }
    if let Some((date, id)) = &f.after {
        q = q.filter(
            manual_entries::date.gt(*date).or(manual_entries::date
                .eq(*date)
                .and(manual_entries::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Corrections

pub fn insert_correction(conn: &mut DbConnection, row: &CorrectionRow) -> Result<(), StorageError> {
    diesel::insert_into(corrections::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_correction(conn: &mut DbConnection, id: &str) -> Result<CorrectionRow, StorageError> {
    Ok(corrections::table
        .find(id)
        .select(CorrectionRow::as_select())
        .first(conn)?)
}

pub fn replace_correction(
    conn: &mut DbConnection,
    row: &CorrectionRow,
) -> Result<(), StorageError> {
    diesel::update(corrections::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// Decides a pending correction: `false` when it was no longer pending.
pub fn decide_correction(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    by: &str,
    at: NaiveDateTime,
    note: Option<&str>,
) -> Result<bool, StorageError> {
    let changed = diesel::update(
        corrections::table
            .find(id)
            .filter(corrections::status.eq("pending")),
    )
    .set((
        corrections::status.eq(status),
        corrections::decided_by.eq(by),
        corrections::decided_at.eq(at),
        corrections::decision_note.eq(note),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn list_corrections(
    conn: &mut DbConnection,
    f: &DayFilter,
) -> Result<Vec<CorrectionRow>, StorageError> {
    let mut q = corrections::table
        .select(CorrectionRow::as_select())
        .order((corrections::date.asc(), corrections::id.asc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(only) = &f.employees {
        q = q.filter(corrections::employee_id.eq_any(only.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(corrections::employee_id.eq(e.clone()));
    }
    if let Some(status) = &f.status {
        q = q.filter(corrections::status.eq(status.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(corrections::date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(corrections::date.le(to));
    }
    if let Some((date, id)) = &f.after {
        q = q.filter(
            corrections::date.gt(*date).or(corrections::date
                .eq(*date)
                .and(corrections::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

/// Pending corrections of `employees` (all when `None`).
pub fn pending_corrections(
    conn: &mut DbConnection,
    employees: Option<&[String]>,
) -> Result<i64, StorageError> {
    let mut q = corrections::table
        .filter(corrections::status.eq("pending"))
        .count()
        .into_boxed();
    if let Some(only) = employees {
        q = q.filter(corrections::employee_id.eq_any(only.to_vec()));
    }
    Ok(q.get_result(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Daily activity reports

pub fn find_report(conn: &mut DbConnection, id: &str) -> Result<ReportRow, StorageError> {
    Ok(daily_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)?)
}

pub fn report_on(
    conn: &mut DbConnection,
    employee_id: &str,
    date: NaiveDate,
) -> Result<Option<ReportRow>, StorageError> {
    Ok(daily_reports::table
        .filter(daily_reports::employee_id.eq(employee_id))
        .filter(daily_reports::date.eq(date))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_report(conn: &mut DbConnection, row: &ReportRow) -> Result<(), StorageError> {
    diesel::insert_into(daily_reports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn replace_report(conn: &mut DbConnection, row: &ReportRow) -> Result<(), StorageError> {
    diesel::update(daily_reports::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn list_reports(
    conn: &mut DbConnection,
    f: &DayFilter,
) -> Result<Vec<ReportRow>, StorageError> {
    let mut q = daily_reports::table
        .select(ReportRow::as_select())
        .order((daily_reports::date.asc(), daily_reports::id.asc()))
        .limit(f.limit)
        .into_boxed();
    if let Some(only) = &f.employees {
        q = q.filter(daily_reports::employee_id.eq_any(only.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(daily_reports::employee_id.eq(e.clone()));
    }
    if let Some(status) = &f.status {
        q = q.filter(daily_reports::status.eq(status.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(daily_reports::date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(daily_reports::date.le(to));
    }
    if let Some((date, id)) = &f.after {
        q = q.filter(
            daily_reports::date.gt(*date).or(daily_reports::date
                .eq(*date)
                .and(daily_reports::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

/// Submitted reports of `employees` (all when `None`), waiting for a decision.
pub fn submitted_reports(
    conn: &mut DbConnection,
    employees: Option<&[String]>,
) -> Result<i64, StorageError> {
    let mut q = daily_reports::table
        .filter(daily_reports::status.eq("submitted"))
        .count()
        .into_boxed();
    if let Some(only) = employees {
        q = q.filter(daily_reports::employee_id.eq_any(only.to_vec()));
    }
    Ok(q.get_result(conn)?)
}

/// The active employees of the units `unit_ids` (for a batch entry).
pub fn active_ids_in(
    conn: &mut DbConnection,
    unit_ids: &[String],
) -> Result<Vec<String>, StorageError> {
    Ok(employees::table
        .filter(employees::unit_id.eq_any(unit_ids))
        .filter(employees::active.eq(true))
        .select(employees::id)
        .order(employees::name.asc())
        .load(conn)?)
}

/// The manual entries of `employees` from `from` to `to`.
pub fn manual_between(
    conn: &mut DbConnection,
    employees: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ManualEntryRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in employees.chunks(5_000) {
        rows.extend(
            manual_entries::table
                .filter(manual_entries::employee_id.eq_any(chunk))
                .filter(
                    manual_entries::date
                        .ge(from)
                        .and(manual_entries::date.le(to)),
                )
                .select(ManualEntryRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// The approved corrections of `employees` from `from` to `to`.
pub fn approved_corrections(
    conn: &mut DbConnection,
    employees: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CorrectionRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in employees.chunks(5_000) {
        rows.extend(
            corrections::table
                .filter(corrections::employee_id.eq_any(chunk))
                .filter(corrections::date.ge(from).and(corrections::date.le(to)))
                .filter(corrections::status.eq("approved"))
                .select(CorrectionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// The days of `employees` from `from` to `to` with an approved activity report.
pub fn approved_report_days(
    conn: &mut DbConnection,
    employees: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate)>, StorageError> {
    let mut rows = Vec::new();
    for chunk in employees.chunks(5_000) {
        rows.extend(
            daily_reports::table
                .filter(daily_reports::employee_id.eq_any(chunk))
                .filter(daily_reports::date.ge(from).and(daily_reports::date.le(to)))
                .filter(daily_reports::status.eq("approved"))
                .select((daily_reports::employee_id, daily_reports::date))
                .load::<(String, NaiveDate)>(conn)?,
        );
    }
    Ok(rows)
}

/// Corrections waiting for a decision (of `employees`, or everyone's when `None`), oldest
/// first, at most `limit`.
pub fn waiting_corrections(
    conn: &mut DbConnection,
    employees: Option<&[String]>,
    limit: i64,
) -> Result<Vec<CorrectionRow>, StorageError> {
    let mut q = corrections::table
        .filter(corrections::status.eq("pending"))
        .order((corrections::created_at.asc(), corrections::id.asc()))
        .limit(limit)
        .select(CorrectionRow::as_select())
        .into_boxed();
    if let Some(only) = employees {
        q = q.filter(corrections::employee_id.eq_any(only.to_vec()));
    }
    Ok(q.load(conn)?)
}

/// Reports waiting for a decision (of `employees`, or everyone's when `None`), oldest first,
/// at most `limit`.
pub fn waiting_reports(
    conn: &mut DbConnection,
    employees: Option<&[String]>,
    limit: i64,
) -> Result<Vec<ReportRow>, StorageError> {
    let mut q = daily_reports::table
        .filter(daily_reports::status.eq("submitted"))
        .order((daily_reports::date.asc(), daily_reports::id.asc()))
        .limit(limit)
        .select(ReportRow::as_select())
        .into_boxed();
    if let Some(only) = employees {
        q = q.filter(daily_reports::employee_id.eq_any(only.to_vec()));
    }
    Ok(q.load(conn)?)
}
