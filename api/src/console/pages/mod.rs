//! The console's pages.

pub mod inbox;
pub mod login;
pub mod month;
pub mod org;
pub mod review;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use hadir_domain::Role;

use super::i18n::Lang;
use super::{ConsoleError, ConsoleUser, LANG_COOKIE, lang_of, see_other};

/// `/console`: the page each role starts on.
pub async fn home(user: ConsoleUser) -> HttpResponse {
    let to = match user.caller.role {
        Role::Admin | Role::Hr | Role::UnitAdmin => "/console/review",
        _ => "/console/inbox",
    };
    see_other(to)
}

/// `/console/lang/{code}`: remembers the language and goes back to the console.
pub async fn switch_lang(code: web::Path<String>) -> HttpResponse {
    let lang = Lang::parse(Some(code.as_str()));
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let mut res = see_other("/console");
    let _ = res.add_cookie(&cookie);
    res
}

/// A console path that does not exist.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ConsoleError> {
    Err(ConsoleError::App(
        crate::app::Error::NotFound,
        lang_of(&req),
    ))
}

/// The status of a fragment that reports a refusal to htmx (swapped in place, see base.html).
pub(crate) fn refusal_status(e: &crate::app::Error) -> StatusCode {
    use actix_web::ResponseError as _;
    e.status_code()
}
