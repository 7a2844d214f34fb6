//! Check-ins: what a phone posts twice a day, and how it reads them back.
//!
//! The order of a new check-in is fixed by the rule that nothing acknowledged is ever lost and
//! nothing half-stored is ever seen: validate everything first; answer a retry from the stored
//! row; process the selfie on the CPU pool; put the photo object (its key derived from the
//! check-in, so a retry overwrites the same object); then write the row in one transaction. A
//! failure before the row leaves at most an object without a row, which the sweeper deletes
//! after a grace period.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};
use hadir_domain::PhotoKey;
use hadir_domain::checkin::{
    self, DeviceStatus, DuplicateOf, Evidence, Flag, Kind, PerceptualHash, PhotoEvidence,
    PreviousFix,
};
use hadir_domain::geofence::{Coordinates, Fix};
use hadir_storage::repo::check_ins::{self, CheckInRow, DeviceBinding, ReviewRow};
use hadir_storage::repo::org::{self};
use hadir_storage::repo::plan::{self as plan_repo};
use hadir_storage::{DbConnection, StorageError, now_utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::caller::{Presented, TOKEN_REFUSED};
use super::input::{page_limit, parse_id};
use super::links::photo_url;
use super::{Caller, Ctx, Error, FieldError};
use crate::planning;
use crate::selfie::{self, CpuError, ProcessedSelfie, SelfieError};
use crate::state::AppState;

/// The place a check-in was judged against, as the API shows it.
#[derive(Debug, Serialize)]
pub struct PlaceView {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub radius_m: f64,
}

/// A check-in as the API shows it (the `CheckIn` of API.md).
#[derive(Debug, Serialize)]
pub struct CheckInView {
    pub id: String,
    pub client_id: String,
    pub employee_id: String,
    pub kind: String,
    pub received_at: String,
    pub captured_at: String,
    pub local_date: String,
    pub timezone: String,
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
    pub altitude_m: Option<f64>,
    pub is_mock: bool,
    pub device_id: Option<String>,
    pub place: Option<PlaceView>,
    pub distance_m: Option<f64>,
    pub geofence: Option<String>,
    pub flags: Vec<Flag>,
    pub status: String,
    pub selfie_url: Option<String>,
    pub review: Option<Value>,
    /// What the face models found (`pending` until the job ran), in the detail and in the
    /// answer to a new check-in; `None` in lists, and for check-ins from before face evidence
    /// or with it turned off.
    pub face: Option<Value>,
}

pub use super::input::utc;

impl CheckInView {
    /// The view with its review, when a reviewer decided.
    #[must_use]
    pub fn with_review(mut self, review: Option<&ReviewRow>) -> Self {
        self.review = review.map(|r| {
            serde_json::json!({
                "by": r.reviewer_user_id,
                "at": utc(r.decided_at),
                "decision": r.decision,
                "note": r.note,
            })
        });
        self
    }

    pub fn from_row(row: &CheckInRow, selfie_url: Option<String>) -> Result<Self, Error> {
        let flags: Vec<Flag> = serde_json::from_str(&row.flags_json)
            .map_err(|e| Error::Internal(format!("check-in {}: flags: {e}", row.id)))?;
        let place = match (
            &row.place_kind,
            &row.place_id,
            &row.place_name,
            row.place_radius_m,
        ) {
            (Some(kind), Some(id), Some(name), Some(radius_m)) => Some(PlaceView {
                kind: kind.clone(),
                id: id.clone(),
                name: name.clone(),
                radius_m,
            }),
            _ => None,
        };
        Ok(Self {
            id: row.id.clone(),
            client_id: row.client_id.clone(),
            employee_id: row.employee_id.clone(),
            kind: row.kind.clone(),
            received_at: utc(row.received_at),
            captured_at: utc(row.captured_at),
            local_date: row.local_date.clone(),
            timezone: row.timezone.clone(),
            latitude: row.latitude,
            longitude: row.longitude,
            accuracy_m: row.accuracy_m,
            altitude_m: row.altitude_m,
            is_mock: row.is_mock,
            device_id: row.device_id.clone(),
            place,
            distance_m: row.distance_m.map(|d| (d * 10.0).round() / 10.0),
            geofence: row.geofence.clone(),
            flags,
            status: row.status.clone(),
            selfie_url,
            review: None,
            face: None,
        })
    }
}

/// A check-in's meta, validated.
#[derive(Clone, Debug)]
pub struct Meta {
    pub client_id: uuid::Uuid,
    pub kind: Kind,
    pub captured_at: DateTime<Utc>,
    pub fix: Fix,
    pub altitude_m: Option<f64>,
    pub is_mock: bool,
    pub device_id: Option<String>,
}

impl Meta {
    /// What identifies the request's content: a retry hashes the same, a reuse of the client
    /// id for anything else does not.
    fn request_hash(&self, selfie_sha256: &str) -> String {
        let p = self.fix.position();
        let canonical = format!(
            "v1|{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}|{selfie_sha256}",
            self.client_id,
            self.kind.as_str(),
            self.captured_at.timestamp_micros(),
            p.latitude(),
            p.longitude(),
            self.fix.accuracy_m(),
            self.is_mock,
            self.altitude_m,
            self.device_id,
        );
        selfie::sha256_hex(canonical.as_bytes())
    }
}

/// Replaces the bare tokens `NaN`, `Infinity` and `-Infinity` (which some phone JSON encoders
/// write, and which JSON does not have) by a string, so that the field holding one is named in
/// a 422 instead of the whole part failing to parse.
fn quote_non_finite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(token) = token {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Validates a meta part, reporting every bad field at once.
pub fn parse_meta(bytes: &[u8]) -> Result<Meta, Vec<FieldError>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| vec![FieldError::new("meta", "must be UTF-8 JSON")])?;
    let value: Value = serde_json::from_str(&quote_non_finite(text))
        .map_err(|e| vec![FieldError::new("meta", format!("is not valid JSON: {e}"))])?;
    let Value::Object(map) = value else {
        return Err(vec![FieldError::new("meta", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, message: &str| errors.push(FieldError::new(field, message));

    let client_id = match map.get("client_id") {
        None | Some(Value::Null) => {
            err("client_id", "is required");
            None
        }
        Some(Value::String(s)) => uuid::Uuid::parse_str(s)
            .map_err(|_| err("client_id", "must be a UUID"))
            .ok(),
        Some(_) => {
            err("client_id", "must be a UUID string");
            None
        }
    };
    let kind = match map.get("kind") {
        None | Some(Value::Null) => {
            err("kind", "is required");
            None
        }
        Some(Value::String(s)) => s
            .parse::<Kind>()
            .map_err(|_| err("kind", "must be `in` or `out`"))
            .ok(),
        Some(_) => {
            err("kind", "must be `in` or `out`");
            None
        }
    };
    let captured_at = match map.get("captured_at") {
        None | Some(Value::Null) => {
            err("captured_at", "is required");
            None
        }
        // Kept to the microsecond, the precision both databases store, so that the answer to
        // the first request and to its retries are the same.
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc().trunc_subsecs(6))
            .map_err(|_| {
                err(
                    "captured_at",
                    "must be an RFC 3339 time with an offset, e.g. 2026-11-02T07:21:09+07:00",
                );
            })
            .ok(),
        Some(_) => {
            err("captured_at", "must be an RFC 3339 time string");
            None
        }
    };
    let latitude = number(&map, "latitude", true, &mut errors);
    let longitude = number(&map, "longitude", true, &mut errors);
    let accuracy_m = number(&map, "accuracy_m", true, &mut errors);
    let altitude_m = number(&map, "altitude_m", false, &mut errors);
    let mut err = |field: &str, message: &str| errors.push(FieldError::new(field, message));
    let is_mock = match map.get("is_mock") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            err("is_mock", "must be true or false");
            false
        }
    };
    let device_id = match map.get("device_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if checkin::is_device_id(s) => Some(s.clone()),
        Some(_) => {
            err(
                "device_id",
                "must be 1 to 128 printable ASCII characters without spaces",
            );
            None
        }
    };

    let position = match (latitude, longitude) {
        (Some(lat), Some(lon)) => match Coordinates::new(lat, lon) {
            Ok(p) => Some(p),
            Err(e) => {
                use hadir_domain::geofence::CoordinateError as C;
                let field = match e {
                    C::LongitudeNotFinite | C::LongitudeOutOfRange => "longitude",
                    _ => "latitude",
                };
                err(field, &e.to_string());
                None
            }
        },
        _ => None,
    };
    if let Some(a) = accuracy_m
        && a < 0.0
    {
        err("accuracy_m", "must be zero or more metres");
    }
    let fix = match (position, accuracy_m) {
        (Some(p), Some(a)) => Fix::new(p, a).ok(),
        _ => None,
    };
    match (client_id, kind, captured_at, fix) {
        (Some(client_id), Some(kind), Some(captured_at), Some(fix)) if errors.is_empty() => {
            Ok(Meta {
                client_id,
                kind,
                captured_at,
                fix,
                altitude_m,
                is_mock,
                device_id,
            })
        }
        _ => Err(errors),
    }
}

/// A finite number field; `required` says whether absence is an error.
fn number(
    map: &Map<String, Value>,
    field: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<f64> {
    match map.get(field) {
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::new(field, "is required"));
            }
            None
        }
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() => Some(v),
            _ => {
                errors.push(FieldError::new(field, "must be a finite number"));
                None
            }
        },
        Some(Value::String(s)) if ["NaN", "Infinity", "-Infinity"].contains(&s.as_str()) => {
            errors.push(FieldError::new(
                field,
                format!("must be a finite number, not {s}"),
            ));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(field, "must be a number"));
            None
        }
    }
}

