//! Importing employees from a personnel system's CSV export, all rows or none.
//!
//! The file is parsed and checked row by row in the domain (`import::parse_employees`), then
//! against the database in one transaction: unit codes (in the caller's scope), office names,
//! staff ids and usernames already taken, supervisors named by staff id (in the file or
//! already stored). Every problem is reported with its line; nothing is written unless every
//! row is good. A dry run checks without writing.

use std::collections::{HashMap, HashSet};

use hadir_domain::Role;
use hadir_domain::import::{ImportRow, RowError, parse_employees};
use hadir_storage::repo::audit::{self, AuditRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::users::{self, UserRow};
use hadir_storage::{StorageError, now_utc};
use serde::Serialize;

use super::scope::Scope;
use super::{Ctx, Error, FieldError};

/// The largest file accepted: a city's whole staff is a few MiB.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Serialize)]
pub struct Imported {
    pub line: u64,
    pub id: String,
    pub nip: String,
    pub name: String,
}

fn row_error(e: RowError) -> FieldError {
    FieldError::at_line(e.line, e.column.unwrap_or_else(|| "line".into()), e.reason)
}

/// Orders rows so that a supervisor in the file comes before the people they supervise (the
/// domain has refused cycles already).
fn supervisors_first(rows: Vec<ImportRow>) -> Vec<ImportRow> {
    let index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.nip.as_str().to_owned(), i))
        .collect();
    let mut depth = vec![None::<usize>; rows.len()];
    for start in 0..rows.len() {
        // Walk up to a known depth or the top, then fill in on the way back.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            if depth[i].is_some() || chain.len() > rows.len() {
                break;
            }
            chain.push(i);
            at = rows[i]
                .supervisor_nip
                .as_ref()
                .and_then(|s| index.get(s).copied());
        }
        let base = at.and_then(|i| depth[i]).map_or(0, |d| d + 1);
        for (d, i) in (base..).zip(chain.into_iter().rev()) {
            depth[i] = Some(d);
        }
    }
    let mut order: Vec<(usize, ImportRow)> = depth
        .into_iter()
        .map(Option::unwrap_or_default)
        .zip(rows)
        .collect();
    order.sort_by_key(|(d, r)| (*d, r.line));
    order.into_iter().map(|(_, r)| r).collect()
}

