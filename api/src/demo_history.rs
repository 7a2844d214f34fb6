//! The demo's history: the past three weeks as the phones would have sent them, so the
//! console has something to show. Each check-in is judged by the same day plans, geofences and
//! flag rules as a live one (`planning::judge_day`, `checkin::evaluate`); the photos are the
//! demo's real selfies. Most people come on time; some are late, leave early, are absent,
//! check in outside the fence or work from home; a few cheat (a mock location, a colleague's
//! selfie, a cat). The flags of earlier days are decided, those of the last work days wait in
//! the queue; a correction and a daily report wait in a supervisor's inbox.

use std::collections::HashMap;

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc};
use hadir_domain::PhotoKey;
use hadir_domain::checkin::{
    self, DeviceStatus, DuplicateOf, Evidence, Kind, PhotoEvidence, PreviousFix, Status,
};
use hadir_domain::geofence::{Coordinates, Fix};
use hadir_domain::plan::{DayPlan, Mode};
use hadir_storage::repo::attendance::{self as attendance_repo, CorrectionRow, ReportRow};
use hadir_storage::repo::check_ins::{self, CheckInRow, ReviewRow};
use hadir_storage::repo::org::{self, EmployeeRow};
use hadir_storage::repo::plan as plan_repo;
use hadir_storage::repo::users;
use hadir_storage::{DbConnection, StorageError};
use sha2::{Digest, Sha256};

use crate::planning;
use crate::selfie;
use crate::state::AppState;

/// How far back the history goes.
const HISTORY_DAYS: i64 = 21;

