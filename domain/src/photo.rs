//! The photo store port: where selfies and attachments are kept.
//!
//! Keys are derived from record ids, never from names or NIPs, so a key leaks nothing about the
//! person. Two adapters exist in the storage crate: a local folder and S3.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An object key: 1 to 200 characters of `a-z 0-9 - _ . /`, no empty segment, no `.` or `..`
/// segment. These rules make a key safe as a relative file path and as an S3 key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhotoKey(String);

/// The text is not a valid photo key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid photo key `{0}`")]
pub struct PhotoKeyError(pub String);

impl PhotoKey {
    pub fn new(raw: impl Into<String>) -> Result<Self, PhotoKeyError> {
        let raw = raw.into();
        let chars_ok = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_./".contains(c));
        let segments_ok = raw
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
        if (1..=200).contains(&raw.len()) && chars_ok && segments_ok {
            Ok(Self(raw))
        } else {
            Err(PhotoKeyError(raw))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhotoKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One object as a listing shows it (used by the sweeper of orphaned objects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    pub key: PhotoKey,
    pub last_modified: DateTime<Utc>,
    pub size: u64,
}

/// What can go wrong with a photo store.
#[derive(Debug, thiserror::Error)]
pub enum PhotoStoreError {
    /// No object under that key.
    #[error("no object under key `{0}`")]
    NotFound(PhotoKey),
    /// The store cannot be reached or refused us (network, credentials, disk): the caller should
    /// answer 503 and let the client retry.
    #[error("photo store unavailable: {0}")]
    Unavailable(String),
}

/// A place to keep photo bytes.
///
/// Contract: `put` is atomic and idempotent (a second `put` under the same key replaces the
/// object whole; a reader never sees half an object); when `put` returns `Ok` the object is
/// durable. `get` and `delete` of a missing key answer `NotFound` (delete of a missing key is
/// `Ok`). Every other failure is `Unavailable`.
#[async_trait]
pub trait PhotoStore: Send + Sync + fmt::Debug {
    async fn put(
        &self,
        key: &PhotoKey,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError>;

    /// Stores several objects, all durable when it returns `Ok` (on an error, some may be
    /// stored and others not; each `put` stays atomic). One after the other unless the store
    /// does better: the folder store writes them in one task, S3 sends them at once.
    async fn put_all(
        &self,
        objects: Vec<(PhotoKey, Vec<u8>)>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        for (key, bytes) in objects {
            self.put(&key, bytes, content_type).await?;
        }
        Ok(())
    }

    async fn get(&self, key: &PhotoKey) -> Result<Vec<u8>, PhotoStoreError>;

    async fn delete(&self, key: &PhotoKey) -> Result<(), PhotoStoreError>;

    /// Every object whose key starts with `prefix`.
    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, PhotoStoreError>;

    /// A link that fetches the object directly from the store for `expiry`, or `None` when the
    /// store has no such links (the folder store: the API then serves a signed route itself).
    async fn presigned_get(
        &self,
        key: &PhotoKey,
        expiry: Duration,
    ) -> Result<Option<String>, PhotoStoreError>;

    /// Whether the store is reachable and usable now (for the readiness probe).
    async fn check(&self) -> Result<(), PhotoStoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_derived_from_ids_are_valid() {
        let key = PhotoKey::new("selfies/2026/11/0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11.jpg");
        assert!(key.is_ok());
    }

    #[test]
    fn keys_that_could_escape_a_folder_or_carry_names_are_refused() {
        for bad in [
            "",
            "/abs",
            "a//b",
            "../etc/passwd",
            "a/./b",
            "a/..",
            "Budi.jpg",
            "with space",
            "a\\b",
            &"a".repeat(201),
        ] {
            assert!(PhotoKey::new(bad).is_err(), "{bad:?}");
        }
    }
}
