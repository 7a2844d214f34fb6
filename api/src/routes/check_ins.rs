//! Check-ins over HTTP: the multipart bodies phones post, and how they read check-ins back.
//! The pipeline and its rules live in `app::check_ins`; these handlers read the parts, call
//! and map (201 with `Location` for a new check-in, 200 for a retry).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ctx;
use crate::app::check_ins::{self, Submitted, employee_of, parse_meta};
use crate::auth::{AuthUser, Bearer};
use crate::error::{ApiError, FieldError, Problem};
use crate::load::BodyClock;
use crate::state::AppState;
use crate::telemetry::RequestId;

pub(crate) use crate::app::check_ins::{CheckInView, utc};
pub(crate) use crate::app::links::photo_url;

/// The parts of a multipart body, read with a limit on the whole body.
pub(crate) async fn read_parts(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    clock: BodyClock,
    expected: &str,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(expected.to_owned()));
    }
    let too_large = || ApiError::PayloadTooLarge(format!("the body is over {limit} bytes"));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    // The clock runs on the bytes as they arrive, under the multipart parser.
    let (body, expired) = crate::load::timed(clock, payload);
    let malformed = |e: actix_multipart::MultipartError| {
        if expired.load(std::sync::atomic::Ordering::SeqCst) {
            crate::load::too_slow()
        } else {
            ApiError::BadRequest(format!("malformed multipart body: {e}"))
        }
    };
    let mut multipart = actix_multipart::Multipart::new(req.headers(), body);
    let mut parts = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            total += chunk.len();
            if total > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push((name, bytes));
    }
    Ok(parts)
}

/// The answer for a stored check-in: 201 with `Location` when new, 200 for a retry.
async fn answer(state: &AppState, submitted: &Submitted) -> Result<HttpResponse, ApiError> {
    let view = check_ins::view(state, submitted).await?;
    Ok(match submitted {
        Submitted::Created(row) => HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/check-ins/{}", row.id)))
            .json(view),
        Submitted::Retried(_) => HttpResponse::Ok().json(view),
    })
}

