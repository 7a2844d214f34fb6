//! A check-in: what the phone sends, the flags it earns and the status that follows.
//!
//! A check-in is never refused for where it is or what it looks like: it is recorded, and
//! whatever is wrong becomes a [`Flag`] with a code and a one-line explanation for the reviewer.
//! [`evaluate`] is the one place that decides the flags; everything it needs (the judgement
//! against the day's place, the previous check-in, the device, the selfie comparison) comes in
//! as values, so it is tested without a database.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::geofence::{Coordinates, Judgement, Verdict};

/// Whether `id` is usable as a device id: 1 to 128 printable ASCII characters, no spaces.
/// Phones send their installation id; anything else (control characters, NUL) is refused.
#[must_use]
pub fn is_device_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_graphic())
}

/// Check-in or check-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    In,
    Out,
}

impl Kind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::In => "in",
            Kind::Out => "out",
        }
    }
}

impl FromStr for Kind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "in" => Ok(Kind::In),
            "out" => Ok(Kind::Out),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// A stored text that is not one of the known values (a corrupt row).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

/// Where a check-in stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No flag that needs a human.
    Accepted,
    /// Waiting for review.
    Flagged,
    /// A reviewer approved it.
    Approved,
    /// A reviewer rejected it: it does not count.
    Rejected,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Flagged => "flagged",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
}

impl FromStr for Status {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accepted" => Ok(Status::Accepted),
            "flagged" => Ok(Status::Flagged),
            "approved" => Ok(Status::Approved),
            "rejected" => Ok(Status::Rejected),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// The reasons a check-in may be flagged (DOMAIN.md's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    OutsideGeofence,
    UncertainLocation,
    LowAccuracy,
    MockLocation,
    ImpossibleTravel,
    ClockSkew,
    OfflineLate,
    DuplicateSelfie,
    SharedDevice,
    NewDevice,
    NoAssignment,
    OutsideWindow,
    /// No face in the selfie (face detection, after the answer).
    NoFace,
    /// More than one face in the selfie.
    SeveralFaces,
    /// The face is not the employee's enrolled reference.
    FaceMismatch,
    /// The photo's own EXIF capture time or position disagrees with the check-in.
    PhotoMismatch,
}

impl FlagCode {
    /// Every code, in the order of DOMAIN.md's table.
    pub const ALL: [FlagCode; 16] = [
        FlagCode::OutsideGeofence,
        FlagCode::UncertainLocation,
        FlagCode::LowAccuracy,
        FlagCode::MockLocation,
        FlagCode::ImpossibleTravel,
        FlagCode::ClockSkew,
        FlagCode::OfflineLate,
        FlagCode::DuplicateSelfie,
        FlagCode::SharedDevice,
        FlagCode::NewDevice,
        FlagCode::NoAssignment,
        FlagCode::OutsideWindow,
        FlagCode::NoFace,
        FlagCode::SeveralFaces,
        FlagCode::FaceMismatch,
        FlagCode::PhotoMismatch,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::OutsideGeofence => "outside_geofence",
            FlagCode::UncertainLocation => "uncertain_location",
            FlagCode::LowAccuracy => "low_accuracy",
            FlagCode::MockLocation => "mock_location",
            FlagCode::ImpossibleTravel => "impossible_travel",
            FlagCode::ClockSkew => "clock_skew",
            FlagCode::OfflineLate => "offline_late",
            FlagCode::DuplicateSelfie => "duplicate_selfie",
            FlagCode::SharedDevice => "shared_device",
            FlagCode::NewDevice => "new_device",
            FlagCode::NoAssignment => "no_assignment",
            FlagCode::OutsideWindow => "outside_window",
            FlagCode::NoFace => "no_face",
            FlagCode::SeveralFaces => "several_faces",
            FlagCode::FaceMismatch => "face_mismatch",
            FlagCode::PhotoMismatch => "photo_mismatch",
        }
    }

    /// Whether this flag puts the check-in in the review queue. `offline_late` is a label only:
    /// sending late within the offline window is what the window is for.
    #[must_use]
    pub fn needs_review(self) -> bool {
        self != FlagCode::OfflineLate
    }
}

