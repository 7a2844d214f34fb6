//! Login, refresh, logout.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration};
use hadir_storage::repo::sessions::{self, RefreshTokenRow, SessionRow};
use hadir_storage::repo::users::UserRow;
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use crate::app::sessions as sessions_uc;
use crate::auth::token_hash;
use crate::auth::{AuthUser, TokenKind, TokenService};
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

const BAD_REFRESH: &str = "invalid, expired or revoked refresh token";

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize)]
pub struct SessionUser {
    pub id: String,
    pub username: String,
    pub role: String,
    pub employee_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_expires_in: i64,
    pub user: SessionUser,
}

fn tokens_response(pair: &TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(pair)
}

/// Signs a new access + refresh pair for `user` in `session_id` and stores the refresh token's
/// hash. Runs inside the caller's transaction.
fn issue_pair(
    conn: &mut DbConnection,
    tokens: &TokenService,
    user: &UserRow,
    session_id: &str,
) -> Result<TokenPair, StorageError> {
    let refresh_id = uuid::Uuid::new_v4().to_string();
    let (access, _) = tokens
        .issue(
            TokenKind::Access,
            &user.id,
            session_id,
            user.token_version,
            &uuid::Uuid::new_v4().to_string(),
        )
        .map_err(StorageError::Other)?;
    let (refresh, claims) = tokens
        .issue(
            TokenKind::Refresh,
            &user.id,
            session_id,
            user.token_version,
            &refresh_id,
        )
        .map_err(StorageError::Other)?;
    let issued_at = now_utc();
    let expires_at = DateTime::from_timestamp(claims.exp, 0)
        .map_or(issued_at + Duration::seconds(tokens.refresh_ttl_s), |t| {
            t.naive_utc()
        });
    sessions::insert_refresh_token(
        conn,
        &RefreshTokenRow {
            id: refresh_id,
            session_id: session_id.to_owned(),
            token_hash: token_hash(&refresh),
            issued_at,
            expires_at,
            spent_at: None,
        },
    )?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: tokens.access_ttl_s,
        refresh_expires_in: tokens.refresh_ttl_s,
        user: SessionUser {
            id: user.id.clone(),
            username: user.username.clone(),
            role: user.role.clone(),
            employee_id: user.employee_id.clone(),
        },
    })
}

pub async fn login(
    state: web::Data<AppState>,
    request_id: RequestId,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    if body
        .device_id
        .as_deref()
        .is_some_and(|d| !hadir_domain::checkin::is_device_id(d))
    {
        return Err(ApiError::field(
            "device_id",
            "must be 1 to 128 printable ASCII characters without spaces",
        ));
    }
    let user =
        sessions_uc::authenticate(&state, &request_id, &body.username, body.password).await?;
    let tokens = state.tokens.clone();
    let device_id = body.device_id;
    let pair = state
        .db
        .transaction(move |conn| {
            let session = SessionRow {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user.id.clone(),
                device_id,
                created_at: now_utc(),
                revoked_at: None,
                revoked_reason: None,
            };
            sessions::insert_session(conn, &session)?;
            issue_pair(conn, &tokens, &user, &session.id)
        })
        .await?;
    tracing::info!(user_id = %pair.user.id, "login");
    Ok(tokens_response(&pair))
}

enum RefreshOutcome {
    Issued(Box<TokenPair>),
    Refused,
    Reused { session_id: String },
}

pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let claims = state
        .tokens
        .verify(&body.refresh_token, TokenKind::Refresh)
        .map_err(|_| ApiError::Unauthorized(BAD_REFRESH))?;
    let hash = token_hash(&body.refresh_token);
    let tokens = state.tokens.clone();
    let grace = Duration::seconds(state.refresh_grace_s);
    let outcome = state
        .db
        .transaction(move |conn| {
            let Some((token, session, user)) = sessions::find_refresh_token(conn, &hash)? else {
                return Ok(RefreshOutcome::Refused);
            };
            let now = now_utc();
            if session.revoked_at.is_some() {
                return Ok(RefreshOutcome::Refused);
            }
            let spent_now =
                token.spent_at.is_none() && sessions::spend_refresh_token(conn, &token.id, now)?;
            if !spent_now {
                // Spent already. Within a few seconds of its spending, this is the same phone
                // sending its refresh twice (two requests at once, a retry over a bad network):
                // it gets a pair of its own. Later, the token was copied: end the whole
                // session, so that whoever holds the newer token loses it too.
                let spent_at = match token.spent_at {
                    Some(at) => Some(at),
                    None => {
                        sessions::find_refresh_token(conn, &hash)?.and_then(|(t, _, _)| t.spent_at)
                    }
                };
                if spent_at.is_none_or(|at| now - at >= grace) {
                    sessions::revoke_session(conn, &session.id, now, "refresh token reused")?;
                    return Ok(RefreshOutcome::Reused {
                        session_id: session.id,
                    });
                }
            }
            let valid = user.active
                && user.id == claims.sub
                && user.token_version == claims.ver
                && token.expires_at > now;
            if !valid {
                return Ok(RefreshOutcome::Refused);
            }
            issue_pair(conn, &tokens, &user, &session.id)
                .map(|pair| RefreshOutcome::Issued(Box::new(pair)))
        })
        .await?;
    match outcome {
        RefreshOutcome::Issued(pair) => Ok(tokens_response(&pair)),
        RefreshOutcome::Refused => Err(ApiError::Unauthorized(BAD_REFRESH)),
        RefreshOutcome::Reused { session_id } => {
            tracing::warn!(session_id, "refresh token reused: session revoked");
            Err(ApiError::Unauthorized(BAD_REFRESH))
        }
    }
}

pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let session_id = user.session_id.clone();
    state
        .db
        .run(move |conn| sessions::revoke_session(conn, &session_id, now_utc(), "logout"))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
