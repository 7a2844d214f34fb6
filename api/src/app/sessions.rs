//! Signing in and out: checking a password under the login throttle (the JSON login and the
//! console's sign-in share it), the API's token pairs and their refresh, and the console's
//! cookie sessions.
//!
//! A console session is a row of `sessions` (so logout, a password change and deactivation,
//! which revoke sessions and bump the account's token version, end it as they end API
//! tokens) plus a random cookie token of which only the hash is kept, with its own CSRF token.
//! It ends when idle longer than `console.idle_timeout_s` or older than
//! `console.absolute_timeout_s`.

use chrono::{DateTime, Duration};
use hadir_domain::{Password, Role};
use hadir_storage::repo::console::{self, ConsoleSessionRow};
use hadir_storage::repo::sessions::{self, RefreshTokenRow, SessionRow};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{DbConnection, StorageError, now_utc};
use rand::Rng as _;
use serde::Serialize;

use super::throttle::{Keys, Verdict};
use super::{Caller, Error, RequestId};
use crate::auth::{TokenKind, TokenService, token_hash};
use crate::state::AppState;

/// The same answer for an unknown account, a wrong password and a deactivated account.
pub const BAD_CREDENTIALS: &str = "invalid username or password";
/// The answer while a name or an address waits after failed logins.
pub const THROTTLED: &str = "too many failed logins: wait before trying again";

/// Checks `username` and `password` under the throttle: the account, or 401 (the same for
/// every wrong credential), or 429 while the name or the address waits.
pub async fn authenticate(
    state: &AppState,
    request: &RequestId,
    username: &str,
    password: String,
) -> Result<UserRow, Error> {
    let result = check_credentials(state, request, username, password).await;
    state.metrics.login(match &result {
        Ok(_) => "ok",
        Err(Error::Unauthorized(_)) => "failed",
        Err(Error::TooManyRequests(..)) => "throttled",
        Err(_) => "error",
    });
    result
}

async fn check_credentials(
    state: &AppState,
    request: &RequestId,
    username: &str,
    password: String,
) -> Result<UserRow, Error> {
    let username = username.trim().to_ascii_lowercase();
    let keys = Keys::new(&username, request.client_addr.as_deref());
    if let Verdict::Wait(after) = state.login_throttle.check(&state.db, &keys).await? {
        tracing::warn!(retry_after_s = after, "login throttled");
        return Err(Error::TooManyRequests(THROTTLED, after));
    }
    // No account has a name that is empty, over-long or holds a control character (NUL cannot
    // even be compared in PostgreSQL): the same 401 without asking the database.
    let user =
        if username.is_empty() || username.len() > 64 || username.chars().any(char::is_control) {
            None
        } else {
            state
                .db
                .run(move |conn| users::find_by_username(conn, &username))
                .await?
        };
    // Over-long passwords are refused before hashing so that hashing cost stays bounded; the
    // answer is the same 401, and it counts as a failure like any other.
    if password.len() > Password::MAX_BYTES {
        state.login_throttle.failed(&state.db, &keys).await?;
        return Err(Error::Unauthorized(BAD_CREDENTIALS));
    }
    let matches = state
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    match user {
        Some(user) if matches && user.active => {
            state.login_throttle.succeeded(&state.db, &keys).await?;
            Ok(user)
        }
        _ => {
            state.login_throttle.failed(&state.db, &keys).await?;
            Err(Error::Unauthorized(BAD_CREDENTIALS))
        }
    }
}

/// Who may use the console: everyone who reviews, decides or manages; employees use the app.
pub const CONSOLE_ROLES: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin, Role::Supervisor];

/// A new console session: the cookie token (shown once, kept as a hash) and its CSRF token.
#[derive(Debug)]
pub struct ConsoleTokens {
    pub cookie: String,
    pub csrf: String,
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// Opens a console session for `user` (an account whose role uses the console; others are
/// refused like a wrong password would be, so the console does not tell roles apart).
pub async fn open_console(state: &AppState, user: UserRow) -> Result<ConsoleTokens, Error> {
    let role: Role = user
        .role
        .parse()
        .map_err(|e| Error::Internal(format!("account {}: {e}", user.id)))?;
    if !CONSOLE_ROLES.contains(&role) {
        return Err(Error::Forbidden(
            "the console is for reviewers, HR and admins; employees use the Hadir app",
        ));
    }
    let tokens = ConsoleTokens {
        cookie: random_token(),
        csrf: random_token(),
    };
    let now = now_utc();
    let session = SessionRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        device_id: Some("console".into()),
        created_at: now,
        revoked_at: None,
        revoked_reason: None,
    };
    let row = ConsoleSessionRow {
        token_hash: token_hash(&tokens.cookie),
        session_id: session.id.clone(),
        user_id: user.id.clone(),
        token_version: user.token_version,
        csrf_token: tokens.csrf.clone(),
        created_at: now,
        last_seen_at: now,
    };
    state
        .db
        .transaction(move |conn| {
            sessions::insert_session(conn, &session)?;
            console::insert(conn, &row)
        })
        .await?;
    Ok(tokens)
}