/// Imports (or, with `dry_run`, checks) the CSV `bytes`: the rows imported, in file order, or
/// every bad row with its line.
pub async fn import(ctx: &Ctx<'_>, bytes: Vec<u8>, dry_run: bool) -> Result<Vec<Imported>, Error> {
    ctx.caller
        .require(&[Role::Admin, Role::Hr, Role::UnitAdmin])?;
    let caller = ctx.caller.clone();
    let request_id = ctx.request.clone();
    let rows = ctx
        .state
        .cpu
        .run(move || parse_employees(&bytes))
        .await
        .map_err(Error::Internal)?
        .map_err(|errors| Error::Validation(errors.into_iter().map(row_error).collect()))?;
    let rows = supervisors_first(rows);

    // Logins: one password hash each, on the hashing threads, before the transaction.
    let mut hashes: HashMap<u64, String> = HashMap::new();
    if !dry_run {
        let pending = rows.iter().filter_map(|row| {
            let password = row.password.as_ref()?.expose().to_owned();
            let passwords = ctx.state.passwords.clone();
            Some(async move { passwords.hash(password).await.map(|h| (row.line, h)) })
        });
        hashes.extend(futures_util::future::try_join_all(pending).await?);
    }

    let result = ctx
        .state
        .db
        .transaction(move |conn| {
            let scope = Scope::of(conn, &caller)?;
            let mut errors = Vec::new();
            let units: HashMap<String, String> = org::all_units(conn)?
                .into_iter()
                .filter_map(|u| Some((u.code.clone()?, u.id)))
                .collect();
            let mut offices: HashMap<String, Vec<String>> = HashMap::new();
            for o in org::active_offices(conn)? {
                if scope.has_unit(&o.unit_id) {
                    offices.entry(o.name.to_lowercase()).or_default().push(o.id);
                }
            }
            let nips: Vec<String> = rows.iter().map(|r| r.nip.as_str().to_owned()).collect();
            let taken: HashSet<String> = org::ids_by_nip(conn, &nips)?
                .into_iter()
                .map(|(nip, _)| nip)
                .collect();
            let names: Vec<String> = rows
                .iter()
                .filter_map(|r| r.username.as_ref().map(|u| u.as_str().to_owned()))
                .collect();
            let taken_names: HashSet<String> =
                users::taken_usernames(conn, &names)?.into_iter().collect();
            let outside: Vec<String> = rows
                .iter()
                .filter_map(|r| r.supervisor_nip.clone())
                .filter(|s| !nips.contains(s))
                .collect();
            let stored_supervisors: HashMap<String, String> =
                org::ids_by_nip(conn, &outside)?.into_iter().collect();

            let now = now_utc();
            let mut ids: HashMap<String, String> = HashMap::new();
            for r in &rows {
                ids.insert(r.nip.as_str().to_owned(), uuid::Uuid::new_v4().to_string());
            }
            let mut employees = Vec::with_capacity(rows.len());
            let mut accounts = Vec::new();
            let mut imported = Vec::with_capacity(rows.len());
            for r in &rows {
                let unit_id = match units.get(&r.unit_code) {
                    Some(u) if scope.has_unit(u) => Some(u.clone()),
                    _ => {
                        errors.push(FieldError::at_line(
                            r.line,
                            "unit_code",
                            format!("no unit with code `{}` in your scope", r.unit_code),
                        ));
                        None
                    }
                };
                let office_id = match &r.office_name {
                    None => None,
                    Some(name) => match offices.get(&name.to_lowercase()).map(Vec::as_slice) {
                        Some([one]) => Some(one.clone()),
                        Some(_) => {
                            errors.push(FieldError::at_line(
                                r.line,
                                "office",
                                format!("several active offices are named `{name}`"),
                            ));
                            None
                        }
                        None => {
                            errors.push(FieldError::at_line(
                                r.line,
                                "office",
                                format!("no active office named `{name}` in your scope"),
                            ));
                            None
                        }
                    },
                };
                if taken.contains(r.nip.as_str()) {
                    errors.push(FieldError::at_line(
                        r.line,
                        "nip",
                        format!(
                            "an employee with {} {} already exists",
                            r.id_type.as_str(),
                            r.nip.as_str()
                        ),
                    ));
                }
                if let Some(u) = &r.username
                    && taken_names.contains(u.as_str())
                {
                    errors.push(FieldError::at_line(
                        r.line,
                        "username",
                        format!("the username `{}` is taken", u.as_str()),
                    ));
                }
                let supervisor_id = match &r.supervisor_nip {
                    None => None,
                    Some(s) => {
                        let found = ids.get(s).or_else(|| stored_supervisors.get(s)).cloned();
                        if found.is_none() {
                            errors.push(FieldError::at_line(
                                r.line,
                                "supervisor_nip",
                                format!("no employee with id {s}, in the file or stored"),
                            ));
                        }
                        found
                    }
                };
                let Some(unit_id) = unit_id else { continue };
                let id = ids[r.nip.as_str()].clone();
                let (home_latitude, home_longitude, home_radius_m) = match r.home {
                    Some((lat, lon, radius)) => (Some(lat), Some(lon), Some(radius)),
                    None => (None, None, None),
                };
                employees.push(EmployeeRow {
                    id: id.clone(),
                    nip: r.nip.as_str().to_owned(),
                    name: r.name.clone(),
                    unit_id,
                    position: r.position.clone(),
                    echelon: r.echelon.as_str().to_owned(),
                    supervisor_id,
                    office_id,
                    home_latitude,
                    home_longitude,
                    home_radius_m,
                    active: true,
                    created_at: now,
                    updated_at: now,
                    id_type: r.id_type.as_str().to_owned(),
                    schedule_id: None,
                });
                if let (Some(username), Some(hash)) = (&r.username, hashes.get(&r.line)) {
                    accounts.push(UserRow {
                        id: uuid::Uuid::new_v4().to_string(),
                        username: username.as_str().to_owned(),
                        password_hash: hash.clone(),
                        role: Role::Employee.as_str().to_owned(),
                        employee_id: Some(id.clone()),
                        active: true,
                        token_version: 0,
                        created_at: now,
                        updated_at: now,
                        created_by: Some(caller.user_id.clone()),
                    });
                }
                imported.push(Imported {
                    line: r.line,
                    id,
                    nip: r.nip.as_str().to_owned(),
                    name: r.name.clone(),
                });
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| e.line);
                return Ok(Err(errors));
            }
            if dry_run {
                return Ok(Ok(imported));
            }
            org::insert_employees(conn, &employees)?;
            users::insert_many(conn, &accounts)?;
            let by_employee: HashMap<&str, &UserRow> = accounts
                .iter()
                .filter_map(|a| Some((a.employee_id.as_deref()?, a)))
                .collect();
            let entries = employees
                .iter()
                .map(|e| {
                    let view = serde_json::json!({
                        "employee": e,
                        "user": by_employee.get(e.id.as_str()).copied(),
                    });
                    Ok(AuditRow {
                        id: uuid::Uuid::new_v4().to_string(),
                        at: now,
                        actor_user_id: Some(caller.user_id.clone()),
                        action: "employee.import".into(),
                        entity: "employee".into(),
                        entity_id: Some(e.id.clone()),
                        before_json: None,
                        after_json: Some(
                            serde_json::to_string(&view)
                                .map_err(|e| StorageError::Other(e.to_string()))?,
                        ),
                        request_id: Some(request_id.id.clone()).filter(|r| !r.is_empty()),
                        client_addr: request_id.client_addr.clone(),
                    })
                })
                .collect::<Result<Vec<_>, StorageError>>()?;
            audit::record_many(conn, &entries)?;
            Ok(Ok(imported))
        })
        .await?;
    match result {
        Ok(mut imported) => {
            imported.sort_by_key(|i| i.line);
            Ok(imported)
        }
        Err(errors) => Err(Error::Validation(errors)),
    }
}
