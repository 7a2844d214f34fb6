//! `AuthUser`: the caller, proven by a bearer access token and checked against the database on
//! every request, so that logout, deactivation and a password change take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use super::TokenKind;
use crate::app::caller::{Presented, TOKEN_REFUSED as REFUSED};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a JSON route: the application layer's `Caller`.
pub type AuthUser = crate::app::Caller;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// A verified access token, not yet checked against the database: for a route that checks it
/// in its own first database trip (`Presented::check`), one trip fewer than `AuthUser`.
pub struct Bearer(pub Presented);

impl Bearer {
    fn verify(req: &HttpRequest) -> Result<(web::Data<AppState>, Presented), ApiError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("no app state".into()))?;
        let token = bearer(req).ok_or(ApiError::Unauthorized(REFUSED))?;
        let claims = state
            .tokens
            .verify(&token, TokenKind::Access)
            .map_err(|_| ApiError::Unauthorized(REFUSED))?;
        let presented = Presented {
            user_id: claims.sub,
            session_id: claims.sid,
            token_version: claims.ver,
        };
        Ok((state, presented))
    }
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::verify(req).map(|(_, presented)| Bearer(presented)))
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = Bearer::verify(req);
        Box::pin(async move {
            let (state, presented) = verified?;
            state
                .db
                .run(move |conn| presented.check(conn))
                .await?
                .ok_or(ApiError::Unauthorized(REFUSED))
        })
    }
}
