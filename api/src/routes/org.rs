//! The organisation: units (a tree), offices and employees, with the scope rule of DOMAIN.md.
//!
//! Who may do what: admins and HR see everything; a unit admin sees and changes their own unit
//! (the unit of the employee their account is linked to) and its sub-units; a supervisor sees
//! their subordinates; an employee only themselves. A record outside the caller's scope is 404,
//! never 403, so ids cannot be probed. Writes: admins anywhere, unit admins inside their scope,
//! HR for employees. Every write is in the audit log with its before and after.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use hadir_domain::geofence::{Coordinates, Fence};
use hadir_domain::org::{Echelon, StaffId, StaffIdType, time_zone, would_cycle};
use hadir_domain::{Password, Role, Username};
use hadir_storage::repo::org::{
    self, EmployeeChanges, EmployeeRow, OfficeChanges, OfficeRow, UnitChanges, UnitRow,
};
use hadir_storage::repo::plan;
use hadir_storage::repo::sessions;
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::{ctx, parse_id};
use crate::app::input::{field_id, text};
use crate::app::scope::{Scope, may_see};
use crate::app::{self, duty};
use crate::audit::Actor;

use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::state::AppState;
use crate::telemetry::RequestId;

pub(crate) use crate::app::input::{nullable, present};

/// A patched field that `null` clears: left out stays `None`, `null` becomes `Some(None)`, a
/// value is checked by `check` (`None` when it fails, the error already recorded).
fn clearable<T>(
    field: Option<&Option<String>>,
    check: impl FnOnce(&str) -> Option<T>,
) -> Option<Option<T>> {
    match field {
        None => None,
        Some(None) => Some(None),
        Some(Some(value)) => check(value).map(Some),
    }
}

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

// ---------------------------------------------------------------------------------------------
// Units

#[derive(Debug, Serialize)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub code: Option<String>,
    pub schedule_id: Option<String>,
    pub wfh_quota_percent: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&UnitRow> for UnitView {
    fn from(r: &UnitRow) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            parent_id: r.parent_id.clone(),
            code: r.code.clone(),
            schedule_id: r.schedule_id.clone(),
            wfh_quota_percent: r.wfh_quota_percent,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewUnit {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub schedule_id: Option<String>,
    #[serde(default)]
    pub wfh_quota_percent: Option<i32>,
}

#[derive(Debug, Deserialize)]
pub struct UnitPatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub schedule_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub wfh_quota_percent: Option<Option<i32>>,
}

fn quota(value: i32, errors: &mut Vec<FieldError>) -> Option<i32> {
    if (0..=100).contains(&value) {
        Some(value)
    } else {
        errors.push(FieldError::new(
            "wfh_quota_percent",
            "must be a percentage from 0 to 100",
        ));
        None
    }
}

/// A named schedule must exist: 422 naming the field otherwise.
pub(crate) fn check_schedule(
    conn: &mut DbConnection,
    schedule_id: Option<&str>,
) -> Result<Option<FieldError>, StorageError> {
    match schedule_id {
        Some(id) => match plan::find_schedule(conn, id) {
            Ok(_) => Ok(None),
            Err(StorageError::NotFound) => {
                Ok(Some(FieldError::new("schedule_id", "no such schedule")))
            }
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

fn unit_code(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let ok = (1..=32).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Some(raw.to_owned())
    } else {
        errors.push(FieldError::new(
            "code",
            "must be 1 to 32 characters of A-Z, a-z, 0-9, dot, dash or underscore",
        ));
        None
    }
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
    caller.require(&[Role::Admin, Role::UnitAdmin])?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let parent_id = body
        .parent_id
        .as_deref()
        .and_then(|p| field_id("parent_id", p, &mut errors));
    let code = body.code.as_deref().and_then(|c| unit_code(c, &mut errors));
    let schedule_id = body
        .schedule_id
        .as_deref()
        .and_then(|s| field_id("schedule_id", s, &mut errors));
    let wfh_quota_percent = body.wfh_quota_percent.and_then(|q| quota(q, &mut errors));
    if caller.role == Role::UnitAdmin && body.parent_id.is_none() {
        errors.push(FieldError::new(
            "parent_id",
            "a unit admin creates sub-units of their own unit",
        ));
    }
    let Some(name) = name else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = now_utc();
    let row = UnitRow {
        id: uuid::Uuid::new_v4().to_string(),
        parent_id,
        name,
        code,
        created_at: now,
        updated_at: now,
        schedule_id,
        wfh_quota_percent,
    };
    let stored = row.clone();
    let result = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if let Some(parent) = &stored.parent_id
                && !(org::unit_parents(conn)?.contains_key(parent) && scope.has_unit(parent))
            {
                return Err(StorageError::MissingReference("parent_id".into()));
            }
            if check_schedule(conn, stored.schedule_id.as_deref())?.is_some() {
                return Err(StorageError::MissingReference("schedule_id".into()));
            }
            org::insert_unit(conn, &stored)?;
            let view = UnitView::from(&stored);
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "unit.create",
                "unit",
                &stored.id,
                None,
                Some(&view),
            )
        })
        .await;
    match result {
        Ok(()) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/units/{}", row.id)))
            .json(UnitView::from(&row))),
        Err(StorageError::MissingReference(what)) if what == "schedule_id" => {
            Err(ApiError::field("schedule_id", "no such schedule"))
        }
        Err(StorageError::MissingReference(_)) => Err(ApiError::field("parent_id", "no such unit")),
        Err(StorageError::Duplicate(_)) => Err(ApiError::Conflict(format!(
            "unit code `{}` is taken",
            row.code.unwrap_or_default()
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn get_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let row = state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&id) {
                return Err(StorageError::NotFound);
            }
            org::find_unit(conn, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UnitView::from(&row)))
}

