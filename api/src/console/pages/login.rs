//! Signing in and out of the console.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use rand::Rng as _;
use serde::Deserialize;

use crate::app::{self, RequestId};
use crate::console::i18n::Lang;
use crate::console::{ConsoleError, ConsoleUser, assets, html, lang_of, see_other, session_cookie};
use crate::state::AppState;

/// The sign-in form's CSRF token (double submit: a cookie and a field that must agree).
const LOGIN_CSRF: &str = "hadir_login_csrf";

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    lang: Lang,
    css: String,
    csrf: String,
    next: String,
    username: String,
    error: Option<&'static str>,
}

impl LoginPage {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a console path is a place to go back to.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && !n.starts_with("//") => n.to_owned(),
        _ => "/console".to_owned(),
    }
}

fn page(
    req: &HttpRequest,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&'static str>,
) -> HttpResponse {
    let token = hex::encode(rand::rng().random::<[u8; 16]>());
    let page = LoginPage {
        lang: lang_of(req),
        css: assets::path("console.css"),
        csrf: token.clone(),
        next: next.to_owned(),
        username: username.to_owned(),
        error,
    };
    let mut res = html(status, page.render());
    let cookie = Cookie::build(LOGIN_CSRF, token)
        .path("/console/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    let _ = res.add_cookie(&cookie);
    res
}

/// `GET /console/login`.
pub async fn form(req: HttpRequest, query: web::Query<NextQuery>) -> HttpResponse {
    page(
        &req,
        StatusCode::OK,
        &safe_next(query.next.as_deref()),
        "",
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /console/login`: the same password check and throttle as the JSON login.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    web::Form(form): web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = lang_of(&req);
    let next = safe_next(form.next.as_deref());
    let cookie = req.cookie(LOGIN_CSRF);
    if cookie.as_ref().map(Cookie::value) != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return Err(ConsoleError::Csrf(lang));
    }
    let user = match app::sessions::authenticate(&state, &request_id, &form.username, form.password)
        .await
    {
        Ok(user) => user,
        Err(app::Error::Unauthorized(_)) => {
            return Ok(page(
                &req,
                StatusCode::UNAUTHORIZED,
                &next,
                &form.username,
                Some(lang.t("login.failed")),
            ));
        }
        Err(app::Error::TooManyRequests(_, after)) => {
            let mut res = page(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &form.username,
                Some(lang.t("login.throttled")),
            );
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&after.to_string()) {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
        Err(e) => return Err(ConsoleError::App(e, lang)),
    };
    let tokens = match app::sessions::open_console(&state, user).await {
        Ok(tokens) => tokens,
        Err(app::Error::Forbidden(_)) => {
            return Ok(page(
                &req,
                StatusCode::FORBIDDEN,
                &next,
                &form.username,
                Some(lang.t("login.employee")),
            ));
        }
        Err(e) => return Err(ConsoleError::App(e, lang)),
    };
    let mut res = see_other(&next);
    let _ = res.add_cookie(&session_cookie(&state, &tokens.cookie, false));
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /console/logout`: ends the session and forgets the cookie.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    web::Form(form): web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    app::sessions::close(&state, &user.caller.session_id, "console sign-out")
        .await
        .map_err(|e| ConsoleError::App(e, user.lang))?;
    let mut res = see_other("/console/login");
    let _ = res.add_cookie(&session_cookie(&state, "", true));
    Ok(res)
}