/// The caller behind a console cookie, with the session's CSRF token; `None` when the cookie
/// names no live session (unknown, revoked, idle or too old, account changed or inactive).
pub async fn console_caller(
    state: &AppState,
    cookie: &str,
) -> Result<Option<(Caller, String)>, Error> {
    let hash = token_hash(cookie);
    let idle = Duration::seconds(state.console.idle_timeout_s);
    let absolute = Duration::seconds(state.console.absolute_timeout_s);
    let found = state
        .db
        .run(move |conn| {
            let Some((row, session, user)) = console::find(conn, &hash)? else {
                return Ok(None);
            };
            let now = now_utc();
            let live = session.revoked_at.is_none()
                && user.active
                && user.token_version == row.token_version
                && now - row.last_seen_at < idle
                && now - row.created_at < absolute;
            if !live {
                return Ok(None);
            }
            // Seen a minute ago or more: note it (not on every request, to spare the writes).
            if now - row.last_seen_at > Duration::seconds(60) {
                console::touch(conn, &hash, now)?;
            }
            Ok(Some((row, session, user)))
        })
        .await?;
    let Some((row, session, user)) = found else {
        return Ok(None);
    };
    let role = user
        .role
        .parse::<Role>()
        .map_err(|e| Error::Internal(format!("account {}: {e}", user.id)))?;
    Ok(Some((
        Caller {
            user_id: user.id,
            username: user.username,
            role,
            employee_id: user.employee_id,
            session_id: session.id,
        },
        row.csrf_token,
    )))
}

/// Ends the session (`sign out`): its API tokens and console cookie stop working.
pub async fn close(state: &AppState, session_id: &str, reason: &'static str) -> Result<(), Error> {
    let id = session_id.to_owned();
    state
        .db
        .run(move |conn| sessions::revoke_session(conn, &id, now_utc(), reason))
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// API tokens: a session per sign-in, an access token and a refresh token that is spent once

/// The answer for a refresh token that does not open a session.
pub const BAD_REFRESH: &str = "invalid, expired or revoked refresh token";

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

/// Signs in for the API: the credentials under the login throttle, then a new session (with
/// the phone's device id, if sent) and its first token pair.
pub async fn open_api(
    state: &AppState,
    request: &RequestId,
    username: &str,
    password: String,
    device_id: Option<String>,
) -> Result<TokenPair, Error> {
    if device_id
        .as_deref()
        .is_some_and(|d| !hadir_domain::checkin::is_device_id(d))
    {
        return Err(Error::field(
            "device_id",
            "must be 1 to 128 printable ASCII characters without spaces",
        ));
    }
    let user = authenticate(state, request, username, password).await?;
    let tokens = state.tokens.clone();
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
    Ok(pair)
}

enum RefreshOutcome {
    Issued(Box<TokenPair>),
    Refused,
    Reused { session_id: String },
}

/// Spends a refresh token for a new pair. A token spent again within the grace period (the
/// same phone sending twice) gets a pair of its own; later, the token was copied, and the whole
/// session ends.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<TokenPair, Error> {
    let claims = state
        .tokens
        .verify(refresh_token, TokenKind::Refresh)
        .map_err(|_| Error::Unauthorized(BAD_REFRESH))?;
    let hash = token_hash(refresh_token);
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
        RefreshOutcome::Issued(pair) => Ok(*pair),
        RefreshOutcome::Refused => Err(Error::Unauthorized(BAD_REFRESH)),
        RefreshOutcome::Reused { session_id } => {
            tracing::warn!(session_id, "refresh token reused: session revoked");
            Err(Error::Unauthorized(BAD_REFRESH))
        }
    }
}
