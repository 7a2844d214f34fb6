//! The month matrix: one row per employee, one coloured code per day, totals and the
//! allowance cut; a cell opens its day; the filtered view exports as XLSX or CSV; HR closes
//! the month and an admin reopens it. Over `app::monthly` and `app::months`, like
//! `GET /api/v1/attendance/monthly` and `POST /api/v1/months/{month}/close`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use hadir_domain::Role;
use hadir_domain::day::Code;
use serde::Deserialize;

use crate::app;
use crate::console::{ConsoleError, ConsoleUser, Layout, html, see_other, urlencode};
use crate::export::Lang as ExportLang;
use crate::state::AppState;

/// The colour class of a day code.
fn class_of(code: &str) -> &'static str {
    let first = code.split('/').next().unwrap_or_default();
    match first {
        "H" => "c-H",
        "TK" => "c-TK",
        "WFH" => "c-WFH",
        "DL" => "c-DL",
        "C" | "S" | "I" => "c-leave",
        "L" => "c-L",
        c if c.starts_with("TL") => "c-TL",
        c if c.starts_with("PSW") => "c-PSW",
        _ => "",
    }
}

#[derive(Debug)]
pub struct Cell {
    pub code: String,
    pub class: &'static str,
}

#[derive(Debug)]
pub struct MatrixRow {
    pub name: String,
    pub nip: String,
    pub unit: String,
    pub cells: Vec<Cell>,
    pub present: u32,
    pub late: u32,
    pub early: u32,
    pub absent: u32,
    pub wfh: u32,
    pub field: u32,
    pub leave: u32,
    pub cut: String,
}

#[derive(Template)]
#[template(path = "console/month.html")]
struct MonthPage {
    layout: Layout,
    month: String,
    unit: String,
    q: String,
    units: Vec<(String, String, bool)>,
    days: Vec<u32>,
    rows: Vec<MatrixRow>,
    closes: Vec<String>,
    closed: bool,
    may_close: bool,
    may_reopen: bool,
    query: String,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    notice: Option<String>,
}

fn this_month() -> String {
    Utc::now().format("%Y-%m").to_string()
}

/// `GET /console/month`.
pub async fn page(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let err = |e| ConsoleError::App(e, lang);
    let month = query
        .month
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(this_month);
    let unit = query.unit_id.clone().filter(|u| !u.is_empty());
    let q = query.q.clone().filter(|q| !q.trim().is_empty());
    let ctx = user.ctx(&state);
    let sheet = app::monthly::sheet(&ctx, &month, unit.as_deref(), q.as_deref())
        .await
        .map_err(err)?;
    let units = app::monthly::units(&ctx).await.map_err(err)?;
    let (_, month_closes) = app::months::status(&ctx, &month).await.map_err(err)?;
    let closed = month_closes
        .iter()
        .any(|c| c.unit_id.is_none() || c.unit_id == unit);
    let unit_names: std::collections::HashMap<&str, &str> = units
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    let sum = |m: &crate::month::EmployeeMonth, codes: &[Code]| -> u32 {
        codes
            .iter()
            .map(|c| m.totals.get(c).copied().unwrap_or(0))
            .sum()
    };
    let rows = sheet
        .rows
        .iter()
        .map(|m| MatrixRow {
            name: m.employee.name.clone(),
            nip: m.employee.nip.clone(),
            unit: m.unit_name.clone(),
            cells: m
                .days
                .iter()
                .map(|(s, _)| {
                    let code = s.code();
                    Cell {
                        class: class_of(&code),
                        code,
                    }
                })
                .collect(),
            present: m.present_days,
            late: sum(m, &[Code::Tl1, Code::Tl2, Code::Tl3, Code::Tl4]),
            early: sum(m, &[Code::Psw1, Code::Psw2, Code::Psw3, Code::Psw4]),
            absent: sum(m, &[Code::Tk]),
            wfh: sum(m, &[Code::Wfh]),
            field: sum(m, &[Code::Dl]),
            leave: sum(m, &[Code::C, Code::S, Code::I]),
            cut: format!("{:.2}%", f64::from(m.statement.total_bp) / 100.0),
        })
        .collect();
    let query_string = format!(
        "month={}&unit_id={}&q={}",
        urlencode(&sheet.month),
        urlencode(unit.as_deref().unwrap_or_default()),
        urlencode(q.as_deref().unwrap_or_default())
    );
    let notice = query.notice.as_deref().map(|n| match n {
        "closed" => lang.t("month.closed").to_owned(),
        "reopened" => lang.t("month.open").to_owned(),
        other => other.chars().take(200).collect(),
    });
    let page = MonthPage {
        may_close: matches!(user.caller.role, Role::Admin | Role::Hr),
        may_reopen: user.caller.role == Role::Admin,
        layout: user.layout("month"),
        units: units
            .iter()
            .map(|(id, name)| {
                (
                    id.clone(),
                    name.clone(),
                    unit.as_deref() == Some(id.as_str()),
                )
            })
            .collect(),
        closes: month_closes
            .iter()
            .map(|c| {
                let scope = c
                    .unit_id
                    .as_deref()
                    .map_or("*", |u| unit_names.get(u).copied().unwrap_or(u));
                format!(
                    "{} · {scope} · {}",
                    c.month,
                    c.closed_at.format("%d-%m-%Y %H:%M UTC")
                )
            })
            .collect(),
        month: sheet.month,
        unit: unit.unwrap_or_default(),
        q: q.unwrap_or_default(),
        days: sheet.days,
        rows,
        closed,
        query: query_string,
        notice,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    month: String,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    q: Option<String>,
    format: String,
}

/// `GET /console/month/export`: exactly the filtered view, as XLSX or CSV (audited).
pub async fn export(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let export_lang = match lang {
        crate::console::i18n::Lang::Id => ExportLang::Id,
        crate::console::i18n::Lang::En => ExportLang::En,
    };
    let (bytes, name) = app::monthly::export(
        &user.ctx(&state),
        &query.month,
        query.unit_id.as_deref().filter(|u| !u.is_empty()),
        query.q.as_deref().filter(|q| !q.trim().is_empty()),
        &query.format,
        export_lang,
    )
    .await
    .map_err(|e| ConsoleError::App(e, lang))?;
    let content_type = if query.format == "xlsx" {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes))
}

