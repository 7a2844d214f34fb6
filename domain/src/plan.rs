//! Where one is meant to work on a day, and when: the resolution of DOMAIN.md's "Where one is
//! meant to work". Leave beats a holiday, a holiday beats an assignment, an assignment beats the
//! schedule's default. [`resolve`] is a pure function of what is known about the employee and
//! the date; storage gathers the inputs, the check-in pipeline and `GET /me/today` use the plan.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::checkin::Kind;

/// The work mode of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// WFO: at one of the offices.
    Office,
    /// WFH: at the home point.
    Home,
    /// Dinas luar: at a field destination, with a letter number.
    Field,
    /// Piket: a rostered shift at an office, possibly overnight.
    Duty,
    /// Not a work day by the schedule or the roster.
    Off,
    /// On leave (cuti, sakit, izin...).
    Leave,
    /// A national holiday or collective leave.
    Holiday,
}

/// Working hours of one day, in the place's local time. `end` before `start` means the shift
/// ends the next day. In JSON: `{"start": "07:30", "end": "16:00"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    #[serde(with = "hhmm")]
    pub end: NaiveTime,
}

/// `HH:MM` on the wire, minutes only: schedules do not need seconds.
mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's `with` passes a reference"
    )]
    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let raw = String::deserialize(d)?;
        if raw.len() != 5 {
            return Err(D::Error::custom(format!("`{raw}` is not a time as HH:MM")));
        }
        NaiveTime::parse_from_str(&raw, "%H:%M")
            .map_err(|_| D::Error::custom(format!("`{raw}` is not a time as HH:MM")))
    }
}

/// The names of the weekdays in JSON, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Hours per weekday, Monday first; `None` is a day off. In JSON an object keyed by
/// `mon`..`sun`; a day left out (or `null`) is off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Week(pub [Option<Hours>; 7]);

impl Serialize for Week {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(7))?;
        for (name, hours) in WEEKDAYS.iter().zip(&self.0) {
            map.serialize_entry(name, hours)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Week {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let map = std::collections::BTreeMap::<String, Option<Hours>>::deserialize(d)?;
        let mut week = [None; 7];
        for (key, hours) in map {
            let Some(i) = WEEKDAYS.iter().position(|w| *w == key) else {
                return Err(D::Error::custom(format!(
                    "`{key}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun"
                )));
            };
            if let Some(h) = hours
                && h.start == h.end
            {
                return Err(D::Error::custom(format!(
                    "{key}: a shift cannot start and end at the same time"
                )));
            }
            week[i] = hours;
        }
        Ok(Week(week))
    }
}

/// A schedule: hours per weekday (Monday first; `None` is a day off), the grace period, and
/// how far before the start and after the end check-ins and check-outs are accepted. Date-range
/// overrides (Ramadan hours) replace the weekday hours inside their range.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub days: Week,
    pub grace_minutes: u32,
    pub check_in_opens_before_minutes: u32,
    pub check_out_closes_after_minutes: u32,
    pub overrides: Vec<ScheduleOverride>,
}

/// Hours that replace a schedule's on the dates `from..=to` (Ramadan hours).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleOverride {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: Week,
}

impl Schedule {
    /// The hours of `date`, overrides first.
    #[must_use]
    pub fn hours_on(&self, date: NaiveDate) -> Option<Hours> {
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.overrides
            .iter()
            .find(|o| o.from <= date && date <= o.to)
            .map_or(self.days.0[weekday], |o| o.days.0[weekday])
    }
}

/// A place one may work at, as the check-in pipeline judges against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// `office`, `home` or `field`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
}

/// What an assignment for the date says.
#[derive(Clone, Debug, PartialEq)]
pub enum Assignment {
    /// At this office, or at the employee's own offices when `None`.
    Office(Option<Place>),
    Home,
    Field {
        destination: Place,
        letter_number: String,
    },
    /// A shift at an office with its own hours.
    Duty {
        office: Place,
        hours: Hours,
    },
    Off,
}

/// Everything known about an employee and a date.
#[derive(Clone, Debug)]
pub struct DayInputs<'a> {
    pub date: NaiveDate,
    /// The time zone of the employee's primary office (the day's place may have another).
    pub timezone: Tz,
    pub schedule: Option<&'a Schedule>,
    /// The holiday's name, when the date is one for the organisation.
    pub holiday: Option<&'a str>,
    /// The leave type, when the employee is on leave.
    pub leave: Option<&'a str>,
    pub assignment: Option<&'a Assignment>,
    /// The offices the employee may work at by default, primary first.
    pub offices: &'a [Place],
    /// The home point, if one is recorded.
    pub home: Option<&'a Place>,
}

