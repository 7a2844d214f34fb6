//! Storage errors, translated from diesel and r2d2 at this edge so that callers never match on
//! driver errors.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No row matched.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the string names the constraint or column when the
    /// driver says which.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A foreign key refused the write (the referenced row does not exist).
    #[error("reference to a missing row: {0}")]
    MissingReference(String),
    /// Another writer changed the row first (a conditional update matched nothing).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached, timed out, or the pool is exhausted: answer 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A text the database cannot hold: PostgreSQL refuses NUL characters in text. Fields
    /// that take text refuse control characters before they get here; this is the answer for
    /// any text that reaches the database unchecked (a bad request, never a 500).
    #[error("a text holds a NUL character: {0}")]
    NulInText(String),
    /// Anything else: a bug or a broken invariant (answer 500 and log it).
    #[error("database error: {0}")]
    Other(String),
}

impl StorageError {
    /// Whether the client may retry later with the same request.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

impl From<DieselError> for StorageError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StorageError::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let what = info
                    .constraint_name()
                    .map_or_else(|| info.message().to_owned(), str::to_owned);
                match kind {
                    DatabaseErrorKind::UniqueViolation => StorageError::Duplicate(what),
                    DatabaseErrorKind::ForeignKeyViolation => StorageError::MissingReference(what),
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::SerializationFailure => {
                        StorageError::Unavailable(info.message().to_owned())
                    }
                    _ => classify_message(info.message()),
                }
            }
            DieselError::BrokenTransactionManager => {
                StorageError::Unavailable("broken transaction manager".into())
            }
            other => classify_message(&other.to_string()),
        }
    }
}

/// Some drivers report lost connections, timeouts and locked files only in the message.
fn classify_message(message: &str) -> StorageError {
    let lower = message.to_ascii_lowercase();
    let transient = [
        "database is locked",
        "unable to open database",
        "disk i/o error",
        "canceling statement due to statement timeout",
        "server closed the connection",
        "terminating connection",
        "connection refused",
        "could not connect",
        "no connection to the server",
        // A full disk (SQLite's SQLITE_FULL, PostgreSQL's disk_full) or a read-only one: the
        // write may work once space is freed, so the client retries later.
        "database or disk is full",
        "no space left on device",
        "could not extend file",
        "attempt to write a readonly database",
        "read-only transaction",
    ];
    if transient.iter().any(|t| lower.contains(t)) {
        StorageError::Unavailable(message.to_owned())
    } else if lower.contains("invalid byte sequence for encoding \"utf8\": 0x00") {
        StorageError::NulInText(message.to_owned())
    } else {
        StorageError::Other(message.to_owned())
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StorageError::Unavailable(err.to_string())
    }
}

impl From<diesel::ConnectionError> for StorageError {
    fn from(err: diesel::ConnectionError) -> Self {
        StorageError::Unavailable(err.to_string())
    }
}
