//! Login accounts, managed by admins. The rules live in `app::accounts`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::ctx;
use super::plans::created;
use crate::app::accounts::{self, NewUser, UserPatch, UserView};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

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

pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (rows, next_cursor) = accounts::list(
        &ctx(&state, &caller, &request_id),
        query.limit,
        query.cursor.as_deref(),
    )
    .await?;
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
    let row = accounts::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("users", &row.id, &UserView::from(&row)))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = accounts::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&row)))
}

pub async fn update(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let row = accounts::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&row)))
}
