//! Face evidence: enrolled reference faces and the durable queue of face jobs.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::schema::{check_in_flags, check_ins, face_jobs, face_references};
use crate::{DbConnection, StorageError};

/// An employee's enrolled reference face.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = face_references)]
pub struct FaceReferenceRow {
    pub employee_id: String,
    /// 128 little-endian `f32`s, hex.
    pub embedding: String,
    pub photo_key: String,
    pub thumbnail_key: String,
    /// `upload` (HR or an admin sent a photo) or `check_in` (a reviewer promoted a selfie).
    pub source: String,
    pub source_check_in_id: Option<String>,
    pub face_score: f64,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Stores `row` as the employee's reference; answers the one it replaces.
pub fn put_reference(
    conn: &mut DbConnection,
    row: &FaceReferenceRow,
) -> Result<Option<FaceReferenceRow>, StorageError> {
    let before = find_reference(conn, &row.employee_id)?;
    diesel::delete(face_references::table.find(&row.employee_id)).execute(conn)?;
    diesel::insert_into(face_references::table)
        .values(row)
        .execute(conn)?;
    Ok(before)
}

pub fn find_reference(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<Option<FaceReferenceRow>, StorageError> {
    Ok(face_references::table
        .find(employee_id)
        .select(FaceReferenceRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes the employee's reference; answers it.
pub fn delete_reference(
    conn: &mut DbConnection,
    employee_id: &str,
) -> Result<Option<FaceReferenceRow>, StorageError> {
    let before = find_reference(conn, employee_id)?;
    diesel::delete(face_references::table.find(employee_id)).execute(conn)?;
    Ok(before)
}

/// A face job.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = face_jobs)]
pub struct FaceJobRow {
    pub check_in_id: String,
    /// `pending`, `done` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// Not claimed before: the retry wait, or the lease of the worker that holds it.
    pub not_before: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
    /// What the models found (JSON), or why the job failed for good.
    pub evidence: Option<String>,
}

/// Queues the face job of a check-in (in the check-in's own transaction).
pub fn enqueue(
    conn: &mut DbConnection,
    check_in_id: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    diesel::insert_into(face_jobs::table)
        .values(&FaceJobRow {
            check_in_id: check_in_id.to_owned(),
            state: "pending".into(),
            attempts: 0,
            not_before: now,
            claimed_by: None,
            last_error: None,
            created_at: now,
            done_at: None,
            evidence: None,
        })
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    check_in_id: String,
}

/// Claims up to `limit` due jobs for `worker` until `lease_until` (a worker that dies lets
/// its jobs fall due again then): the job ids. On PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
/// instances never claim the same job; SQLite has one writer at a time.
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<String>, StorageError> {
    const PG: &str = "UPDATE face_jobs SET claimed_by = $1, not_before = $3, \
        attempts = attempts + 1 WHERE check_in_id IN (SELECT check_in_id FROM face_jobs \
        WHERE state = 'pending' AND not_before <= $2 ORDER BY not_before, check_in_id \
        LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING check_in_id";
    const SQLITE: &str = "UPDATE face_jobs SET claimed_by = ?1, not_before = ?3, \
        attempts = attempts + 1 WHERE check_in_id IN (SELECT check_in_id FROM face_jobs \
        WHERE state = 'pending' AND not_before <= ?2 ORDER BY not_before, check_in_id \
        LIMIT ?4) RETURNING check_in_id";
    let rows: Vec<Claimed> = match conn {
        DbConnection::Pg(c) => diesel::sql_query(PG)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .bind::<BigInt, _>(limit)
            .load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQLITE)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .bind::<BigInt, _>(limit)
            .load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.check_in_id).collect())
}

pub fn find_job(conn: &mut DbConnection, check_in_id: &str) -> Result<FaceJobRow, StorageError> {
    Ok(face_jobs::table
        .find(check_in_id)
        .select(FaceJobRow::as_select())
        .first(conn)?)
}

/// The job of a check-in, if it has one (check-ins from before face evidence have none).
pub fn job_of(
    conn: &mut DbConnection,
    check_in_id: &str,
) -> Result<Option<FaceJobRow>, StorageError> {
    Ok(face_jobs::table
        .find(check_in_id)
        .select(FaceJobRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a claimed job done with what it found.
pub fn complete(
    conn: &mut DbConnection,
    check_in_id: &str,
    evidence: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    diesel::update(face_jobs::table.find(check_in_id))
        .set((
            face_jobs::state.eq("done"),
            face_jobs::done_at.eq(Some(now)),
            face_jobs::last_error.eq(None::<String>),
            face_jobs::evidence.eq(Some(evidence)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: pending again from `retry_at`; or, with `None`, `failed` for
/// good with `evidence` saying why.
pub fn fail(
    conn: &mut DbConnection,
    check_in_id: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    evidence: Option<&str>,
) -> Result<(), StorageError> {
    let error: String = error.chars().take(1000).collect();
    match retry_at {
        Some(at) => diesel::update(face_jobs::table.find(check_in_id))
            .set((
                face_jobs::not_before.eq(at),
                face_jobs::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(face_jobs::table.find(check_in_id))
            .set((
                face_jobs::state.eq("failed"),
                face_jobs::last_error.eq(Some(error)),
                face_jobs::evidence.eq(evidence),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// How many jobs are pending and how many failed for good.
pub fn counts(conn: &mut DbConnection) -> Result<(i64, i64), StorageError> {
    let count = |conn: &mut DbConnection, state: &str| -> Result<i64, StorageError> {
        Ok(face_jobs::table
            .filter(face_jobs::state.eq(state))
            .count()
            .get_result(conn)?)
    };
    Ok((count(conn, "pending")?, count(conn, "failed")?))
}

/// Writes what the face job found on its check-in: the flags (all of them, the earlier ones
/// first), the status and risk that follow, and the flag codes the queue filters by.
pub fn record_on_check_in(
    conn: &mut DbConnection,
    check_in_id: &str,
    (flags_json, status, risk): (&str, &str, i32),
    added_codes: &[&str],
) -> Result<(), StorageError> {
    let received_at: NaiveDateTime = check_ins::table
        .find(check_in_id)
        .select(check_ins::received_at)
        .first(conn)?;
    diesel::update(check_ins::table.find(check_in_id))
        .set((
            check_ins::flags_json.eq(flags_json),
            check_ins::status.eq(status),
            check_ins::risk.eq(risk),
        ))
        .execute(conn)?;
    for code in added_codes {
        diesel::insert_into(check_in_flags::table)
            .values((
                check_in_flags::check_in_id.eq(check_in_id),
                check_in_flags::code.eq(*code),
                check_in_flags::risk.eq(risk),
                check_in_flags::received_at.eq(received_at),
                check_in_flags::queued.eq(status == "flagged"),
            ))
            .execute(conn)?;
    }
    diesel::update(check_in_flags::table.filter(check_in_flags::check_in_id.eq(check_in_id)))
        .set((
            check_in_flags::risk.eq(risk),
            check_in_flags::queued.eq(status == "flagged"),
        ))
        .execute(conn)?;
    Ok(())
}
