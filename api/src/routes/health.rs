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

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(OPENAPI_YAML)
}
