//! The supervisor's inbox: corrections and daily activity reports that wait for the caller's
//! decision. Over `app::attendance`, like `POST /api/v1/corrections/{id}/decision` and
//! `POST /api/v1/reports/{id}/decision`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app;
use crate::console::{ConsoleError, ConsoleUser, Layout, html, see_other};
use crate::state::AppState;

#[derive(Debug)]
pub struct CorrectionItem {
    pub id: String,
    pub name: String,
    pub nip: String,
    pub date: String,
    pub kind: String,
    pub times: String,
    pub reason: String,
    pub letter: String,
}

#[derive(Debug)]
pub struct ReportItem {
    pub id: String,
    pub name: String,
    pub nip: String,
    pub date: String,
    pub entries: Vec<(String, u32)>,
    pub total: u32,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    layout: Layout,
    corrections: Vec<CorrectionItem>,
    reports: Vec<ReportItem>,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// `GET /console/inbox`.
pub async fn page(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let inbox = app::attendance::inbox(&user.ctx(&state))
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    let corrections = inbox
        .corrections
        .iter()
        .map(|(c, e)| CorrectionItem {
            id: c.id.clone(),
            name: e.name.clone(),
            nip: e.nip.clone(),
            date: c.date.to_string(),
            kind: c.kind.clone(),
            times: [c.check_in_time.as_deref(), c.check_out_time.as_deref()]
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join(" - "),
            reason: c.reason.clone(),
            letter: c.letter_number.clone().unwrap_or_default(),
        })
        .collect();
    let reports = inbox
        .reports
        .iter()
        .map(|(r, e)| {
            let entries: Vec<(String, u32)> =
                serde_json::from_str::<Vec<serde_json::Value>>(&r.entries_json)
                    .unwrap_or_default()
                    .iter()
                    .map(|v| {
                        (
                            v["activity"].as_str().unwrap_or_default().to_owned(),
                            u32::try_from(v["minutes"].as_u64().unwrap_or(0)).unwrap_or(0),
                        )
                    })
                    .collect();
            ReportItem {
                id: r.id.clone(),
                name: e.name.clone(),
                nip: e.nip.clone(),
                date: r.date.to_string(),
                total: entries.iter().map(|(_, m)| m).sum(),
                entries,
            }
        })
        .collect();
    let notice = query.notice.as_deref().map(|_| lang.t("review.decided"));
    Ok(html(
        StatusCode::OK,
        InboxPage {
            layout: user.layout("inbox"),
            corrections,
            reports,
            notice,
        }
        .render(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /console/inbox/corrections/{id}`.
pub async fn correction(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    web::Form(form): web::Form<DecisionForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let lang = user.lang;
    let id = app::input::parse_id(&id).map_err(|e| ConsoleError::App(e, lang))?;
    let note = form.note.as_deref().filter(|n| !n.trim().is_empty());
    app::attendance::decide_correction(&user.ctx(&state), &id, &form.decision, note)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    Ok(see_other("/console/inbox?notice=decided"))
}

/// `POST /console/inbox/reports/{id}`.
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    web::Form(form): web::Form<DecisionForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let lang = user.lang;
    let id = app::input::parse_id(&id).map_err(|e| ConsoleError::App(e, lang))?;
    let comment = form.note.as_deref().filter(|n| !n.trim().is_empty());
    app::attendance::decide_report(&user.ctx(&state), &id, &form.decision, comment)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    Ok(see_other("/console/inbox?notice=decided"))
}