/// Image work that could not start in time is shed: 503 with `Retry-After`, nothing stored.
fn cpu_error(e: CpuError) -> Error {
    match e {
        CpuError::Busy(after) => Error::Busy(
            "the server is busy with other photos; retry shortly with the same client_id".into(),
            after,
        ),
        CpuError::Failed(e) => Error::Internal(e),
    }
}

fn selfie_error(e: &SelfieError) -> Error {
    if e.is_unsupported_type() {
        Error::UnsupportedMediaType(e.to_string())
    } else {
        Error::field("selfie", e.to_string())
    }
}

/// What a submission came to: a new row, or the row of an earlier identical request.
pub enum Submitted {
    Created(CheckInRow),
    Retried(CheckInRow),
}

/// The stored row for `(employee, client id)` if any, compared with this request.
fn existing(row: Option<CheckInRow>, request_hash: &str) -> Result<Option<Submitted>, Error> {
    match row {
        None => Ok(None),
        Some(row) if row.request_hash == request_hash => Ok(Some(Submitted::Retried(row))),
        Some(_) => Err(Error::Conflict(
            "this client_id was already used for a different check-in; a retry must send the \
             same meta and selfie, a new check-in needs a new client_id"
                .into(),
        )),
    }
}

/// Records one check-in of the caller's; the whole pipeline after parsing. A retry (the same
/// client id, meta and selfie) answers the stored row; the same client id with anything else
/// is a conflict.
pub async fn submit(ctx: &Ctx<'_>, meta: Meta, selfie_bytes: Vec<u8>) -> Result<Submitted, Error> {
    let employee_id = employee_of(ctx.caller)?;
    submit_as(
        ctx.state,
        Submitter::Employee(employee_id),
        meta,
        selfie_bytes,
    )
    .await
}

