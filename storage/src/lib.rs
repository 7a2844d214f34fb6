//! Hadir's persistence: diesel over PostgreSQL and SQLite from one code base, the embedded
//! migrations, the repositories, and the photo stores (a local folder and S3).

pub mod db;
pub mod error;
pub mod photos;
pub mod repo;
pub mod schema;

pub use db::{Backend, Database, DatabaseUrl, DbConnection, DbOptions};
pub use error::StorageError;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// The current UTC time at the precision both backends keep (microseconds), so that a value
/// written and read back compares equal.
#[must_use]
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
