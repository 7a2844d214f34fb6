//! `AuthUser`: the caller, proven by a bearer access token and checked against the database on
//! every request, so that logout, deactivation and a password change take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use hadir_domain::Role;
use hadir_storage::repo::sessions;

use super::TokenKind;
use crate::error::ApiError;
use crate::state::AppState;

/// One message for every way a token can fail, so that a probe learns nothing.
const REFUSED: &str = "missing, invalid or expired access token";

/// The authenticated caller of a JSON route: the application layer's `Caller`.
pub type AuthUser = crate::app::Caller;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let token = token.ok_or(ApiError::Unauthorized(REFUSED))?;
            let claims = state
                .tokens
                .verify(&token, TokenKind::Access)
                .map_err(|_| ApiError::Unauthorized(REFUSED))?;
            let sid = claims.sid.clone();
            let (session, user) = state
                .db
                .run(move |conn| sessions::find_session_with_user(conn, &sid))
                .await?
                .ok_or(ApiError::Unauthorized(REFUSED))?;
            let valid = user.id == claims.sub
                && user.active
                && session.revoked_at.is_none()
                && user.token_version == claims.ver;
            if !valid {
                return Err(ApiError::Unauthorized(REFUSED));
            }
            let role = user
                .role
                .parse::<Role>()
                .map_err(|e| ApiError::Internal(format!("account {}: {e}", user.id)))?;
            Ok(AuthUser {
                user_id: user.id,
                username: user.username,
                role,
                employee_id: user.employee_id,
                session_id: session.id,
            })
        })
    }
}