#[derive(Template)]
#[template(path = "console/day.html")]
struct DayFragment {
    layout: Layout,
    name: String,
    date: String,
    code: String,
    class: &'static str,
    explanation: String,
    mode: String,
    reason: String,
    places: Vec<String>,
    window: Option<String>,
    punches: Vec<(String, String, String)>,
    late: u32,
    early: u32,
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    /// The staff id of the row (shorter than an id in a page of 500 rows).
    nip: String,
    date: NaiveDate,
}

/// `GET /console/month/day`: the day behind a cell (a fragment for htmx).
pub async fn day(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let d = app::monthly::day_by_staff_id(&user.ctx(&state), &query.nip, query.date)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    let tz: chrono_tz::Tz = d.plan.timezone.parse().unwrap_or(chrono_tz::UTC);
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%H:%M %Z").to_string();
    let punches = [("in", &d.status.check_in), ("out", &d.status.check_out)]
        .into_iter()
        .filter_map(|(kind, p)| {
            p.as_ref().map(|p| {
                (
                    kind.to_owned(),
                    local(p.at),
                    format!("{:?}", p.source).to_lowercase(),
                )
            })
        })
        .collect();
    let code = d.status.code();
    let page = DayFragment {
        layout: user.layout("month"),
        name: d.employee.name.clone(),
        date: d.status.date.to_string(),
        class: class_of(&code),
        code,
        explanation: d.status.explanation.clone(),
        mode: format!("{:?}", d.plan.mode).to_lowercase(),
        reason: d.plan.reason.clone(),
        places: d.plan.places.iter().map(|p| p.name.clone()).collect(),
        window: d.plan.window.as_ref().map(|w| {
            format!(
                "{} - {}",
                w.start.with_timezone(&tz).format("%H:%M"),
                w.end.with_timezone(&tz).format("%H:%M %Z")
            )
        }),
        punches,
        late: d.status.late_minutes,
        early: d.status.early_minutes,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    month: String,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

fn back(form: &CloseForm, notice: &str) -> String {
    format!(
        "/console/month?month={}&unit_id={}&notice={notice}",
        urlencode(&form.month),
        urlencode(form.unit_id.as_deref().unwrap_or_default())
    )
}

/// `POST /console/month/close`.
pub async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    web::Form(form): web::Form<CloseForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let unit = form.unit_id.as_deref().filter(|u| !u.is_empty());
    app::months::close(&user.ctx(&state), &form.month, unit)
        .await
        .map_err(|e| ConsoleError::App(e, user.lang))?;
    Ok(see_other(&back(&form, "closed")))
}

/// `POST /console/month/reopen` (admins, with a reason).
pub async fn reopen(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    web::Form(form): web::Form<CloseForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let unit = form.unit_id.as_deref().filter(|u| !u.is_empty());
    app::months::reopen(
        &user.ctx(&state),
        &form.month,
        unit,
        form.reason.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(|e| ConsoleError::App(e, user.lang))?;
    Ok(see_other(&back(&form, "reopened")))
}
