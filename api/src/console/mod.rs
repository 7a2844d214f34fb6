//! The web console at `/console`: server-rendered pages (askama, checked at compile time) with
//! htmx, for reviewers, HR and admins. Thin over the application layer: each handler parses the
//! form or query, calls the same use case as its JSON twin, and renders the outcome, so the
//! console never holds a rule of its own.
//!
//! Security (UI.md): a cookie session (`HttpOnly`, `SameSite=Strict`, `Secure` with the
//! `__Host-` prefix over TLS), idle and absolute expiry, revoked with the API session; a CSRF
//! token on every state-changing request; a strict Content-Security-Policy without inline
//! script; `X-Frame-Options: DENY`; `no-store` on every page. The same roles, scopes and audit
//! entries as the API (404 outside scope).

mod assets;
pub mod i18n;
pub mod map;
mod pages;

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Compress, Next, from_fn};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use hadir_domain::Role;

use crate::app::{self, Caller, Ctx, RequestId};
use crate::state::AppState;
use i18n::Lang;

/// The session cookie's name: with the `__Host-` prefix when served over TLS.
fn cookie_name(state: &AppState) -> &'static str {
    if state.console.secure_cookie {
        "__Host-hadir_console"
    } else {
        "hadir_console"
    }
}

const LANG_COOKIE: &str = "hadir_lang";

/// Registers the console under `/console`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .wrap(from_fn(security_headers))
            .wrap(Compress::default())
            .route("/static/{name}", web::get().to(assets::serve))
            .route("", web::get().to(pages::home))
            .route("/", web::get().to(pages::home))
            .route("/lang/{code}", web::get().to(pages::switch_lang))
            .route("/login", web::get().to(pages::login::form))
            .route("/login", web::post().to(pages::login::submit))
            .route("/logout", web::post().to(pages::login::logout))
            .route("/review", web::get().to(pages::review::queue))
            .route("/review/bulk", web::post().to(pages::review::bulk))
            .route("/review/{id}", web::get().to(pages::review::detail))
            .route("/review/{id}/decide", web::post().to(pages::review::decide))
            .route(
                "/review/{id}/face-reference",
                web::post().to(pages::review::promote),
            )
            .route("/inbox", web::get().to(pages::inbox::page))
            .route(
                "/inbox/corrections/{id}",
                web::post().to(pages::inbox::correction),
            )
            .route("/inbox/reports/{id}", web::post().to(pages::inbox::report))
            .route("/org/units", web::get().to(pages::org::units))
            .route("/org/offices", web::get().to(pages::org::offices))
            .route("/org/employees", web::get().to(pages::org::employees))
            .route("/org/import", web::get().to(pages::org::import_form))
            .route("/org/import", web::post().to(pages::org::import))
            .route("/month", web::get().to(pages::month::page))
            .route("/month/export", web::get().to(pages::month::export))
            .route("/month/day", web::get().to(pages::month::day))
            .route("/month/close", web::post().to(pages::month::close))
            .route("/month/reopen", web::post().to(pages::month::reopen))
            .default_service(web::to(pages::not_found)),
    );
}

/// The headers of every console answer.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let tiles = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.console.tile_url.as_deref().and_then(origin_of));
    let mut res = next.call(req).await?;
    let img = match tiles {
        Some(origin) => format!("img-src 'self' data: {origin}"),
        None => "img-src 'self' data:".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; {img}; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let is_static = headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes().starts_with(b"public"));
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// `https://tiles.example/{z}/{x}/{y}.png` → `https://tiles.example`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty() && !host.contains(['{', '}', ' ', ';', '\'']))
        .then(|| format!("{scheme}://{host}"))
}

/// What every page's frame needs: language, CSRF token, who is signed in, which page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub csrf: String,
    pub username: String,
    pub role: Role,
    pub page: &'static str,
}

impl Layout {
    /// The text of `key` in the page's language.
    #[must_use]
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    #[must_use]
    pub fn asset(&self, logical: &str) -> String {
        assets::path(logical)
    }

    #[must_use]
    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// Whether the signed-in role sees the navigation entry `page`.
    #[must_use]
    pub fn shows(&self, page: &str) -> bool {
        match page {
            "review" => app::review::REVIEWERS.contains(&self.role),
            "month" | "org" => matches!(self.role, Role::Admin | Role::Hr | Role::UnitAdmin),
            "import" => matches!(self.role, Role::Admin | Role::Hr | Role::UnitAdmin),
            _ => true,
        }
    }
}

/// The signed-in console user, from the session cookie.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
    pub request: RequestId,
}

impl ConsoleUser {
    #[must_use]
    pub fn layout(&self, page: &'static str) -> Layout {
        Layout {
            lang: self.lang,
            csrf: self.csrf.clone(),
            username: self.caller.username.clone(),
            role: self.caller.role,
            page,
        }
    }

    #[must_use]
    pub fn ctx<'a>(&'a self, state: &'a AppState) -> Ctx<'a> {
        Ctx {
            state,
            caller: &self.caller,
            request: &self.request,
        }
    }

