//! Short-lived links to stored photos for stores that cannot sign their own (the folder store;
//! S3 presigns). A link names the object key and an expiry and carries an HMAC-SHA256 over both
//! with a key derived from the server's signing secret, so every instance on the same database
//! accepts the links the others mint. The link is the authorization, as an S3 presigned URL
//! is: it is minted only after the caller was found allowed to see the photo.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC is defined for keys of any length"),
    }
}

/// Mints and checks photo links.
#[derive(Clone)]
pub struct PhotoLinks {
    key: Vec<u8>,
}

impl std::fmt::Debug for PhotoLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoLinks").finish_non_exhaustive()
    }
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link has expired")]
    Expired,
    #[error("the link is not valid")]
    Invalid,
}

impl PhotoLinks {
    /// Links signed with a key derived from `secret` (the token signing secret): a separate
    /// key, so that a photo link can never be taken for a token or the reverse.
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = hmac(secret);
        mac.update(b"hadir photo links v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, object_key: &str, expires: i64) -> HmacSha256 {
        let mut mac = hmac(&self.key);
        mac.update(object_key.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The path and query of a link to `object_key` valid until `expires`.
    #[must_use]
    pub fn mint(&self, object_key: &str, expires: DateTime<Utc>) -> String {
        let at = expires.timestamp();
        let sig = hex::encode(self.mac(object_key, at).finalize().into_bytes());
        let key: String = object_key
            .bytes()
            .map(|b| match b {
                b'/' => "%2F".to_owned(),
                _ => char::from(b).to_string(),
            })
            .collect();
        format!("/api/v1/photos?key={key}&expires={at}&sig={sig}")
    }

    /// Checks a link's signature (in constant time) and expiry at `now`.
    pub fn check(
        &self,
        object_key: &str,
        expires: i64,
        sig: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkError> {
        let sig = hex::decode(sig).map_err(|_| LinkError::Invalid)?;
        self.mac(object_key, expires)
            .verify_slice(&sig)
            .map_err(|_| LinkError::Invalid)?;
        if now.timestamp() > expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(link: &str) -> (String, i64, String) {
        let query = link.split_once('?').unwrap().1;
        let mut key = String::new();
        let mut expires = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            match k {
                "key" => key = v.replace("%2F", "/"),
                "expires" => expires = v.parse().unwrap(),
                "sig" => sig = v.to_owned(),
                _ => {}
            }
        }
        (key, expires, sig)
    }

    #[test]
    fn a_minted_link_checks_until_it_expires() {
        let links = PhotoLinks::new(b"a-secret-of-thirty-two-bytes-xxx");
        let now = Utc::now();
        let link = links.mint("selfies/e/c-1.jpg", now + chrono::TimeDelta::minutes(5));
        let (key, expires, sig) = parts(&link);
        assert_eq!(key, "selfies/e/c-1.jpg");
        assert_eq!(links.check(&key, expires, &sig, now), Ok(()));
        let later = now + chrono::TimeDelta::minutes(6);
        assert_eq!(
            links.check(&key, expires, &sig, later),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn a_changed_key_expiry_or_signature_or_another_secret_is_refused() {
        let links = PhotoLinks::new(b"a-secret-of-thirty-two-bytes-xxx");
        let now = Utc::now();
        let (key, expires, sig) =
            parts(&links.mint("selfies/e/c-1.jpg", now + chrono::TimeDelta::minutes(5)));
        let invalid = Err(LinkError::Invalid);
        assert_eq!(
            links.check("selfies/e/c-2.jpg", expires, &sig, now),
            invalid
        );
        assert_eq!(links.check(&key, expires + 3600, &sig, now), invalid);
        let mut tampered = sig.clone();
        tampered.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        assert_eq!(links.check(&key, expires, &tampered, now), invalid);
        assert_eq!(links.check(&key, expires, "not hex", now), invalid);
        let other = PhotoLinks::new(b"another-secret-of-32-bytes-xxxxx");
        assert_eq!(other.check(&key, expires, &sig, now), invalid);
    }
}
