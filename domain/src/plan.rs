//! Where one is meant to work on a day, and when: the resolution of DOMAIN.md's "Where one is
//! meant to work". Leave beats a holiday, a holiday beats an assignment, an assignment beats the
//! schedule's default. [`resolve`] is a pure function of what is known about the employee and
//! the date; storage gathers the inputs, the check-in pipeline and `GET /me/today` use the plan.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

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
/// ends the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A schedule: hours per weekday (Monday first; `None` is a day off), the grace period, and
/// how far before the start and after the end check-ins and check-outs are accepted. Date-range
/// overrides (Ramadan hours) replace the weekday hours inside their range.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub days: [Option<Hours>; 7],
    pub grace_minutes: u32,
    pub check_in_opens_before_minutes: u32,
    pub check_out_closes_after_minutes: u32,
    pub overrides: Vec<ScheduleOverride>,
}

/// Hours that replace a schedule's on the dates `from..=to`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleOverride {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: [Option<Hours>; 7],
}

impl Schedule {
    /// The hours of `date`, overrides first.
    #[must_use]
    pub fn hours_on(&self, date: NaiveDate) -> Option<Hours> {
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.overrides
            .iter()
            .find(|o| o.from <= date && date <= o.to)
            .map_or(self.days[weekday], |o| o.days[weekday])
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
    /// At this office (one of those the employee is allowed at).
    Office(Place),
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
        Some(Assignment::Office(office)) => plan(
            Mode::Office,
            vec![office.clone()],
            scheduled(hours),
            format!("assigned to {}", office.name),
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
            days: [day, day, day, day, fri, None, None],
            grace_minutes: 0,
            check_in_opens_before_minutes: 90,
            check_out_closes_after_minutes: 240,
            overrides: vec![ScheduleOverride {
                from: d("2026-02-18"),
                to: d("2026-03-19"),
                days: [ramadan, ramadan, ramadan, ramadan, ramadan, None, None],
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
            s.days = [Some(hours); 7];
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