/// `submit` for a caller known only by a verified token: its session and account are checked
/// in the first database trip (one trip fewer on the route phones call most).
pub async fn submit_presented(
    state: &AppState,
    presented: Presented,
    meta: Meta,
    selfie_bytes: Vec<u8>,
) -> Result<Submitted, Error> {
    submit_as(state, Submitter::Token(presented), meta, selfie_bytes).await
}

/// Who submits: an employee already checked, or a token still to be checked.
enum Submitter {
    Employee(String),
    Token(Presented),
}

/// What the first trip found.
enum Looked {
    /// A retry: the row stored for this client id.
    Stored(CheckInRow),
    /// A new check-in: the employee and the plans it is judged against.
    New(org::EmployeeRow, plan_repo::PlanBook),
}

async fn submit_as(
    state: &AppState,
    submitter: Submitter,
    meta: Meta,
    selfie_bytes: Vec<u8>,
) -> Result<Submitted, Error> {
    let pixels = selfie::header_pixels(&selfie_bytes);
    let thresholds = state.check_in.thresholds();
    let received_at = now_utc().and_utc();
    let counted_at = checkin::counted_at(received_at, meta.captured_at, &thresholds);
    let default_tz = state.check_in.time_zone();
    let client_id = meta.client_id.to_string();

    // One trip to the database for what it must tell before the photo is processed: whether
    // the token still stands, a retry's stored row, or else the employee and the plans the
    // check-in is judged against.
    let cid = client_id.clone();
    let plan_cache = state.db.plan_cache();
    let looked = state
        .db
        .run(move |conn| {
            let emp = match submitter {
                Submitter::Employee(emp) => emp,
                Submitter::Token(presented) => match presented.check(conn)? {
                    None => return Ok(Err(Error::Unauthorized(TOKEN_REFUSED))),
                    Some(caller) => match employee_of(&caller) {
                        Ok(emp) => emp,
                        Err(refused) => return Ok(Err(refused)),
                    },
                },
            };
            if let Some(found) = check_ins::find_by_client(conn, &emp, &cid)? {
                return Ok(Ok(Looked::Stored(found)));
            }
            // Every local date the instant can fall on in any time zone, and the day before
            // (a night shift's check-out belongs to the day the shift started).
            let utc_date = counted_at.date_naive();
            let from = utc_date - TimeDelta::days(2);
            let to = utc_date + TimeDelta::days(1);
            let employee_ids = Some(std::slice::from_ref(&emp));
            let book = plan_repo::load_book_cached(conn, &plan_cache, employee_ids, from, to)?;
            // The book holds the employee's row, loaded by id.
            let employee = match book.employees.iter().find(|e| e.id == emp) {
                Some(employee) => employee.clone(),
                None => org::find_employee(conn, &emp)?,
            };
            Ok(Ok(Looked::New(employee, book)))
        })
        .await??;
    // Hashing and decoding up to a few MiB is CPU work: on the pool, not on the async worker,
    // in the lane of the image's size (read from its header alone).
    let (employee, book) = match looked {
        Looked::New(employee, book) => (employee, book),
        Looked::Stored(stored) => {
            // A retry: the same request if it carries the same meta and the same selfie.
            let sha = state
                .cpu
                .run_image(pixels, move || selfie::sha256_hex(&selfie_bytes))
                .await
                .map_err(cpu_error)?;
            return existing(Some(stored), &meta.request_hash(&sha))?
                .ok_or_else(|| Error::Internal("a found row vanished".into()));
        }
    };

    let limits = state.check_in.pipeline();
    let decoding = std::time::Instant::now();
    let (selfie_sha256, processed): (String, ProcessedSelfie) = state
        .cpu
        .run_image(pixels, move || {
            selfie::process(&selfie_bytes, &limits).map(|processed| {
                // A JPEG without metadata (the phone app's) is stored byte for byte as it
                // came: its hash is the stored photo's.
                let sha = if processed.jpeg == selfie_bytes {
                    processed.sha256.clone()
                } else {
                    selfie::sha256_hex(&selfie_bytes)
                };
                (sha, processed)
            })
        })
        .await
        .map_err(cpu_error)?
        .map_err(|e| selfie_error(&e))?;
    state.metrics.stage("decode", decoding);
    let request_hash = meta.request_hash(&selfie_sha256);

    let day = planning::judge_day(
        &book, &employee, default_tz, meta.kind, counted_at, &meta.fix,
    )?;
    let timezone = day.timezone;

    // Keys are derived from ids and the request's content: a retry of the same request writes
    // the same objects; a conflicting reuse of the client id can never overwrite them.
    let stem = format!("{}/{}-{}", employee.id, client_id, &request_hash[..16]);
    // The selfie alone: its thumbnail is made when first shown (`super::thumbnails`).
    let photo_key =
        PhotoKey::new(format!("selfies/{stem}.jpg")).map_err(|e| Error::Internal(e.to_string()))?;
    let storing = std::time::Instant::now();
    state
        .photos
        .put(&photo_key, processed.jpeg, "image/jpeg")
        .await?;
    state.metrics.stage("store", storing);

    let lookback = TimeDelta::days(state.check_in.duplicate_lookback_days);
    let local_date = day.date;
    let judgement = day.judged.as_ref().map(|(_, j, radius)| (*j, *radius));
    let exif_captured_at = processed
        .exif
        .captured_at
        .and_then(|naive| selfie::exif_time_in(timezone, naive))
        .map(|t| t.naive_utc());

    let mut row = CheckInRow {
        id: uuid::Uuid::new_v4().to_string(),
        employee_id: employee.id.clone(),
        client_id,
        request_hash: request_hash.clone(),
        kind: meta.kind.as_str().to_owned(),
        received_at: received_at.naive_utc(),
        captured_at: meta.captured_at.naive_utc(),
        counted_at: counted_at.naive_utc(),
        local_date: local_date.to_string(),
        timezone: timezone.name().to_owned(),
        latitude: meta.fix.position().latitude(),
        longitude: meta.fix.position().longitude(),
        accuracy_m: meta.fix.accuracy_m(),
        altitude_m: meta.altitude_m,
        is_mock: meta.is_mock,
        device_id: meta.device_id.clone(),
        place_kind: day.judged.as_ref().map(|(p, _, _)| p.kind.to_owned()),
        place_id: day.judged.as_ref().map(|(p, _, _)| p.id.clone()),
        place_name: day.judged.as_ref().map(|(p, _, _)| p.name.clone()),
        place_radius_m: day.judged.as_ref().map(|(_, _, r)| *r),
        distance_m: judgement.map(|(j, _)| j.distance_m),
        geofence: judgement.map(|(j, _)| j.verdict.as_str().to_owned()),
        flags_json: String::new(),
        status: String::new(),
        photo_key: photo_key.as_str().to_owned(),
        thumbnail_key: check_ins::NO_THUMBNAIL.to_owned(),
        photo_sha256: processed.sha256.clone(),
        photo_phash: processed.phash.to_hex(),
        exif_captured_at,
        exif_latitude: processed.exif.latitude,
        exif_longitude: processed.exif.longitude,
        risk: 0,
    };
    let photo_evidence = PhotoEvidence {
        captured_at: exif_captured_at.map(|t| t.and_utc()),
        position: match (processed.exif.latitude, processed.exif.longitude) {
            (Some(lat), Some(lon)) => Coordinates::new(lat, lon).ok(),
            _ => None,
        },
    };
    let phash = processed.phash;
    let (emp, cid) = (row.employee_id.clone(), row.client_id.clone());
    let (no_place_reason, outside_window) = (day.no_place_reason, day.outside_window);
    let face_evidence = state.faces.enabled;

    let writing = std::time::Instant::now();
    let result = state
        .db
        .transaction(move |conn| {
            // A concurrent retry may have committed since the first look.
            if let Some(found) = check_ins::find_by_client(conn, &row.employee_id, &row.client_id)?
            {
                return Ok(Stored::Found(found));
            }
            let device = match &meta.device_id {
                None => DeviceStatus::Unknown,
                Some(device_id) => {
                    match check_ins::bind_device(
                        conn,
                        device_id,
                        &row.employee_id,
                        row.received_at,
                    )? {
                        DeviceBinding::Bound => DeviceStatus::Bound,
                        DeviceBinding::New => DeviceStatus::New,
                        DeviceBinding::OtherEmployee(other) => DeviceStatus::SharedWith {
                            other_employee: org::find_employee(conn, &other)
                                .map_or(other, |e| format!("{}, NIP {}", e.name, e.nip)),
                        },
                    }
                }
            };
            let previous = check_ins::previous_fix(conn, &row.employee_id, row.counted_at)?
                .and_then(|(at, lat, lon)| {
                    Some(PreviousFix {
                        at: at.and_utc(),
                        position: Coordinates::new(lat, lon).ok()?,
                    })
                });
            // With face evidence on, the job compares the nearest earlier selfies pixel by
            // pixel after the answer (the hash alone matches unrelated selfies too often);
            // without it, the hash decides here.
            let duplicate = if face_evidence {
                None
            } else {
                find_duplicate(
                    conn,
                    &row,
                    phash,
                    (received_at - lookback).naive_utc(),
                    thresholds.duplicate_max_distance,
                )?
            };
            let outcome = checkin::evaluate(
                &Evidence {
                    received_at,
                    captured_at: meta.captured_at,
                    position: meta.fix.position(),
                    accuracy_m: meta.fix.accuracy_m(),
                    is_mock: meta.is_mock,
                    judgement,
                    no_place_reason,
                    previous,
                    device,
                    duplicate,
                    outside_window,
                    photo: photo_evidence,
                },
                &thresholds,
            );
            row.flags_json = serde_json::to_string(&outcome.flags)
                .map_err(|e| StorageError::Other(e.to_string()))?;
            let beyond = judgement.map(|(j, radius)| j.distance_m - radius);
            row.risk = i32::try_from(checkin::risk(&outcome.flags, beyond)).unwrap_or(100);
            outcome.status.as_str().clone_into(&mut row.status);
            let codes: Vec<&str> = outcome.flags.iter().map(|f| f.code.as_str()).collect();
            check_ins::insert(conn, &row, &codes)?;
            if face_evidence {
                hadir_storage::repo::faces::enqueue(conn, &row.id, row.received_at)?;
            }
            Ok(Stored::Inserted(row))
        })
        .await;
    match result {
        Ok(Stored::Inserted(row)) => {
            state.metrics.stage("database", writing);
            for flag in serde_json::from_str::<Vec<Flag>>(&row.flags_json).unwrap_or_default() {
                state.metrics.flag(flag.code.as_str());
            }
            if face_evidence {
                state.face_wake.notify_one();
            }
            Ok(Submitted::Created(row))
        }
        Ok(Stored::Found(row)) => existing(Some(row), &request_hash)?
            .ok_or_else(|| Error::Internal("a found row vanished".into())),
        // Another request with this client id committed between our look and our insert
        // (PostgreSQL reports it at the insert; SQLite's writers queue, so it sees the row).
        Err(StorageError::Duplicate(_)) => {
            let found = state
                .db
                .run(move |conn| check_ins::find_by_client(conn, &emp, &cid))
                .await?;
            existing(found, &request_hash)?
                .ok_or_else(|| Error::Internal("a duplicate without a row".into()))
        }
        Err(e) => Err(e.into()),
    }
}