    /// Refuses a state-changing request whose CSRF token (form field or `X-CSRF-Token`) is
    /// not the session's.
    pub fn check_csrf(&self, req: &HttpRequest, form: Option<&str>) -> Result<(), ConsoleError> {
        let sent = form.or_else(|| {
            req.headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
        });
        match sent {
            Some(token) if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(ConsoleError::Csrf(self.lang)),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn lang_of(req: &HttpRequest) -> Lang {
    Lang::parse(req.cookie(LANG_COOKIE).as_ref().map(Cookie::value))
}

impl FromRequest for ConsoleUser {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let lang = lang_of(req);
        let cookie = state
            .as_ref()
            .and_then(|s| req.cookie(cookie_name(s)))
            .map(|c| c.value().to_owned());
        let request = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default();
        let next = req.uri().path_and_query().map(ToString::to_string);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ConsoleError::App(app::Error::Internal("no state".into()), lang))?;
            let Some(cookie) = cookie else {
                return Err(ConsoleError::SignIn(next));
            };
            match app::sessions::console_caller(&state, &cookie).await {
                Ok(Some((caller, csrf))) => Ok(ConsoleUser {
                    caller,
                    csrf,
                    lang,
                    request,
                }),
                Ok(None) => Err(ConsoleError::SignIn(next)),
                Err(e) => Err(ConsoleError::App(e, lang)),
            }
        })
    }
}

/// What a console request can fail with; each renders as a page (or a fragment for htmx).
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session: to the sign-in page.
    #[error("sign in")]
    SignIn(Option<String>),
    #[error("csrf")]
    Csrf(Lang),
    #[error("{0}")]
    App(app::Error, Lang),
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    css: String,
    title: &'a str,
    message: String,
    details: Vec<String>,
}

impl ErrorPage<'_> {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn(_) => StatusCode::SEE_OTHER,
            ConsoleError::Csrf(_) => StatusCode::FORBIDDEN,
            ConsoleError::App(e, _) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (lang, message, details) = match self {
            ConsoleError::SignIn(next) => {
                let target = match next.as_deref() {
                    Some(n) if n.starts_with("/console") && !n.starts_with("/console/login") => {
                        format!("/console/login?next={}", urlencode(n))
                    }
                    _ => "/console/login".to_owned(),
                };
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target.clone()))
                    .insert_header(("HX-Redirect", target))
                    .finish();
            }
            ConsoleError::Csrf(lang) => (*lang, lang.t("error.csrf").to_owned(), Vec::new()),
            ConsoleError::App(e, lang) => message_of(e, *lang),
        };
        let page = ErrorPage {
            lang,
            css: assets::path("console.css"),
            title: lang.t("error.title"),
            message,
            details,
        };
        html(self.status_code(), page.render())
    }
}

/// The words for a use case's refusal, and the fields behind it.
pub(crate) fn message_of(e: &app::Error, lang: Lang) -> (Lang, String, Vec<String>) {
    use app::Error as E;
    match e {
        E::NotFound => (lang, lang.t("error.not_found").into(), Vec::new()),
        E::Forbidden(why) => (
            lang,
            format!("{} {why}", lang.t("error.forbidden")),
            Vec::new(),
        ),
        E::Conflict(why) => (
            lang,
            format!("{} {why}", lang.t("error.conflict")),
            Vec::new(),
        ),
        E::Validation(errors) => (
            lang,
            lang.t("error.invalid").into(),
            errors
                .iter()
                .map(|f| match f.line {
                    Some(line) => format!(
                        "{} {line}, {}: {}",
                        lang.t("import.line"),
                        f.field,
                        f.message
                    ),
                    None => format!("{}: {}", f.field, f.message),
                })
                .collect(),
        ),
        E::Unavailable(_) | E::Busy(..) => (lang, lang.t("error.unavailable").into(), Vec::new()),
        E::TooManyRequests(..) => (lang, lang.t("login.throttled").into(), Vec::new()),
        E::Unauthorized(_) => (lang, lang.t("login.failed").into(), Vec::new()),
        E::Internal(detail) => {
            tracing::error!(error = %detail, "internal error");
            (lang, lang.t("error.internal").into(), Vec::new())
        }
        E::BadRequest(why)
        | E::PayloadTooLarge(why)
        | E::UnsupportedMediaType(why)
        | E::RequestTimeout(why) => (lang, why.clone(), Vec::new()),
    }
}

/// An HTML answer.
pub(crate) fn html(status: StatusCode, rendered: askama::Result<String>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("internal error")
        }
    }
}

/// A redirect after a form post (303), which htmx follows too.
pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// Percent-encodes a query value.
pub(crate) fn urlencode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether the request came from htmx (a fragment is answered instead of a page).
pub(crate) fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

/// Whether the request changes state (and so needs the CSRF token).
#[must_use]
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A session cookie for `value` (`max_age` `None`: delete it).
pub(crate) fn session_cookie(state: &AppState, value: &str, remove: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(cookie_name(state), value.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.console.secure_cookie)
        .finish();
    if remove {
        cookie.make_removal();
    }
    cookie
}
