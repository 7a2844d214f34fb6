//! Checking input fields: each bad field becomes a `FieldError` naming it, so that all bad
//! fields of a request are reported at once.

use serde::{Deserialize, Deserializer};

use super::{Error, FieldError};

/// A UUID field, normalised; `None` (with the error recorded) when it is not one.
pub fn field_id(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| errors.push(FieldError::new(field, "must be a UUID")))
        .ok()
}

pub fn text(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
        None
    } else if trimmed.chars().any(char::is_control) {
        // NUL in particular: PostgreSQL cannot store it in text.
        errors.push(FieldError::new(
            field,
            "must not contain control characters",
        ));
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// A search term or an exact-match filter: trimmed, `None` when blank; refused (naming `field`)
/// when it holds a control character, which PostgreSQL cannot compare with text (NUL) and no
/// name, NIP or logged value contains.
pub fn search(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let trimmed = raw.map(str::trim).filter(|q| !q.is_empty())?;
    if trimmed.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "must not contain control characters",
        ));
        return None;
    }
    Some(trimmed.to_owned())
}

/// Parses a page size: 1 to 500, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, Error> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=500).contains(&n) => Ok(n),
        Some(_) => Err(Error::field("limit", "must be 1 to 500")),
    }
}

/// A malformed id cannot name a record: 404, like an id that does not exist.
pub fn parse_id(raw: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Error::NotFound)
}

/// An optional id in a query string: 422 naming `field` when it is not a UUID.
pub fn query_id(field: &str, raw: Option<&str>) -> Result<Option<String>, Error> {
    raw.map(|raw| {
        uuid::Uuid::parse_str(raw)
            .map(|u| u.hyphenated().to_string())
            .map_err(|_| Error::field(field, "must be a UUID"))
    })
    .transpose()
}

/// A patched field that `null` clears: left out stays `None` (with `#[serde(default)]`), `null`
/// becomes `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A patched field that `null` clears, checked: left out stays `None`, `null` becomes
/// `Some(None)`, a value is checked by `check` (`None` when it fails, the error already
/// recorded).
pub fn clearable<T>(
    field: Option<&Option<String>>,
    check: impl FnOnce(&str) -> Option<T>,
) -> Option<Option<T>> {
    match field {
        None => None,
        Some(None) => Some(None),
        Some(Some(value)) => check(value).map(Some),
    }
}

/// A field that may be left out but not sent as `null` (it cannot be cleared): `null` fails
/// with a 422 naming the field.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A stored UTC time as RFC 3339 with a `Z`.
#[must_use]
pub fn utc(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
