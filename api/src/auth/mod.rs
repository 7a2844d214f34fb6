//! Authentication: password hashing, tokens, and the extractor that checks a bearer token on
//! every request.

mod extractor;
mod passwords;
mod tokens;

pub use extractor::{AuthUser, Bearer};
pub use passwords::PasswordService;
pub use tokens::{Claims, TokenError, TokenKind, TokenService, token_hash};

/// Whether two secrets are equal, in time that does not depend on where they differ (their
/// SHA-256 digests are compared whole).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}