pub async fn update_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<UnitPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::UnitAdmin])?;
    let id = parse_id(&id)?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let parent_id = clearable(body.parent_id.as_ref(), |v| {
        field_id("parent_id", v, &mut errors)
    });
    let code = clearable(body.code.as_ref(), |v| unit_code(v, &mut errors));
    let schedule_id = clearable(body.schedule_id.as_ref(), |v| {
        field_id("schedule_id", v, &mut errors)
    });
    let wfh_quota_percent = match body.wfh_quota_percent {
        None => None,
        Some(None) => Some(None),
        Some(Some(q)) => quota(q, &mut errors).map(Some),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let result = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&id) {
                return Err(StorageError::NotFound);
            }
            let before = org::find_unit(conn, &id)?;
            if let Some(new_parent) = &parent_id {
                let parents = org::unit_parents(conn)?;
                match new_parent {
                    Some(p) if !parents.contains_key(p) || !scope.has_unit(p) => {
                        return Err(StorageError::MissingReference("parent_id".into()));
                    }
                    Some(p) if would_cycle(&parents, &id, p) => {
                        return Err(StorageError::Conflict(
                            "a unit cannot be placed under itself or its own sub-unit".into(),
                        ));
                    }
                    // Only an admin may make a unit a root (or move a unit admin's own root).
                    None if !matches!(scope, Scope::All) => {
                        return Err(StorageError::Conflict(
                            "only an admin can make a unit a top-level unit".into(),
                        ));
                    }
                    _ => {}
                }
            }
            if let Some(Some(s)) = &schedule_id
                && check_schedule(conn, Some(s))?.is_some()
            {
                return Err(StorageError::MissingReference("schedule_id".into()));
            }
            let after = org::update_unit(
                conn,
                &id,
                &UnitChanges {
                    name,
                    parent_id,
                    code,
                    schedule_id,
                    wfh_quota_percent,
                    updated_at: Some(now_utc()),
                },
            )?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                "unit.update",
                "unit",
                &id,
                Some(&UnitView::from(&before)),
                Some(&UnitView::from(&after)),
            )?;
            Ok(after)
        })
        .await;
    match result {
        Ok(row) => Ok(HttpResponse::Ok().json(UnitView::from(&row))),
        Err(StorageError::MissingReference(what)) if what == "schedule_id" => {
            Err(ApiError::field("schedule_id", "no such schedule"))
        }
        Err(StorageError::MissingReference(_)) => Err(ApiError::field("parent_id", "no such unit")),
        Err(StorageError::Duplicate(_)) => {
            Err(ApiError::Conflict("that unit code is taken".into()))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Offices

#[derive(Debug, Serialize)]
pub struct OfficeView {
    pub id: String,
    pub name: String,
    pub unit_id: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    pub polygon: Option<Vec<[f64; 2]>>,
    pub timezone: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OfficeView {
    fn from_row(r: &OfficeRow) -> Result<Self, ApiError> {
        let polygon = r
            .polygon
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ApiError::Internal(format!("office {}: polygon: {e}", r.id)))?;
        Ok(Self {
            id: r.id.clone(),
            name: r.name.clone(),
            unit_id: r.unit_id.clone(),
            latitude: r.latitude,
            longitude: r.longitude,
            radius_m: r.radius_m,
            polygon,
            timezone: r.timezone.clone(),
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct NewOffice {
    pub name: String,
    pub unit_id: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    #[serde(default)]
    pub polygon: Option<Vec<[f64; 2]>>,
    pub timezone: String,
}

#[derive(Debug, Deserialize)]
pub struct OfficePatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub unit_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub latitude: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    pub longitude: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    pub radius_m: Option<f64>,
    #[serde(default, deserialize_with = "nullable")]
    pub polygon: Option<Option<Vec<[f64; 2]>>>,
    #[serde(default, deserialize_with = "present")]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub active: Option<bool>,
}

/// Checks an office's fence: the point, the radius and the polygon together, as the check-in
/// pipeline will build it. Returns the polygon as stored (JSON).
fn office_fence(
    latitude: f64,
    longitude: f64,
    radius_m: f64,
    polygon: Option<&[[f64; 2]]>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    let center = match Coordinates::new(latitude, longitude) {
        Ok(c) => c,
        Err(e) => {
            use hadir_domain::geofence::CoordinateError as C;
            let field = match e {
                C::LongitudeNotFinite | C::LongitudeOutOfRange => "longitude",
                _ => "latitude",
            };
            errors.push(FieldError::new(field, e.to_string()));
            return None;
        }
    };
    let Some(corners) = polygon else {
        return match Fence::circle(center, radius_m) {
            Ok(_) => Some(None),
            Err(e) => {
                errors.push(FieldError::new("radius_m", e.to_string()));
                None
            }
        };
    };
    if corners.len() > 200 {
        errors.push(FieldError::new("polygon", "at most 200 corners"));
        return None;
    }
    let coords: Result<Vec<_>, _> = corners
        .iter()
        .map(|[lat, lon]| Coordinates::new(*lat, *lon))
        .collect();
    let coords = match coords {
        Ok(c) => c,
        Err(e) => {
            errors.push(FieldError::new(
                "polygon",
                format!("a corner is invalid: {e}"),
            ));
            return None;
        }
    };
    match Fence::polygon(center, radius_m, coords) {
        Ok(_) => Some(Some(serde_json::to_string(corners).unwrap_or_default())),
        Err(hadir_domain::geofence::FenceError::Radius) => {
            errors.push(FieldError::new(
                "radius_m",
                "must be a finite number of metres above zero",
            ));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("polygon", e.to_string()));
            None
        }
    }
}

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
    caller.require(&[Role::Admin, Role::UnitAdmin])?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let unit_id = field_id("unit_id", &body.unit_id, &mut errors);
    let polygon = office_fence(
        body.latitude,
        body.longitude,
        body.radius_m,
        body.polygon.as_deref(),
        &mut errors,
    );
    if time_zone(&body.timezone).is_err() {
        errors.push(FieldError::new(
            "timezone",
            "must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura",
        ));
    }
    let (Some(name), Some(unit_id), Some(polygon)) = (name, unit_id, polygon) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = now_utc();
    let row = OfficeRow {
        id: uuid::Uuid::new_v4().to_string(),
        unit_id,
        name,
        latitude: body.latitude,
        longitude: body.longitude,
        radius_m: body.radius_m,
        polygon,
        timezone: body.timezone,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let stored = row.clone();
    let result = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&stored.unit_id) {
                return Err(StorageError::MissingReference("unit_id".into()));
            }
            org::insert_office(conn, &stored)?;
            let view = office_audit(&stored)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "office.create",
                "office",
                &stored.id,
                None,
                Some(&view),
            )
        })
        .await;
    match result {
        Ok(()) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/offices/{}", row.id)))
            .json(OfficeView::from_row(&row)?)),
        Err(StorageError::MissingReference(_)) => Err(ApiError::field("unit_id", "no such unit")),
        Err(e) => Err(e.into()),
    }
}

