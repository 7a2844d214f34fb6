//! Offices: the places people check in at, each a point with a radius (and optionally a
//! polygon) in a unit's care, with its time zone. Admins write offices anywhere, unit admins
//! inside their units. An office is deactivated, never erased, because check-ins and
//! employees refer to it. Every write is audited with the record before and after.

use chrono::{DateTime, Utc};
use hadir_domain::Role;
use hadir_domain::geofence::{Coordinates, Fence};
use hadir_domain::org::time_zone;
use hadir_storage::repo::org::{self, OfficeChanges, OfficeRow};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{field_id, nullable, parse_id, present, text};
use super::scope::Scope;
use super::{Caller, Ctx, Error, FieldError};
use crate::audit::Actor;

/// Who writes offices.
pub const WRITERS: &[Role] = &[Role::Admin, Role::UnitAdmin];

const TIME_ZONE: &str =
    "must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura";

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
    pub fn from_row(r: &OfficeRow) -> Result<Self, Error> {
        let polygon = r
            .polygon
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| Error::Internal(format!("office {}: polygon: {e}", r.id)))?;
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

/// An office as the audit log keeps it.
fn audited(row: &OfficeRow) -> Result<OfficeView, StorageError> {
    OfficeView::from_row(row).map_err(|e| StorageError::Other(e.to_string()))
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
fn fence(
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

/// The office and the caller's scope, when the office's unit is in it (not found otherwise).
fn in_scope(
    conn: &mut DbConnection,
    caller: &Caller,
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

/// Creates an office in a unit of the caller's scope.
pub async fn create(ctx: &Ctx<'_>, body: NewOffice) -> Result<OfficeRow, Error> {
    ctx.caller.require(WRITERS)?;
    let mut errors = Vec::new();
    let name = text("name", &body.name, 200, &mut errors);
    let unit_id = field_id("unit_id", &body.unit_id, &mut errors);
    let polygon = fence(
        body.latitude,
        body.longitude,
        body.radius_m,
        body.polygon.as_deref(),
        &mut errors,
    );
    if time_zone(&body.timezone).is_err() {
        errors.push(FieldError::new("timezone", TIME_ZONE));
    }
    let (Some(name), Some(unit_id), Some(polygon)) = (name, unit_id, polygon) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
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
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            if !scope.has_unit(&stored.unit_id) {
                return Err(StorageError::MissingReference("unit_id".into()));
            }
            org::insert_office(conn, &stored)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record::<(), _>(
                conn,
                "office.create",
                "office",
                &stored.id,
                None,
                Some(&audited(&stored)?),
            )
        })
        .await;
    match result {
        Ok(()) => Ok(row),
        Err(StorageError::MissingReference(_)) => Err(Error::field("unit_id", "no such unit")),
        Err(e) => Err(e.into()),
    }
}

/// One office in the caller's scope. A deactivated office is not found unless
/// `include_inactive` (to see it, or before reactivating it).
pub async fn get(ctx: &Ctx<'_>, id: &str, include_inactive: bool) -> Result<OfficeRow, Error> {
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    let (_, row) = ctx
        .state
        .db
        .run(move |conn| in_scope(conn, &caller, &id))
        .await?;
    if !row.active && !include_inactive {
        return Err(Error::NotFound);
    }
    Ok(row)
}

/// Changes an office; the fence is checked whole, with the stored values for what the patch
/// leaves out.
pub async fn update(ctx: &Ctx<'_>, id: &str, body: OfficePatch) -> Result<OfficeRow, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
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
        errors.push(FieldError::new("timezone", TIME_ZONE));
    }
    let (scope_id, scope_caller) = (id.clone(), ctx.caller.clone());
    let new_unit = unit_id.clone();
    let (unit_ok, before) = ctx
        .state
        .db
        .run(move |conn| {
            let (scope, before) = in_scope(conn, &scope_caller, &scope_id)?;
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
    let polygon_now: Option<Vec<[f64; 2]>> = before
        .polygon
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let polygon = body.polygon.clone().unwrap_or(polygon_now);
    let checked = fence(
        body.latitude.unwrap_or(before.latitude),
        body.longitude.unwrap_or(before.longitude),
        body.radius_m.unwrap_or(before.radius_m),
        polygon.as_deref(),
        &mut errors,
    );
    let Some(stored_polygon) = checked else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
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
    write(ctx, id, "office.update", changes).await
}

/// Deactivates an office: it leaves the lists (unless asked for) and no longer serves as a
/// place to work.
pub async fn deactivate(ctx: &Ctx<'_>, id: &str) -> Result<(), Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    let changes = OfficeChanges {
        active: Some(false),
        updated_at: Some(now_utc()),
        ..OfficeChanges::default()
    };
    write(ctx, id, "office.deactivate", changes).await?;
    Ok(())
}

/// Writes `changes` to an office in the caller's scope, audited as `action`.
async fn write(
    ctx: &Ctx<'_>,
    id: String,
    action: &'static str,
    changes: OfficeChanges,
) -> Result<OfficeRow, Error> {
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    Ok(ctx
        .state
        .db
        .transaction(move |conn| {
            let (_, before) = in_scope(conn, &caller, &id)?;
            let after = org::update_office(conn, &id, &changes)?;
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                action,
                "office",
                &id,
                Some(&audited(&before)?),
                Some(&audited(&after)?),
            )?;
            Ok(after)
        })
        .await?)
}
