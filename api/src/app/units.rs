//! Units: the organisation's tree. Admins create and change units anywhere; a unit admin
//! creates sub-units of their own unit and changes units inside it. A unit outside the
//! caller's scope is 404; a unit cannot be moved under itself, and only an admin makes a unit
//! a top-level one. Every write is audited with the record before and after.

use chrono::{DateTime, Utc};
use hadir_domain::Role;
use hadir_domain::org::would_cycle;
use hadir_storage::repo::org::{self, UnitChanges, UnitRow};
use hadir_storage::repo::plan;
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{clearable, field_id, nullable, parse_id, present, text};
use super::scope::Scope;
use super::{Ctx, Error, FieldError};
use crate::audit::Actor;

/// Who writes units.
pub const WRITERS: &[Role] = &[Role::Admin, Role::UnitAdmin];

#[derive(Debug, Serialize)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub code: Option<String>,
    pub schedule_id: Option<String>,
    pub wfh_quota_percent: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&UnitRow> for UnitView {
    fn from(r: &UnitRow) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            parent_id: r.parent_id.clone(),
            code: r.code.clone(),
            schedule_id: r.schedule_id.clone(),
            wfh_quota_percent: r.wfh_quota_percent,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewUnit {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub schedule_id: Option<String>,
    #[serde(default)]
    pub wfh_quota_percent: Option<i32>,
}

#[derive(Debug, Deserialize)]
pub struct UnitPatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub schedule_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub wfh_quota_percent: Option<Option<i32>>,
}

fn quota(value: i32, errors: &mut Vec<FieldError>) -> Option<i32> {
    if (0..=100).contains(&value) {
        Some(value)
    } else {
        errors.push(FieldError::new(
            "wfh_quota_percent",
            "must be a percentage from 0 to 100",
        ));
        None
    }
}

/// A named schedule must exist: the error naming the field otherwise.
pub(crate) fn check_schedule(
    conn: &mut DbConnection,
    schedule_id: Option<&str>,
) -> Result<Option<FieldError>, StorageError> {
    match schedule_id {
        Some(id) => match plan::find_schedule(conn, id) {
            Ok(_) => Ok(None),
            Err(StorageError::NotFound) => {
                Ok(Some(FieldError::new("schedule_id", "no such schedule")))
            }
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

fn unit_code(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let ok = (1..=32).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Some(raw.to_owned())
    } else {
        errors.push(FieldError::new(
            "code",
            "must be 1 to 32 characters of A-Z, a-z, 0-9, dot, dash or underscore",
        ));
        None
    }
}

/// A missing parent or schedule names its field.
fn missing(e: StorageError) -> Error {
    match e {
        StorageError::MissingReference(what) if what == "schedule_id" => {
            Error::field("schedule_id", "no such schedule")
        }
        StorageError::MissingReference(_) => Error::field("parent_id", "no such unit"),
        e => e.into(),
    }
}

/// Creates a unit (a unit admin only under a unit of theirs).
pub async fn create(ctx: &Ctx<'_>, body: NewUnit) -> Result<UnitRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let parent_id = body
        .parent_id
        .as_deref()
        .and_then(|p| field_id("parent_id", p, &mut errors));
    let code = body.code.as_deref().and_then(|c| unit_code(c, &mut errors));
    let schedule_id = body
        .schedule_id
        .as_deref()
        .and_then(|s| field_id("schedule_id", s, &mut errors));
    let wfh_quota_percent = body.wfh_quota_percent.and_then(|q| quota(q, &mut errors));
    if ctx.caller.role == Role::UnitAdmin && body.parent_id.is_none() {
        errors.push(FieldError::new(
            "parent_id",
            "a unit admin creates sub-units of their own unit",
        ));
    }
    let Some(name) = name else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = now_utc();
    let row = UnitRow {
        id: uuid::Uuid::new_v4().to_string(),
        parent_id,
        name,
        code,
        created_at: now,
        updated_at: now,
        schedule_id,
        wfh_quota_percent,
    };
    let stored = row.clone();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if let Some(parent) = &stored.parent_id
                && !(org::unit_parents(conn)?.contains_key(parent) && scope.has_unit(parent))
            {
                return Err(StorageError::MissingReference("parent_id".into()));
            }
            if check_schedule(conn, stored.schedule_id.as_deref())?.is_some() {
                return Err(StorageError::MissingReference("schedule_id".into()));
            }
            org::insert_unit(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "unit.create",
                "unit",
                &stored.id,
                None,
                Some(&UnitView::from(&stored)),
            )
        })
        .await;
    match result {
        Ok(()) => Ok(row),
        Err(StorageError::Duplicate(_)) => Err(Error::Conflict(format!(
            "unit code `{}` is taken",
            row.code.unwrap_or_default()
        ))),
        Err(e) => Err(missing(e)),
    }
}

/// One unit in the caller's scope (404 otherwise).
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<UnitRow, Error> {
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    Ok(ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&id) {
                return Err(StorageError::NotFound);
            }
            org::find_unit(conn, &id)
        })
        .await?)
}

/// Changes a unit: what the patch names, `null` clearing what may be cleared.
pub async fn update(ctx: &Ctx<'_>, id: &str, body: UnitPatch) -> Result<UnitRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let parent_id = clearable(body.parent_id.as_ref(), |v| {
        field_id("parent_id", v, &mut errors)
    });
    let code = clearable(body.code.as_ref(), |v| unit_code(v, &mut errors));
    let schedule_id = clearable(body.schedule_id.as_ref(), |v| {
        field_id("schedule_id", v, &mut errors)
    });
    let wfh_quota_percent = match body.wfh_quota_percent {
        None => None,
        Some(None) => Some(None),
        Some(Some(q)) => quota(q, &mut errors).map(Some),
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&id) {
                return Err(StorageError::NotFound);
            }
            let before = org::find_unit(conn, &id)?;
            if let Some(new_parent) = &parent_id {
                let parents = org::unit_parents(conn)?;
                match new_parent {
                    Some(p) if !parents.contains_key(p) || !scope.has_unit(p) => {
                        return Err(StorageError::MissingReference("parent_id".into()));
                    }
                    Some(p) if would_cycle(&parents, &id, p) => {
                        return Err(StorageError::Conflict(
                            "a unit cannot be placed under itself or its own sub-unit".into(),
                        ));
                    }
                    // Only an admin may make a unit a root (or move a unit admin's own root).
                    None if !matches!(scope, Scope::All) => {
                        return Err(StorageError::Conflict(
                            "only an admin can make a unit a top-level unit".into(),
                        ));
                    }
                    _ => {}
                }
            }
            if let Some(Some(s)) = &schedule_id
                && check_schedule(conn, Some(s))?.is_some()
            {
                return Err(StorageError::MissingReference("schedule_id".into()));
            }
            let after = org::update_unit(
                conn,
                &id,
                &UnitChanges {
                    name,
                    parent_id,
                    code,
                    schedule_id,
                    wfh_quota_percent,
                    updated_at: Some(now_utc()),
                },
            )?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "unit.update",
                "unit",
                &id,
                Some(&UnitView::from(&before)),
                Some(&UnitView::from(&after)),
            )?;
            Ok(after)
        })
        .await;
    result.map_err(|e| match e {
        StorageError::Duplicate(_) => Error::Conflict("that unit code is taken".into()),
        e => missing(e),
    })
}