enum Stored {
    Inserted(CheckInRow),
    Found(CheckInRow),
}

/// The nearest earlier selfie within `max_distance` bits of this one's hash (the hash alone:
/// used when no face job compares the pixels).
fn find_duplicate(
    conn: &mut DbConnection,
    row: &CheckInRow,
    phash: PerceptualHash,
    since: chrono::NaiveDateTime,
    max_distance: u32,
) -> Result<Option<DuplicateOf>, StorageError> {
    let hashes = [phash];
    let near = earlier_selfies(
        conn,
        row,
        since,
        (&hashes, &hashes),
        (max_distance, max_distance),
    )?;
    Ok(near.first().map(NearSelfie::duplicate_of))
}

/// An earlier selfie whose hash is near a new one's.
#[derive(Clone, Debug)]
pub struct NearSelfie {
    /// The fewest bits between its hash and any of the new selfie's.
    pub distance: u32,
    /// The employee's own (else a colleague's).
    pub own: bool,
    pub selfie: check_ins::SelfieRef,
}

impl NearSelfie {
    /// Whose selfie this is, as a flag tells it.
    #[must_use]
    pub fn duplicate_of(&self) -> DuplicateOf {
        if self.own {
            DuplicateOf::Own {
                at: self.selfie.counted_at.and_utc(),
                distance: self.distance,
            }
        } else {
            DuplicateOf::Colleague {
                distance: self.distance,
            }
        }
    }
}

