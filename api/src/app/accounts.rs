//! Login accounts, managed by admins: create one (linked to an employee or not), change its
//! role, password or state. A change of password, role or state ends the account's sessions
//! at once; an admin neither deactivates nor demotes their own account. Audited.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hadir_domain::{Password, Role, Username};
use hadir_storage::repo::sessions;
use hadir_storage::repo::users::{self, UserChanges, UserRow};
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{field_id, page_limit, parse_id};
use super::{Ctx, Error, FieldError};
use crate::audit::{self, Entry};

/// Who manages accounts.
pub const MANAGERS: &[Role] = &[Role::Admin];

/// An account as the API shows it (never its password hash).
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: String,
    pub employee_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&UserRow> for UserView {
    fn from(row: &UserRow) -> Self {
        Self {
            id: row.id.clone(),
            username: row.username.clone(),
            role: row.role.clone(),
            employee_id: row.employee_id.clone(),
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: String,
    #[serde(default)]
    pub employee_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UserPatch {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub password: Option<String>,
}

fn parse_role(raw: &str, errors: &mut Vec<FieldError>) -> Option<Role> {
    raw.parse::<Role>()
        .map_err(|e| errors.push(FieldError::new("role", e.to_string())))
        .ok()
}

fn parse_password(raw: &str, errors: &mut Vec<FieldError>) -> Option<Password> {
    Password::new(raw)
        .map_err(|e| errors.push(FieldError::new("password", e.to_string())))
        .ok()
}

/// One page of accounts by username, and the cursor of the next.
pub async fn list(
    ctx: &Ctx<'_>,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(Vec<UserRow>, Option<String>), Error> {
    ctx.caller.require(MANAGERS)?;
    let limit = page_limit(limit)?;
    let after = match cursor {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| Error::field("cursor", "not a cursor this API issued"))?,
        ),
    };
    let mut rows = ctx
        .state
        .db
        .run(move |conn| users::list(conn, after.as_deref(), limit + 1))
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(|r| URL_SAFE_NO_PAD.encode(&r.username))
    } else {
        None
    };
    Ok((rows, next_cursor))
}

/// Creates an account.
pub async fn create(ctx: &Ctx<'_>, body: NewUser) -> Result<UserRow, Error> {
    ctx.caller.require(MANAGERS)?;
    let mut errors = Vec::new();
    let username = Username::parse(&body.username)
        .map_err(|e| errors.push(FieldError::new("username", e.to_string())))
        .ok();
    let password = parse_password(&body.password, &mut errors);
    let role = parse_role(&body.role, &mut errors);
    let employee_id = body
        .employee_id
        .as_deref()
        .and_then(|id| field_id("employee_id", id, &mut errors));
    let (Some(username), Some(password), Some(role)) = (username, password, role) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let hash = ctx
        .state
        .passwords
        .hash(password.expose().to_owned())
        .await?;
    let now = now_utc();
    let row = UserRow {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.as_str().to_owned(),
        password_hash: hash,
        role: role.as_str().to_owned(),
        employee_id,
        active: true,
        token_version: 0,
        created_at: now,
        updated_at: now,
        created_by: Some(ctx.caller.user_id.clone()),
    };
    let (actor, request) = (ctx.caller.user_id.clone(), ctx.request.clone());
    let stored = row.clone();
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            users::insert(conn, &stored)?;
            audit::record(
                conn,
                &Entry::<(), _> {
                    actor: Some(&actor),
                    action: "user.create",
                    entity: "user",
                    entity_id: &stored.id,
                    before: None,
                    after: Some(&UserView::from(&stored)),
                    request: Some(&request),
                    subjects: &[],
                },
            )
        })
        .await;
    match result {
        Ok(()) => Ok(row),
        Err(StorageError::Duplicate(what)) if what.contains("employee_id") => Err(Error::Conflict(
            "that employee already has an account".into(),
        )),
        Err(StorageError::Duplicate(_)) => Err(Error::Conflict(format!(
            "username `{}` is taken",
            row.username
        ))),
        Err(StorageError::MissingReference(_)) => {
            Err(Error::field("employee_id", "no such employee"))
        }
        Err(e) => Err(e.into()),
    }
}

/// One account.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<UserRow, Error> {
    ctx.caller.require(MANAGERS)?;
    let id = parse_id(id)?;
    Ok(ctx.state.db.run(move |conn| users::find(conn, &id)).await?)
}

/// Changes an account's role, state or password.
pub async fn update(ctx: &Ctx<'_>, id: &str, body: UserPatch) -> Result<UserRow, Error> {
    ctx.caller.require(MANAGERS)?;
    let id = parse_id(id)?;
    let mut errors = Vec::new();
    let role = body
        .role
        .as_deref()
        .and_then(|r| parse_role(r, &mut errors));
    let password = body
        .password
        .as_deref()
        .and_then(|p| parse_password(p, &mut errors));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if id == ctx.caller.user_id
        && (body.active == Some(false) || role.is_some_and(|r| r != Role::Admin))
    {
        return Err(Error::Conflict(
            "an admin cannot deactivate or demote their own account".into(),
        ));
    }
    let password_hash = match password {
        Some(p) => Some(ctx.state.passwords.hash(p.expose().to_owned()).await?),
        None => None,
    };
    let active = body.active;
    let (actor, request) = (ctx.caller.user_id.clone(), ctx.request.clone());
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let before = users::find(conn, &id)?;
            let role = role.map(|r| r.as_str().to_owned());
            let role_changed = role.as_ref().is_some_and(|r| *r != before.role);
            let deactivated = active == Some(false) && before.active;
            // Tokens already issued must stop working when the password, the role or the
            // account's state changes: bump the version and end every session.
            let revoke = password_hash.is_some() || role_changed || deactivated;
            let changes = UserChanges {
                role,
                active,
                password_hash,
                token_version: revoke.then_some(before.token_version + 1),
                updated_at: Some(now_utc()),
            };
            let after = users::update(conn, &id, &changes)?;
            if revoke {
                sessions::revoke_all_for_user(conn, &id, now_utc(), "account changed")?;
            }
            audit::record(
                conn,
                &Entry {
                    actor: Some(&actor),
                    action: "user.update",
                    entity: "user",
                    entity_id: &id,
                    before: Some(&UserView::from(&before)),
                    after: Some(&UserView::from(&after)),
                    request: Some(&request),
                    subjects: &[],
                },
            )?;
            Ok(after)
        })
        .await?)
}
