//! Check-in thumbnails, made when first needed. A check-in stores its selfie only (the route
//! phones call most skips a JPEG encoding and a synced file); most check-ins are never looked
//! at. The review queue and a check-in's detail make the thumbnails of the check-ins they show
//! that have none yet, and the sweeper makes those of a closed month before reducing its
//! selfies to them. A thumbnail is stored before its row names it, so a row never names a
//! missing object, and under a key of its own each time it is made: an object left by an
//! attempt that stored it and failed to name it is never named later, so the sweeper, which
//! deletes such objects once they are old, cannot delete one a row has just come to name.

use futures_util::StreamExt;
use hadir_domain::PhotoKey;
use hadir_storage::repo::check_ins::{self, CheckInRow, NO_THUMBNAIL};

use crate::selfie;
use crate::state::AppState;

/// How many stored selfies are read at once while making a page's thumbnails.
const READ_AHEAD: usize = 4;

/// A new key for a check-in's thumbnail: under `thumbs/` beside `selfies/`, with a suffix of
/// its own.
fn key_for(photo_key: &str) -> Option<PhotoKey> {
    let stem = photo_key.strip_prefix("selfies/")?.strip_suffix(".jpg")?;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
    PhotoKey::new(format!("thumbs/{stem}-{suffix}.jpg")).ok()
}

/// The key to show as a check-in's thumbnail: its thumbnail, or its selfie while the thumbnail
/// could not be made (the photo store failing, the image pool busy).
#[must_use]
pub fn shown(row: &CheckInRow) -> &str {
    if row.thumbnail_key == NO_THUMBNAIL {
        &row.photo_key
    } else {
        &row.thumbnail_key
    }
}

/// Makes, stores and records the thumbnails `rows` do not have yet, and names them in `rows`;
/// answers how many it made. One that cannot be made now (its selfie unreadable, the store or
/// the database failing, the image pool busy) is logged and left for the next time: its row
/// keeps no thumbnail, and [`shown`] falls back to the selfie.
pub async fn ensure(state: &AppState, rows: &mut [CheckInRow]) -> usize {
    let wanted: Vec<(usize, PhotoKey, PhotoKey)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.thumbnail_key == NO_THUMBNAIL)
        .filter_map(|(i, r)| {
            let photo = PhotoKey::new(r.photo_key.clone()).ok()?;
            Some((i, photo, key_for(&r.photo_key)?))
        })
        .collect();
    if wanted.is_empty() {
        return 0;
    }
    let edge = state.check_in.pipeline().thumbnail_long_edge_px;
    let started = std::time::Instant::now();
    let made: Vec<(usize, PhotoKey, Vec<u8>)> = futures_util::stream::iter(wanted)
        .map(|(i, photo, thumb)| async move {
            let bytes = match state.photos.get(&photo).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::warn!(key = photo.as_str(), error = %e, "a selfie to make a thumbnail of could not be read");
                    return None;
                }
            };
            let pixels = selfie::header_pixels(&bytes);
            let encoded = state
                .cpu
                .run_image(pixels, move || selfie::thumbnail_of_stored(&bytes, edge))
                .await;
            match encoded {
                Ok(Ok(jpeg)) => Some((i, thumb, jpeg)),
                Ok(Err(e)) => {
                    tracing::warn!(key = photo.as_str(), error = %e, "a stored selfie did not make a thumbnail");
                    None
                }
                Err(e) => {
                    tracing::warn!(key = photo.as_str(), error = ?e, "no room to make a thumbnail now");
                    None
                }
            }
        })
        .buffered(READ_AHEAD)
        .filter_map(std::future::ready)
        .collect()
        .await;
    if made.is_empty() {
        return 0;
    }
    let made_in = started.elapsed();
    let mut keys = Vec::with_capacity(made.len());
    let mut objects = Vec::with_capacity(made.len());
    for (i, key, jpeg) in made {
        keys.push((i, key.clone()));
        objects.push((key, jpeg));
    }
    if let Err(e) = state.photos.put_all(objects, "image/jpeg").await {
        tracing::warn!(error = %e, "thumbnails could not be stored; made again next time");
        return 0;
    }
    let stored_in = started.elapsed();
    let updates: Vec<(usize, String, String)> = keys
        .into_iter()
        .map(|(i, key)| (i, rows[i].id.clone(), key.as_str().to_owned()))
        .collect();
    // Each row as it names its thumbnail now: ours, or the one another request named first
    // (ours is then left to the sweeper).
    let recorded = state
        .db
        .transaction(move |conn| {
            let mut named = Vec::with_capacity(updates.len());
            for (i, id, key) in updates {
                if check_ins::set_thumbnail(conn, &id, &key)? {
                    named.push((i, key));
                } else {
                    named.push((i, check_ins::find(conn, &id)?.thumbnail_key));
                }
            }
            Ok(named)
        })
        .await;
    let named = match recorded {
        Ok(named) => named,
        Err(e) => {
            // The objects stay unnamed; the sweeper deletes them once they are old.
            tracing::warn!(error = %e, "thumbnails stored but not recorded; made again next time");
            return 0;
        }
    };
    for (i, key) in &named {
        rows[*i].thumbnail_key.clone_from(key);
    }
    tracing::debug!(
        thumbnails = named.len(),
        read_and_made_ms = made_in.as_millis(),
        stored_ms = stored_in.saturating_sub(made_in).as_millis(),
        recorded_ms = started.elapsed().saturating_sub(stored_in).as_millis(),
        "thumbnails made"
    );
    named.len()
}