/// The selfies received before `row`'s whose hash is near any of `hashes`: the employee's own
/// since `since`, and colleagues' at the same place on the same local date (see
/// `check_ins::colleague_selfies_near` for `indexed` and the two distances); nearest first,
/// the employee's own first among equals.
pub fn earlier_selfies(
    conn: &mut DbConnection,
    row: &CheckInRow,
    since: chrono::NaiveDateTime,
    (hashes, indexed): (&[PerceptualHash], &[PerceptualHash]),
    (whole, within): (u32, u32),
) -> Result<Vec<NearSelfie>, StorageError> {
    let of = selfie_of(row);
    let own = check_ins::own_selfies_near(conn, &of, since, hashes, whole)?;
    let colleagues = match row.place_id {
        Some(_) => check_ins::colleague_selfies_near(conn, &of, hashes, indexed, (whole, within))?,
        None => Vec::new(),
    };
    let mut near: Vec<NearSelfie> = own
        .into_iter()
        .map(|s| (true, s))
        .chain(colleagues.into_iter().map(|s| (false, s)))
        .map(|(own, selfie)| NearSelfie {
            distance: selfie.distance(hashes),
            own,
            selfie,
        })
        .collect();
    near.sort_by(|a, b| a.distance.cmp(&b.distance).then(b.own.cmp(&a.own)));
    Ok(near)
}

