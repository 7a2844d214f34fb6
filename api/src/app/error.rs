//! What a use case answers when it does not do what was asked: invalid input (with the
//! fields), not found (also outside the caller's scope), forbidden, a conflict, a dependency
//! down or the server too busy, or a bug. Each interface maps it: the JSON routes to
//! problem+json, the console to a page or a message.

use hadir_domain::PhotoStoreError;
use hadir_storage::StorageError;
use serde::Serialize;

/// One invalid input field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The line of an uploaded file the error is about (imports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            line: None,
        }
    }

    /// An error about line `line` of an uploaded file.
    pub fn at_line(line: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            ..Self::new(field, message)
        }
    }
}

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A dependency (database, photo store) is down or the server is saturated: retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The server sheds this request's load: retry after the given seconds (503).
    #[error("busy: {0}")]
    Busy(String, u64),
    /// Too many attempts or requests: retry after the given seconds (429).
    #[error("too many requests: {0}")]
    TooManyRequests(&'static str, u64),
    /// The body did not arrive in time (408).
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    /// A bug or broken invariant; the text is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<StorageError> for Error {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Error::NotFound,
            StorageError::Duplicate(what) => Error::Conflict(format!("already exists ({what})")),
            StorageError::Conflict(what) => Error::Conflict(what),
            StorageError::Unavailable(what) => Error::Unavailable(what),
            StorageError::MissingReference(what) => {
                Error::Internal(format!("missing reference: {what}"))
            }
            StorageError::NulInText(_) => Error::BadRequest(
                "a text in the request holds a NUL character, which Hadir does not accept".into(),
            ),
            StorageError::Other(what) => Error::Internal(what),
        }
    }
}

impl From<PhotoStoreError> for Error {
    fn from(err: PhotoStoreError) -> Self {
        match err {
            PhotoStoreError::NotFound(_) => Error::NotFound,
            PhotoStoreError::Unavailable(what) => Error::Unavailable(what),
        }
    }
}
