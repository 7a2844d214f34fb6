//! Login, refresh, logout. The rules live in `app::sessions`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::sessions::{self, TokenPair};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

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

fn tokens_response(pair: &TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(pair)
}

pub async fn login(
    state: web::Data<AppState>,
    request_id: RequestId,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = sessions::open_api(
        &state,
        &request_id,
        &body.username,
        body.password,
        body.device_id,
    )
    .await?;
    Ok(tokens_response(&pair))
}

pub async fn refresh(
    state: web::Data<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = sessions::refresh(&state, &body.refresh_token).await?;
    Ok(tokens_response(&pair))
}

pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    sessions::close(&state, &user.session_id, "logout").await?;
    Ok(HttpResponse::NoContent().finish())
}