/// Where a check-in's selfie stands, for the look-up of earlier ones.
fn selfie_of(row: &CheckInRow) -> check_ins::SelfieOf<'_> {
    check_ins::SelfieOf {
        employee_id: &row.employee_id,
        place_id: row.place_id.as_deref().unwrap_or(""),
        local_date: &row.local_date,
        received_at: row.received_at,
        check_in_id: &row.id,
    }
}

/// The caller's employee id, or 403 for an account that is not an employee.
pub fn employee_of(caller: &Caller) -> Result<String, Error> {
    caller.employee_id.clone().ok_or(Error::Forbidden(
        "this account is not linked to an employee, so it cannot check in",
    ))
}

/// The view of a submission, with its face evidence: a new check-in's job waits; a retry
/// shows where its job stands.
pub async fn view(state: &AppState, submitted: &Submitted) -> Result<CheckInView, Error> {
    let (Submitted::Created(row) | Submitted::Retried(row)) = submitted;
    let mut view = CheckInView::from_row(row, None)?;
    view.face = match submitted {
        Submitted::Created(_) => state.faces.enabled.then(crate::faces::pending),
        Submitted::Retried(row) => {
            let id = row.id.clone();
            state
                .db
                .run(move |conn| hadir_storage::repo::faces::job_of(conn, &id))
                .await?
                .as_ref()
                .map(crate::faces::evidence_of)
        }
    };
    Ok(view)
}