fn office_in_scope(
    conn: &mut DbConnection,
    caller: &AuthUser,
    id: &str,
) -> Result<(Scope, OfficeRow), StorageError> {
    let scope = Scope::of(conn, caller)?;
    let office = org::find_office(conn, id)?;
    if scope.has_unit(&office.unit_id) {
        Ok((scope, office))
    } else {
        Err(StorageError::NotFound)
    }
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
    id: web::Path<String>,
    query: web::Query<GetOfficeQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let (_, row) = state
        .db
        .run(move |conn| office_in_scope(conn, &caller, &id))
        .await?;
    if !row.active && !query.include_inactive.unwrap_or(false) {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(OfficeView::from_row(&row)?))
}

pub async fn update_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<OfficePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::UnitAdmin])?;
    let id = parse_id(&id)?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let unit_id = body
        .unit_id
        .as_deref()
        .and_then(|u| field_id("unit_id", u, &mut errors));
    if let Some(tz) = &body.timezone
        && time_zone(tz).is_err()
    {
        errors.push(FieldError::new(
            "timezone",
            "must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura",
        ));
    }
    let (scope_id, scope_caller) = (id.clone(), caller.clone());
    let new_unit = unit_id.clone();
    let (unit_ok, before) = state
        .db
        .run(move |conn| {
            let (scope, before) = office_in_scope(conn, &scope_caller, &scope_id)?;
            let unit_ok = match &new_unit {
                None => true,
                Some(unit) => org::unit_parents(conn)?.contains_key(unit) && scope.has_unit(unit),
            };
            Ok((unit_ok, before))
        })
        .await?;
    if !unit_ok {
        errors.push(FieldError::new("unit_id", "no such unit"));
    }
    // The fence is checked whole, with the stored values for what the patch leaves out.
    let polygon_now: Option<Vec<[f64; 2]>> = before
        .polygon
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let polygon = body.polygon.clone().unwrap_or(polygon_now);
    let fence = office_fence(
        body.latitude.unwrap_or(before.latitude),
        body.longitude.unwrap_or(before.longitude),
        body.radius_m.unwrap_or(before.radius_m),
        polygon.as_deref(),
        &mut errors,
    );
    let Some(stored_polygon) = fence else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let changes = OfficeChanges {
        name,
        unit_id,
        latitude: body.latitude,
        longitude: body.longitude,
        radius_m: body.radius_m,
        polygon: body.polygon.is_some().then_some(stored_polygon),
        timezone: body.timezone,
        active: body.active,
        updated_at: Some(now_utc()),
    };
    let row = state
        .db
        .transaction(move |conn| {
            let (_, before) = office_in_scope(conn, &caller, &id)?;
            let after = org::update_office(conn, &id, &changes)?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                "office.update",
                "office",
                &id,
                Some(&office_audit(&before)?),
                Some(&office_audit(&after)?),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OfficeView::from_row(&row)?))
}

