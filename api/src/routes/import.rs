//! `POST /api/v1/employees/import`: a personnel system's CSV export, all rows or none.
//!
//! The file is parsed and checked row by row in the domain (`import::parse_employees`), then
//! against the database in one transaction: unit codes (in the caller's scope), office names,
//! staff ids and usernames already taken, supervisors named by staff id (in the file or
//! already stored). Every problem is reported with its line; nothing is written unless every
//! row is good. `?dry_run=true` checks without writing.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use hadir_domain::Role;
use serde::Deserialize;

use crate::app;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    pub dry_run: Option<bool>,
}

async fn read_body(req: &HttpRequest, payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let accepted = [
        "text/csv",
        "application/csv",
        "text/plain",
        "application/octet-stream",
    ];
    if !kind.as_deref().is_some_and(|k| accepted.contains(&k)) {
        return Err(ApiError::UnsupportedMediaType(
            "send the CSV file as the body, with Content-Type text/csv".into(),
        ));
    }
    super::read_limited(req, payload, app::import::MAX_BYTES, "the file").await
}

pub async fn import_employees(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Hr, Role::UnitAdmin])?;
    let dry_run = query.dry_run.unwrap_or(false);
    let bytes = read_body(&req, payload).await?;
    let ctx = app::Ctx {
        state: &state,
        caller: &caller,
        request: &request_id,
    };
    let imported = app::import::import(&ctx, bytes, dry_run).await?;
    let body = serde_json::json!({
        "dry_run": dry_run,
        "created": if dry_run { 0 } else { imported.len() },
        "items": imported,
    });
    Ok(if dry_run {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::Created().json(body)
    })
}