/// One check-in, for its owner and the reviewers in scope (404 for anyone else; a reviewer's
/// read is audited), with links to its selfie and to the reference face it was compared with.
pub async fn detail(ctx: &Ctx<'_>, id: &str) -> Result<CheckInView, Error> {
    let id = parse_id(id)?;
    let detail = super::review::check_in(ctx, &id).await?;
    let selfie_url = Some(photo_url(ctx.state, &detail.row.photo_key).await?);
    let mut view =
        CheckInView::from_row(&detail.row, selfie_url)?.with_review(detail.review.as_ref());
    view.face = detail.face_job.as_ref().map(crate::faces::evidence_of);
    if let (Some(face), Some(reference)) = (
        view.face.as_mut().and_then(Value::as_object_mut),
        &detail.face_reference,
    ) {
        face.insert(
            "reference_photo_url".into(),
            Value::String(photo_url(ctx.state, &reference.photo_key).await?),
        );
    }
    Ok(view)
}

/// What the caller's own list is asked for, as the interface received it (checked here).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct MineRequest {
    /// A date (from its start, UTC) or an RFC 3339 time.
    pub from: Option<String>,
    /// A date (to its end, UTC) or an RFC 3339 time.
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of the caller's check-ins, newest first, with their reviews.
#[derive(Debug)]
pub struct MinePage {
    pub items: Vec<CheckInView>,
    pub next_cursor: Option<String>,
}

fn encode_cursor(row: &CheckInRow) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        row.received_at.and_utc().timestamp_micros(),
        row.id
    ))
}

fn decode_cursor(raw: &str) -> Option<check_ins::Cursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let (micros, id) = text.split_once('|')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    uuid::Uuid::parse_str(id).ok()?;
    Some((at, id.to_owned()))
}

/// A `from`/`to` bound: a date (local midnight in UTC terms is not known here, so a date
/// means 00:00 UTC) or an RFC 3339 time.
fn parse_bound(field: &str, raw: Option<&str>) -> Result<Option<chrono::NaiveDateTime>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.naive_utc()));
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0));
    }
    Err(Error::field(
        field,
        "must be a date (YYYY-MM-DD) or an RFC 3339 time with an offset",
    ))
}

