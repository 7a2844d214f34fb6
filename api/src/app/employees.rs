//! Employees: the people whose attendance Hadir keeps, each with an optional login. Written by
//! admins and HR anywhere and by unit admins inside their units; read by whoever may see the
//! person (404 otherwise). An account gives only roles below its own; where and when someone
//! is meant to work is part of their attendance, so separation of duties holds for those
//! fields; leaving the organisation ends the person's sessions and deletes their reference
//! face. Every write is audited with the record before and after; reading a home point is
//! audited as a read.

use chrono::{DateTime, Utc};
use hadir_domain::geofence::Coordinates;
use hadir_domain::org::{Echelon, StaffId, StaffIdType};
use hadir_domain::{Password, Role, Username};
use hadir_storage::repo::org::{self, EmployeeChanges, EmployeeRow, OfficeRow};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::repo::{faces, plan, sessions};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::{Deserialize, Serialize};

use super::input::{clearable, field_id, nullable, parse_id, present, text};
use super::offices::OfficeView;
use super::scope::{Scope, may_see};
use super::units::check_schedule;
use super::{Ctx, Error, FieldError, duty};
use crate::audit::{self, Actor};

/// Who writes employees.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Hr, Role::UnitAdmin];

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
    #[must_use]
    pub fn new(r: &EmployeeRow, user: Option<&UserRow>, other_offices: Vec<String>) -> Self {
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
            other_office_ids: other_offices,
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

/// An employee record with its login and additional offices.
#[derive(Debug)]
pub struct Employee {
    pub row: EmployeeRow,
    pub user: Option<UserRow>,
    pub other_offices: Vec<String>,
}

impl Employee {
    #[must_use]
    pub fn view(&self) -> EmployeeView {
        EmployeeView::new(&self.row, self.user.as_ref(), self.other_offices.clone())
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

impl EmployeePatch {
    /// Where and when one is meant to work is part of one's attendance: separation of duties
    /// holds for these fields (a name or a position is not).
    fn touches_attendance(&self) -> bool {
        self.unit_id.is_some()
            || self.echelon.is_some()
            || self.supervisor_id.is_some()
            || self.office_id.is_some()
            || self.home_latitude.is_some()
            || self.home_longitude.is_some()
            || self.home_radius_m.is_some()
            || self.active.is_some()
            || self.schedule_id.is_some()
            || self.other_office_ids.is_some()
    }
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
fn conflict(e: StorageError) -> Error {
    match e {
        StorageError::Duplicate(what) if what.contains("username") => {
            Error::Conflict("that username is taken".into())
        }
        StorageError::Duplicate(_) => {
            Error::Conflict("an employee with that NIP already exists".into())
        }
        e => e.into(),
    }
}

/// The login asked for with a new employee: username and password together, or neither, and
/// a role below the caller's own (a refusal is audited).
async fn new_login(
    ctx: &Ctx<'_>,
    body: &NewEmployee,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(Username, Password, Role)>, Error> {
    match (&body.username, &body.password) {
        (None, None) => {
            if body.role.is_some() {
                errors.push(FieldError::new("role", "needs a username and a password"));
            }
            Ok(None)
        }
        (Some(username), Some(password)) => {
            let username = Username::parse(username)
                .map_err(|e| errors.push(FieldError::new("username", e.to_string())))
                .ok();
            let password = Password::new(password)
                .map_err(|e| errors.push(FieldError::new("password", e.to_string())))
                .ok();
            let role = match body.role.as_deref().unwrap_or("employee").parse::<Role>() {
                Ok(r) if ctx.caller.role.may_grant(r) => Some(r),
                Ok(r) => {
                    duty::record_grant_refusal(
                        &ctx.state.db,
                        ctx.caller,
                        ctx.request,
                        "employee.create",
                        r,
                    )
                    .await?;
                    return Err(Error::Forbidden(
                        "an account may give only roles below its own",
                    ));
                }
                Err(e) => {
                    errors.push(FieldError::new("role", e.to_string()));
                    None
                }
            };
            Ok(match (username, password, role) {
                (Some(u), Some(p), Some(r)) => Some((u, p, r)),
                _ => None,
            })
        }
        (Some(_), None) => {
            errors.push(FieldError::new("password", "is required with a username"));
            Ok(None)
        }
        (None, Some(_)) => {
            errors.push(FieldError::new("username", "is required with a password"));
            Ok(None)
        }
    }
}

/// Creates an employee, with a login when asked for.
pub async fn create(ctx: &Ctx<'_>, body: NewEmployee) -> Result<Employee, Error> {
    ctx.caller.require(WRITERS)?;
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
    let login = new_login(ctx, &body, &mut errors).await?;
    let (Some((nip, id_type)), Some(name), Some(position), Some(echelon), Some(unit_id)) =
        (id, name, position, echelon, unit_id)
    else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let password_hash = match &login {
        Some((_, password, _)) => Some(
            ctx.state
                .passwords
                .hash(password.expose().to_owned())
                .await?,
        ),
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
            created_by: Some(ctx.caller.user_id.clone()),
        });
    let created = Employee {
        row,
        user,
        other_offices: others,
    };
    let view = created.view();
    let (stored, stored_user, stored_others) = (
        created.row.clone(),
        created.user.clone(),
        created.other_offices.clone(),
    );
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let result = ctx
        .state
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
            Actor {
                caller: &caller,
                request_id: &request,
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
        Ok(Ok(())) => Ok(created),
        Ok(Err(errors)) => Err(Error::Validation(errors)),
        Err(e) => Err(conflict(e)),
    }
}

/// One employee whom the caller may see (404 otherwise); a home point shown is audited as a
/// read.
pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<Employee, Error> {
    let id = parse_id(id)?;
    let caller = ctx.caller.clone();
    let found = ctx
        .state
        .db
        .run(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let row = org::find_employee(conn, &id)?;
            if !may_see(conn, &scope, &caller, &row)? {
                return Err(StorageError::NotFound);
            }
            let user = users::for_employees(conn, std::slice::from_ref(&row.id))?.pop();
            let other_offices = plan::other_offices(conn, &row.id)?;
            Ok(Employee {
                row,
                user,
                other_offices,
            })
        })
        .await?;
    super::org::audit_home_points(
        ctx.state,
        ctx.caller,
        ctx.request,
        "employee.read",
        std::slice::from_ref(&found.row),
    )
    .await?;
    Ok(found)
}

/// Changes an employee. Deactivating one ends their sessions and deletes their reference
/// face; nobody deactivates their own record.
pub async fn update(ctx: &Ctx<'_>, id: &str, body: EmployeePatch) -> Result<Employee, Error> {
    ctx.caller.require(WRITERS)?;
    let id = parse_id(id)?;
    if ctx.caller.employee_id.as_deref() == Some(id.as_str()) && body.active == Some(false) {
        return Err(Error::Conflict(
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
        return Err(Error::Validation(errors));
    }
    let touches_attendance = body.touches_attendance();
    let (caller, request) = (ctx.caller.clone(), ctx.request.clone());
    let window = ctx.state.attendance.creator_conflict_days;
    let result = ctx
        .state
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
                faces::delete_reference(conn, &id)?
            } else {
                None
            };
            if let Some(old) = &face_removed {
                audit::record(
                    conn,
                    &audit::Entry {
                        actor: Some(&caller.user_id),
                        action: "face.removed",
                        entity: "employee",
                        entity_id: &id,
                        before: Some(&serde_json::json!({
                            "source": old.source,
                            "photo_key": old.photo_key,
                        })),
                        after: Some(&serde_json::json!({ "reason": "employee deactivated" })),
                        request: Some(&request),
                        subjects: std::slice::from_ref(&id),
                    },
                )?;
            }
            Actor {
                caller: &caller,
                request_id: &request,
            }
            .record(
                conn,
                "employee.update",
                "employee",
                &id,
                Some(&EmployeeView::new(&before, user.as_ref(), others_before)),
                Some(&EmployeeView::new(
                    &after,
                    user.as_ref(),
                    others_after.clone(),
                )),
            )?;
            Ok(Ok((
                Employee {
                    row: after,
                    user,
                    other_offices: others_after,
                },
                face_removed,
            )))
        })
        .await;
    match duty::settled(ctx, "employee.update", result, conflict).await? {
        Ok((employee, face_removed)) => {
            if let Some(old) = face_removed {
                crate::faces::forget_photos(ctx.state, &[&old.photo_key, &old.thumbnail_key]).await;
            }
            Ok(employee)
        }
        Err(errors) => Err(Error::Validation(errors)),
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

/// The employee behind the caller's account, with their unit, supervisor, the active offices
/// they may work at (the primary first) and their home point.
pub async fn me(ctx: &Ctx<'_>) -> Result<MeView, Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let (employee, unit, supervisor, offices) = ctx
        .state
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
    Ok(MeView {
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
            id: ctx.caller.user_id.clone(),
            username: ctx.caller.username.clone(),
            role: ctx.caller.role.as_str().to_owned(),
            active: true,
        },
    })
}
