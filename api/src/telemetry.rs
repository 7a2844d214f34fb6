//! Logs (text or JSON) and the request context: a request id on every request, echoed in the
//! `x-request-id` header, and a tracing span that every log line of the request carries.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. `RUST_LOG`, when set, overrides the configured level.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // A log line that cannot be written (the log reader went away: a closed pipe) is dropped.
    // tracing-subscriber would otherwise report it with eprintln!, which panics on the same
    // closed stderr and takes the server down with it.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .log_internal_errors(false)
        .with_writer(std::io::stderr);
    // A second init (tests start many apps in one process) is not an error.
    let _ = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub use crate::app::RequestId;

impl FromRequest for RequestId {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default();
        std::future::ready(Ok(id))
    }
}

/// A client's id is kept when it is short and plain, so that a phone's logs and ours match.
fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (plain && (8..=64).contains(&value.len())).then(|| value.to_owned())
}

/// The client's address: the connection's peer, unless the peer is a trusted proxy; then the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy (an address a client put
/// there itself stands further left and is never reached while a trusted proxy appended its
/// own view of the peer).
fn client_addr(req: &ServiceRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .unwrap_or(peer),
    )
}

/// Middleware: request id, client address, span, one log line per request.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let trusted = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .map(|s| s.trusted_proxies.clone())
        .unwrap_or_default();
    let client_addr = client_addr(&req, &trusted);
    req.extensions_mut().insert(RequestId {
        id: id.clone(),
        client_addr: client_addr.map(|a| a.to_string()),
    });
    // The path only: query strings may carry cursors or other data not meant for logs.
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    // Whatever answers a request with credentials is personal: no cache keeps it.
    let personal = req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::COOKIE)
        || req.path() == "/api/v1/photos";
    let mut res = next.call(req).instrument(span.clone()).await?;
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let stored = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if personal && !stored {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = res
        .request()
        .app_data::<actix_web::web::Data<crate::AppState>>()
    {
        let route = res.request().match_pattern();
        state.metrics.request(
            res.request().method().as_str(),
            route.as_deref().unwrap_or("unmatched"),
            status,
            elapsed,
        );
    }
    let ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, ms, "request failed");
        } else {
            tracing::info!(status, ms, "request done");
        }
    });
    Ok(res)
}