/// An office as the audit log keeps it.
fn office_audit(row: &OfficeRow) -> Result<OfficeView, StorageError> {
    OfficeView::from_row(row).map_err(|e| StorageError::Other(e.to_string()))
}

/// `DELETE /api/v1/offices/{id}`: the office is deactivated, not erased, because check-ins and
/// employees refer to it; it no longer appears in lists (unless asked) nor serves as a place.
pub async fn delete_office(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::UnitAdmin])?;
    let id = parse_id(&id)?;
    state
        .db
        .transaction(move |conn| {
            let (_, before) = office_in_scope(conn, &caller, &id)?;
            let after = org::update_office(
                conn,
                &id,
                &OfficeChanges {
                    active: Some(false),
                    updated_at: Some(now_utc()),
                    ..OfficeChanges::default()
                },
            )?;
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record(
                conn,
                "office.deactivate",
                "office",
                &id,
                Some(&office_audit(&before)?),
                Some(&office_audit(&after)?),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Employees

/// The login linked to an employee, as the employee record shows it.
#[derive(Debug, Serialize)]
pub struct LoginView {
    pub id: String,
    pub username: String,
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Serialize)]
pub struct EmployeeView {
    pub id: String,
    pub nip: String,
    pub id_type: String,
    pub name: String,
    pub unit_id: String,
    pub position: String,
    pub echelon: String,
    pub supervisor_id: Option<String>,
    pub office_id: Option<String>,
    /// Offices the employee may also work at, besides the primary one.
    pub other_office_ids: Vec<String>,
    pub home_latitude: Option<f64>,
    pub home_longitude: Option<f64>,
    pub home_radius_m: Option<f64>,
    pub active: bool,
    pub schedule_id: Option<String>,
    pub user: Option<LoginView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EmployeeView {
    /// The view with the additional offices.
    fn with_offices(mut self, others: Vec<String>) -> Self {
        self.other_office_ids = others;
        self
    }

    pub(crate) fn new(r: &EmployeeRow, user: Option<&UserRow>) -> Self {
        Self {
            id: r.id.clone(),
            nip: r.nip.clone(),
            id_type: r.id_type.clone(),
            name: r.name.clone(),
            unit_id: r.unit_id.clone(),
            position: r.position.clone(),
            echelon: r.echelon.clone(),
            supervisor_id: r.supervisor_id.clone(),
            office_id: r.office_id.clone(),
            other_office_ids: Vec::new(),
            home_latitude: r.home_latitude,
            home_longitude: r.home_longitude,
            home_radius_m: r.home_radius_m,
            active: r.active,
            schedule_id: r.schedule_id.clone(),
            user: user.map(|u| LoginView {
                id: u.id.clone(),
                username: u.username.clone(),
                role: u.role.clone(),
                active: u.active,
            }),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewEmployee {
    pub nip: String,
    #[serde(default)]
    pub id_type: Option<String>,
    pub name: String,
    pub unit_id: String,
    pub position: String,
    pub echelon: String,
    #[serde(default)]
    pub supervisor_id: Option<String>,
    #[serde(default)]
    pub office_id: Option<String>,
    #[serde(default)]
    pub home_latitude: Option<f64>,
    #[serde(default)]
    pub home_longitude: Option<f64>,
    #[serde(default)]
    pub home_radius_m: Option<f64>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub schedule_id: Option<String>,
    #[serde(default)]
    pub other_office_ids: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct EmployeePatch {
    #[serde(default, deserialize_with = "present")]
    pub nip: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub id_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub unit_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub position: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub echelon: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub supervisor_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub office_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub home_latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub home_longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub home_radius_m: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub schedule_id: Option<Option<String>>,
    /// Replaces the additional offices (`[]` removes them).
    #[serde(default, deserialize_with = "present")]
    pub other_office_ids: Option<Vec<String>>,
}

fn staff_id(
    kind: Option<&str>,
    nip: &str,
    errors: &mut Vec<FieldError>,
) -> Option<(StaffId, StaffIdType)> {
    let kind = match kind.unwrap_or("nip").parse::<StaffIdType>() {
        Ok(k) => k,
        Err(e) => {
            errors.push(FieldError::new("id_type", e.to_string()));
            return None;
        }
    };
    StaffId::parse(kind, nip)
        .map(|id| (id, kind))
        .map_err(|e| errors.push(FieldError::new("nip", e.to_string())))
        .ok()
}

fn echelon(raw: &str, errors: &mut Vec<FieldError>) -> Option<Echelon> {
    raw.parse::<Echelon>()
        .map_err(|e| errors.push(FieldError::new("echelon", e.to_string())))
        .ok()
}

/// Checks the home point: all three fields or none, a valid position and radius.
fn home(
    latitude: Option<f64>,
    longitude: Option<f64>,
    radius_m: Option<f64>,
    errors: &mut Vec<FieldError>,
) {
    match (latitude, longitude, radius_m) {
        (None, None, None) => {}
        (Some(lat), Some(lon), Some(r)) => {
            if let Err(e) = Coordinates::new(lat, lon) {
                errors.push(FieldError::new("home_latitude", e.to_string()));
            }
            if !(r.is_finite() && r > 0.0) {
                errors.push(FieldError::new(
                    "home_radius_m",
                    "must be a finite number of metres above zero",
                ));
            }
        }
        _ => errors.push(FieldError::new(
            "home_latitude",
            "home_latitude, home_longitude and home_radius_m go together: all or none",
        )),
    }
}

/// The additional offices named in a body: UUIDs, at most 20, no repeats.
fn other_offices(raw: Option<&Vec<String>>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let raw = raw?;
    if raw.len() > 20 {
        errors.push(FieldError::new(
            "other_office_ids",
            "at most 20 additional offices",
        ));
        return None;
    }
    let mut ids = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let id = field_id(&format!("other_office_ids[{i}]"), r, errors)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Some(ids)
}

/// Every additional office must be an active office.
fn check_other_offices(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<FieldError>, StorageError> {
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match org::find_office(conn, id) {
            Ok(o) if o.active => {}
            Ok(_) | Err(StorageError::NotFound) => errors.push(FieldError::new(
                format!("other_office_ids[{i}]"),
                "no such active office",
            )),
            Err(e) => return Err(e),
        }
    }
    Ok(errors)
}

/// Checks the references of an employee record against the database and the caller's scope.
fn check_references(
    conn: &mut DbConnection,
    scope: &Scope,
    employee_id: &str,
    unit_id: &str,
    supervisor_id: Option<&str>,
    office_id: Option<&str>,
) -> Result<Vec<FieldError>, StorageError> {
    let mut errors = Vec::new();
    if !(org::unit_parents(conn)?.contains_key(unit_id) && scope.has_unit(unit_id)) {
        errors.push(FieldError::new("unit_id", "no such unit"));
    }
    if let Some(supervisor) = supervisor_id {
        if supervisor == employee_id {
            errors.push(FieldError::new(
                "supervisor_id",
                "an employee cannot supervise themselves",
            ));
        } else if org::find_employee(conn, supervisor).is_err() {
            errors.push(FieldError::new("supervisor_id", "no such employee"));
        } else if org::is_supervised_by(conn, supervisor, employee_id)? {
            errors.push(FieldError::new(
                "supervisor_id",
                "that employee reports to this one: the chain would go round in a circle",
            ));
        }
    }
    if let Some(office) = office_id {
        match org::find_office(conn, office) {
            Ok(o) if o.active => {}
            _ => errors.push(FieldError::new("office_id", "no such active office")),
        }
    }
    Ok(errors)
}

/// Duplicates from the database named by what they clash on.
fn employee_conflict(what: &str) -> ApiError {
    if what.contains("username") {
        ApiError::Conflict("that username is taken".into())
    } else {
        ApiError::Conflict("an employee with that NIP already exists".into())
    }
}

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
        .map(|(r, u, more)| EmployeeView::new(r, u.as_ref()).with_offices(more.clone()))
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
    caller.require(&[Role::Admin, Role::Hr, Role::UnitAdmin])?;
    let mut errors = Vec::new();
    let id = staff_id(body.id_type.as_deref(), &body.nip, &mut errors);
    let name = text("name", &body.name, 200, &mut errors);
    let position = text("position", &body.position, 200, &mut errors);
    let echelon = echelon(&body.echelon, &mut errors);
    let unit_id = field_id("unit_id", &body.unit_id, &mut errors);
    let supervisor_id = body
        .supervisor_id
        .as_deref()
        .and_then(|s| field_id("supervisor_id", s, &mut errors));
    let office_id = body
        .office_id
        .as_deref()
        .and_then(|o| field_id("office_id", o, &mut errors));
    let schedule_id = body
        .schedule_id
        .as_deref()
        .and_then(|s| field_id("schedule_id", s, &mut errors));
    let others = other_offices(body.other_office_ids.as_ref(), &mut errors).unwrap_or_default();
    home(
        body.home_latitude,
        body.home_longitude,
        body.home_radius_m,
        &mut errors,
    );
    // The login: username and password together, or neither.
    let login = match (&body.username, &body.password) {
        (None, None) => {
            if body.role.is_some() {
                errors.push(FieldError::new("role", "needs a username and a password"));
            }
            None
        }
        (Some(username), Some(password)) => {
            let username = Username::parse(username)
                .map_err(|e| errors.push(FieldError::new("username", e.to_string())))
                .ok();
            let password = Password::new(password)
                .map_err(|e| errors.push(FieldError::new("password", e.to_string())))
                .ok();
            let role = match body.role.as_deref().unwrap_or("employee").parse::<Role>() {
                Ok(r) if caller.role.may_grant(r) => Some(r),
                Ok(r) => {
                    duty::record_grant_refusal(
                        &state.db,
                        &caller,
                        &request_id,
                        "employee.create",
                        r,
                    )
                    .await?;
                    return Err(ApiError::Forbidden(
                        "an account may give only roles below its own",
                    ));
                }
                Err(e) => {
                    errors.push(FieldError::new("role", e.to_string()));
                    None
                }
            };
            match (username, password, role) {
                (Some(u), Some(p), Some(r)) => Some((u, p, r)),
                _ => None,
            }
        }
        (Some(_), None) => {
            errors.push(FieldError::new("password", "is required with a username"));
            None
        }
        (None, Some(_)) => {
            errors.push(FieldError::new("username", "is required with a password"));
            None
        }
    };
    let (Some((nip, id_type)), Some(name), Some(position), Some(echelon), Some(unit_id)) =
        (id, name, position, echelon, unit_id)
    else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let password_hash = match &login {
        Some((_, password, _)) => Some(state.passwords.hash(password.expose().to_owned()).await?),
        None => None,
    };
    let now = now_utc();
    let row = EmployeeRow {
        id: uuid::Uuid::new_v4().to_string(),
        nip: nip.as_str().to_owned(),
        name,
        unit_id,
        position,
        echelon: echelon.as_str().to_owned(),
        supervisor_id,
        office_id,
        home_latitude: body.home_latitude,
        home_longitude: body.home_longitude,
        home_radius_m: body.home_radius_m,
        active: true,
        created_at: now,
        updated_at: now,
        id_type: id_type.as_str().to_owned(),
        schedule_id,
    };
    let user = login
        .zip(password_hash)
        .map(|((username, _, role), hash)| UserRow {
            id: uuid::Uuid::new_v4().to_string(),
            username: username.as_str().to_owned(),
            password_hash: hash,
            role: role.as_str().to_owned(),
            employee_id: Some(row.id.clone()),
            active: true,
            token_version: 0,
            created_at: now,
            updated_at: now,
            created_by: Some(caller.user_id.clone()),
        });
    let (stored, stored_user, stored_others) = (row.clone(), user.clone(), others.clone());
    let result = state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let mut errors = check_references(
                conn,
                &scope,
                &stored.id,
                &stored.unit_id,
                stored.supervisor_id.as_deref(),
                stored.office_id.as_deref(),
            )?;
            errors.extend(check_schedule(conn, stored.schedule_id.as_deref())?);
            errors.extend(check_other_offices(conn, &stored_others)?);
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            org::insert_employee(conn, &stored)?;
            if let Some(user) = &stored_user {
                users::insert(conn, user)?;
            }
            plan::set_other_offices(conn, &stored.id, &stored_others)?;
            let view = EmployeeView::new(&stored, stored_user.as_ref())
                .with_offices(stored_others.clone());
            Actor {
                caller: &caller,
                request_id: &request_id,
            }
            .record::<(), _>(
                conn,
                "employee.create",
                "employee",
                &stored.id,
                None,
                Some(&view),
            )?;
            Ok(Ok(()))
        })
        .await;
    match result {
        Ok(Ok(())) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/employees/{}", row.id)))
            .json(EmployeeView::new(&row, user.as_ref()).with_offices(others))),
        Ok(Err(errors)) => Err(ApiError::Validation(errors)),
        Err(StorageError::Duplicate(what)) => Err(employee_conflict(&what)),
        Err(e) => Err(e.into()),
    }
}

pub async fn get_employee(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let who = caller.clone();
    let (row, user, others) = state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let row = org::find_employee(conn, &id)?;
            if !may_see(conn, &scope, &caller, &row)? {
                return Err(StorageError::NotFound);
            }
            let user = users::for_employees(conn, std::slice::from_ref(&row.id))?.pop();
            let others = plan::other_offices(conn, &row.id)?;
            Ok((row, user, others))
        })
        .await?;
    app::org::audit_home_points(
        &state,
        &who,
        &request_id,
        "employee.read",
        std::slice::from_ref(&row),
    )
    .await?;
    Ok(HttpResponse::Ok().json(EmployeeView::new(&row, user.as_ref()).with_offices(others)))
}

pub async fn update_employee(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    id: web::Path<String>,
    Json(body): Json<EmployeePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Hr, Role::UnitAdmin])?;
    let id = parse_id(&id)?;
    if caller.employee_id.as_deref() == Some(id.as_str()) && body.active == Some(false) {
        return Err(ApiError::Conflict(
            "you cannot deactivate your own employee record".into(),
        ));
    }
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .and_then(|n| text("name", n, 200, &mut errors));
    let position = body
        .position
        .as_deref()
        .and_then(|p| text("position", p, 200, &mut errors));
    let echelon = body
        .echelon
        .as_deref()
        .and_then(|e| echelon(e, &mut errors));
    let unit_id = body
        .unit_id
        .as_deref()
        .and_then(|u| field_id("unit_id", u, &mut errors));
    let supervisor_id = clearable(body.supervisor_id.as_ref(), |v| {
        field_id("supervisor_id", v, &mut errors)
    });
    let office_id = clearable(body.office_id.as_ref(), |v| {
        field_id("office_id", v, &mut errors)
    });
    let schedule_id = clearable(body.schedule_id.as_ref(), |v| {
        field_id("schedule_id", v, &mut errors)
    });
    let others = other_offices(body.other_office_ids.as_ref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Where and when one is meant to work is part of one's attendance: separation of duties
    // holds for these fields (a name or a position is not).
    let touches_attendance = body.unit_id.is_some()
        || body.echelon.is_some()
        || body.supervisor_id.is_some()
        || body.office_id.is_some()
        || body.home_latitude.is_some()
        || body.home_longitude.is_some()
        || body.home_radius_m.is_some()
        || body.active.is_some()
        || body.schedule_id.is_some()
        || body.other_office_ids.is_some();
    let (who, rid) = (caller.clone(), request_id.clone());
    let window = state.attendance.creator_conflict_days;
    let result = state
        .db
        .transaction_as(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let before = org::find_employee(conn, &id)?;
            if !scope.has_unit(&before.unit_id) {
                return Err(StorageError::NotFound.into());
            }
            if touches_attendance {
                duty::ensure(conn, &caller, &id, window)?;
            }
            let mut errors = Vec::new();
            // The id and its type are checked together, with the stored one for what is left out.
            let nip = match (&body.nip, &body.id_type) {
                (None, None) => None,
                (nip, kind) => staff_id(
                    Some(kind.as_deref().unwrap_or(&before.id_type)),
                    nip.as_deref().unwrap_or(&before.nip),
                    &mut errors,
                ),
            };
            home(
                body.home_latitude.unwrap_or(before.home_latitude),
                body.home_longitude.unwrap_or(before.home_longitude),
                body.home_radius_m.unwrap_or(before.home_radius_m),
                &mut errors,
            );
            let new_unit = unit_id.clone().unwrap_or_else(|| before.unit_id.clone());
            let new_supervisor = supervisor_id
                .clone()
                .unwrap_or_else(|| before.supervisor_id.clone());
            let new_office = office_id
                .clone()
                .unwrap_or_else(|| before.office_id.clone());
            errors.extend(check_references(
                conn,
                &scope,
                &id,
                &new_unit,
                new_supervisor
                    .as_deref()
                    .filter(|_| supervisor_id.is_some()),
                new_office.as_deref().filter(|_| office_id.is_some()),
            )?);
            if let Some(Some(s)) = &schedule_id {
                errors.extend(check_schedule(conn, Some(s))?);
            }
            if let Some(others) = &others {
                errors.extend(check_other_offices(conn, others)?);
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            let after = org::update_employee(
                conn,
                &id,
                &EmployeeChanges {
                    nip: nip.as_ref().map(|(n, _)| n.as_str().to_owned()),
                    id_type: nip.as_ref().map(|(_, k)| k.as_str().to_owned()),
                    name,
                    unit_id,
                    position,
                    echelon: echelon.map(|e| e.as_str().to_owned()),
                    supervisor_id,
                    office_id,
                    home_latitude: body.home_latitude,
                    home_longitude: body.home_longitude,
                    home_radius_m: body.home_radius_m,
                    active: body.active,
                    schedule_id,
                    updated_at: Some(now_utc()),
                },
            )?;
            let user = users::for_employees(conn, std::slice::from_ref(&id))?.pop();
            let others_before = plan::other_offices(conn, &id)?;
            if let Some(others) = &others {
                plan::set_other_offices(conn, &id, others)?;
            }
            let others_after = others.clone().unwrap_or_else(|| others_before.clone());
            // Leaving the organisation ends the employee's sessions at once.
            if body.active == Some(false)
                && before.active
                && let Some(user) = &user
            {
                users::update(
                    conn,
                    &user.id,
                    &users::UserChanges {
                        active: Some(false),
                        token_version: Some(user.token_version + 1),
                        updated_at: Some(now_utc()),
                        ..users::UserChanges::default()
                    },
                )?;
                sessions::revoke_all_for_user(conn, &user.id, now_utc(), "employee deactivated")?;
            }
            // Biometric data is kept only for employees: leaving deletes the reference face.
            let face_removed = if body.active == Some(false) {
                hadir_storage::repo::faces::delete_reference(conn, &id)?
            } else {
                None
            };
            let actor = Actor {
                caller: &caller,
                request_id: &request_id,
            };
            if let Some(old) = &face_removed {
                crate::audit::record(
                    conn,
                    &crate::audit::Entry {
                        actor: Some(&caller.user_id),
                        action: "face.removed",
                        entity: "employee",
                        entity_id: &id,
                        before: Some(&serde_json::json!({
                            "source": old.source,
                            "photo_key": old.photo_key,
                        })),
                        after: Some(&serde_json::json!({ "reason": "employee deactivated" })),
                        request: Some(&request_id),
                        subjects: std::slice::from_ref(&id),
                    },
                )?;
            }
            actor.record(
                conn,
                "employee.update",
                "employee",
                &id,
                Some(&EmployeeView::new(&before, user.as_ref()).with_offices(others_before)),
                Some(&EmployeeView::new(&after, user.as_ref()).with_offices(others_after.clone())),
            )?;
            Ok(Ok((after, user, others_after, face_removed)))
        })
        .await;
    let result = super::settled(&state, &who, &rid, "employee.update", result, |e| match e {
        StorageError::Duplicate(what) => employee_conflict(&what),
        e => e.into(),
    })
    .await?;
    match result {
        Ok((row, user, others, face_removed)) => {
            if let Some(old) = face_removed {
                crate::faces::forget_photos(&state, &[&old.photo_key, &old.thumbnail_key]).await;
            }
            Ok(
                HttpResponse::Ok()
                    .json(EmployeeView::new(&row, user.as_ref()).with_offices(others)),
            )
        }
        Err(errors) => Err(ApiError::Validation(errors)),
    }
}

