//! The organisation: units, offices (each with its radius drawn), employees (searchable), and
//! the CSV import with its per-row errors. Over `app::org` and `app::import`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt as _;
use serde::Deserialize;

use crate::app::{self, FieldError};
use crate::console::map::{MapInput, svg};
use crate::console::{ConsoleError, ConsoleUser, Layout, html, urlencode};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Debug)]
pub struct UnitItem {
    pub name: String,
    pub code: String,
    pub parent: String,
}

#[derive(Template)]
#[template(path = "console/units.html")]
struct UnitsPage {
    layout: Layout,
    units: Vec<UnitItem>,
    next: Option<String>,
}

/// `GET /console/org/units`.
pub async fn units(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let ctx = user.ctx(&state);
    let page = app::org::list_units(
        &ctx,
        &app::org::ListRequest {
            limit: Some(500),
            cursor: query.cursor.clone(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ConsoleError::App(e, lang))?;
    let names: std::collections::HashMap<String, String> = page
        .items
        .iter()
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let units = page
        .items
        .iter()
        .map(|u| UnitItem {
            name: u.name.clone(),
            code: u.code.clone().unwrap_or_default(),
            parent: u
                .parent_id
                .as_ref()
                .map(|p| names.get(p).cloned().unwrap_or_else(|| p.clone()))
                .unwrap_or_default(),
        })
        .collect();
    let next = page
        .next_cursor
        .map(|c| format!("/console/org/units?cursor={}", urlencode(&c)));
    Ok(html(
        StatusCode::OK,
        UnitsPage {
            layout: user.layout("org"),
            units,
            next,
        }
        .render(),
    ))
}

#[derive(Debug)]
pub struct OfficeItem {
    pub name: String,
    pub timezone: String,
    pub radius: String,
    pub point: String,
    pub map: String,
}

#[derive(Template)]
#[template(path = "console/offices.html")]
struct OfficesPage {
    layout: Layout,
    offices: Vec<OfficeItem>,
    next: Option<String>,
}

/// `GET /console/org/offices`: each office with its radius drawn in metres.
pub async fn offices(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let page = app::org::list_offices(
        &user.ctx(&state),
        &app::org::ListRequest {
            limit: Some(100),
            cursor: query.cursor.clone(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ConsoleError::App(e, lang))?;
    let offices = page
        .items
        .iter()
        .map(|o| OfficeItem {
            name: o.name.clone(),
            timezone: o.timezone.clone(),
            radius: format!("{:.0} m", o.radius_m),
            point: format!("{:.6}, {:.6}", o.latitude, o.longitude),
            map: svg(&MapInput {
                place: (o.latitude, o.longitude),
                radius_m: o.radius_m,
                fix: None,
            }),
        })
        .collect();
    let next = page
        .next_cursor
        .map(|c| format!("/console/org/offices?cursor={}", urlencode(&c)));
    Ok(html(
        StatusCode::OK,
        OfficesPage {
            layout: user.layout("org"),
            offices,
            next,
        }
        .render(),
    ))
}

#[derive(Debug)]
pub struct EmployeeItem {
    pub name: String,
    pub nip: String,
    pub position: String,
    pub login: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "console/employees.html")]
struct EmployeesPage {
    layout: Layout,
    q: String,
    employees: Vec<EmployeeItem>,
    next: Option<String>,
}

/// `GET /console/org/employees?q=`.
pub async fn employees(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let q = query.q.clone().filter(|q| !q.trim().is_empty());
    let page = app::org::list_employees(
        &user.ctx(&state),
        &app::org::ListRequest {
            limit: Some(100),
            cursor: query.cursor.clone(),
            q: q.clone(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ConsoleError::App(e, lang))?;
    let employees = page
        .items
        .iter()
        .map(|(e, login, _)| EmployeeItem {
            name: e.name.clone(),
            nip: e.nip.clone(),
            position: e.position.clone(),
            login: login
                .as_ref()
                .map(|u| format!("{} ({})", u.username, u.role))
                .unwrap_or_default(),
            active: e.active,
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        format!(
            "/console/org/employees?q={}&cursor={}",
            urlencode(q.as_deref().unwrap_or_default()),
            urlencode(&c)
        )
    });
    Ok(html(
        StatusCode::OK,
        EmployeesPage {
            layout: user.layout("org"),
            q: q.unwrap_or_default(),
            employees,
            next,
        }
        .render(),
    ))
}

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    layout: Layout,
    imported: Option<(usize, bool)>,
    errors: Vec<FieldError>,
}

/// `GET /console/org/import`.
pub async fn import_form(user: ConsoleUser) -> HttpResponse {
    html(
        StatusCode::OK,
        ImportPage {
            layout: user.layout("org"),
            imported: None,
            errors: Vec::new(),
        }
        .render(),
    )
}

/// `POST /console/org/import`: a multipart form with `csrf`, `dry_run` and the `file`.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let clock = state.body_deadline.start();
    let (body, _) = crate::load::timed(clock, payload);
    let mut form = actix_multipart::Multipart::new(req.headers(), body);
    let (mut csrf, mut dry_run, mut file) = (None, false, Vec::new());
    let bad = |why: String| ConsoleError::App(app::Error::BadRequest(why), lang);
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| bad(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(e.to_string()))?;
            if bytes.len() + chunk.len() > app::import::MAX_BYTES {
                return Err(ConsoleError::App(
                    app::Error::PayloadTooLarge("the file is too large".into()),
                    lang,
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => csrf = String::from_utf8(bytes).ok(),
            "dry_run" => dry_run = !bytes.is_empty(),
            "file" => file = bytes,
            _ => {}
        }
    }
    user.check_csrf(&req, csrf.as_deref())?;
    let (imported, errors) = match app::import::import(&user.ctx(&state), file, dry_run).await {
        Ok(rows) => (Some((rows.len(), dry_run)), Vec::new()),
        Err(app::Error::Validation(errors)) => (None, errors),
        Err(e) => return Err(ConsoleError::App(e, lang)),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(
        status,
        ImportPage {
            layout: user.layout("org"),
            imported,
            errors,
        }
        .render(),
    ))
}