impl FlagCode {
    /// What this flag adds to a check-in's risk (see [`risk`]): signs of deliberate cheating
    /// weigh most, then signs that the person was elsewhere, then what honest phones also do.
    #[must_use]
    pub fn weight(self) -> u32 {
        match self {
            FlagCode::MockLocation => 40,
            FlagCode::SharedDevice | FlagCode::DuplicateSelfie | FlagCode::FaceMismatch => 35,
            FlagCode::ImpossibleTravel | FlagCode::PhotoMismatch => 30,
            FlagCode::OutsideGeofence | FlagCode::NoFace => 25,
            FlagCode::SeveralFaces => 15,
            FlagCode::ClockSkew => 20,
            FlagCode::NewDevice | FlagCode::NoAssignment | FlagCode::OutsideWindow => 10,
            FlagCode::UncertainLocation | FlagCode::LowAccuracy => 5,
            FlagCode::OfflineLate => 0,
        }
    }
}

/// The risk of a check-in, 0 to 100: the sum of its flags' weights, plus up to 15 for how far
/// outside the fence it was (1 per 100 m beyond the radius), capped at 100. The review queue
/// shows the riskiest first.
#[must_use]
pub fn risk(flags: &[Flag], beyond_fence_m: Option<f64>) -> u32 {
    let weights: u32 = flags.iter().map(|f| f.code.weight()).sum();
    let far = beyond_fence_m.filter(|d| d.is_finite()).map_or(0, |d| {
        (1..=15u32)
            .take_while(|k| d >= f64::from(*k) * 100.0)
            .count()
    });
    let far = u32::try_from(far).unwrap_or(15);
    (weights + far).min(100)
}

impl fmt::Display for FlagCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FlagCode {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FlagCode::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// One reason for review, with a sentence a reviewer can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub code: FlagCode,
    pub detail: String,
}

/// The limits behind the flags; each is a setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Accuracy worse than this (metres) earns `low_accuracy`.
    pub low_accuracy_m: f64,
    /// Faster than this (km/h) between two check-ins is `impossible_travel`...
    pub max_speed_kmh: f64,
    /// ...when they are also more than this far apart (metres).
    pub min_travel_m: f64,
    /// A capture this much later than the server's clock is still taken as clock drift.
    pub future_tolerance: TimeDelta,
    /// Sent this much after capture, a check-in counts as queued offline (`offline_late`).
    pub offline_after: TimeDelta,
    /// The longest a queued check-in may wait; older captures are `clock_skew`.
    pub offline_window: TimeDelta,
    /// Largest Hamming distance (bits of a 64-bit perceptual hash) that counts as the same selfie.
    pub duplicate_max_distance: u32,
    /// A photo whose EXIF capture time is further than this from the check-in's capture is
    /// `photo_mismatch` (a gallery photo).
    pub photo_max_age: TimeDelta,
    /// A photo whose EXIF position lies further than this (metres) from the fix likewise.
    pub photo_max_distance_m: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            low_accuracy_m: 100.0,
            max_speed_kmh: 150.0,
            min_travel_m: 1_000.0,
            future_tolerance: TimeDelta::minutes(2),
            offline_after: TimeDelta::minutes(10),
            offline_window: TimeDelta::hours(12),
            duplicate_max_distance: 10,
            photo_max_age: TimeDelta::hours(1),
            photo_max_distance_m: 1_000.0,
        }
    }
}

/// The employee's previous check-in, for the travel-speed check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PreviousFix {
    pub at: DateTime<Utc>,
    pub position: Coordinates,
}

/// What is known about the device the check-in came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    /// The phone sent no device id.
    Unknown,
    /// The device is bound to this employee (possibly just now, as their first).
    Bound,
    /// The employee already has a bound device and this is another one, bound to nobody.
    New,
    /// The device is bound to another employee.
    SharedWith { other_employee: String },
}

/// Whose earlier selfie this one matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DuplicateOf {
    /// One of this employee's own earlier selfies.
    Own { at: DateTime<Utc>, distance: u32 },
    /// A colleague's selfie at the same place on the same day.
    Colleague { distance: u32 },
}

