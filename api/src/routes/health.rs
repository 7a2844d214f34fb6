//! Liveness, readiness and the contract.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::Problem;
use crate::state::AppState;

/// The contract, served as written.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi.yaml");

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 when the database and the photo store both answer now; 503 saying which does not.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let timeout = Duration::from_secs(3);
    let (db, photos) = tokio::join!(
        state.db.check(timeout),
        tokio::time::timeout(timeout, state.photos.check())
    );
    let db_ok = db
        .inspect_err(|e| tracing::warn!(error = %e, "readiness: database"))
        .is_ok();
    let photos_ok = match photos {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: photo store");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: photo store timed out");
            false
        }
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let checks = json!({"database": word(db_ok), "photo_store": word(photos_ok)});
    if db_ok && photos_ok {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks}))
    } else {
        let mut problem = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Some("not ready: a dependency is unavailable".into()),
        );
        problem.checks = checks.as_object().cloned();
        problem.response()
    }
}

/// `GET /metrics`: for the scrape token or an admin's access token; 401 for anything else.
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, crate::error::ApiError> {
    use actix_web::FromRequest as _;
    use secrecy::ExposeSecret as _;
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let scraper = match (&state.metrics_token, presented) {
        (Some(token), Some(presented)) => {
            crate::auth::constant_time_eq(token.expose_secret().as_bytes(), presented.as_bytes())
        }
        _ => false,
    };
    if !scraper {
        let refused = crate::error::ApiError::Unauthorized(
            "an admin's access token or the scrape token is required",
        );
        match crate::auth::AuthUser::extract(&req).await {
            Ok(caller) if caller.role == hadir_domain::Role::Admin => {}
            _ => return Err(refused),
        }
    }
    // What the database says now: the review backlog and the face jobs waiting.
    let (backlog, (pending, failed)) = state
        .db
        .run(|conn| {
            Ok((
                hadir_storage::repo::check_ins::count_flagged(conn)?,
                hadir_storage::repo::faces::counts(conn)?,
            ))
        })
        .await?;
    let m = &state.metrics;
    m.review_backlog.set(backlog);
    m.face_jobs_pending.set(pending);
    m.face_jobs_failed.set(failed);
    let (open, idle) = state.db.pool_state();
    m.db_connections.set(i64::from(open));
    m.db_idle.set(i64::from(idle));
    let body = m
        .encode()
        .map_err(|e| crate::error::ApiError::Internal(format!("metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(OPENAPI_YAML)
}