/// When check-ins count on a day, as instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub check_in_from: DateTime<Utc>,
    pub check_out_until: DateTime<Utc>,
}

/// The plan of a day: the mode, the places, the window, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayPlan {
    pub date: NaiveDate,
    pub mode: Mode,
    pub places: Vec<Place>,
    pub window: Option<Window>,
    /// The time zone the window was taken in.
    pub timezone: String,
    /// One line: what decided the plan.
    pub reason: String,
}

/// The local time `time` on `date` in `tz`, as an instant. A time that does not exist (a
/// forward daylight-saving jump, not in Indonesia but possible elsewhere) moves forward an
/// hour; an ambiguous one takes the earlier instant.
fn instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = NaiveDateTime::new(date, time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => tz
            .from_local_datetime(&(local + TimeDelta::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// The window of `hours` on `date` in `tz` with the schedule's margins.
#[must_use]
pub fn window(tz: Tz, date: NaiveDate, hours: Hours, schedule: Option<&Schedule>) -> Window {
    let start = instant(tz, date, hours.start);
    let end_date = if hours.end <= hours.start {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let end = instant(tz, end_date, hours.end);
    let (before, after) = schedule.map_or((60, 240), |s| {
        (
            s.check_in_opens_before_minutes,
            s.check_out_closes_after_minutes,
        )
    });
    Window {
        start,
        end,
        check_in_from: start - TimeDelta::minutes(i64::from(before)),
        check_out_until: end + TimeDelta::minutes(i64::from(after)),
    }
}

/// Resolves the plan of a day: leave, then holiday, then assignment, then the schedule.
#[must_use]
pub fn resolve(inputs: &DayInputs<'_>) -> DayPlan {
    let date = inputs.date;
    let tz = inputs.timezone;
    let plan = |mode, places: Vec<Place>, window, reason: String| DayPlan {
        date,
        mode,
        places,
        window,
        timezone: tz.name().to_owned(),
        reason,
    };
    if let Some(kind) = inputs.leave {
        return plan(Mode::Leave, Vec::new(), None, format!("on leave ({kind})"));
    }
    if let Some(name) = inputs.holiday {
        return plan(Mode::Holiday, Vec::new(), None, format!("holiday: {name}"));
    }
    let hours = inputs.schedule.and_then(|s| s.hours_on(date));
    let scheduled = |hours: Option<Hours>| hours.map(|h| window(tz, date, h, inputs.schedule));
    match inputs.assignment {
        Some(Assignment::Off) => plan(Mode::Off, Vec::new(), None, "off by assignment".into()),
        Some(Assignment::Duty { office, hours }) => plan(
            Mode::Duty,
            vec![office.clone()],
            Some(window(tz, date, *hours, inputs.schedule)),
            format!("duty shift at {}", office.name),
        ),
        Some(Assignment::Office(Some(office))) => plan(
            Mode::Office,
            vec![office.clone()],
            scheduled(hours),
            format!("assigned to {}", office.name),
        ),
        Some(Assignment::Office(None)) => plan(
            Mode::Office,
            inputs.offices.to_vec(),
            scheduled(hours),
            "in the office by assignment".into(),
        ),
        Some(Assignment::Home) => match inputs.home {
            Some(home) => plan(
                Mode::Home,
                vec![home.clone()],
                scheduled(hours),
                "work from home by assignment".into(),
            ),
            None => plan(
                Mode::Home,
                Vec::new(),
                scheduled(hours),
                "work from home by assignment, but no home point is recorded".into(),
            ),
        },
        Some(Assignment::Field {
            destination,
            letter_number,
        }) => plan(
            Mode::Field,
            vec![destination.clone()],
            scheduled(hours),
            format!(
                "field duty at {} (letter {letter_number})",
                destination.name
            ),
        ),
        None if inputs.schedule.is_none() => plan(
            Mode::Office,
            inputs.offices.to_vec(),
            None,
            "no schedule applies: a work day at the employee's offices, at any hour".into(),
        ),
        None => match hours {
            None => plan(
                Mode::Off,
                Vec::new(),
                None,
                "not a work day by the schedule".into(),
            ),
            Some(h) => plan(
                Mode::Office,
                inputs.offices.to_vec(),
                Some(window(tz, date, h, inputs.schedule)),
                "the schedule's work day at the employee's offices".into(),
            ),
        },
    }
}

impl Window {
    /// The span in which a check-in of `kind` counts: an `in` from the window's opening to the
    /// end of the hours, an `out` from the start of the hours to the window's close.
    #[must_use]
    pub fn span(&self, kind: Kind) -> (DateTime<Utc>, DateTime<Utc>) {
        match kind {
            Kind::In => (self.check_in_from, self.end),
            Kind::Out => (self.start, self.check_out_until),
        }
    }

    #[must_use]
    pub fn admits(&self, kind: Kind, at: DateTime<Utc>) -> bool {
        let (from, until) = self.span(kind);
        from <= at && at <= until
    }
}

impl DayPlan {
    /// Whether the plan expects work (and so check-ins) on its date.
    #[must_use]
    pub fn is_work(&self) -> bool {
        matches!(
            self.mode,
            Mode::Office | Mode::Home | Mode::Field | Mode::Duty
        )
    }

    /// `None` when a check-in of `kind` at `at` fits this plan; otherwise one line saying why
    /// not, for the `outside_window` flag. Times are shown in the plan's time zone.
    #[must_use]
    pub fn window_problem(&self, kind: Kind, at: DateTime<Utc>) -> Option<String> {
        let tz: Tz = self.timezone.parse().unwrap_or(Tz::UTC);
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
        if !self.is_work() {
            return Some(format!(
                "no work is planned on {}: {}",
                self.date, self.reason
            ));
        }
        // Work without hours (no schedule, or an assignment on a day the schedule has none):
        // nothing to be early or late for.
        let w = self.window?;
        if w.admits(kind, at) {
            return None;
        }
        let (from, until) = w.span(kind);
        Some(format!(
            "check-{} at {} is outside the {}-{} window ({})",
            kind.as_str(),
            local(at),
            local(from),
            local(until),
            self.timezone
        ))
    }
}

/// Which day's plan a check-in at `at` belongs to: yesterday's when it falls in yesterday's
/// window for its kind (a night shift's check-out the next morning) and not in today's;
/// today's otherwise.
#[must_use]
pub fn plan_for<'a>(
    yesterday: &'a DayPlan,
    today: &'a DayPlan,
    kind: Kind,
    at: DateTime<Utc>,
) -> &'a DayPlan {
    let fits = |p: &DayPlan| p.window.is_some_and(|w| w.admits(kind, at));
    if fits(yesterday) && !fits(today) {
        yesterday
    } else {
        today
    }
}

/// One day on which a roster breaks a rule, with the people concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub date: NaiveDate,
    pub message: String,
}

/// The days on which more than `quota_percent` of `headcount` people work from home.
/// `at_home` lists, per date, the names of those at home.
#[must_use]
pub fn wfh_quota_breaches(
    unit: &str,
    quota_percent: u32,
    headcount: usize,
    at_home: &std::collections::BTreeMap<NaiveDate, Vec<String>>,
) -> Vec<Breach> {
    at_home
        .iter()
        .filter(|(_, names)| names.len() * 100 > quota_percent as usize * headcount)
        .map(|(date, names)| {
            let mut names = names.clone();
            names.sort();
            Breach {
                date: *date,
                message: format!(
                    "{date}: {} of {headcount} people of {unit} would work from home, over its \
                     {quota_percent}% quota: {}",
                    names.len(),
                    names.join(", ")
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    /// Mon-Thu 07:30-16:00, Fri 07:30-16:30, weekend off; Ramadan 08:00-15:00.
    fn civil_service() -> Schedule {
        let day = Some(Hours {
            start: t(7, 30),
            end: t(16, 0),
        });
        let fri = Some(Hours {
            start: t(7, 30),
            end: t(16, 30),
        });
        let ramadan = Some(Hours {
            start: t(8, 0),
            end: t(15, 0),
        });
        Schedule {
            days: Week([day, day, day, day, fri, None, None]),
            grace_minutes: 0,
            check_in_opens_before_minutes: 90,
            check_out_closes_after_minutes: 240,
            overrides: vec![ScheduleOverride {
                name: "Ramadan 1447".into(),
                from: d("2026-02-18"),
                to: d("2026-03-19"),
                days: Week([ramadan, ramadan, ramadan, ramadan, ramadan, None, None]),
            }],
        }
    }

    fn office(name: &str) -> Place {
        Place {
            kind: "office",
            id: name.to_lowercase(),
            name: name.into(),
            latitude: -6.872_183,
            longitude: 107.542_038,
            radius_m: 100.0,
        }
    }

    fn inputs<'a>(
        date: &str,
        tz: Tz,
        schedule: &'a Schedule,
        offices: &'a [Place],
    ) -> DayInputs<'a> {
        DayInputs {
            date: d(date),
            timezone: tz,
            schedule: Some(schedule),
            holiday: None,
            leave: None,
            assignment: None,
            offices,
            home: None,
        }
    }

    #[test]
    fn a_work_day_is_at_the_offices_in_the_schedules_hours() {
        let s = civil_service();
        let offices = [office("Kantor Pemkot Cimahi")];
        // Monday 2 November 2026, Asia/Jakarta (UTC+7).
        let p = resolve(&inputs(
            "2026-11-02",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        assert_eq!(p.mode, Mode::Office);
        assert_eq!(p.places, offices);
        let w = p.window.unwrap();
        assert_eq!(w.start, utc("2026-11-02T00:30:00Z"));
        assert_eq!(w.end, utc("2026-11-02T09:00:00Z"));
        assert_eq!(w.check_in_from, utc("2026-11-01T23:00:00Z"));
        assert_eq!(w.check_out_until, utc("2026-11-02T13:00:00Z"));
        // Friday ends later; Saturday is off.
        let fri = resolve(&inputs(
            "2026-11-06",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        assert_eq!(fri.window.unwrap().end, utc("2026-11-06T09:30:00Z"));
        let sat = resolve(&inputs(
            "2026-11-07",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        assert_eq!((sat.mode, sat.window), (Mode::Off, None));
    }

    #[test]
    fn leave_beats_holiday_beats_assignment_beats_schedule() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let field = Assignment::Field {
            destination: office("Desa Cibeber"),
            letter_number: "800/123/Disdik".into(),
        };
        let mut i = inputs("2026-11-02", chrono_tz::Asia::Jakarta, &s, &offices);
        i.assignment = Some(&field);
        assert_eq!(resolve(&i).mode, Mode::Field);
        assert!(resolve(&i).reason.contains("800/123/Disdik"));
        i.holiday = Some("Hari Raya");
        assert_eq!(resolve(&i).mode, Mode::Holiday);
        i.leave = Some("cuti tahunan");
        let p = resolve(&i);
        assert_eq!((p.mode, p.places.len(), p.window), (Mode::Leave, 0, None));
        assert_eq!(p.reason, "on leave (cuti tahunan)");
    }

    #[test]
    fn an_assignment_changes_the_place_but_keeps_the_schedules_hours() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let home = Place {
            kind: "home",
            ..office("Rumah")
        };
        let mut i = inputs("2026-11-03", chrono_tz::Asia::Jakarta, &s, &offices);
        i.home = Some(&home);
        let wfh = Assignment::Home;
        i.assignment = Some(&wfh);
        let p = resolve(&i);
        assert_eq!(p.mode, Mode::Home);
        assert_eq!(p.places, vec![home.clone()]);
        assert_eq!(p.window.unwrap().start, utc("2026-11-03T00:30:00Z"));
        let off = Assignment::Off;
        i.assignment = Some(&off);
        assert_eq!(resolve(&i).mode, Mode::Off);
        // Work from home without a home point: the mode stands, with no place to judge against.
        i.home = None;
        i.assignment = Some(&wfh);
        let p = resolve(&i);
        assert!(p.places.is_empty() && p.reason.contains("no home point"));
    }

    #[test]
    fn ramadan_hours_override_the_weekday_hours() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let p = resolve(&inputs(
            "2026-03-02",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        assert_eq!(p.window.unwrap().start, utc("2026-03-02T01:00:00Z"));
        assert_eq!(p.window.unwrap().end, utc("2026-03-02T08:00:00Z"));
        let after = resolve(&inputs(
            "2026-03-20",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        assert_eq!(after.window.unwrap().start, utc("2026-03-20T00:30:00Z"));
    }

    #[test]
    fn a_night_shift_ends_the_next_morning() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let duty = Assignment::Duty {
            office: office("Puskesmas Cimahi Tengah"),
            hours: Hours {
                start: t(21, 0),
                end: t(7, 0),
            },
        };
        let mut i = inputs("2026-11-07", chrono_tz::Asia::Jakarta, &s, &offices);
        i.assignment = Some(&duty);
        let p = resolve(&i);
        assert_eq!(p.mode, Mode::Duty);
        let w = p.window.unwrap();
        assert_eq!(w.start, utc("2026-11-07T14:00:00Z"));
        assert_eq!(w.end, utc("2026-11-08T00:00:00Z"));
        assert!(w.end > w.start);
    }

    #[test]
    fn the_same_schedule_in_wib_wita_and_wit_starts_an_hour_apart() {
        let s = civil_service();
        let offices = [office("Kantor")];
        let start = |tz| {
            resolve(&inputs("2026-11-02", tz, &s, &offices))
                .window
                .unwrap()
                .start
        };
        let wib = start(chrono_tz::Asia::Jakarta);
        let wita = start(chrono_tz::Asia::Makassar);
        let wit = start(chrono_tz::Asia::Jayapura);
        assert_eq!(wib - wita, TimeDelta::hours(1));
        assert_eq!(wita - wit, TimeDelta::hours(1));
        // At 00:00 UTC it is 07:00 in Jakarta, 08:00 in Banjarmasin, 09:00 in Jayapura: the
        // same instant is before the start in WIB and after it in WITA and WIT.
        let instant = utc("2026-11-02T00:00:00Z");
        assert!(instant < wib && instant > wita && instant > wit);
        let p = resolve(&inputs(
            "2026-11-02",
            chrono_tz::Asia::Jayapura,
            &s,
            &offices,
        ));
        assert_eq!(p.timezone, "Asia/Jayapura");
    }

    #[test]
    fn a_night_shifts_check_out_next_morning_belongs_to_the_shifts_day() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let duty = Assignment::Duty {
            office: office("Puskesmas Cimahi Tengah"),
            hours: Hours {
                start: t(21, 0),
                end: t(7, 0),
            },
        };
        let mut sat = inputs("2026-11-07", chrono_tz::Asia::Jayapura, &s, &offices);
        sat.assignment = Some(&duty);
        let sat = resolve(&sat);
        let sun = resolve(&inputs(
            "2026-11-08",
            chrono_tz::Asia::Jayapura,
            &s,
            &offices,
        ));
        // 07:10 WIT on Sunday (22:10 UTC Saturday): the end of Saturday's shift.
        let out = utc("2026-11-07T22:10:00Z");
        assert_eq!(
            plan_for(&sat, &sun, Kind::Out, out).date,
            d("2026-11-08").pred_opt().unwrap()
        );
        assert_eq!(sat.window_problem(Kind::Out, out), None);
        // 23:59 and 00:01 WIT around the shift's first midnight both check in on Saturday.
        for at in ["2026-11-07T14:59:00Z", "2026-11-07T15:01:00Z"] {
            assert_eq!(sat.window_problem(Kind::In, utc(at)), None, "{at}");
        }
        // Sunday is off by the schedule: a check-in in the afternoon is explained.
        let noon = utc("2026-11-08T05:00:00Z");
        assert_eq!(plan_for(&sat, &sun, Kind::In, noon).date, d("2026-11-08"));
        let why = sun.window_problem(Kind::In, noon).unwrap();
        assert!(why.contains("not a work day"), "{why}");
    }

    #[test]
    fn without_a_schedule_every_day_is_a_work_day_at_any_hour() {
        let offices = [office("Kantor A")];
        let s = civil_service();
        let mut i = inputs("2026-11-08", chrono_tz::Asia::Jakarta, &s, &offices);
        i.schedule = None;
        let p = resolve(&i);
        assert_eq!((p.mode, p.window, p.places.len()), (Mode::Office, None, 1));
        assert_eq!(
            p.window_problem(Kind::In, utc("2026-11-08T20:00:00Z")),
            None
        );
        // A holiday still wins.
        i.holiday = Some("Natal");
        assert!(
            p.window_problem(Kind::In, utc("2026-11-08T20:00:00Z"))
                .is_none()
        );
        assert!(
            resolve(&i)
                .window_problem(Kind::In, utc("2026-11-08T02:00:00Z"))
                .is_some()
        );
    }

    #[test]
    fn a_check_in_before_the_window_opens_or_after_the_day_ends_is_outside_it() {
        let s = civil_service();
        let offices = [office("Kantor A")];
        let p = resolve(&inputs(
            "2026-11-02",
            chrono_tz::Asia::Jakarta,
            &s,
            &offices,
        ));
        // The window opens 90 minutes before 07:30: 06:00 WIB is the first minute.
        assert_eq!(
            p.window_problem(Kind::In, utc("2026-11-01T23:00:00Z")),
            None
        );
        let early = p
            .window_problem(Kind::In, utc("2026-11-01T22:59:00Z"))
            .unwrap();
        assert_eq!(
            early,
            "check-in at 05:59 is outside the 06:00-16:00 window (Asia/Jakarta)"
        );
        // Late is not outside: the day status counts lateness, not the flag.
        assert_eq!(
            p.window_problem(Kind::In, utc("2026-11-02T03:00:00Z")),
            None
        );
        assert!(
            p.window_problem(Kind::In, utc("2026-11-02T09:01:00Z"))
                .is_some()
        );
        // A check-out is taken until four hours after 16:00, not before 07:30.
        assert_eq!(
            p.window_problem(Kind::Out, utc("2026-11-02T13:00:00Z")),
            None
        );
        assert!(
            p.window_problem(Kind::Out, utc("2026-11-02T13:01:00Z"))
                .is_some()
        );
        assert!(
            p.window_problem(Kind::Out, utc("2026-11-02T00:29:00Z"))
                .is_some()
        );
    }

    #[test]
    fn schedules_read_and_write_weekdays_by_name() {
        let week: Week = serde_json::from_str(
            r#"{"mon": {"start": "07:30", "end": "16:00"}, "fri": {"start": "07:30", "end": "16:30"}, "sat": null}"#,
        )
        .unwrap();
        assert_eq!(week.0[0].unwrap().start, t(7, 30));
        assert_eq!(week.0[4].unwrap().end, t(16, 30));
        assert!(week.0[1].is_none() && week.0[5].is_none());
        let back = serde_json::to_value(week).unwrap();
        assert_eq!(back["mon"]["end"], "16:00");
        assert!(back["tue"].is_null());
        for bad in [
            r#"{"monday": null}"#,
            r#"{"mon": {"start": "7:30", "end": "16:00"}}"#,
            r#"{"mon": {"start": "07:30", "end": "24:00"}}"#,
            r#"{"mon": {"start": "07:30", "end": "07:30"}}"#,
            r#"{"mon": {"start": "07:30", "end": "16:00", "break": "12:00"}}"#,
        ] {
            assert!(serde_json::from_str::<Week>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wfh_quota_names_the_days_and_people_over_it() {
        let mut at_home = std::collections::BTreeMap::new();
        at_home.insert(d("2026-12-01"), vec!["Budi".to_owned(), "Ani".to_owned()]);
        at_home.insert(d("2026-12-02"), vec!["Citra".to_owned()]);
        // Two of four is exactly 50%: allowed; 25% quota: one at most.
        assert!(wfh_quota_breaches("Dinas X", 50, 4, &at_home).is_empty());
        let b = wfh_quota_breaches("Dinas X", 25, 4, &at_home);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].date, d("2026-12-01"));
        assert_eq!(
            b[0].message,
            "2026-12-01: 2 of 4 people of Dinas X would work from home, over its 25% quota: Ani, Budi"
        );
        assert_eq!(wfh_quota_breaches("Dinas X", 0, 4, &at_home).len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn every_window_is_ordered_and_leave_always_wins(
            days in 0i64..3_650, start_min in 0u32..1_440, length_min in 1u32..1_440,
            before in 0u32..300, after in 0u32..600, zone in 0usize..3,
        ) {
            let tz = [chrono_tz::Asia::Jakarta, chrono_tz::Asia::Makassar, chrono_tz::Asia::Jayapura][zone];
            let date = d("2024-01-01") + TimeDelta::days(days);
            let start = t(start_min / 60, start_min % 60);
            let end_min = (start_min + length_min) % 1_440;
            let hours = Hours { start, end: t(end_min / 60, end_min % 60) };
            let mut s = civil_service();
            s.days = Week([Some(hours); 7]);
            s.overrides.clear();
            s.check_in_opens_before_minutes = before;
            s.check_out_closes_after_minutes = after;
            let offices = [office("Kantor")];
            let mut i = inputs("2024-01-01", tz, &s, &offices);
            i.date = date;
            let w = resolve(&i).window.unwrap();
            proptest::prop_assert!(w.check_in_from <= w.start);
            proptest::prop_assert!(w.start < w.end);
            proptest::prop_assert!(w.end <= w.check_out_until);
            proptest::prop_assert_eq!((w.end - w.start).num_minutes(), i64::from(length_min % 1_440));
            i.leave = Some("sakit");
            i.holiday = Some("Tahun Baru");
            proptest::prop_assert_eq!(resolve(&i).mode, Mode::Leave);
        }
    }
}
