//! Short-lived links to stored objects (selfies, reference faces, attachments), minted only
//! after the caller was found allowed to see them: presigned by S3, or a signed
//! `/api/v1/photos` link with the folder store (`crate::photo_links`).

use chrono::{TimeDelta, Utc};
use hadir_domain::PhotoKey;

use super::Error;
use crate::state::AppState;

/// A link to the object under `key`, valid for `photos.link_expiry_s`.
pub async fn photo_url(state: &AppState, key: &str) -> Result<String, Error> {
    let key = PhotoKey::new(key.to_owned()).map_err(|e| Error::Internal(e.to_string()))?;
    let presigned = state.photos.presigned_get(&key, state.link_expiry).await?;
    Ok(presigned.unwrap_or_else(|| {
        let expiry = TimeDelta::from_std(state.link_expiry).unwrap_or(TimeDelta::minutes(5));
        state.photo_links.mint(key.as_str(), Utc::now() + expiry)
    }))
}

/// The object behind a link minted by `photo_url`, with its content type: refused (403) for
/// an expired or altered link, never with a hint of whether the object exists.
pub async fn open(
    state: &AppState,
    key: &str,
    expires: i64,
    sig: &str,
) -> Result<(Vec<u8>, &'static str), Error> {
    state
        .photo_links
        .check(key, expires, sig, Utc::now())
        .map_err(|e| match e {
            crate::photo_links::LinkError::Expired => Error::Forbidden("the link has expired"),
            crate::photo_links::LinkError::Invalid => Error::Forbidden("the link is not valid"),
        })?;
    let key =
        PhotoKey::new(key.to_owned()).map_err(|_| Error::Forbidden("the link is not valid"))?;
    let bytes = state.photos.get(&key).await?;
    // Selfies and thumbnails are JPEG; correction attachments keep their own type.
    let content_type = match key.as_str().rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        _ => "image/jpeg",
    };
    Ok((bytes, content_type))
}
