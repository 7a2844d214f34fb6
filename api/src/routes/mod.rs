//! The route table. One macro produces both the actix configuration and `ROUTES`, the list the
//! contract test compares with `openapi.yaml`, so the two cannot drift apart.

mod attendance;
pub(crate) mod check_ins;
mod faces;
mod health;
mod import;
mod me_export;
pub(crate) mod monthly;
pub(crate) mod org;
pub(crate) mod plans;
pub(crate) mod review;
mod session;
mod users;

use actix_web::{HttpResponse, http::StatusCode, web};

use crate::error::{Problem, allow_header};

macro_rules! routes {
    ($($path:literal => { $($method:ident : $handler:path),+ $(,)? }),* $(,)?) => {
        /// Every `(method, path)` the API serves, lower-case method, OpenAPI path syntax.
        pub const ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)*];

        /// Registers every route; a known path with an unknown method answers 405 with `Allow`.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $(.route(web::$method().to($handler)))+
                        .default_service(web::to(|| async {
                            method_not_allowed(&[$(stringify!($method)),+])
                        })),
                );
            )*
        }
    };
}

routes! {
    "/healthz" => { get: health::healthz },
    "/readyz" => { get: health::readyz },
    "/openapi.yaml" => { get: health::openapi },
    "/metrics" => { get: health::metrics },
    "/api/v1/auth/login" => { post: session::login },
    "/api/v1/auth/refresh" => { post: session::refresh },
    "/api/v1/auth/logout" => { post: session::logout },
    "/api/v1/users" => { get: users::list, post: users::create },
    "/api/v1/users/{id}" => { get: users::get, patch: users::update },
    "/api/v1/units" => { get: org::list_units, post: org::create_unit },
    "/api/v1/units/{id}" => { get: org::get_unit, patch: org::update_unit },
    "/api/v1/offices" => { get: org::list_offices, post: org::create_office },
    "/api/v1/offices/{id}" => {
        get: org::get_office,
        patch: org::update_office,
        delete: org::delete_office,
    },
    "/api/v1/employees" => { get: org::list_employees, post: org::create_employee },
    "/api/v1/employees/import" => { post: import::import_employees },
    "/api/v1/employees/{id}" => { get: org::get_employee, patch: org::update_employee },
    "/api/v1/employees/{id}/face" => { get: faces::get, put: faces::enrol, delete: faces::remove },
    "/api/v1/check-ins" => { get: review::queue, post: check_ins::create },
    "/api/v1/check-ins/batch" => { post: check_ins::batch },
    "/api/v1/check-ins/review" => { post: review::review_many },
    "/api/v1/check-ins/{id}" => { get: check_ins::get },
    "/api/v1/check-ins/{id}/review" => { post: review::review },
    "/api/v1/check-ins/{id}/face-reference" => { post: faces::promote },
    "/api/v1/photos" => { get: check_ins::photo },
    "/api/v1/schedules" => { get: plans::list_schedules, post: plans::create_schedule },
    "/api/v1/schedules/{id}" => {
        get: plans::get_schedule,
        patch: plans::update_schedule,
        delete: plans::delete_schedule,
    },
    "/api/v1/holidays" => { get: plans::list_holidays, post: plans::create_holiday },
    "/api/v1/holidays/{id}" => {
        get: plans::get_holiday,
        patch: plans::update_holiday,
        delete: plans::delete_holiday,
    },
    "/api/v1/assignments" => { get: plans::list_assignments, post: plans::create_assignment },
    "/api/v1/assignments/{id}" => {
        get: plans::get_assignment,
        patch: plans::update_assignment,
        delete: plans::delete_assignment,
    },
    "/api/v1/rosters" => { get: plans::list_rosters, post: plans::create_roster },
    "/api/v1/rosters/{id}" => { get: plans::get_roster },
    "/api/v1/leaves" => { get: plans::list_leaves, post: plans::create_leave },
    "/api/v1/leaves/{id}" => {
        get: plans::get_leave,
        patch: plans::update_leave,
        delete: plans::delete_leave,
    },
    "/api/v1/me" => { get: org::me },
    "/api/v1/me/today" => { get: plans::today },
    "/api/v1/me/inbox" => { get: review::inbox },
    "/api/v1/months/{month}" => { get: review::get_month },
    "/api/v1/months/{month}/close" => { post: review::close_month },
    "/api/v1/months/{month}/reopen" => { post: review::reopen_month },
    "/api/v1/audit-log" => { get: review::audit_log },
    "/api/v1/me/attendance" => { get: monthly::mine },
    "/api/v1/attendance/monthly" => { get: monthly::monthly },
    "/api/v1/attendance/statement" => { get: monthly::statement },
    "/api/v1/attendance/manual" => {
        get: attendance::list_manual,
        post: attendance::create_manual,
    },
    "/api/v1/attendance/manual/batch" => { post: attendance::create_manual_batch },
    "/api/v1/me/corrections" => {
        get: attendance::my_corrections,
        post: attendance::create_correction,
    },
    "/api/v1/me/corrections/{id}/attachment" => { put: attendance::put_attachment },
    "/api/v1/corrections" => { get: attendance::list_corrections },
    "/api/v1/corrections/{id}" => { get: attendance::get_correction },
    "/api/v1/corrections/{id}/decision" => { post: attendance::decide_correction },
    "/api/v1/me/reports" => { get: attendance::my_reports },
    "/api/v1/me/reports/{date}" => { put: attendance::put_report },
    "/api/v1/me/reports/{date}/submit" => { post: attendance::submit_report },
    "/api/v1/reports" => { get: attendance::list_reports },
    "/api/v1/reports/{id}" => { get: attendance::get_report },
    "/api/v1/reports/{id}/decision" => { post: attendance::decide_report },
    "/api/v1/me/check-ins" => { get: check_ins::mine },
    "/api/v1/me/export" => { get: me_export::export },
}

fn method_not_allowed(allowed: &[&str]) -> HttpResponse {
    let mut res = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Some(format!(
            "allowed: {}",
            allow_header(allowed).to_str().unwrap_or_default()
        )),
    )
    .response();
    res.headers_mut()
        .insert(actix_web::http::header::ALLOW, allow_header(allowed));
    res
}

/// The answer for a path no route serves.
pub async fn route_not_found() -> HttpResponse {
    Problem::new(StatusCode::NOT_FOUND, Some("no route for this path".into())).response()
}

/// Reads a whole request body of at most `limit` bytes: 413 as soon as the declared length or
/// the bytes received pass it (the body is never buffered beyond the limit).
pub(crate) async fn read_limited(
    req: &actix_web::HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, crate::error::ApiError> {
    use futures_util::StreamExt as _;
    let too_large =
        || crate::error::ApiError::PayloadTooLarge(format!("{what} is at most {limit} bytes"));
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let clock = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|s| s.body_deadline.start());
    let mut body = Vec::new();
    loop {
        let chunk = match &clock {
            Some(clock) => clock.next(&mut payload).await?,
            None => payload.next().await,
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk
            .map_err(|e| crate::error::ApiError::BadRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) use crate::app::input::{page_limit, parse_id, query_id};

/// What a use case runs with, from what a handler extracted.
pub(crate) fn ctx<'a>(
    state: &'a crate::state::AppState,
    caller: &'a crate::auth::AuthUser,
    request: &'a crate::telemetry::RequestId,
) -> crate::app::Ctx<'a> {
    crate::app::Ctx {
        state,
        caller,
        request,
    }
}