// ---------------------------------------------------------------------------------------------
// The caller

/// A unit or a person named by id and name.
#[derive(Debug, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// `GET /api/v1/me`: the employee behind the caller's account (API.md's shape).
#[derive(Debug, Serialize)]
pub struct MeView {
    pub id: String,
    pub nip: String,
    pub id_type: String,
    pub name: String,
    pub unit: Named,
    pub position: String,
    pub echelon: String,
    pub supervisor: Option<Named>,
    pub offices: Vec<OfficeView>,
    pub home: Option<HomeView>,
    pub user: LoginView,
}

/// The home point for work from home.
#[derive(Debug, Serialize)]
pub struct HomeView {
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
}

pub async fn me(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let employee_id = caller.employee_id.clone().ok_or(ApiError::NotFound)?;
    let (employee, unit, supervisor, offices) = state
        .db
        .run(move |conn| {
            let (employee, office) = org::employee_with_office(conn, &employee_id)?;
            let mut offices: Vec<OfficeRow> = office.into_iter().collect();
            for id in plan::other_offices(conn, &employee.id)? {
                match org::find_office(conn, &id) {
                    Ok(o) if o.active && Some(&o.id) != employee.office_id.as_ref() => {
                        offices.push(o);
                    }
                    Ok(_) | Err(StorageError::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            let unit = org::find_unit(conn, &employee.unit_id)?;
            let supervisor = match &employee.supervisor_id {
                Some(id) => Some(org::find_employee(conn, id)?),
                None => None,
            };
            Ok((employee, unit, supervisor, offices))
        })
        .await?;
    let home = match (
        employee.home_latitude,
        employee.home_longitude,
        employee.home_radius_m,
    ) {
        (Some(latitude), Some(longitude), Some(radius_m)) => Some(HomeView {
            latitude,
            longitude,
            radius_m,
        }),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(MeView {
        id: employee.id,
        nip: employee.nip,
        id_type: employee.id_type,
        name: employee.name,
        unit: Named {
            id: unit.id,
            name: unit.name,
        },
        position: employee.position,
        echelon: employee.echelon,
        supervisor: supervisor.map(|s| Named {
            id: s.id,
            name: s.name,
        }),
        offices: offices
            .iter()
            .map(OfficeView::from_row)
            .collect::<Result<_, _>>()?,
        home,
        user: LoginView {
            id: caller.user_id,
            username: caller.username,
            role: caller.role.as_str().to_owned(),
            active: true,
        },
    }))
}
