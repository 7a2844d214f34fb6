//! Reading the audit log: who did what, newest first, for admins and HR. Nothing changes or
//! deletes an entry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use hadir_domain::Role;
use hadir_storage::repo::audit::{self as repo, AuditFilter, AuditRow};

use super::input::{page_limit, query_id, search};
use super::{Ctx, Error};

/// Who reads the audit log.
pub const READERS: &[Role] = &[Role::Admin, Role::Hr];

/// What the log is asked for, as the interface received it (checked here).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditRequest {
    /// The employee the entries concern (whose data was read or changed).
    pub employee_id: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    /// A date (from its start) or an RFC 3339 time.
    pub from: Option<String>,
    /// A date (to its end) or an RFC 3339 time.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of entries, each with the employees it concerns.
#[derive(Debug)]
pub struct AuditPage {
    pub items: Vec<(AuditRow, Vec<String>)>,
    pub next_cursor: Option<String>,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.naive_utc()));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Some)
        .ok_or_else(|| Error::field(field, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
}

fn decode_cursor(raw: &str) -> Result<(NaiveDateTime, String), Error> {
    (|| {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let (micros, id) = text.split_once('|')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        Some((at, id.to_owned()))
    })()
    .ok_or_else(|| Error::field("cursor", "not a cursor this API issued"))
}

/// One page of the log, newest first.
pub async fn list(ctx: &Ctx<'_>, req: &AuditRequest) -> Result<AuditPage, Error> {
    ctx.caller.require(READERS)?;
    let limit = page_limit(req.limit)?;
    let before = req.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut to = instant("to", req.to.as_deref())?;
    if let (Some(raw), Some(t)) = (req.to.as_deref(), to)
        && NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
    {
        // A `to` date includes that whole day.
        to = Some(t + chrono::TimeDelta::days(1));
    }
    // Matched exactly; a control character (NUL above all, which PostgreSQL cannot compare
    // with text) matches nothing that is logged and is refused by name.
    let mut errors = Vec::new();
    let entity = search("entity", req.entity.as_deref(), &mut errors);
    let entity_id = search("entity_id", req.entity_id.as_deref(), &mut errors);
    let action = search("action", req.action.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let filter = AuditFilter {
        subject_employee_id: query_id("employee_id", req.employee_id.as_deref())?,
        entity,
        entity_id,
        actor_user_id: query_id("actor_user_id", req.actor_user_id.as_deref())?,
        action,
        from: instant("from", req.from.as_deref())?,
        to,
        before,
        limit: limit + 1,
    };
    let (mut rows, mut subjects) = ctx
        .state
        .db
        .run(move |conn| {
            let rows = repo::list(conn, &filter)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut subjects: std::collections::HashMap<String, Vec<String>> =
                std::collections::HashMap::new();
            for s in repo::subjects_of(conn, &ids)? {
                subjects.entry(s.audit_id).or_default().push(s.employee_id);
            }
            Ok((rows, subjects))
        })
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(|r| {
            URL_SAFE_NO_PAD.encode(format!("{}|{}", r.at.and_utc().timestamp_micros(), r.id))
        })
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| {
            let s = subjects.remove(&r.id).unwrap_or_default();
            (r, s)
        })
        .collect();
    Ok(AuditPage { items, next_cursor })
}
