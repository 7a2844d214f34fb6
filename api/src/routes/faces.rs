//! Reference faces: enrol, look at and remove an employee's reference; promote an approved
//! check-in's selfie. The rules live in `app::faces`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::check_ins::{photo_url, read_parts};
use super::{ctx, parse_id};
use crate::app::FieldError;
use crate::app::faces::{self, Enrolled, Reference};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// A reference with short-lived links to its photo.
#[derive(Debug, Serialize)]
struct ReferenceView {
    #[serde(flatten)]
    reference: Reference,
    photo_url: String,
    thumbnail_url: String,
}

async fn view(
    state: &AppState,
    reference: Reference,
    photo_key: &str,
    thumbnail_key: &str,
) -> Result<ReferenceView, ApiError> {
    Ok(ReferenceView {
        reference,
        photo_url: photo_url(state, photo_key).await?,
        thumbnail_url: photo_url(state, thumbnail_key).await?,
    })
}

async fn answer(state: &AppState, enrolled: Enrolled) -> Result<HttpResponse, ApiError> {
    let employee = enrolled.reference.employee_id.clone();
    let body = view(
        state,
        enrolled.reference,
        &enrolled.photo_key,
        &enrolled.thumbnail_key,
    )
    .await?;
    let mut response = if enrolled.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header((
            header::LOCATION,
            format!("/api/v1/employees/{employee}/face"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(body))
}

/// `PUT /api/v1/employees/{id}/face`: multipart, the image in the part `photo`.
pub async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    caller.require(faces::ENROLLERS)?;
    let _upload = state.uploads.enter(&caller.user_id)?;
    let clock = state.body_deadline.start();
    let parts = read_parts(
        &req,
        payload,
        state.check_in.max_body_bytes,
        clock,
        "the body must be multipart/form-data with the image in the part `photo`",
    )
    .await?;
    let mut photos = parts.into_iter().filter(|(name, _)| name == "photo");
    let photo = match (photos.next(), photos.next()) {
        (Some((_, bytes)), None) => bytes,
        (None, _) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "photo",
                "is required",
            )]));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "photo",
                "is sent twice; send it once",
            )]));
        }
    };
    let enrolled = faces::enrol(&ctx(&state, &caller, &request_id), &id, photo).await?;
    answer(&state, enrolled).await
}

/// `GET /api/v1/employees/{id}/face`: the reference (404 when none is enrolled).
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let row = faces::find(&ctx(&state, &caller, &request_id), &id).await?;
    let body = view(
        &state,
        Reference::from(&row),
        &row.photo_key,
        &row.thumbnail_key,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(body))
}

/// `DELETE /api/v1/employees/{id}/face`
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    faces::remove(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/check-ins/{id}/face-reference`: an approved check-in's selfie becomes its
/// employee's reference.
pub async fn promote(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let enrolled = faces::promote(&ctx(&state, &caller, &request_id), &id).await?;
    answer(&state, enrolled).await
}