/// The caller's check-ins, newest first.
pub async fn mine(ctx: &Ctx<'_>, query: &MineRequest) -> Result<MinePage, Error> {
    let employee_id = employee_of(ctx.caller)?;
    let limit = page_limit(query.limit)?;
    let from = parse_bound("from", query.from.as_deref())?;
    let mut to = parse_bound("to", query.to.as_deref())?;
    // A `to` date includes that whole day.
    if let (Some(raw), Some(t)) = (query.to.as_deref(), to)
        && NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok()
    {
        to = Some(t + TimeDelta::days(1));
    }
    let cursor = match query.cursor.as_deref() {
        None => None,
        Some(raw) => Some(
            decode_cursor(raw)
                .ok_or_else(|| Error::field("cursor", "not a cursor this API issued"))?,
        ),
    };
    let (mut rows, reviews) = ctx
        .state
        .db
        .run(move |conn| {
            let rows = check_ins::list_for_employee(
                conn,
                &employee_id,
                from,
                to,
                cursor.as_ref(),
                limit + 1,
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let reviews = check_ins::reviews_of(conn, &ids)?;
            Ok((rows, reviews))
        })
        .await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.pop();
        rows.last().map(encode_cursor)
    } else {
        None
    };
    let items = rows
        .iter()
        .map(|r| {
            let review = reviews.iter().find(|v| v.check_in_id == r.id);
            CheckInView::from_row(r, None).map(|v| v.with_review(review))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MinePage { items, next_cursor })
}

// ---------------------------------------------------------------------------------------------
// Today

#[derive(Debug, Serialize)]
pub struct TodayView {
    pub date: NaiveDate,
    pub timezone: String,
    pub mode: hadir_domain::plan::Mode,
    /// The main place (the first of `places`), as API.md shows it.
    pub place: Option<hadir_domain::plan::Place>,
    /// Every place the day allows (an employee may be allowed at several offices).
    pub places: Vec<hadir_domain::plan::Place>,
    pub window: Option<hadir_domain::plan::Window>,
    /// One line: what decided the day (leave, holiday, assignment, schedule).
    pub reason: String,
    pub check_in: Option<CheckInView>,
    pub check_out: Option<CheckInView>,
}

/// The caller's plan for the current work day (a night shift not over yet is still today)
/// and the check-in and check-out that count for it.
pub async fn today(ctx: &Ctx<'_>) -> Result<TodayView, Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let now = Utc::now();
    let default_tz = ctx.state.check_in.time_zone();
    let plan_cache = ctx.state.db.plan_cache();
    let (employee, book) = ctx
        .state
        .db
        .run(move |conn| {
            let employee = org::find_employee(conn, &employee_id)?;
            let d = now.date_naive();
            // The same dates as a check-in's: the same kept rows.
            let book = plan_repo::load_book_cached(
                conn,
                &plan_cache,
                Some(std::slice::from_ref(&employee_id)),
                d - TimeDelta::days(2),
                d + TimeDelta::days(1),
            )?;
            Ok((employee, book))
        })
        .await?;
    let tz = planning::time_zone_of(&book, &employee, default_tz);
    let today = now.with_timezone(&tz).date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    let today_plan = planning::day_plan(&book, &employee, today, default_tz)?;
    let yesterday_plan = planning::day_plan(&book, &employee, yesterday, default_tz)?;
    // A night shift that is not over yet is still "today" for the phone.
    let day = hadir_domain::plan::plan_for(&yesterday_plan, &today_plan, Kind::Out, now).clone();
    let (emp, date) = (employee.id.clone(), day.date.to_string());
    let rows: Vec<CheckInRow> = ctx
        .state
        .db
        .run(move |conn| check_ins::on_local_date(conn, &emp, &date))
        .await?;
    let counted = |r: &&CheckInRow| r.status != "rejected";
    let first_in = rows
        .iter()
        .filter(counted)
        .filter(|r| r.kind == "in")
        .min_by_key(|r| r.counted_at);
    let last_out = rows
        .iter()
        .filter(counted)
        .filter(|r| r.kind == "out")
        .max_by_key(|r| r.counted_at);
    Ok(TodayView {
        date: day.date,
        timezone: day.timezone.clone(),
        mode: day.mode,
        place: day.places.first().cloned(),
        places: day.places.clone(),
        window: day.window,
        reason: day.reason.clone(),
        check_in: first_in
            .map(|r| CheckInView::from_row(r, None))
            .transpose()?,
        check_out: last_out
            .map(|r| CheckInView::from_row(r, None))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    const GOOD: &str = r#"{"client_id": "0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11", "kind": "in",
        "captured_at": "2026-11-02T07:21:09+07:00", "latitude": -6.872183,
        "longitude": 107.542038, "accuracy_m": 12.5, "is_mock": false, "altitude_m": 712.0,
        "device_id": "a1b2c3"}"#;

    #[test]
    fn the_api_md_example_meta_parses() {
        let meta = parse_meta(GOOD.as_bytes()).unwrap();
        assert_eq!(meta.kind, Kind::In);
        assert_eq!(meta.captured_at.to_rfc3339(), "2026-11-02T00:21:09+00:00");
        assert_eq!(meta.device_id.as_deref(), Some("a1b2c3"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let errors = parse_meta(
            br#"{"client_id": "nope", "kind": "sideways", "captured_at": "2026-11-02T07:21:09",
                "latitude": 91, "longitude": -181, "accuracy_m": -1, "is_mock": "no"}"#,
        )
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "client_id",
                "kind",
                "captured_at",
                "is_mock",
                "latitude",
                "accuracy_m"
            ]
        );
        let errors = parse_meta(b"{}").unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "client_id",
                "kind",
                "captured_at",
                "latitude",
                "longitude",
                "accuracy_m"
            ]
        );
    }

    #[test]
    fn nan_and_infinities_are_named_even_as_bare_tokens() {
        let errors = parse_meta(
            br#"{"client_id": "0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11", "kind": "out",
                "captured_at": "2026-11-02T07:21:09Z", "latitude": NaN,
                "longitude": -Infinity, "accuracy_m": Infinity}"#,
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["latitude", "longitude", "accuracy_m"]);
        assert_eq!(
            quote_non_finite(r#"{"a": "NaN in text", "b": NaN}"#),
            r#"{"a": "NaN in text", "b": "NaN"}"#
        );
    }

    #[test]
    fn the_request_hash_changes_with_any_field_and_the_selfie() {
        let meta = parse_meta(GOOD.as_bytes()).unwrap();
        let base = meta.request_hash("aa");
        assert_eq!(base, meta.request_hash("aa"));
        assert_ne!(base, meta.request_hash("ab"));
        let mut other = meta.clone();
        other.is_mock = true;
        assert_ne!(base, other.request_hash("aa"));
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert!(decode_cursor("garbage").is_none());
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
            .unwrap()
            .and_hms_micro_opt(0, 21, 10, 123_456)
            .unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        let raw = URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.and_utc().timestamp_micros()));
        assert_eq!(decode_cursor(&raw), Some((at, id)));
    }
}
