//! Every error leaves as `application/problem+json` (RFC 9457). Handlers return `ApiError`;
//! the error handlers in `startup` rewrite whatever else actix produces (unknown route, wrong
//! method, extractor failures) into the same shape. 5xx bodies reveal nothing internal: the
//! detail goes to the log under the request id.

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub use crate::app::error::{Error as ApiError, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem+json body.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<serde_json::Map<String, serde_json::Value>>,
    /// `Retry-After` for 429 and 503 (2 s when unset).
    #[serde(skip)]
    pub retry_after_s: Option<u64>,
}

/// The problem type and title for a status.
#[must_use]
pub fn problem_kind(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("/problems/bad-request", "Bad request"),
        408 => ("/problems/request-timeout", "Request timeout"),
        401 => ("/problems/unauthorized", "Unauthorized"),
        403 => ("/problems/forbidden", "Forbidden"),
        404 => ("/problems/not-found", "Not found"),
        405 => ("/problems/method-not-allowed", "Method not allowed"),
        409 => ("/problems/conflict", "Conflict"),
        413 => ("/problems/payload-too-large", "Payload too large"),
        415 => ("/problems/unsupported-media-type", "Unsupported media type"),
        422 => ("/problems/validation-error", "Validation error"),
        429 => ("/problems/too-many-requests", "Too many requests"),
        503 => ("/problems/service-unavailable", "Service unavailable"),
        s if s >= 500 => ("/problems/internal-error", "Internal error"),
        _ => ("/problems/bad-request", "Bad request"),
    }
}

impl Problem {
    #[must_use]
    pub fn new(status: StatusCode, detail: Option<String>) -> Self {
        let (kind, title) = problem_kind(status);
        Self {
            kind: kind.into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            checks: None,
            retry_after_s: None,
        }
    }

    /// The response carrying this problem.
    #[must_use]
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = HttpResponse::build(status);
        if status == StatusCode::REQUEST_TIMEOUT {
            // The rest of a late body is not worth reading: end the connection.
            builder.force_close();
        }
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        match status {
            StatusCode::UNAUTHORIZED => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                builder.insert_header((
                    header::RETRY_AFTER,
                    self.retry_after_s.unwrap_or(2).to_string(),
                ));
            }
            _ => {}
        }
        // Serialising this struct cannot fail: it holds only strings, numbers and JSON values.
        builder.body(serde_json::to_vec(self).unwrap_or_default())
    }
}

impl ApiError {
    #[must_use]
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        match self {
            ApiError::Validation(errors) => Problem {
                errors: errors.clone(),
                ..Problem::new(status, Some("the request has invalid fields".into()))
            },
            ApiError::BadRequest(d)
            | ApiError::Conflict(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::RequestTimeout(d) => Problem::new(status, Some(d.clone())),
            ApiError::Unauthorized(d) | ApiError::Forbidden(d) => {
                Problem::new(status, Some((*d).to_owned()))
            }
            ApiError::TooManyRequests(d, after) => Problem {
                retry_after_s: Some(*after),
                ..Problem::new(status, Some((*d).to_owned()))
            },
            ApiError::Busy(d, after) => Problem {
                retry_after_s: Some(*after),
                ..Problem::new(status, Some(d.clone()))
            },

            ApiError::NotFound => Problem::new(status, Some("no such resource".into())),
            ApiError::Unavailable(_) => Problem::new(
                status,
                Some("a service this request needs is unavailable; retry later".into()),
            ),
            ApiError::Internal(_) => Problem::new(
                status,
                Some("an unexpected error occurred; it has been logged".into()),
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) | ApiError::Busy(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        match self {
            ApiError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "dependency unavailable");
            }
            _ => {}
        }
        self.problem().response()
    }
}

/// The header value for `Allow`.
#[must_use]
pub fn allow_header(methods: &[&str]) -> HeaderValue {
    let list = methods
        .iter()
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ");
    HeaderValue::from_str(&list).unwrap_or(HeaderValue::from_static("GET"))
}
