//! Check-ins and the devices they come from.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hadir_domain::checkin::PerceptualHash;

use crate::schema::{
    check_in_flags, check_in_reviews, check_ins, devices, employees, selfie_bands,
};
use crate::{DbConnection, StorageError};

#[derive(
    Clone, Debug, PartialEq, Queryable, Selectable, Insertable, Identifiable, serde::Serialize,
)]
#[diesel(table_name = check_ins)]
pub struct CheckInRow {
    pub id: String,
    pub employee_id: String,
    pub client_id: String,
    pub request_hash: String,
    pub kind: String,
    pub received_at: NaiveDateTime,
    pub captured_at: NaiveDateTime,
    pub counted_at: NaiveDateTime,
    pub local_date: String,
    pub timezone: String,
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
    pub altitude_m: Option<f64>,
    pub is_mock: bool,
    pub device_id: Option<String>,
    pub place_kind: Option<String>,
    pub place_id: Option<String>,
    pub place_name: Option<String>,
    pub place_radius_m: Option<f64>,
    pub distance_m: Option<f64>,
    pub geofence: Option<String>,
    pub flags_json: String,
    pub status: String,
    pub photo_key: String,
    pub thumbnail_key: String,
    pub photo_sha256: String,
    pub photo_phash: String,
    pub exif_captured_at: Option<NaiveDateTime>,
    pub exif_latitude: Option<f64>,
    pub exif_longitude: Option<f64>,
    /// 0 to 100, from the flags (`checkin::risk`): the review queue's order.
    pub risk: i32,
}

