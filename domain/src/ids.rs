//! Typed identifiers. Every id is a UUID; the type says what it names, so an employee id cannot be
//! passed where a unit id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random (version 4) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }

            /// The id as a UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Hyphenated lower case: the form stored in the database and sent in JSON.
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// A login account.
    UserId
);
id_type!(
    /// An employee (pegawai).
    EmployeeId
);
id_type!(
    /// A unit of the organisation (OPD, sub-unit).
    UnitId
);
id_type!(
    /// An office: a place with a point, a radius and a time zone.
    OfficeId
);
id_type!(
    /// A login session: the chain of refresh tokens that one login started.
    SessionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_as_hyphenated_lowercase_uuids() {
        let id = UserId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.parse::<UserId>().ok(), Some(id));
    }

    #[test]
    fn a_malformed_id_does_not_parse() {
        assert!("not-a-uuid".parse::<UnitId>().is_err());
    }
}
