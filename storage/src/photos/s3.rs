//! Photos in any S3-compatible store (AWS S3, Garage, Ceph, `MinIO`) through rust-s3.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hadir_domain::{PhotoKey, PhotoStore, PhotoStoreError, StoredObject};
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, Region};
use secrecy::{ExposeSecret, SecretString};

/// Where the bucket is and how to sign for it.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// e.g. `https://s3.ap-southeast-3.amazonaws.com` or `http://127.0.0.1:3900`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Path-style addressing (`endpoint/bucket/key`), which most self-hosted stores need.
    pub path_style: bool,
    pub access_key: String,
    pub secret_key: SecretString,
    /// The longest one request may take before the store counts as unavailable.
    pub request_timeout: Duration,
}

/// The S3 adapter. Every request is signed with AWS Signature Version 4.
#[derive(Debug)]
pub struct S3PhotoStore {
    bucket: Box<Bucket>,
}

fn unavailable(what: &str, err: &S3Error) -> PhotoStoreError {
    PhotoStoreError::Unavailable(format!("{what}: {err}"))
}

fn is_not_found(err: &S3Error) -> bool {
    matches!(err, S3Error::HttpFailWithBody(404, _))
}

impl S3PhotoStore {
    pub fn new(config: &S3Config) -> Result<Self, PhotoStoreError> {
        let region = Region::Custom {
            region: config.region.clone(),
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
        };
        let credentials = Credentials::new(
            Some(&config.access_key),
            Some(config.secret_key.expose_secret()),
            None,
            None,
            None,
        )
        .map_err(|e| PhotoStoreError::Unavailable(format!("credentials: {e}")))?;
        let mut bucket = Bucket::new(&config.bucket, region, credentials)
            .map_err(|e| unavailable("bucket", &e))?;
        if config.path_style {
            bucket = bucket.with_path_style();
        }
        let bucket = bucket
            .with_request_timeout(config.request_timeout)
            .map_err(|e| unavailable("bucket", &e))?;
        Ok(Self { bucket })
    }
}

#[async_trait]
impl PhotoStore for S3PhotoStore {
    async fn put(
        &self,
        key: &PhotoKey,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        self.bucket
            .put_object_with_content_type(key.as_str(), &bytes, content_type)
            .await
            .map_err(|e| unavailable("put", &e))?;
        Ok(())
    }

    async fn put_all(
        &self,
        objects: Vec<(PhotoKey, Vec<u8>)>,
        content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        futures_util::future::try_join_all(
            objects
                .into_iter()
                .map(|(key, bytes)| async move { self.put(&key, bytes, content_type).await }),
        )
        .await?;
        Ok(())
    }

    async fn get(&self, key: &PhotoKey) -> Result<Vec<u8>, PhotoStoreError> {
        match self.bucket.get_object(key.as_str()).await {
            Ok(response) => Ok(response.bytes().to_vec()),
            Err(e) if is_not_found(&e) => Err(PhotoStoreError::NotFound(key.clone())),
            Err(e) => Err(unavailable("get", &e)),
        }
    }

    async fn delete(&self, key: &PhotoKey) -> Result<(), PhotoStoreError> {
        match self.bucket.delete_object(key.as_str()).await {
            Err(e) if !is_not_found(&e) => Err(unavailable("delete", &e)),
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, PhotoStoreError> {
        let pages = self
            .bucket
            .list(prefix.to_owned(), None)
            .await
            .map_err(|e| unavailable("list", &e))?;
        let mut out = Vec::new();
        for object in pages.into_iter().flat_map(|p| p.contents) {
            let Ok(key) = PhotoKey::new(object.key) else {
                continue; // not one of ours
            };
            let last_modified = DateTime::parse_from_rfc3339(&object.last_modified)
                .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc));
            out.push(StoredObject {
                key,
                last_modified,
                size: object.size,
            });
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn presigned_get(
        &self,
        key: &PhotoKey,
        expiry: Duration,
    ) -> Result<Option<String>, PhotoStoreError> {
        let secs = u32::try_from(expiry.as_secs())
            .unwrap_or(u32::MAX)
            .clamp(1, 604_800);
        self.bucket
            .presign_get(key.as_str(), secs, None)
            .await
            .map(Some)
            .map_err(|e| unavailable("presign", &e))
    }

    async fn check(&self) -> Result<(), PhotoStoreError> {
        self.bucket
            .list_page(String::new(), None, None, None, Some(1))
            .await
            .map(|_| ())
            .map_err(|e| unavailable("check", &e))
    }
}
