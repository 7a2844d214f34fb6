//! The organisation as lists: units, offices and employees within the caller's scope, by
//! name, in keyset pages. A page of employees that shows home points is audited as a read of
//! those people's homes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hadir_domain::Role;
use hadir_storage::repo::org::{self, EmployeeFilter, EmployeeRow, NameCursor, OfficeRow, UnitRow};
use hadir_storage::repo::plan;
use hadir_storage::repo::users::{self, UserRow};

use super::input::{field_id, page_limit, query_id, search};
use super::reads::{self, Read};
use super::scope::Scope;
use super::{Caller, Ctx, Error, RequestId};
use crate::state::AppState;

/// Who reads the organisation's lists (supervisors see their reports among employees).
pub const ORG_READERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

fn decode_cursor(raw: Option<&str>) -> Result<Option<NameCursor>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| {
            let (id, name) = t.split_once('|')?;
            Some((name.to_owned(), id.to_owned()))
        })
        .map(Some)
        .ok_or_else(|| Error::field("cursor", "not a cursor this API issued"))
}

fn encode_cursor(name: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{id}|{name}"))
}

/// Pops the look-ahead row and makes the next cursor.
fn page<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (&str, &str),
) -> (Vec<T>, Option<String>) {
    if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        let next = rows.last().map(|r| {
            let (name, id) = key(r);
            encode_cursor(name, id)
        });
        (rows, next)
    } else {
        (rows, None)
    }
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// What a list is asked for, as the interface received it.
#[derive(Debug, Default, Clone)]
pub struct ListRequest {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub unit_id: Option<String>,
    pub parent_id: Option<String>,
    pub office_id: Option<String>,
    pub supervisor_id: Option<String>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub include_inactive: Option<bool>,
}

/// The units in scope.
pub async fn list_units(ctx: &Ctx<'_>, req: &ListRequest) -> Result<Page<UnitRow>, Error> {
    ctx.caller.require(ORG_READERS)?;
    let limit = page_limit(req.limit)?;
    let cursor = decode_cursor(req.cursor.as_deref())?;
    let parent = query_id("parent_id", req.parent_id.as_deref())?;
    let caller = ctx.caller.clone();
    let rows = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            org::list_units(
                conn,
                scope.units().as_deref(),
                parent.as_deref(),
                cursor.as_ref(),
                limit + 1,
            )
        })
        .await?;
    let (items, next_cursor) = page(rows, limit, |r| (r.name.as_str(), r.id.as_str()));
    Ok(Page { items, next_cursor })
}

/// The offices in scope.
pub async fn list_offices(ctx: &Ctx<'_>, req: &ListRequest) -> Result<Page<OfficeRow>, Error> {
    ctx.caller.require(ORG_READERS)?;
    let limit = page_limit(req.limit)?;
    let cursor = decode_cursor(req.cursor.as_deref())?;
    let unit_id = query_id("unit_id", req.unit_id.as_deref())?;
    let include_inactive = req.include_inactive.unwrap_or(false);
    let caller = ctx.caller.clone();
    let rows = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            org::list_offices(
                conn,
                scope.units().as_deref(),
                unit_id.as_deref(),
                include_inactive,
                cursor.as_ref(),
                limit + 1,
            )
        })
        .await?;
    let (items, next_cursor) = page(rows, limit, |r| (r.name.as_str(), r.id.as_str()));
    Ok(Page { items, next_cursor })
}

/// An employee in a list: the record, their login and their other offices.
pub type Listed = (EmployeeRow, Option<UserRow>, Vec<String>);

/// The employees in scope (a supervisor: their direct reports), audited where a page shows
/// home points.
pub async fn list_employees(ctx: &Ctx<'_>, req: &ListRequest) -> Result<Page<Listed>, Error> {
    ctx.caller
        .require(&[Role::Admin, Role::Hr, Role::UnitAdmin, Role::Supervisor])?;
    let limit = page_limit(req.limit)?;
    let cursor = decode_cursor(req.cursor.as_deref())?;
    let mut errors = Vec::new();
    let mut filter = EmployeeFilter {
        unit_id: req
            .unit_id
            .as_deref()
            .and_then(|u| field_id("unit_id", u, &mut errors)),
        office_id: req
            .office_id
            .as_deref()
            .and_then(|o| field_id("office_id", o, &mut errors)),
        supervisor_id: req
            .supervisor_id
            .as_deref()
            .and_then(|s| field_id("supervisor_id", s, &mut errors)),
        active: req.active,
        q: search("q", req.q.as_deref(), &mut errors),
        only_units: None,
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let caller = ctx.caller.clone();
    let rows = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            match (&scope, &caller.employee_id) {
                // A supervisor lists their direct reports.
                (Scope::People, Some(me)) => filter.supervisor_id = Some(me.clone()),
                (Scope::People, None) => return Ok(Vec::new()),
                _ => filter.only_units = scope.units(),
            }
            let rows = org::list_employees(conn, &filter, cursor.as_ref(), limit + 1)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let logins = users::for_employees(conn, &ids)?;
            let mut others = plan::other_offices_of(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let login = logins
                        .iter()
                        .find(|u| u.employee_id.as_deref() == Some(r.id.as_str()))
                        .cloned();
                    let more = others.remove(&r.id).unwrap_or_default();
                    (r, login, more)
                })
                .collect())
        })
        .await?;
    let (items, next_cursor) = page(rows, limit, |(r, _, _)| (r.name.as_str(), r.id.as_str()));
    let read: Vec<EmployeeRow> = items.iter().map(|(r, _, _)| r.clone()).collect();
    audit_home_points(ctx.state, ctx.caller, ctx.request, "employees.read", &read).await?;
    Ok(Page { items, next_cursor })
}

/// Audits a read of employee records that show a home point (someone's home is personal
/// data); records without one are not personal location data.
pub async fn audit_home_points(
    state: &AppState,
    caller: &Caller,
    request: &RequestId,
    action: &str,
    rows: &[EmployeeRow],
) -> Result<(), Error> {
    let subjects: Vec<String> = rows
        .iter()
        .filter(|r| r.home_latitude.is_some())
        .map(|r| r.id.clone())
        .collect();
    let entity_id = match rows {
        [one] => one.id.as_str(),
        _ => "list",
    };
    Ok(reads::record(
        &state.db,
        caller,
        request,
        Read {
            action,
            entity: "employee",
            entity_id,
            subjects,
            detail: serde_json::json!({"home_point": true}),
        },
    )
    .await?)
}