/// Everything [`evaluate`] weighs.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub received_at: DateTime<Utc>,
    pub captured_at: DateTime<Utc>,
    pub position: Coordinates,
    pub accuracy_m: f64,
    pub is_mock: bool,
    /// The judgement against the day's place, or `None` when there is no place to work today.
    pub judgement: Option<(Judgement, f64)>,
    /// Why there is no place today, when `judgement` is `None`.
    pub no_place_reason: Option<String>,
    pub previous: Option<PreviousFix>,
    pub device: DeviceStatus,
    pub duplicate: Option<DuplicateOf>,
    /// `Some(explanation)` when the time is outside the schedule's check-in or check-out window.
    pub outside_window: Option<String>,
    /// What the photo says of itself (EXIF, read before it was stripped).
    pub photo: PhotoEvidence,
}

/// When and where the photo says it was taken (its EXIF): a phone camera app's frame has
/// neither; a photo picked from a gallery often has both.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhotoEvidence {
    pub captured_at: Option<DateTime<Utc>>,
    pub position: Option<Coordinates>,
}

/// The flags and status of a new check-in, and the instant it counts for.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub flags: Vec<Flag>,
    pub status: Status,
    /// The capture time when it can be trusted (within the offline window and not in the
    /// future), the server's receipt time otherwise. The local date is taken from this.
    pub counted_at: DateTime<Utc>,
}

/// The instant a check-in counts for: its capture time when that can be trusted (not in the
/// future beyond the tolerance, not older than the offline window), else its receipt time.
#[must_use]
pub fn counted_at(
    received_at: DateTime<Utc>,
    captured_at: DateTime<Utc>,
    t: &Thresholds,
) -> DateTime<Utc> {
    let delay = received_at - captured_at;
    if delay < -t.future_tolerance || delay > t.offline_window {
        received_at
    } else {
        captured_at
    }
}

fn describe_duration(delta: TimeDelta) -> String {
    let m = delta.num_minutes().abs();
    if m >= 120 {
        format!("{} h {} min", m / 60, m % 60)
    } else if m >= 1 {
        format!("{m} min")
    } else {
        format!("{} s", delta.num_seconds().abs())
    }
}

