//! Authentication: password hashing, tokens, and the extractor that checks a bearer token on
//! every request.

mod extractor;
mod passwords;
mod tokens;

pub use extractor::AuthUser;
pub use passwords::PasswordService;
pub use tokens::{Claims, TokenError, TokenKind, TokenService, token_hash};