/// Inserts a check-in with its flag codes. A second row for the same (employee, client id)
/// fails with `StorageError::Duplicate`: the caller then reads the first one.
pub fn insert(
    conn: &mut DbConnection,
    row: &CheckInRow,
    codes: &[&str],
) -> Result<(), StorageError> {
    diesel::insert_into(check_ins::table)
        .values(row)
        .execute(conn)?;
    if let Some(place_id) = &row.place_id {
        let hash = &row.photo_phash;
        let bands = (0..4)
            .map(|band: i32| {
                let start = usize::try_from(band).unwrap_or_default() * 4;
                let value = hash.get(start..start + 4).ok_or_else(|| {
                    StorageError::Other(format!("check-in {}: perceptual hash", row.id))
                })?;
                Ok((
                    selfie_bands::check_in_id.eq(&row.id),
                    selfie_bands::band.eq(band),
                    selfie_bands::value.eq(value),
                    selfie_bands::place_id.eq(place_id),
                    selfie_bands::local_date.eq(&row.local_date),
                    selfie_bands::employee_id.eq(&row.employee_id),
                    selfie_bands::phash.eq(hash),
                ))
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        insert_batch!(conn, selfie_bands::table, bands, 4)?;
    }
    for code in codes {
        diesel::insert_into(check_in_flags::table)
            .values((
                check_in_flags::check_in_id.eq(&row.id),
                check_in_flags::code.eq(*code),
                check_in_flags::risk.eq(row.risk),
                check_in_flags::received_at.eq(row.received_at),
                check_in_flags::queued.eq(row.status == "flagged"),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<CheckInRow, StorageError> {
    Ok(check_ins::table
        .find(id)
        .select(CheckInRow::as_select())
        .first(conn)?)
}

pub fn find_by_client(
    conn: &mut DbConnection,
    employee_id: &str,
    client_id: &str,
) -> Result<Option<CheckInRow>, StorageError> {
    Ok(check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .filter(check_ins::client_id.eq(client_id))
        .select(CheckInRow::as_select())
        .first(conn)
        .optional()?)
}

/// The employee's check-in counted last before `before`: where and when they were.
pub fn previous_fix(
    conn: &mut DbConnection,
    employee_id: &str,
    before: NaiveDateTime,
) -> Result<Option<(NaiveDateTime, f64, f64)>, StorageError> {
    Ok(check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .filter(check_ins::counted_at.le(before))
        .filter(check_ins::status.ne("rejected"))
        .order(check_ins::counted_at.desc())
        .select((
            check_ins::counted_at,
            check_ins::latitude,
            check_ins::longitude,
        ))
        .first(conn)
        .optional()?)
}

/// Up to how many colleagues' selfies of a day are read whole: below this, one read of the day
/// costs less than the band index's probes (`bench/benches/duplicates.rs`).
pub const SCAN_UP_TO: usize = 1_500;
/// At most this many rows are read for one probed band of a large day: a day where more
/// selfies than that look alike is read in part (the caller compares only the nearest few).
const BAND_ROWS: i64 = 512;
/// At most this many of a large day's nearest selfies are returned.
const NEAREST_ROWS: usize = 64;

/// An earlier selfie that may be the one a new selfie copies.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = check_ins)]
pub struct SelfieRef {
    #[diesel(column_name = id)]
    pub check_in_id: String,
    pub photo_key: String,
    pub counted_at: NaiveDateTime,
    #[diesel(column_name = photo_phash)]
    pub phash: String,
}

impl SelfieRef {
    /// The fewest bits between this selfie's hash and any of `hashes` (65 when unreadable).
    #[must_use]
    pub fn distance(&self, hashes: &[PerceptualHash]) -> u32 {
        PerceptualHash::from_hex(&self.phash).map_or(65, |h| {
            hashes.iter().map(|q| q.distance(h)).min().unwrap_or(65)
        })
    }
}

/// Where a new selfie stands: its employee, place and local date, and the check-in it belongs
/// to (whose own row, and any received after it, are not candidates).
#[derive(Clone, Copy, Debug)]
pub struct SelfieOf<'a> {
    pub employee_id: &'a str,
    pub place_id: &'a str,
    pub local_date: &'a str,
    pub received_at: NaiveDateTime,
    pub check_in_id: &'a str,
}

/// Received before the check-in of `of` (ties broken by id).
macro_rules! earlier {
    ($of:expr) => {
        check_ins::received_at
            .lt($of.received_at)
            .or(check_ins::received_at
                .eq($of.received_at)
                .and(check_ins::id.lt($of.check_in_id)))
    };
}

/// The employee's own selfies received since `since` and before the check-in, within
/// `max_distance` bits of any of `hashes`.
pub fn own_selfies_near(
    conn: &mut DbConnection,
    of: &SelfieOf<'_>,
    since: NaiveDateTime,
    hashes: &[PerceptualHash],
    max_distance: u32,
) -> Result<Vec<SelfieRef>, StorageError> {
    let rows: Vec<SelfieRef> = check_ins::table
        .filter(check_ins::employee_id.eq(of.employee_id))
        .filter(check_ins::received_at.ge(since))
        .filter(earlier!(of))
        .select(SelfieRef::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.distance(hashes) <= max_distance)
        .collect())
}

/// Other employees' selfies at the place on the local date, received before the check-in.
/// A day of up to `SCAN_UP_TO` selfies is read whole and measured: those within `whole` bits of
/// any of `hashes`. A larger day goes through the band index (`selfie_bands`,
/// `PerceptualHash::probes`): those within `indexed` bits of the `indexed` hashes (each hash
/// costs four look-ups), so the cost follows the near hashes, not the day's count (unless
/// `indexed` is too wide for the bands: then the day is read whole and measured by it).
pub fn colleague_selfies_near(
    conn: &mut DbConnection,
    of: &SelfieOf<'_>,
    hashes: &[PerceptualHash],
    indexed: &[PerceptualHash],
    (whole, within): (u32, u32),
) -> Result<Vec<SelfieRef>, StorageError> {
    colleague_selfies_reading_up_to(conn, of, (hashes, indexed), (whole, within), SCAN_UP_TO)
}

/// `colleague_selfies_near` with another bound on the day read whole (0: always the index).
pub fn colleague_selfies_reading_up_to(
    conn: &mut DbConnection,
    of: &SelfieOf<'_>,
    (hashes, indexed): (&[PerceptualHash], &[PerceptualHash]),
    (whole, within): (u32, u32),
    scan_up_to: usize,
) -> Result<Vec<SelfieRef>, StorageError> {
    let day = |conn: &mut DbConnection, limit: Option<usize>| {
        let query = check_ins::table
            .filter(check_ins::place_id.eq(of.place_id))
            .filter(check_ins::local_date.eq(of.local_date))
            .filter(check_ins::employee_id.ne(of.employee_id))
            .filter(earlier!(of))
            .select(SelfieRef::as_select());
        match limit {
            Some(n) => query
                .limit(i64::try_from(n).unwrap_or(i64::MAX))
                .load::<SelfieRef>(conn),
            None => query.load::<SelfieRef>(conn),
        }
    };
    let near = |rows: Vec<SelfieRef>, found: &[PerceptualHash], max: u32| -> Vec<SelfieRef> {
        rows.into_iter()
            .filter(|r| r.distance(found) <= max)
            .collect()
    };
    let first = day(conn, Some(scan_up_to + 1))?;
    if first.len() <= scan_up_to {
        return Ok(near(first, hashes, whole));
    }
    let Some(all_probes) = indexed
        .iter()
        .map(|h| h.probes(within))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(near(day(conn, None)?, indexed, within));
    };
    let mut found: Vec<(String, String)> = Vec::new();
    for probes in all_probes {
        for (band, values) in (0i32..).zip(probes) {
            let values: Vec<String> = values.iter().map(|v| format!("{v:04x}")).collect();
            found.extend(
                selfie_bands::table
                    .filter(selfie_bands::place_id.eq(of.place_id))
                    .filter(selfie_bands::local_date.eq(of.local_date))
                    .filter(selfie_bands::band.eq(band))
                    .filter(selfie_bands::value.eq_any(&values))
                    .filter(selfie_bands::employee_id.ne(of.employee_id))
                    .select((selfie_bands::check_in_id, selfie_bands::phash))
                    .limit(BAND_ROWS)
                    .load::<(String, String)>(conn)?,
            );
        }
    }
    found.sort_unstable();
    found.dedup();
    let distance = |hex: &str| {
        PerceptualHash::from_hex(hex).map_or(65, |h| {
            indexed.iter().map(|q| q.distance(h)).min().unwrap_or(65)
        })
    };
    let mut near: Vec<(u32, String)> = found
        .into_iter()
        .map(|(id, hex)| (distance(&hex), id))
        .filter(|(d, _)| *d <= within)
        .collect();
    near.sort_unstable();
    near.truncate(NEAREST_ROWS);
    let ids: Vec<String> = near.into_iter().map(|(_, id)| id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(check_ins::table
        .filter(check_ins::id.eq_any(&ids))
        .filter(earlier!(of))
        .select(SelfieRef::as_select())
        .load(conn)?)
}

/// Position in a newest-first list: the last item's receipt time and id.
pub type Cursor = (NaiveDateTime, String);

/// The employee's check-ins received in `[from, to)`, newest first, after `cursor`.
pub fn list_for_employee(
    conn: &mut DbConnection,
    employee_id: &str,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<CheckInRow>, StorageError> {
    let mut query = check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .select(CheckInRow::as_select())
        .order((check_ins::received_at.desc(), check_ins::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(check_ins::received_at.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(check_ins::received_at.lt(to));
    }
    if let Some((at, id)) = cursor {
        query = query.filter(
            check_ins::received_at.lt(*at).or(check_ins::received_at
                .eq(*at)
                .and(check_ins::id.lt(id.clone()))),
        );
    }
    Ok(query.load(conn)?)
}

/// The employee's check-ins that count for the work day `local_date`, in counting order.
pub fn on_local_date(
    conn: &mut DbConnection,
    employee_id: &str,
    local_date: &str,
) -> Result<Vec<CheckInRow>, StorageError> {
    Ok(check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .filter(check_ins::local_date.eq(local_date))
        .select(CheckInRow::as_select())
        .order((check_ins::counted_at.asc(), check_ins::id.asc()))
        .load(conn)?)
}

/// How many check-ins an employee has (for tests and the retry guarantees).
pub fn count_for_employee(conn: &mut DbConnection, employee_id: &str) -> Result<i64, StorageError> {
    Ok(check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .count()
        .get_result(conn)?)
}

/// Which of `keys` some check-in refers to (as its photo or its thumbnail).
pub fn referenced_keys(
    conn: &mut DbConnection,
    keys: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut found: Vec<String> = Vec::new();
    for chunk in keys.chunks(500) {
        found.extend(
            check_ins::table
                .filter(check_ins::photo_key.eq_any(chunk))
                .select(check_ins::photo_key)
                .load::<String>(conn)?,
        );
        found.extend(
            check_ins::table
                .filter(check_ins::thumbnail_key.eq_any(chunk))
                .select(check_ins::thumbnail_key)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// How a device stands for an employee, after binding it if it is their first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceBinding {
    /// Bound to this employee (just now, or before).
    Bound,
    /// Bound to nobody while this employee already has a device.
    New,
    /// Bound to another employee (their id).
    OtherEmployee(String),
}

/// Binds `device_id` to the employee when it is their first device and nobody else's.
pub fn bind_device(
    conn: &mut DbConnection,
    device_id: &str,
    employee_id: &str,
    now: NaiveDateTime,
) -> Result<DeviceBinding, StorageError> {
    let owner: Option<String> = devices::table
        .find(device_id)
        .select(devices::employee_id)
        .first(conn)
        .optional()?;
    match owner {
        Some(owner) if owner == employee_id => return Ok(DeviceBinding::Bound),
        Some(owner) => return Ok(DeviceBinding::OtherEmployee(owner)),
        None => {}
    }
    let has_one: i64 = devices::table
        .filter(devices::employee_id.eq(employee_id))
        .count()
        .get_result(conn)?;
    if has_one > 0 {
        return Ok(DeviceBinding::New);
    }
    diesel::insert_into(devices::table)
        .values((
            devices::device_id.eq(device_id),
            devices::employee_id.eq(employee_id),
            devices::bound_at.eq(now),
        ))
        .execute(conn)?;
    Ok(DeviceBinding::Bound)
}

/// A reviewer's decision on a check-in.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = check_in_reviews)]
pub struct ReviewRow {
    pub check_in_id: String,
    /// `approve` or `reject`.
    pub decision: String,
    pub note: Option<String>,
    pub reviewer_user_id: String,
    pub decided_at: NaiveDateTime,
}

/// Records a decision and sets the check-in's status, only if it is still undecided: `false`
/// when another reviewer decided first.
pub fn decide(
    conn: &mut DbConnection,
    review: &ReviewRow,
    status: &str,
) -> Result<bool, StorageError> {
    let changed = diesel::update(
        check_ins::table
            .find(&review.check_in_id)
            .filter(check_ins::status.eq_any(["flagged", "accepted"])),
    )
    .set(check_ins::status.eq(status))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    diesel::update(
        check_in_flags::table.filter(check_in_flags::check_in_id.eq(&review.check_in_id)),
    )
    .set(check_in_flags::queued.eq(false))
    .execute(conn)?;
    diesel::insert_into(check_in_reviews::table)
        .values(review)
        .execute(conn)?;
    Ok(true)
}

/// The decisions on `ids`, where there are any.
pub fn reviews_of(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<ReviewRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(5_000) {
        rows.extend(
            check_in_reviews::table
                .filter(check_in_reviews::check_in_id.eq_any(chunk))
                .select(ReviewRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// What the review queue lists.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// `flagged`, `accepted`, `approved` or `rejected`.
    pub status: String,
    /// Only employees of these units (a scope, or a unit and its sub-units).
    pub units: Option<Vec<String>>,
    pub employee_id: Option<String>,
    /// Local dates, both included (`YYYY-MM-DD`).
    pub from: Option<String>,
    pub to: Option<String>,
    /// A flag code the check-in must carry.
    pub flag: Option<String>,
    /// Keyset: after this `(risk, received_at, id)` in the order risk descending, then oldest
    /// first.
    pub after: Option<(i32, NaiveDateTime, String)>,
    pub limit: i64,
}

/// The review queue: riskiest first, then oldest first.
pub fn queue(conn: &mut DbConnection, f: &QueueFilter) -> Result<Vec<CheckInRow>, StorageError> {
    if let (Some(flag), "flagged") = (&f.flag, f.status.as_str()) {
        return flag_queue(conn, f, flag);
    }
    let mut q = check_ins::table
        .inner_join(employees::table)
        .filter(check_ins::status.eq(f.status.clone()))
        .select(CheckInRow::as_select())
        .order((
            check_ins::risk.desc(),
            check_ins::received_at.asc(),
            check_ins::id.asc(),
        ))
        .limit(f.limit)
        .into_boxed();
    if let Some(units) = &f.units {
        q = q.filter(employees::unit_id.eq_any(units.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(check_ins::employee_id.eq(e.clone()));
    }
    if let Some(from) = &f.from {
        q = q.filter(check_ins::local_date.ge(from.clone()));
    }
    if let Some(to) = &f.to {
        q = q.filter(check_ins::local_date.le(to.clone()));
    }
    if let Some(flag) = &f.flag {
        q = q.filter(
            check_ins::id.eq_any(
                check_in_flags::table
                    .filter(check_in_flags::code.eq(flag.clone()))
                    .select(check_in_flags::check_in_id),
            ),
        );
    }
    if let Some((risk, at, id)) = &f.after {
        q = q.filter(
            check_ins::risk.lt(*risk).or(check_ins::risk.eq(*risk).and(
                check_ins::received_at.gt(*at).or(check_ins::received_at
                    .eq(*at)
                    .and(check_ins::id.gt(id.clone()))),
            )),
        );
    }
    Ok(q.load(conn)?)
}

/// The queue of one flag: walked in the order of `check_in_flags_queue_idx`.
fn flag_queue(
    conn: &mut DbConnection,
    f: &QueueFilter,
    flag: &str,
) -> Result<Vec<CheckInRow>, StorageError> {
    let mut q = check_in_flags::table
        .inner_join(check_ins::table.inner_join(employees::table))
        .filter(check_in_flags::code.eq(flag.to_owned()))
        .filter(check_in_flags::queued.eq(true))
        .select(CheckInRow::as_select())
        .order((
            check_in_flags::risk.desc(),
            check_in_flags::received_at.asc(),
            check_in_flags::check_in_id.asc(),
        ))
        .limit(f.limit)
        .into_boxed();
    if let Some(units) = &f.units {
        q = q.filter(employees::unit_id.eq_any(units.clone()));
    }
    if let Some(e) = &f.employee_id {
        q = q.filter(check_ins::employee_id.eq(e.clone()));
    }
    if let Some(from) = &f.from {
        q = q.filter(check_ins::local_date.ge(from.clone()));
    }
    if let Some(to) = &f.to {
        q = q.filter(check_ins::local_date.le(to.clone()));
    }
    if let Some((risk, at, id)) = &f.after {
        q = q.filter(
            check_in_flags::risk
                .lt(*risk)
                .or(check_in_flags::risk.eq(*risk).and(
                    check_in_flags::received_at
                        .gt(*at)
                        .or(check_in_flags::received_at
                            .eq(*at)
                            .and(check_in_flags::check_in_id.gt(id.clone()))),
                )),
        );
    }
    Ok(q.load(conn)?)
}

/// How many check-ins wait for review among the employees of `units` (all when `None`).
pub fn flagged_count(
    conn: &mut DbConnection,
    units: Option<&[String]>,
) -> Result<i64, StorageError> {
    let mut q = check_ins::table
        .inner_join(employees::table)
        .filter(check_ins::status.eq("flagged"))
        .count()
        .into_boxed();
    if let Some(units) = units {
        q = q.filter(employees::unit_id.eq_any(units.to_vec()));
    }
    Ok(q.get_result(conn)?)
}

/// A check-in as the day status counts it: `(id, employee_id, kind, counted_at, local_date)`.
pub type CountedRow = (String, String, String, NaiveDateTime, String);

/// The check-ins of `employees` on the work days `from..=to` (`YYYY-MM-DD`) that count: every
/// one but the rejected.
pub fn counted_for(
    conn: &mut DbConnection,
    employees: &[String],
    from: &str,
    to: &str,
) -> Result<Vec<CountedRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in employees.chunks(5_000) {
        rows.extend(
            check_ins::table
                .filter(check_ins::employee_id.eq_any(chunk))
                .filter(
                    check_ins::local_date
                        .ge(from)
                        .and(check_ins::local_date.le(to)),
                )
                .filter(check_ins::status.ne("rejected"))
                .select((
                    check_ins::id,
                    check_ins::employee_id,
                    check_ins::kind,
                    check_ins::counted_at,
                    check_ins::local_date,
                ))
                .load::<CountedRow>(conn)?,
        );
    }
    Ok(rows)
}

/// A check-in's `thumbnail_key` until its thumbnail is made (a check-in stores its selfie only;
/// the thumbnail is made when first shown, or before its month's selfies are reduced).
pub const NO_THUMBNAIL: &str = "";

/// Names the thumbnail just stored for a check-in that had none; false when it had one already
/// (another request named its own first).
pub fn set_thumbnail(
    conn: &mut DbConnection,
    id: &str,
    thumbnail_key: &str,
) -> Result<bool, StorageError> {
    Ok(diesel::update(
        check_ins::table
            .filter(check_ins::id.eq(id))
            .filter(check_ins::thumbnail_key.eq(NO_THUMBNAIL)),
    )
    .set(check_ins::thumbnail_key.eq(thumbnail_key))
    .execute(conn)?
        == 1)
}

/// Up to `limit` check-ins of the local dates `from..=to` whose thumbnail is not made yet, in
/// the order of their ids from after `after`, `units` limiting them to those units' employees
/// (what must be made before those dates' selfies can be reduced).
pub fn without_thumbnail(
    conn: &mut DbConnection,
    from: &str,
    to: &str,
    units: Option<&[String]>,
    after: &str,
    limit: i64,
) -> Result<Vec<CheckInRow>, StorageError> {
    let mut query = check_ins::table
        .filter(check_ins::local_date.ge(from.to_owned()))
        .filter(check_ins::local_date.le(to.to_owned()))
        .filter(check_ins::thumbnail_key.eq(NO_THUMBNAIL))
        .filter(check_ins::id.gt(after.to_owned()))
        .into_boxed();
    if let Some(units) = units {
        query = query.filter(
            check_ins::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(units.to_vec()))
                    .select(employees::id),
            ),
        );
    }
    Ok(query
        .order(check_ins::id)
        .limit(limit)
        .select(CheckInRow::as_select())
        .load(conn)?)
}

/// Reduces to their thumbnail the selfies of the check-ins in a closed month: the row then
/// names the thumbnail as its photo, and the full-size object, referenced by nothing, goes with
/// the next sweep. `units` limits it to a unit close's employees. A check-in whose thumbnail is
/// not made yet keeps its selfie (see [`without_thumbnail`]). Returns how many were reduced.
pub fn reduce_selfies(
    conn: &mut DbConnection,
    from: &str,
    to: &str,
    units: Option<&[String]>,
) -> Result<usize, StorageError> {
    let in_month = check_ins::local_date
        .ge(from.to_owned())
        .and(check_ins::local_date.le(to.to_owned()))
        .and(check_ins::thumbnail_key.ne(NO_THUMBNAIL))
        .and(check_ins::photo_key.ne(check_ins::thumbnail_key));
    let reduced = match units {
        None => diesel::update(check_ins::table.filter(in_month))
            .set(check_ins::photo_key.eq(check_ins::thumbnail_key))
            .execute(conn)?,
        Some(units) => diesel::update(
            check_ins::table.filter(in_month).filter(
                check_ins::employee_id.eq_any(
                    employees::table
                        .filter(employees::unit_id.eq_any(units.to_vec()))
                        .select(employees::id),
                ),
            ),
        )
        .set(check_ins::photo_key.eq(check_ins::thumbnail_key))
        .execute(conn)?,
    };
    Ok(reduced)
}

/// How many check-ins wait for review.
pub fn count_flagged(conn: &mut DbConnection) -> Result<i64, StorageError> {
    Ok(check_ins::table
        .filter(check_ins::status.eq("flagged"))
        .count()
        .get_result(conn)?)
}

/// How many check-ins are stored at all.
pub fn count_all(conn: &mut DbConnection) -> Result<i64, StorageError> {
    Ok(check_ins::table.count().get_result(conn)?)
}

/// Deletes an employee's check-ins of `kind` on `local_date` with their flag codes (the demo's
/// forgotten check-out; nothing else deletes check-ins).
pub fn delete_kind_on(
    conn: &mut DbConnection,
    employee_id: &str,
    local_date: &str,
    kind: &str,
) -> Result<usize, StorageError> {
    let ids: Vec<String> = check_ins::table
        .filter(check_ins::employee_id.eq(employee_id))
        .filter(check_ins::local_date.eq(local_date))
        .filter(check_ins::kind.eq(kind))
        .select(check_ins::id)
        .load(conn)?;
    diesel::delete(check_in_flags::table.filter(check_in_flags::check_in_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(selfie_bands::table.filter(selfie_bands::check_in_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(check_in_reviews::table.filter(check_in_reviews::check_in_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(
        crate::schema::face_jobs::table.filter(crate::schema::face_jobs::check_in_id.eq_any(&ids)),
    )
    .execute(conn)?;
    Ok(diesel::delete(check_ins::table.filter(check_ins::id.eq_any(&ids))).execute(conn)?)
}
