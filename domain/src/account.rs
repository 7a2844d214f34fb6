//! Login names and passwords, validated on construction.

use std::fmt;

/// Why a login name or password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "must be 3 to 64 characters of a-z, 0-9, dot, dash or underscore, starting with a letter or digit"
    )]
    BadUsername,
    #[error("must be at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("must be at most {max} bytes")]
    PasswordTooLong { max: usize },
}

/// A login name: lower-case ASCII so that `Budi` and `budi` cannot be two accounts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Validates and normalises (lower-cases) a login name. Surrounding white space is refused,
    /// not trimmed, so that what was typed is what is stored.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let name = raw.to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let starts_well = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if (3..=64).contains(&name.len()) && starts_well && name.chars().all(allowed) {
            Ok(Self(name))
        } else {
            Err(AccountError::BadUsername)
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. The text is never printed by `Debug`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The shortest password accepted for a new account.
    pub const MIN_CHARS: usize = 10;
    /// Longer inputs are refused so that hashing cost stays bounded.
    pub const MAX_BYTES: usize = 256;

    pub fn new(raw: &str) -> Result<Self, AccountError> {
        if raw.len() > Self::MAX_BYTES {
            return Err(AccountError::PasswordTooLong {
                max: Self::MAX_BYTES,
            });
        }
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(AccountError::PasswordTooShort {
                min: Self::MIN_CHARS,
            });
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased() {
        assert_eq!(Username::parse("Budi.S").unwrap().as_str(), "budi.s");
    }

    #[test]
    fn bad_usernames_are_refused() {
        for bad in [
            "",
            "ab",
            "-lead",
            "has space",
            "semi;colon",
            &"x".repeat(65),
            "bündi",
            " budi",
            "budi ",
        ] {
            assert_eq!(
                Username::parse(bad),
                Err(AccountError::BadUsername),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_have_a_floor_and_a_ceiling() {
        assert!(Password::new("short").is_err());
        assert!(Password::new(&"a".repeat(257)).is_err());
        assert!(Password::new("correct horse").is_ok());
    }

    #[test]
    fn password_debug_hides_the_text() {
        let p = Password::new("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
