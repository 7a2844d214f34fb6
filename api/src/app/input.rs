//! Checking input fields: each bad field becomes a `FieldError` naming it, so that all bad
//! fields of a request are reported at once.

use super::FieldError;

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