/// Decides the flags and the status of a new check-in.
#[must_use]
pub fn evaluate(e: &Evidence, t: &Thresholds) -> Outcome {
    let mut flags = Vec::new();
    let mut push = |code: FlagCode, detail: String| flags.push(Flag { code, detail });

    match &e.judgement {
        Some((j, radius_m)) => match j.verdict {
            Verdict::Inside => {}
            Verdict::Outside => push(
                FlagCode::OutsideGeofence,
                format!(
                    "{:.0} m from the place, outside its {:.0} m radius even allowing for the \
                     {:.0} m accuracy",
                    j.distance_m, radius_m, e.accuracy_m
                ),
            ),
            Verdict::Uncertain => push(
                FlagCode::UncertainLocation,
                format!(
                    "{:.0} m from the place with a {radius_m:.0} m radius; the {:.0} m accuracy \
                     circle straddles the fence",
                    j.distance_m, e.accuracy_m
                ),
            ),
        },
        None => push(
            FlagCode::NoAssignment,
            e.no_place_reason
                .clone()
                .unwrap_or_else(|| "no place to work is set for this day".to_owned()),
        ),
    }

    if e.accuracy_m > t.low_accuracy_m {
        push(
            FlagCode::LowAccuracy,
            format!(
                "accuracy {:.0} m is worse than {:.0} m",
                e.accuracy_m, t.low_accuracy_m
            ),
        );
    }
    if e.is_mock {
        push(
            FlagCode::MockLocation,
            "the phone reported that the location came from a mock provider".to_owned(),
        );
    }

    let delay = e.received_at - e.captured_at;
    if delay < -t.future_tolerance {
        push(
            FlagCode::ClockSkew,
            format!(
                "captured {} after the server's time: the phone's clock is ahead",
                describe_duration(delay)
            ),
        );
    } else if delay > t.offline_window {
        push(
            FlagCode::ClockSkew,
            format!(
                "captured {} before it was received, beyond the {} h offline window",
                describe_duration(delay),
                t.offline_window.num_hours()
            ),
        );
    } else if delay > t.offline_after {
        push(
            FlagCode::OfflineLate,
            format!(
                "sent {} after capture, within the {} h offline window",
                describe_duration(delay),
                t.offline_window.num_hours()
            ),
        );
    }
    let counted_at = counted_at(e.received_at, e.captured_at, t);

    if let Some(prev) = e.previous {
        let metres = prev.position.distance_m(&e.position);
        let seconds = (counted_at - prev.at)
            .abs()
            .to_std()
            .map_or(0.0, |d| d.as_secs_f64());
        let kmh = if seconds > 0.0 {
            metres / seconds * 3.6
        } else {
            f64::INFINITY
        };
        if metres > t.min_travel_m && kmh > t.max_speed_kmh {
            push(
                FlagCode::ImpossibleTravel,
                if kmh.is_finite() {
                    format!(
                        "{:.1} km from the previous check-in {} earlier: {kmh:.0} km/h, above \
                         {:.0} km/h",
                        metres / 1000.0,
                        describe_duration(counted_at - prev.at),
                        t.max_speed_kmh
                    )
                } else {
                    format!(
                        "{:.1} km from the previous check-in at the same moment",
                        metres / 1000.0
                    )
                },
            );
        }
    }

    match &e.duplicate {
        None => {}
        Some(DuplicateOf::Own { at, distance }) => push(
            FlagCode::DuplicateSelfie,
            format!(
                "the selfie matches this employee's selfie of {} (difference {distance} of 64 bits)",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
        Some(DuplicateOf::Colleague { distance }) => push(
            FlagCode::DuplicateSelfie,
            format!(
                "the selfie matches a colleague's selfie at the same place today (difference \
                 {distance} of 64 bits)"
            ),
        ),
    }

    match &e.device {
        DeviceStatus::Unknown | DeviceStatus::Bound => {}
        DeviceStatus::New => push(
            FlagCode::NewDevice,
            "sent from a device other than the one bound to this employee".to_owned(),
        ),
        DeviceStatus::SharedWith { other_employee } => push(
            FlagCode::SharedDevice,
            format!("the device is bound to another employee ({other_employee})"),
        ),
    }

    if let Some(why) = &e.outside_window {
        push(FlagCode::OutsideWindow, why.clone());
    }

    let mut photo = Vec::new();
    if let Some(taken) = e.photo.captured_at
        && (taken - e.captured_at).abs() > t.photo_max_age
    {
        photo.push(format!(
            "the photo says it was taken {} but the check-in was captured {} ({} apart)",
            taken.format("%Y-%m-%d %H:%M UTC"),
            e.captured_at.format("%Y-%m-%d %H:%M UTC"),
            describe_duration(taken - e.captured_at)
        ));
    }
    if let Some(at) = e.photo.position {
        let metres = at.distance_m(&e.position);
        if metres > t.photo_max_distance_m {
            photo.push(format!(
                "the photo says it was taken at {:.5}, {:.5}, {:.1} km from the fix at {:.5},                  {:.5}",
                at.latitude(),
                at.longitude(),
                metres / 1000.0,
                e.position.latitude(),
                e.position.longitude()
            ));
        }
    }
    if !photo.is_empty() {
        push(FlagCode::PhotoMismatch, photo.join("; "));
    }

    let status = if flags.iter().any(|f| f.code.needs_review()) {
        Status::Flagged
    } else {
        Status::Accepted
    };
    Outcome {
        flags,
        status,
        counted_at,
    }
}

/// A 64-bit perceptual hash of a selfie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PerceptualHash(pub u64);

impl PerceptualHash {
    /// How many bits differ.
    #[must_use]
    pub fn distance(self, other: PerceptualHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// Sixteen lower-case hex digits (the stored form).
    #[must_use]
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    pub fn from_hex(s: &str) -> Result<Self, UnknownValue> {
        u64::from_str_radix(s, 16)
            .map(PerceptualHash)
            .map_err(|_| UnknownValue(s.to_owned()))
    }

    /// The hash cut into four 16-bit bands, most significant first (the stored hex form's
    /// digits 1-4, 5-8, 9-12 and 13-16).
    #[must_use]
    pub fn bands(self) -> [u16; BANDS] {
        let b = self.0.to_be_bytes();
        [
            u16::from_be_bytes([b[0], b[1]]),
            u16::from_be_bytes([b[2], b[3]]),
            u16::from_be_bytes([b[4], b[5]]),
            u16::from_be_bytes([b[6], b[7]]),
        ]
    }

    /// What to look up in a band index to find every stored hash within `max_distance` bits
    /// of this one (multi-index hashing): for each band, the values within `max_distance / 4`
    /// bits of this hash's. Two hashes within `max_distance` agree that closely on at least one
    /// band, for if every band differed in `max_distance / 4 + 1` bits or more they would
    /// differ in more than `max_distance`. `None` when that radius would need more than
    /// `MAX_PROBES` look-ups (a scan is cheaper then).
    #[must_use]
    pub fn probes(self, max_distance: u32) -> Option<[Vec<u16>; BANDS]> {
        let radius = max_distance / 4;
        if radius > MAX_BAND_RADIUS {
            return None;
        }
        Some(self.bands().map(|value| within(value, radius)))
    }
}

/// How many bands a hash is cut into for its index.
pub const BANDS: usize = 4;
/// The largest radius per band that is looked up (137 values per band at 2).
pub const MAX_BAND_RADIUS: u32 = 2;

/// The 16-bit values within `radius` bits of `value`, `value` first.
fn within(value: u16, radius: u32) -> Vec<u16> {
    let mut out = vec![value];
    let mut masks = vec![0u16];
    for _ in 0..radius {
        // Grow each mask of the last weight by one bit above its highest, so each set of bits
        // comes once.
        let mut next = Vec::new();
        for mask in masks {
            let start = if mask == 0 {
                0
            } else {
                16 - mask.leading_zeros()
            };
            for bit in start..16 {
                let m = mask | (1 << bit);
                next.push(m);
                out.push(value ^ m);
            }
        }
        masks = next;
    }
    out
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn band_probes_find_every_hash_within_the_distance() {
        assert_eq!(within(0x1234, 0), [0x1234]);
        assert_eq!(within(0x1234, 1).len(), 17);
        let two = within(0xbeef, 2);
        assert_eq!(two.len(), 137);
        let unique: std::collections::HashSet<u16> = two.iter().copied().collect();
        assert_eq!(unique.len(), 137, "each value once");
        assert!(two.iter().all(|v| (v ^ 0xbeef).count_ones() <= 2));
        // Every hash within 10 bits shares a probed value in some band; one 12 bits away
        // (3 in each band) may not.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2_000 {
            let a = PerceptualHash(next());
            let mut b = a.0;
            let flips = u32::try_from(next() % 11).unwrap();
            while (a.0 ^ b).count_ones() < flips {
                b ^= 1 << (next() % 64);
            }
            let b = PerceptualHash(b);
            assert!(a.distance(b) <= 10);
            let probes = a.probes(10).unwrap();
            let found = b
                .bands()
                .iter()
                .zip(&probes)
                .any(|(band, values)| values.contains(band));
            assert!(found, "{a:?} and {b:?} at {}", a.distance(b));
        }
        let a = PerceptualHash(0);
        let b = PerceptualHash(0x0007_0007_0007_0007);
        let probes = a.probes(10).unwrap();
        assert!(!b.bands().iter().zip(&probes).any(|(v, p)| p.contains(v)));
        assert!(a.probes(12).is_none());
        assert_eq!(
            PerceptualHash(0x0123_4567_89ab_cdef).bands(),
            [0x0123, 0x4567, 0x89ab, 0xcdef]
        );
    }
    use crate::geofence::{Fence, Fix, judge};

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap()
    }

    fn time(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const OFFICE: (f64, f64) = (-6.872_183, 107.542_038);

    fn evidence(lat: f64, lon: f64, accuracy_m: f64) -> Evidence {
        let office = at(OFFICE.0, OFFICE.1);
        let fence = Fence::circle(office, 100.0).unwrap();
        let position = at(lat, lon);
        let j = judge(&Fix::new(position, accuracy_m).unwrap(), &fence);
        Evidence {
            received_at: time("2026-11-02T00:21:10Z"),
            captured_at: time("2026-11-02T00:21:09Z"),
            position,
            accuracy_m,
            is_mock: false,
            judgement: Some((j, 100.0)),
            no_place_reason: None,
            previous: None,
            device: DeviceStatus::Bound,
            duplicate: None,
            outside_window: None,
            photo: PhotoEvidence::default(),
        }
    }

    fn codes(o: &Outcome) -> Vec<FlagCode> {
        o.flags.iter().map(|f| f.code).collect()
    }

    #[test]
    fn risk_adds_the_weights_and_the_distance_beyond_the_fence_up_to_100() {
        let flag = |code| Flag {
            code,
            detail: String::new(),
        };
        assert_eq!(risk(&[], None), 0);
        assert_eq!(risk(&[flag(FlagCode::OfflineLate)], None), 0);
        assert_eq!(risk(&[flag(FlagCode::LowAccuracy)], None), 5);
        // 1,991 m outside a 100 m fence is 1,891 m beyond it: 18 hundreds, capped at 15.
        assert_eq!(risk(&[flag(FlagCode::OutsideGeofence)], Some(1_891.0)), 40);
        assert_eq!(risk(&[flag(FlagCode::OutsideGeofence)], Some(250.0)), 27);
        assert_eq!(risk(&[flag(FlagCode::OutsideGeofence)], Some(f64::NAN)), 25);
        let cheat = [
            flag(FlagCode::MockLocation),
            flag(FlagCode::SharedDevice),
            flag(FlagCode::DuplicateSelfie),
        ];
        assert_eq!(risk(&cheat, Some(5_000.0)), 100);
        // Mocking the location outranks every honest-phone flag together.
        let honest = [
            flag(FlagCode::LowAccuracy),
            flag(FlagCode::UncertainLocation),
            flag(FlagCode::NewDevice),
            flag(FlagCode::OutsideWindow),
        ];
        assert!(risk(&[flag(FlagCode::MockLocation)], None) > risk(&honest, None));
    }

    #[test]
    fn an_honest_check_in_at_the_office_is_accepted_without_flags() {
        let o = evaluate(&evidence(-6.872_0, 107.542_0, 12.5), &Thresholds::default());
        assert_eq!(o.flags, vec![]);
        assert_eq!(o.status, Status::Accepted);
        assert_eq!(o.counted_at, time("2026-11-02T00:21:09Z"));
    }

    #[test]
    fn outside_and_uncertain_fixes_are_flagged_with_their_distance() {
        let o = evaluate(&evidence(-6.862, 107.542_038, 10.0), &Thresholds::default());
        assert_eq!(codes(&o), vec![FlagCode::OutsideGeofence]);
        assert_eq!(o.status, Status::Flagged);
        assert!(
            o.flags[0].detail.starts_with("1126 m from the place"),
            "{}",
            o.flags[0].detail
        );
        // About 111 m north of the office with 30 m accuracy.
        let o = evaluate(
            &evidence(-6.871_18, 107.542_038, 30.0),
            &Thresholds::default(),
        );
        assert_eq!(codes(&o), vec![FlagCode::UncertainLocation]);
    }

    #[test]
    fn low_accuracy_and_mock_location_are_flagged() {
        let mut e = evidence(-6.872_183, 107.542_038, 180.0);
        e.is_mock = true;
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(
            codes(&o),
            vec![FlagCode::LowAccuracy, FlagCode::MockLocation]
        );
        assert_eq!(o.flags[0].detail, "accuracy 180 m is worse than 100 m");
    }

    #[test]
    fn a_late_send_within_the_window_is_labelled_not_queued_for_review() {
        let mut e = evidence(-6.872_183, 107.542_038, 10.0);
        e.received_at = time("2026-11-02T03:00:00Z");
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(codes(&o), vec![FlagCode::OfflineLate]);
        assert_eq!(o.status, Status::Accepted);
        assert_eq!(o.counted_at, e.captured_at);
    }

    #[test]
    fn captures_in_the_future_or_beyond_the_window_are_clock_skew_and_count_when_received() {
        let mut e = evidence(-6.872_183, 107.542_038, 10.0);
        e.captured_at = time("2026-11-02T00:30:00Z");
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(codes(&o), vec![FlagCode::ClockSkew]);
        assert_eq!(o.counted_at, e.received_at);
        // One minute ahead is clock drift, not skew.
        e.captured_at = time("2026-11-02T00:22:10Z");
        assert_eq!(codes(&evaluate(&e, &Thresholds::default())), vec![]);
        e.captured_at = time("2026-11-01T12:21:09Z");
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(codes(&o), vec![FlagCode::ClockSkew]);
        assert_eq!(o.status, Status::Flagged);
        // Exactly at the window's edge is still offline_late.
        e.captured_at = time("2026-11-01T12:21:10Z");
        assert_eq!(
            codes(&evaluate(&e, &Thresholds::default())),
            vec![FlagCode::OfflineLate]
        );
    }

    #[test]
    fn impossible_travel_needs_both_speed_and_distance() {
        let mut e = evidence(-6.872_183, 107.542_038, 10.0);
        // Bandung, about 9 km away, 2 minutes earlier: 270 km/h.
        e.previous = Some(PreviousFix {
            at: time("2026-11-02T00:19:09Z"),
            position: at(-6.902_477, 107.618_810),
        });
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(codes(&o), vec![FlagCode::ImpossibleTravel]);
        assert_eq!(
            o.flags[0].detail,
            "9.1 km from the previous check-in 2 min earlier: 274 km/h, above 150 km/h"
        );
        // The same trip in 10 minutes: 55 km/h.
        e.previous = Some(PreviousFix {
            at: time("2026-11-02T00:11:09Z"),
            position: at(-6.902_477, 107.618_810),
        });
        assert_eq!(codes(&evaluate(&e, &Thresholds::default())), vec![]);
        // 800 m in 10 seconds is fast but short: GPS jumps do that.
        e.previous = Some(PreviousFix {
            at: time("2026-11-02T00:20:59Z"),
            position: at(-6.879_4, 107.542_038),
        });
        assert_eq!(codes(&evaluate(&e, &Thresholds::default())), vec![]);
    }

    #[test]
    fn devices_and_duplicates_and_windows_and_missing_places_are_flagged() {
        let mut e = evidence(-6.872_183, 107.542_038, 10.0);
        e.device = DeviceStatus::New;
        e.duplicate = Some(DuplicateOf::Colleague { distance: 3 });
        e.outside_window = Some("07:00 is before the check-in window opens at 06:00".into());
        e.judgement = None;
        e.no_place_reason = Some("a national holiday".into());
        let o = evaluate(&e, &Thresholds::default());
        assert_eq!(
            codes(&o),
            vec![
                FlagCode::NoAssignment,
                FlagCode::DuplicateSelfie,
                FlagCode::NewDevice,
                FlagCode::OutsideWindow
            ]
        );
        e.device = DeviceStatus::SharedWith {
            other_employee: "Budi".into(),
        };
        assert!(codes(&evaluate(&e, &Thresholds::default())).contains(&FlagCode::SharedDevice));
    }

    #[test]
    fn every_flag_code_round_trips_through_its_name() {
        for code in FlagCode::ALL {
            assert_eq!(code.as_str().parse::<FlagCode>().unwrap(), code);
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn perceptual_hashes_measure_differing_bits() {
        let a = PerceptualHash(0xff00_ff00_ff00_ff00);
        let b = PerceptualHash(0xff00_ff00_ff00_ff0f);
        assert_eq!(a.distance(b), 4);
        assert_eq!(PerceptualHash::from_hex(&a.to_hex()).unwrap(), a);
    }

    #[test]
    fn a_gallery_photo_whose_exif_disagrees_is_photo_mismatch_with_both_values() {
        let mut e = evidence(OFFICE.0, OFFICE.1, 10.0);
        assert!(!codes(&evaluate(&e, &Thresholds::default())).contains(&FlagCode::PhotoMismatch));
        // Taken a month earlier, 5 km away: one flag naming both.
        e.photo = PhotoEvidence {
            captured_at: Some(time("2026-10-02T00:12:00Z")),
            position: Some(at(OFFICE.0 - 0.045, OFFICE.1)),
        };
        let o = evaluate(&e, &Thresholds::default());
        let flag = o
            .flags
            .iter()
            .find(|f| f.code == FlagCode::PhotoMismatch)
            .unwrap();
        assert!(
            flag.detail.contains("2026-10-02 00:12 UTC"),
            "{}",
            flag.detail
        );
        assert!(
            flag.detail.contains("2026-11-02 00:21 UTC"),
            "{}",
            flag.detail
        );
        assert!(flag.detail.contains("5.0 km"), "{}", flag.detail);
        assert_eq!(o.status, Status::Flagged);
        // Within the limits (a minute and 50 m off): nothing.
        e.photo = PhotoEvidence {
            captured_at: Some(time("2026-11-02T00:20:09Z")),
            position: Some(at(OFFICE.0 + 0.000_4, OFFICE.1)),
        };
        assert!(!codes(&evaluate(&e, &Thresholds::default())).contains(&FlagCode::PhotoMismatch));
    }
}