/// `POST /api/v1/check-ins`. The token is verified here and its session checked in the
/// check-in's first database trip (`submit_presented`): the route phones call most makes one
/// trip fewer.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: Bearer,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Bearer(presented) = token;
    let _upload = state.uploads.enter(&presented.user_id)?;
    let clock = state.body_deadline.start();
    let parts = read_parts(
        &req,
        payload,
        state.check_in.max_body_bytes,
        clock,
        "the body must be multipart/form-data with the parts `meta` and `selfie`",
    )
    .await?;
    let mut meta = None;
    let mut selfie = None;
    let mut errors = Vec::new();
    for (name, bytes) in parts {
        let slot = match name.as_str() {
            "meta" => &mut meta,
            "selfie" => &mut selfie,
            _ => continue,
        };
        if slot.is_some() {
            // Two parts of one name: which one was meant cannot be known.
            if !errors.iter().any(|e: &FieldError| e.field == name) {
                errors.push(FieldError::new(name, "is sent twice; send it once"));
            }
        } else {
            *slot = Some(bytes);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let meta = match meta.as_deref().map(parse_meta) {
        None => {
            errors.push(FieldError::new("meta", "is required"));
            None
        }
        Some(Ok(meta)) => Some(meta),
        Some(Err(mut e)) => {
            errors.append(&mut e);
            None
        }
    };
    if selfie.is_none() {
        errors.push(FieldError::new("selfie", "is required"));
    }
    let (Some(meta), Some(selfie)) = (meta, selfie) else {
        return Err(ApiError::Validation(errors));
    };
    let submitted = check_ins::submit_presented(&state, presented, meta, selfie).await?;
    answer(&state, &submitted).await
}

/// One item's result in a batch.
#[derive(Debug, Serialize)]
pub struct BatchItem {
    pub client_id: Option<String>,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_in: Option<CheckInView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// `POST /api/v1/check-ins/batch`: several `meta` parts, each selfie in `selfie.<client_id>`;
/// one result per `meta`, in order. A failing item does not stop the others.
pub async fn batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use actix_web::ResponseError;

    employee_of(&caller)?;
    let _upload = state.uploads.enter(&caller.user_id)?;
    let limit = state
        .check_in
        .max_body_bytes
        .saturating_mul(state.check_in.max_batch_items);
    let clock = state.body_deadline.start();
    let parts = read_parts(
        &req,
        payload,
        limit,
        clock,
        "the body must be multipart/form-data with `meta` parts and their `selfie.<client_id>` parts",
    )
    .await?;
    // A selfie part twice: which one was meant cannot be known.
    let mut seen = std::collections::HashSet::new();
    for (name, _) in &parts {
        if name.starts_with("selfie.") && !seen.insert(name.as_str()) {
            return Err(ApiError::field(
                name.as_str(),
                "is sent twice; send it once",
            ));
        }
    }
    // Each `meta` part is one item; a part holding a JSON array holds several.
    let metas: Vec<Vec<u8>> = parts
        .iter()
        .filter(|(name, _)| name == "meta")
        .flat_map(|(_, bytes)| match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Array(items)) => items.iter().map(|i| i.to_string().into_bytes()).collect(),
            _ => vec![bytes.clone()],
        })
        .collect();
    if metas.is_empty() {
        return Err(ApiError::field(
            "meta",
            "at least one `meta` part is required",
        ));
    }
    if metas.len() > state.check_in.max_batch_items {
        return Err(ApiError::field(
            "meta",
            format!("at most {} items per batch", state.check_in.max_batch_items),
        ));
    }
    let mut items = Vec::with_capacity(metas.len());
    for bytes in metas {
        let failed = |client_id: Option<String>, e: &ApiError| BatchItem {
            client_id,
            status: e.status_code().as_u16(),
            check_in: None,
            problem: Some(e.problem()),
        };
        let meta = match parse_meta(&bytes) {
            Ok(meta) => meta,
            Err(errors) => {
                items.push(failed(None, &ApiError::Validation(errors)));
                continue;
            }
        };
        let client_id = meta.client_id.to_string();
        let selfie_name = format!("selfie.{client_id}");
        let Some((_, selfie)) = parts.iter().find(|(name, _)| *name == selfie_name) else {
            let e = ApiError::field(selfie_name.as_str(), "is required");
            items.push(failed(Some(client_id), &e));
            continue;
        };
        let result =
            check_ins::submit(&ctx(&state, &caller, &request_id), meta, selfie.clone()).await;
        items.push(match result {
            Ok(submitted) => {
                let status = match &submitted {
                    Submitted::Created(_) => 201,
                    Submitted::Retried(_) => 200,
                };
                BatchItem {
                    client_id: Some(client_id),
                    status,
                    check_in: Some(check_ins::view(&state, &submitted).await?),
                    problem: None,
                }
            }
            // The database or the store is down: the rest would fail the same way, and the
            // phone keeps its queue; answer 503 for the whole batch.
            Err(e @ ApiError::Unavailable(_)) => return Err(e),
            Err(e) => failed(Some(client_id), &e),
        });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/check-ins/{id}`: for the owner and the reviewers in scope; 404 for anyone else.
pub async fn get(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = check_ins::detail(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(view))
}

/// `GET /api/v1/me/check-ins`: the caller's check-ins, newest first.
pub async fn mine(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<check_ins::MineRequest>,
) -> Result<HttpResponse, ApiError> {
    let page = check_ins::mine(&ctx(&state, &caller, &request_id), &query).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "items": page.items, "next_cursor": page.next_cursor })))
}

#[derive(Debug, Deserialize)]
pub struct PhotoQuery {
    pub key: String,
    pub expires: i64,
    pub sig: String,
}

/// `GET /api/v1/photos?key=&expires=&sig=`: a photo through a link minted by `get` (the link
/// is the authorization). 403 for an expired or altered link, never a hint of whether the
/// object exists.
pub async fn photo(
    state: web::Data<AppState>,
    query: web::Query<PhotoQuery>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, content_type) =
        crate::app::links::open(&state, &query.key, query.expires, &query.sig).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
