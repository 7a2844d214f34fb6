//! The test harness: the real app on port 0 with a fresh database per test, on the backend and
//! photo store the environment selects.
//!
//! - `HADIR_TEST_DB=sqlite|postgres` (default sqlite): the database of every `TestApp`.
//! - `HADIR_TEST_PHOTOS=folder|s3` (default folder): the photo store of every `TestApp`.
//! - `HADIR_TEST_POSTGRES_URL`: a PostgreSQL server's admin URL (`scripts/test.sh` starts one).
//!   A test that needs PostgreSQL fails with a clear message when it is missing; none skips.

#![expect(
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "the harness fails a test by panicking with a message"
)]

pub mod app;
pub mod browser;
pub mod db;
pub mod org;
pub mod s3;

pub use app::{ADMIN_PASSWORD, Sibling, TestApp, Tokens, problem};
pub use db::{DbKind, TestDb};
pub use org::{CIMAHI, Org, Staff, meta_at, photo};
pub use s3::TestS3;

/// Which photo store the tests use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotosKind {
    Folder,
    S3,
}

/// The photo store selected by `HADIR_TEST_PHOTOS`.
#[must_use]
pub fn photos_kind() -> PhotosKind {
    match std::env::var("HADIR_TEST_PHOTOS").as_deref() {
        Err(_) | Ok("" | "folder") => PhotosKind::Folder,
        Ok("s3") => PhotosKind::S3,
        Ok(other) => panic!("HADIR_TEST_PHOTOS must be folder or s3, not `{other}`"),
    }
}
