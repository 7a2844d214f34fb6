//! Everything Hadir holds about one employee, for their own export (UU PDP: the right to a
//! copy of one's data).

use diesel::prelude::*;
use serde::Serialize;

use super::attendance::{CorrectionRow, ManualEntryRow, ReportRow};
use super::audit::AuditRow;
use super::check_ins::{CheckInRow, ReviewRow};
use super::org::EmployeeRow;
use super::plan::{AssignmentRow, LeaveRow};
use super::sessions::SessionRow;
use super::users::UserRow;
use crate::schema::{
    assignments, audit_log, audit_subjects, check_in_reviews, check_ins, corrections,
    daily_reports, devices, employee_offices, leaves, manual_entries, sessions, users,
};
use crate::{DbConnection, StorageError};

/// A device bound to the employee.
#[derive(Clone, Debug, Queryable, Selectable, Serialize)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub device_id: String,
    pub employee_id: String,
    pub bound_at: chrono::NaiveDateTime,
}

/// One employee's records, table by table (times in UTC).
#[derive(Debug, Serialize)]
pub struct PersonalData {
    pub employee: EmployeeRow,
    pub account: Option<UserRow>,
    pub other_office_ids: Vec<String>,
    pub devices: Vec<DeviceRow>,
    pub sessions: Vec<SessionRow>,
    pub check_ins: Vec<CheckInRow>,
    pub reviews: Vec<ReviewRow>,
    pub assignments: Vec<AssignmentRow>,
    pub leaves: Vec<LeaveRow>,
    pub manual_entries: Vec<ManualEntryRow>,
    pub corrections: Vec<CorrectionRow>,
    pub daily_reports: Vec<ReportRow>,
    /// The enrolled reference face (biometric: its 128 values are theirs too).
    pub face_reference: Option<super::faces::FaceReferenceRow>,
    /// The audit entries that concern them: who read their data, refusals on their behalf.
    pub audit: Vec<AuditRow>,
}

/// Loads everything about `employee_id`, in a fixed number of queries.
pub fn everything_about(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<PersonalData, StorageError> {
    let employee = super::org::find_employee(conn, employee_id)?;
    let account = users::table
        .filter(users::employee_id.eq(employee_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    let sessions = match &account {
        Some(a) => sessions::table
            .filter(sessions::user_id.eq(&a.id))
            .order(sessions::created_at.asc())
            .select(SessionRow::as_select())
            .load(conn)?,
        None => Vec::new(),
    };
    let check_ins = check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .order((check_ins::received_at.asc(), check_ins::id.asc()))
        .select(CheckInRow::as_select())
        .load(conn)?;
    let reviews = check_in_reviews::table
        .filter(
            check_in_reviews::check_in_id.eq_any(
                check_ins::table
                    .filter(check_ins::employee_id.eq(employee_id))
                    .select(check_ins::id),
            ),
        )
        .order(check_in_reviews::decided_at.asc())
        .select(ReviewRow::as_select())
        .load(conn)?;
    let face_reference = super::faces::find_reference(conn, employee_id)?;
    Ok(PersonalData {
        face_reference,
        other_office_ids: employee_offices::table
            .filter(employee_offices::employee_id.eq(employee_id))
            .select(employee_offices::office_id)
            .load(conn)?,
        devices: devices::table
            .filter(devices::employee_id.eq(employee_id))
            .select(DeviceRow::as_select())
            .load(conn)?,
        assignments: assignments::table
            .filter(assignments::employee_id.eq(employee_id))
            .order(assignments::date.asc())
            .select(AssignmentRow::as_select())
            .load(conn)?,
        leaves: leaves::table
            .filter(leaves::employee_id.eq(employee_id))
            .order(leaves::starts_on.asc())
            .select(LeaveRow::as_select())
            .load(conn)?,
        manual_entries: manual_entries::table
            .filter(manual_entries::employee_id.eq(employee_id))
            .order(manual_entries::at.asc())
            .select(ManualEntryRow::as_select())
            .load(conn)?,
        corrections: corrections::table
            .filter(corrections::employee_id.eq(employee_id))
            .order(corrections::date.asc())
            .select(CorrectionRow::as_select())
            .load(conn)?,
        daily_reports: daily_reports::table
            .filter(daily_reports::employee_id.eq(employee_id))
            .order(daily_reports::date.asc())
            .select(ReportRow::as_select())
            .load(conn)?,
        audit: audit_log::table
            .filter(
                audit_log::id.eq_any(
                    audit_subjects::table
                        .filter(audit_subjects::employee_id.eq(employee_id))
                        .select(audit_subjects::audit_id),
                ),
            )
            .order(audit_log::at.asc())
            .select(AuditRow::as_select())
            .load(conn)?,
        employee,
        account,
        sessions,
        check_ins,
        reviews,
    })
}
