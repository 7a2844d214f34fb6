//! Request extractors whose failures are precise problem+json answers.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// A JSON body: 415 for another content type, 413 over the limit, 400 for malformed JSON, 422
/// naming the field for well-formed JSON of the wrong shape.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// Whether a content type is JSON (`application/json` or any `+json` type).
fn is_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|m| {
        m.type_() == mime_app()
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
    })
}

fn mime_app() -> &'static str {
    "application"
}

/// Parses JSON bytes into `T`, reporting the path of a field of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], root: &str) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            let field = if path == "." { root.to_owned() } else { path };
            // serde says "missing field `x`" at the parent's path; name the field itself.
            let message = inner.to_string();
            let field = match message
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
            {
                Some(missing) if field == root => missing.to_owned(),
                Some(missing) => format!("{field}.{missing}"),
                None => field,
            };
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned();
            ApiError::Validation(vec![FieldError::new(field, message)])
        } else {
            ApiError::BadRequest(format!("malformed JSON: {inner}"))
        }
    })
}

/// Every JSON body of this API is an object. serde would read a struct from an array too
/// (`[null, null]` as a patch that changes nothing), so well-formed JSON of another kind is
/// refused here, naming the body.
fn require_object(body: &[u8]) -> Result<(), ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') || serde_json::from_slice::<serde_json::Value>(body).is_err() {
        return Ok(());
    }
    Err(ApiError::field("body", "must be a JSON object"))
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_ok = is_json(req);
        let state = req.app_data::<web::Data<AppState>>();
        let limit = state.map_or(64 * 1024, |s| s.json_limit);
        let clock = state.map(|s| s.body_deadline.start());
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json_ok {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            let too_large = || ApiError::PayloadTooLarge(format!("the body is over {limit} bytes"));
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            loop {
                let chunk = match &clock {
                    Some(clock) => clock.next(&mut payload).await?,
                    None => payload.next().await,
                };
                let Some(chunk) = chunk else { break };
                let chunk =
                    chunk.map_err(|e| ApiError::BadRequest(format!("unreadable body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Err(ApiError::BadRequest(
                    "the body is empty; JSON expected".into(),
                ));
            }
            require_object(&body)?;
            parse_json(&body, "body").map(Json)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "fields are only parsed")]
    struct Login {
        username: String,
        password: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "fields are only parsed")]
    struct Inner {
        n: u8,
    }

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse_json::<Login>(br#"{"username":"a"}"#, "body").unwrap_err();
        assert_eq!(field_of(err), "password");
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_with_its_path() {
        let err = parse_json::<Login>(
            br#"{"username":"a","password":"b","inner":{"n":300}}"#,
            "body",
        )
        .unwrap_err();
        assert_eq!(field_of(err), "inner.n");
    }

    #[test]
    fn well_formed_json_that_is_not_an_object_is_refused() {
        for body in [&b"[null, null]"[..], b" 42", b"\"text\"", b"null"] {
            assert_eq!(field_of(require_object(body).unwrap_err()), "body");
        }
        assert!(require_object(b" {\"a\": 1}").is_ok());
        assert!(
            require_object(b"[1,").is_ok(),
            "malformed JSON is left to the parser (400)"
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_json::<Login>(br#"{"username":"#, "body").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest(_)));
    }
}
