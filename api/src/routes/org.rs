//! The organisation: units (a tree), offices and employees, with the scope rule of DOMAIN.md.
//! The rules live in the application layer (`app::org` for the lists, `app::units`,
//! `app::offices`, `app::employees` for the records); these handlers parse, call and map.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ctx;
use super::plans::created;
use crate::app::employees::{self, EmployeePatch, EmployeeView, NewEmployee};
use crate::app::offices::{self, NewOffice, OfficePatch, OfficeView};
use crate::app::units::{self, NewUnit, UnitPatch, UnitView};
use crate::app::{self};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub unit_id: Option<String>,
    pub parent_id: Option<String>,
    pub office_id: Option<String>,
    pub supervisor_id: Option<String>,
    pub active: Option<bool>,
    pub q: Option<String>,
    pub include_inactive: Option<bool>,
}

fn list_request(q: &ListQuery) -> app::org::ListRequest {
    app::org::ListRequest {
        limit: q.limit,
        cursor: q.cursor.clone(),
        unit_id: q.unit_id.clone(),
        parent_id: q.parent_id.clone(),
        office_id: q.office_id.clone(),
        supervisor_id: q.supervisor_id.clone(),
        active: q.active,
        q: q.q.clone(),
        include_inactive: q.include_inactive,
    }
}

// ---------------------------------------------------------------------------------------------
// Units

pub async fn list_units(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        app::org::list_units(&ctx(&state, &caller, &request_id), &list_request(&query)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": page.items.iter().map(UnitView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    })))
}

pub async fn create_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewUnit>,
) -> Result<HttpResponse, ApiError> {
    let row = units::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("units", &row.id, &UnitView::from(&row)))
}

pub async fn get_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = units::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(UnitView::from(&row)))
}

pub async fn update_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<UnitPatch>,
) -> Result<HttpResponse, ApiError> {
    let row = units::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(UnitView::from(&row)))
}

// ---------------------------------------------------------------------------------------------
// Offices

pub async fn list_offices(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        app::org::list_offices(&ctx(&state, &caller, &request_id), &list_request(&query)).await?;
    let items = page
        .items
        .iter()
        .map(OfficeView::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "next_cursor": page.next_cursor})))
}

pub async fn create_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewOffice>,
) -> Result<HttpResponse, ApiError> {
    let row = offices::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("offices", &row.id, &OfficeView::from_row(&row)?))
}

#[derive(Debug, Deserialize)]
pub struct GetOfficeQuery {
    pub include_inactive: Option<bool>,
}

/// A deleted (deactivated) office answers 404 like any deleted record, unless asked for with
/// `include_inactive=true` (to see it, or before reactivating it with a PATCH).
pub async fn get_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    query: web::Query<GetOfficeQuery>,
) -> Result<HttpResponse, ApiError> {
    let include_inactive = query.include_inactive.unwrap_or(false);
    let row = offices::get(&ctx(&state, &caller, &request_id), &id, include_inactive).await?;
    Ok(HttpResponse::Ok().json(OfficeView::from_row(&row)?))
}

pub async fn update_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<OfficePatch>,
) -> Result<HttpResponse, ApiError> {
    let row = offices::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(OfficeView::from_row(&row)?))
}

/// `DELETE /api/v1/offices/{id}`: the office is deactivated, not erased, because check-ins and
/// employees refer to it; it no longer appears in lists (unless asked) nor serves as a place.
pub async fn delete_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    offices::deactivate(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Employees

pub async fn list_employees(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        app::org::list_employees(&ctx(&state, &caller, &request_id), &list_request(&query)).await?;
    let items: Vec<EmployeeView> = page
        .items
        .iter()
        .map(|(r, u, more)| EmployeeView::new(r, u.as_ref(), more.clone()))
        .collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "next_cursor": page.next_cursor})))
}

pub async fn create_employee(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    Json(body): Json<NewEmployee>,
) -> Result<HttpResponse, ApiError> {
    let employee = employees::create(&ctx(&state, &caller, &request_id), body).await?;
    Ok(created("employees", &employee.row.id, &employee.view()))
}

pub async fn get_employee(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let employee = employees::get(&ctx(&state, &caller, &request_id), &id).await?;
    Ok(HttpResponse::Ok().json(employee.view()))
}

pub async fn update_employee(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<EmployeePatch>,
) -> Result<HttpResponse, ApiError> {
    let employee = employees::update(&ctx(&state, &caller, &request_id), &id, body).await?;
    Ok(HttpResponse::Ok().json(employee.view()))
}

// ---------------------------------------------------------------------------------------------
// The caller

pub async fn me(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let me = employees::me(&ctx(&state, &caller, &request_id)).await?;
    Ok(HttpResponse::Ok().json(me))
}
