//! What the records of employees' days (assignments, leave, manual entries) share: a list
//! shows only the employees the caller may list; whoever removes one must be able to write for
//! that employee, may not be that employee nor the account that recently created theirs, may
//! not touch a closed month, and leaves an audit record.

use chrono::NaiveDate;
use hadir_domain::Role;
use hadir_storage::{DbConnection, StorageError};
use serde::Serialize;

use super::input::parse_id;
use super::scope::{Scope, listable_employees, open_days, visible_employee, writable_employee};
use super::{Ctx, Error, duty};
use crate::audit::Actor;

/// A kind of dated record, as removing one needs it.
pub struct Dated<R, V> {
    /// The entity's name in the audit log (`assignment`, `leave`).
    pub entity: &'static str,
    pub find: fn(&mut DbConnection, &str) -> Result<R, StorageError>,
    pub delete: fn(&mut DbConnection, &str) -> Result<(), StorageError>,
    /// Whose days, from and to.
    pub days: fn(&R) -> (&str, NaiveDate, NaiveDate),
    /// The record as the audit log keeps it.
    pub view: fn(&R) -> V,
}

/// Removes the record `id` of kind `kind`, for a caller with one of `writers`' roles.
pub async fn delete<R, V>(
    ctx: &Ctx<'_>,
    writers: &[Role],
    kind: Dated<R, V>,
    id: &str,
) -> Result<(), Error>
where
    R: Send + 'static,
    V: Serialize + 'static,
{
    ctx.caller.require(writers)?;
    let id = parse_id(id)?;
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let action = format!("{}.delete", kind.entity);
    let audited = action.clone();
    let result = ctx
        .state
        .db
        .transaction_as(move |conn| {
            let before = (kind.find)(conn, &id)?;
            let (employee_id, from, to) = (kind.days)(&before);
            let scope = Scope::of(conn, &caller)?;
            let employee = writable_employee(conn, &scope, employee_id)?;
            duty::ensure(conn, &caller, &employee.id, window)?;
            open_days(conn, &employee, from, to)?;
            (kind.delete)(conn, &id)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<_, ()>(
                conn,
                &audited,
                kind.entity,
                &id,
                Some(&(kind.view)(&before)),
                None,
            )?;
            Ok(())
        })
        .await;
    duty::settled(ctx, &action, result, Error::from).await
}

/// The records of the employees the caller may list (within `unit` when given): `read` gets
/// those employees' ids (`None`: everyone) and reads its records of them.
pub async fn list<R, F>(ctx: &Ctx<'_>, unit: Option<String>, read: F) -> Result<Vec<R>, Error>
where
    R: Send + 'static,
    F: FnOnce(&mut DbConnection, Option<Vec<String>>) -> Result<Vec<R>, StorageError>
        + Send
        + 'static,
{
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let employees = listable_employees(conn, &scope, &caller, unit.as_deref())?;
            read(conn, employees)
        })
        .await?)
}

/// The record `id`, when the caller may see its employee (404 otherwise).
pub async fn get<R>(
    ctx: &Ctx<'_>,
    id: &str,
    find: fn(&mut DbConnection, &str) -> Result<R, StorageError>,
    employee_of: fn(&R) -> &str,
) -> Result<R, Error>
where
    R: Send + 'static,
{
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let row = find(conn, &id)?;
            let scope = Scope::of(conn, &caller)?;
            visible_employee(conn, &scope, &caller, employee_of(&row))?;
            Ok(row)
        })
        .await?)
}
