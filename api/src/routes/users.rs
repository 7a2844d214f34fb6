//! Login accounts, managed by admins.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hadir_domain::{Password, Role, Username};
use hadir_storage::repo::sessions;
use hadir_storage::repo::users::{self, UserChanges, UserRow};
use hadir_storage::{StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::{page_limit, parse_id};
use crate::audit::{self, Entry};
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

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
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
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

pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let limit = page_limit(query.limit)?;
    let after = match &query.cursor {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::field("cursor", "not a cursor this API issued"))?,
        ),
    };
    let mut rows = state
        .db
        .run(move |conn| users::list(conn, after.as_deref(), limit + 1))
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(|r| URL_SAFE_NO_PAD.encode(&r.username))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(UserView::from).collect(),
        next_cursor,
    }))
}

pub async fn create(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let mut errors = Vec::new();
    let username = Username::parse(&body.username)
        .map_err(|e| errors.push(FieldError::new("username", e.to_string())))
        .ok();
    let password = parse_password(&body.password, &mut errors);
    let role = parse_role(&body.role, &mut errors);
    let employee_id = match body.employee_id.as_deref().map(uuid::Uuid::parse_str) {
        None => None,
        Some(Ok(id)) => Some(id.hyphenated().to_string()),
        Some(Err(_)) => {
            errors.push(FieldError::new("employee_id", "must be a UUID"));
            None
        }
    };
    let (Some(username), Some(password), Some(role)) = (username, password, role) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
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
        created_by: Some(caller.user_id.clone()),
    };
    let actor = caller.user_id.clone();
    let stored = row.clone();
    let result = state
        .db
        .transaction(move |conn| {
            users::insert(conn, &stored)?;
            let view = UserView::from(&stored);
            audit::record(
                conn,
                &Entry::<(), _> {
                    actor: Some(&actor),
                    action: "user.create",
                    entity: "user",
                    entity_id: &stored.id,
                    before: None,
                    after: Some(&view),
                    request: Some(&request_id),
                    subjects: &[],
                },
            )
        })
        .await;
    match result {
        Ok(()) => {}
        Err(StorageError::Duplicate(what)) if what.contains("employee_id") => {
            return Err(ApiError::Conflict(
                "that employee already has an account".into(),
            ));
        }
        Err(StorageError::Duplicate(_)) => {
            return Err(ApiError::Conflict(format!(
                "username `{}` is taken",
                row.username
            )));
        }
        Err(StorageError::MissingReference(_)) => {
            return Err(ApiError::field("employee_id", "no such employee"));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", row.id)))
        .json(UserView::from(&row)))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let id = parse_id(&id)?;
    let row = state.db.run(move |conn| users::find(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&row)))
}

pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let id = parse_id(&id)?;
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
        return Err(ApiError::Validation(errors));
    }
    if id == caller.user_id
        && (body.active == Some(false) || role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::Conflict(
            "an admin cannot deactivate or demote their own account".into(),
        ));
    }
    let password_hash = match password {
        Some(p) => Some(state.passwords.hash(p.expose().to_owned()).await?),
        None => None,
    };
    let active = body.active;
    let actor = caller.user_id.clone();
    let updated = state
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
                    request: Some(&request_id),
                    subjects: &[],
                },
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(&updated)))
}