/// Plans of past days that make the history read every day code: field duty (DL) for Dedi on
/// the first weekday of the window, work from home for Siti on the next three, and a permitted
/// absence (izin) for the first other employee on the second.
fn past_plans(
    conn: &mut DbConnection,
    employees: &[EmployeeRow],
    first: NaiveDate,
    yesterday: NaiveDate,
) -> Result<(), StorageError> {
    let weekdays: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= yesterday)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .take(4)
        .collect();
    let person = |conn: &mut DbConnection, name: &str| -> Result<Option<String>, StorageError> {
        Ok(users::find_by_username(conn, name)?.and_then(|u| u.employee_id))
    };
    let (Some(dedi), Some(siti)) = (person(conn, "dedi")?, person(conn, "siti")?) else {
        return Ok(());
    };
    let now = hadir_storage::now_utc();
    let assignment = |employee: &str, date: NaiveDate, mode: &str| plan_repo::AssignmentRow {
        id: uuid::Uuid::new_v4().to_string(),
        employee_id: employee.into(),
        date,
        mode: mode.into(),
        office_id: None,
        destination_name: None,
        destination_latitude: None,
        destination_longitude: None,
        destination_radius_m: None,
        letter_number: None,
        shift_start: None,
        shift_end: None,
        note: None,
        roster_id: None,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    let taken = |conn: &mut DbConnection, who: &str, date: NaiveDate| {
        plan_repo::assignments_of(conn, &[who.to_owned()], date, date).map(|a| !a.is_empty())
    };
    if let Some(&date) = weekdays.first()
        && !taken(conn, &dedi, date)?
    {
        let mut field = assignment(&dedi, date, "field");
        field.destination_name = Some("Kantor Kecamatan Cimahi Tengah".into());
        field.destination_latitude = Some(-6.870_8);
        field.destination_longitude = Some(107.540_9);
        field.destination_radius_m = Some(150.0);
        field.letter_number = Some("800/198/Diskominfo/2026".into());
        plan_repo::insert_assignment(conn, &field)?;
    }
    for &date in weekdays.iter().skip(1) {
        if !taken(conn, &siti, date)? {
            plan_repo::insert_assignment(conn, &assignment(&siti, date, "home"))?;
        }
    }
    if let (Some(&date), Some(other)) = (
        weekdays.get(1),
        employees.iter().find(|e| e.id != dedi && e.id != siti),
    ) {
        plan_repo::insert_leave(
            conn,
            &plan_repo::LeaveRow {
                id: uuid::Uuid::new_v4().to_string(),
                employee_id: other.id.clone(),
                starts_on: date,
                ends_on: date,
                kind: "izin".into(),
                note: Some("Keperluan keluarga".into()),
                created_by: None,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    Ok(())
}

/// The demo's photos: `(name, bytes)`.
const PHOTOS: [(&str, &[u8]); 3] = [
    ("selfie-a", include_bytes!("../demo/selfie-a-480x640.jpg")),
    ("selfie-b", include_bytes!("../demo/selfie-b-480x640.jpg")),
    ("cat", include_bytes!("../demo/not-a-face-cat-480x640.jpg")),
];

/// A stored demo photo.
#[derive(Clone, Debug)]
struct Photo {
    key: String,
    thumb: String,
    sha256: String,
    phash: String,
}

/// A number from 0 to 99 for `(who, date, salt)`: the same every time the demo loads.
fn roll(who: &str, date: NaiveDate, salt: &str) -> u64 {
    let digest = Sha256::digest(format!("{who}|{date}|{salt}").as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8])) % 100
}

/// `centre` moved `metres` towards the bearing given by `turn` (0 to 99).
fn moved(centre: (f64, f64), metres: f64, turn: u64) -> (f64, f64) {
    #[expect(clippy::cast_precision_loss, reason = "turn is below 100")]
    let bearing = (turn as f64) / 100.0 * std::f64::consts::TAU;
    let north = metres * bearing.cos() / 110_540.0;
    let east = metres * bearing.sin() / (111_320.0 * centre.0.to_radians().cos());
    (centre.0 + north, centre.1 + east)
}

/// Loads the history unless some check-in exists already; answers how many it stored.
pub async fn load(state: &AppState, today: NaiveDate) -> Result<usize, String> {
    let any = state
        .db
        .run(check_ins::count_all)
        .await
        .map_err(|e| e.to_string())?;
    if any > 0 {
        return Ok(0);
    }
    let limits = state.check_in.pipeline();
    let mut photos = HashMap::new();
    for (name, bytes) in PHOTOS {
        let processed = state
            .cpu
            .run(move || selfie::process(bytes, &limits))
            .await
            .map_err(|e| format!("demo photo {name}: {e}"))?
            .map_err(|e| format!("demo photo {name}: {e}"))?;
        let key = PhotoKey::new(format!("selfies/demo/{name}.jpg")).map_err(|e| e.to_string())?;
        let thumb = PhotoKey::new(format!("thumbs/demo/{name}.jpg")).map_err(|e| e.to_string())?;
        let thumbnail = processed
            .thumbnail_jpeg()
            .map_err(|e| format!("a demo thumbnail: {e}"))?;
        state
            .photos
            .put(&key, processed.jpeg, "image/jpeg")
            .await
            .map_err(|e| format!("storing a demo photo: {e}"))?;
        state
            .photos
            .put(&thumb, thumbnail, "image/jpeg")
            .await
            .map_err(|e| format!("storing a demo photo: {e}"))?;
        photos.insert(
            name,
            Photo {
                key: key.as_str().to_owned(),
                thumb: thumb.as_str().to_owned(),
                sha256: processed.sha256,
                phash: processed.phash.to_hex(),
            },
        );
    }
    let (thresholds, default_tz) = (state.check_in.thresholds(), state.check_in.time_zone());
    let faces = state.faces.enabled;
    state
        .db
        .transaction(move |conn| build(conn, &photos, (thresholds, default_tz, faces), today))
        .await
        .map_err(|e| format!("loading the demo history: {e}"))
}

/// What the phones sent on one day for one person.
struct Sent {
    kind: Kind,
    at: DateTime<Utc>,
    position: (f64, f64),
    accuracy_m: f64,
    is_mock: bool,
    delay: TimeDelta,
    photo: &'static str,
    duplicate: bool,
}

/// Today's plan in, the day's punches out, by the dice.
fn day_of(e: &EmployeeRow, plan: &DayPlan, own_photo: &'static str, cheat_day: bool) -> Vec<Sent> {
    let (Some(window), Some(place)) = (plan.window.as_ref(), plan.places.first()) else {
        return Vec::new();
    };
    let r = roll(&e.id, plan.date, "day");
    if r < 4 {
        return Vec::new(); // absent without notice
    }
    let minutes = |lo: u64, hi: u64| {
        let span = hi.saturating_sub(lo).max(1);
        TimeDelta::minutes(
            i64::try_from(lo + roll(&e.id, plan.date, "minutes") % span).unwrap_or(0),
        )
    };
    let arrive = match r {
        4..=11 => window.start + minutes(35, 110), // late
        _ => window.start - minutes(2, 25),        // on time
    };
    let leave = match r {
        12..=16 => window.end - minutes(35, 80), // early
        _ => window.end + minutes(1, 35),
    };
    let centre = (place.latitude, place.longitude);
    let inside = |salt: &str| {
        let turn = roll(&e.id, plan.date, salt);
        moved(
            centre,
            place.radius_m * 0.4 * (f64::from(u32::try_from(turn).unwrap_or(0)) / 100.0),
            turn,
        )
    };
    let mut sent = vec![
        Sent {
            kind: Kind::In,
            at: arrive,
            position: inside("in"),
            accuracy_m: 12.0,
            is_mock: false,
            delay: TimeDelta::seconds(2),
            photo: own_photo,
            duplicate: false,
        },
        Sent {
            kind: Kind::Out,
            at: leave,
            position: inside("out"),
            accuracy_m: 15.0,
            is_mock: false,
            delay: TimeDelta::seconds(3),
            photo: own_photo,
            duplicate: false,
        },
    ];
    match r {
        // Checked in far from the place (forgot to wait for the office, or was elsewhere).
        17..=19 => sent[0].position = moved(centre, 1_800.0, roll(&e.id, plan.date, "far")),
        // A weak fix indoors.
        20..=22 => sent[0].accuracy_m = 160.0,
        // No signal in the morning: sent on the way home.
        23..=24 => sent[0].delay = TimeDelta::hours(3),
        _ => {}
    }
    if cheat_day {
        match roll(&e.id, plan.date, "cheat") {
            0..=9 => sent[0].is_mock = true,
            10..=17 => {
                sent[0].photo = if own_photo == "selfie-a" {
                    "selfie-b"
                } else {
                    "selfie-a"
                };
                sent[0].duplicate = true;
            }
            18..=21 => sent[0].photo = "cat",
            _ => {}
        }
    }
    sent
}

#[expect(clippy::too_many_lines, reason = "one pass over people and days")]
fn build(
    conn: &mut DbConnection,
    photos: &HashMap<&'static str, Photo>,
    (thresholds, default_tz, faces): (checkin::Thresholds, chrono_tz::Tz, bool),
    today: NaiveDate,
) -> Result<usize, StorageError> {
    let first = today - TimeDelta::days(HISTORY_DAYS);
    let Some(yesterday) = today.pred_opt() else {
        return Ok(0);
    };
    // Everyone active, as if each had the app (the demo gives logins to a few of them).
    let ids: Vec<String> = org::roster_of(conn, None)?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let reviewer = users::find_by_username(conn, "hr.bkpsdm")?.map(|u| u.id);
    let employees = org::find_employees(conn, &ids)?;
    past_plans(conn, &employees, first, yesterday)?;
    let book = plan_repo::load_book(conn, Some(&ids), first - TimeDelta::days(1), yesterday)?;
    // The last two work days before today keep their flags waiting for review.
    let recent: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d <= yesterday)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .take(2)
        .collect();
    let mut stored = 0;
    let mut wfh_days: Vec<(String, NaiveDate)> = Vec::new();
    let mut last_day: HashMap<String, NaiveDate> = HashMap::new();
    for (n, e) in employees.iter().enumerate() {
        let own = if n % 2 == 0 { "selfie-a" } else { "selfie-b" };
        let mut previous: Option<PreviousFix> = None;
        for date in first.iter_days().take_while(|d| *d <= yesterday) {
            let plan = planning::day_plan(&book, e, date, default_tz)
                .map_err(|err| StorageError::Other(err.to_string()))?;
            if !matches!(
                plan.mode,
                Mode::Office | Mode::Home | Mode::Field | Mode::Duty
            ) {
                continue;
            }
            if plan.mode == Mode::Home {
                wfh_days.push((e.id.clone(), date));
            }
            let waiting = recent.contains(&date);
            for s in day_of(e, &plan, own, waiting) {
                let Ok(position) = Coordinates::new(s.position.0, s.position.1) else {
                    continue;
                };
                let Ok(fix) = Fix::new(position, s.accuracy_m) else {
                    continue;
                };
                let received = s.at + s.delay;
                let day = planning::judge_day(&book, e, default_tz, s.kind, s.at, &fix)
                    .map_err(|err| StorageError::Other(err.to_string()))?;
                let judgement = day.judged.as_ref().map(|(_, j, radius)| (*j, *radius));
                let outcome = checkin::evaluate(
                    &Evidence {
                        received_at: received,
                        captured_at: s.at,
                        position,
                        accuracy_m: s.accuracy_m,
                        is_mock: s.is_mock,
                        judgement,
                        no_place_reason: day.no_place_reason.clone(),
                        previous,
                        device: DeviceStatus::Bound,
                        duplicate: s
                            .duplicate
                            .then_some(DuplicateOf::Colleague { distance: 0 }),
                        outside_window: day.outside_window.clone(),
                        photo: PhotoEvidence::default(),
                    },
                    &thresholds,
                );
                previous = Some(PreviousFix { at: s.at, position });
                let photo = &photos[s.photo];
                let beyond = judgement.map(|(j, radius)| j.distance_m - radius);
                let row = CheckInRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    employee_id: e.id.clone(),
                    client_id: uuid::Uuid::new_v4().to_string(),
                    request_hash: hex::encode(Sha256::digest(uuid::Uuid::new_v4().as_bytes())),
                    kind: s.kind.as_str().to_owned(),
                    received_at: received.naive_utc(),
                    captured_at: s.at.naive_utc(),
                    counted_at: outcome.counted_at.naive_utc(),
                    local_date: day.date.to_string(),
                    timezone: day.timezone.name().to_owned(),
                    latitude: position.latitude(),
                    longitude: position.longitude(),
                    accuracy_m: s.accuracy_m,
                    altitude_m: None,
                    is_mock: s.is_mock,
                    device_id: Some(format!("demo-{}", &e.id[..8])),
                    place_kind: day.judged.as_ref().map(|(p, _, _)| p.kind.to_owned()),
                    place_id: day.judged.as_ref().map(|(p, _, _)| p.id.clone()),
                    place_name: day.judged.as_ref().map(|(p, _, _)| p.name.clone()),
                    place_radius_m: day.judged.as_ref().map(|(_, _, r)| *r),
                    distance_m: judgement.map(|(j, _)| j.distance_m),
                    geofence: judgement.map(|(j, _)| j.verdict.as_str().to_owned()),
                    flags_json: serde_json::to_string(&outcome.flags)
                        .map_err(|err| StorageError::Other(err.to_string()))?,
                    status: outcome.status.as_str().to_owned(),
                    photo_key: photo.key.clone(),
                    thumbnail_key: photo.thumb.clone(),
                    photo_sha256: photo.sha256.clone(),
                    photo_phash: photo.phash.clone(),
                    exif_captured_at: None,
                    exif_latitude: None,
                    exif_longitude: None,
                    risk: i32::try_from(checkin::risk(&outcome.flags, beyond)).unwrap_or(100),
                };
                let codes: Vec<&str> = outcome.flags.iter().map(|f| f.code.as_str()).collect();
                check_ins::insert(conn, &row, &codes)?;
                if faces {
                    // The worker looks at them after the start, as it would at a real peak.
                    hadir_storage::repo::faces::enqueue(conn, &row.id, row.received_at)?;
                }
                stored += 1;
                last_day.insert(e.id.clone(), date);
                // Earlier days were reviewed: approved, the cheats rejected.
                if outcome.status == Status::Flagged
                    && !waiting
                    && let Some(reviewer) = &reviewer
                {
                    let cheat = s.is_mock || s.duplicate || s.photo == "cat";
                    let review = ReviewRow {
                        check_in_id: row.id.clone(),
                        decision: if cheat { "reject" } else { "approve" }.into(),
                        note: Some(
                            if cheat {
                                "not a genuine check-in"
                            } else {
                                "confirmed with the unit"
                            }
                            .into(),
                        ),
                        reviewer_user_id: reviewer.clone(),
                        decided_at: received.naive_utc() + TimeDelta::hours(20),
                    };
                    let status = if cheat { "rejected" } else { "approved" };
                    check_ins::decide(conn, &review, status)?;
                }
            }
        }
    }
    // Daily reports for the days worked from home: approved, but the last one waits.
    let now = hadir_storage::now_utc();
    let last_wfh = wfh_days.last().cloned();
    for (employee_id, date) in &wfh_days {
        let waiting = last_wfh.as_ref() == Some(&(employee_id.clone(), *date));
        let entries = serde_json::json!([
            {"activity": "Menyusun laporan kegiatan bidang", "output": "draf laporan", "minutes": 240},
            {"activity": "Rapat daring koordinasi", "output": null, "minutes": 90},
        ]);
        attendance_repo::insert_report(
            conn,
            &ReportRow {
                id: uuid::Uuid::new_v4().to_string(),
                employee_id: employee_id.clone(),
                date: *date,
                entries_json: entries.to_string(),
                status: if waiting { "submitted" } else { "approved" }.into(),
                comment: None,
                decided_by: if waiting { None } else { reviewer.clone() },
                decided_at: (!waiting).then_some(now),
                submitted_at: Some(now),
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    // Dedi forgot to check out on his last work day and asks for a correction.
    if let Some(dedi) = users::find_by_username(conn, "dedi")?.and_then(|u| u.employee_id)
        && let Some(date) = last_day.get(&dedi).copied()
    {
        check_ins::delete_kind_on(conn, &dedi, &date.to_string(), "out")?;
        attendance_repo::insert_correction(
            conn,
            &CorrectionRow {
                id: uuid::Uuid::new_v4().to_string(),
                employee_id: dedi,
                date,
                kind: "forgot_check_out".into(),
                check_in_time: None,
                check_out_time: Some("16:10".into()),
                letter_number: None,
                reason: "Lupa presensi pulang, baterai ponsel habis".into(),
                attachment_key: None,
                attachment_type: None,
                status: "pending".into(),
                decided_by: None,
                decided_at: None,
                decision_note: None,
                created_at: now,
            },
        )?;
    }
    Ok(stored)
}
