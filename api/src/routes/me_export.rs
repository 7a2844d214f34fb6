//! `GET /api/v1/me/export`: everything Hadir holds about the caller, as one zip (the rules and
//! the contents in `app::personal`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::ctx;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::RequestId;

pub async fn export(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let (bytes, name) = crate::app::personal::export(&ctx(&state, &caller, &request_id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
