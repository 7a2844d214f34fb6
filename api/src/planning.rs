//! From stored rows to the domain's day plans: the glue between `repo::plan::PlanBook` and
//! `plan::resolve`, shared by the check-in pipeline, `GET /me/today` and the rosters.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use hadir_domain::checkin::Kind;
use hadir_domain::geofence::{Coordinates, Fence, Fix, Judgement, Verdict, judge};
use hadir_domain::plan::{
    self, Assignment, DayInputs, DayPlan, Hours, Place, Schedule, ScheduleOverride, Week,
};
use hadir_storage::repo::org::{EmployeeRow, OfficeRow};
use hadir_storage::repo::plan::{AssignmentRow, PlanBook, ScheduleRow};

use crate::error::ApiError;

/// A stored schedule as the domain's.
pub fn schedule(row: &ScheduleRow) -> Result<Schedule, ApiError> {
    let bad = |e: serde_json::Error| ApiError::Internal(format!("schedule {}: {e}", row.id));
    let days: Week = serde_json::from_str(&row.days_json).map_err(bad)?;
    let overrides: Vec<ScheduleOverride> =
        serde_json::from_str(&row.overrides_json).map_err(bad)?;
    let minutes = |m: i32| u32::try_from(m).unwrap_or(0);
    Ok(Schedule {
        days,
        grace_minutes: minutes(row.grace_minutes),
        check_in_opens_before_minutes: minutes(row.check_in_opens_before_minutes),
        check_out_closes_after_minutes: minutes(row.check_out_closes_after_minutes),
        overrides,
    })
}

/// An office as a place to work.
#[must_use]
pub fn office_place(o: &OfficeRow) -> Place {
    Place {
        kind: "office",
        id: o.id.clone(),
        name: o.name.clone(),
        latitude: o.latitude,
        longitude: o.longitude,
        radius_m: o.radius_m,
    }
}

/// The employee's home point, when all of it is recorded.
#[must_use]
pub fn home_place(e: &EmployeeRow) -> Option<Place> {
    match (e.home_latitude, e.home_longitude, e.home_radius_m) {
        (Some(latitude), Some(longitude), Some(radius_m)) => Some(Place {
            kind: "home",
            id: e.id.clone(),
            name: "home".into(),
            latitude,
            longitude,
            radius_m,
        }),
        _ => None,
    }
}

/// `HH:MM` as a time of day.
#[must_use]
pub fn hhmm(raw: &str) -> Option<NaiveTime> {
    (raw.len() == 5)
        .then(|| NaiveTime::parse_from_str(raw, "%H:%M").ok())
        .flatten()
}

fn assignment(book: &PlanBook, a: &AssignmentRow) -> Result<Assignment, ApiError> {
    let bad = |what: &str| ApiError::Internal(format!("assignment {}: {what}", a.id));
    let office = || -> Result<Option<Place>, ApiError> {
        a.office_id
            .as_ref()
            .map(|id| {
                book.offices
                    .get(id)
                    .map(office_place)
                    .ok_or_else(|| bad("its office is gone or inactive"))
            })
            .transpose()
    };
    Ok(match a.mode.as_str() {
        "office" => Assignment::Office(office()?),
        "home" => Assignment::Home,
        "off" => Assignment::Off,
        "field" => match (
            &a.destination_name,
            a.destination_latitude,
            a.destination_longitude,
            a.destination_radius_m,
        ) {
            (Some(name), Some(latitude), Some(longitude), Some(radius_m)) => Assignment::Field {
                destination: Place {
                    kind: "field",
                    id: a.id.clone(),
                    name: name.clone(),
                    latitude,
                    longitude,
                    radius_m,
                },
                letter_number: a.letter_number.clone().unwrap_or_default(),
            },
            _ => return Err(bad("field duty without a destination")),
        },
        "duty" => {
            let hours = a
                .shift_start
                .as_deref()
                .and_then(hhmm)
                .zip(a.shift_end.as_deref().and_then(hhmm))
                .map(|(start, end)| Hours { start, end })
                .ok_or_else(|| bad("duty without a shift"))?;
            Assignment::Duty {
                office: office()?.ok_or_else(|| bad("duty without an office"))?,
                hours,
            }
        }
        other => return Err(bad(&format!("unknown mode {other}"))),
    })
}

/// The time zone the employee's days are counted in: their primary office's, else `default`.
#[must_use]
pub fn time_zone_of(book: &PlanBook, employee: &EmployeeRow, default: Tz) -> Tz {
    book.offices_of(employee)
        .first()
        .and_then(|o| o.timezone.parse().ok())
        .unwrap_or(default)
}

/// The plans of one employee, day after day: what does not change from day to day (the
/// schedule, read once; the offices; the home point; the time zone) is worked out once.
#[derive(Debug)]
pub struct Planner<'a> {
    book: &'a PlanBook,
    employee: &'a EmployeeRow,
    schedule: Option<Schedule>,
    /// The schedule's earlier rules: each up to its last day (included), the earliest first.
    earlier: Vec<(NaiveDate, Schedule)>,
    offices: Vec<Place>,
    home: Option<Place>,
    tz: Tz,
}

impl<'a> Planner<'a> {
    pub fn new(
        book: &'a PlanBook,
        employee: &'a EmployeeRow,
        default_tz: Tz,
    ) -> Result<Self, ApiError> {
        let current = book.schedule_of(employee);
        let earlier = current
            .map(|s| {
                book.versions_of(s)
                    .iter()
                    .map(|v| Ok((v.valid_until, schedule(&v.applied_to(s))?)))
                    .collect::<Result<Vec<_>, ApiError>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            book,
            employee,
            earlier,
            schedule: current.map(schedule).transpose()?,
            offices: book
                .offices_of(employee)
                .into_iter()
                .map(office_place)
                .collect(),
            home: home_place(employee),
            tz: time_zone_of(book, employee, default_tz),
        })
    }

    /// The schedule's rules on `date`: the earlier version covering it, else the current.
    fn schedule_on(&self, date: NaiveDate) -> Option<&Schedule> {
        self.earlier
            .iter()
            .find(|(until, _)| date <= *until)
            .map(|(_, s)| s)
            .or(self.schedule.as_ref())
    }

    /// The grace period of the employee's schedule on `date`, in minutes.
    #[must_use]
    pub fn grace_minutes(&self, date: NaiveDate) -> u32 {
        self.schedule_on(date).map_or(0, |s| s.grace_minutes)
    }

    /// The plan of `date`.
    pub fn day(&self, date: NaiveDate) -> Result<DayPlan, ApiError> {
        let assignment = self
            .book
            .assignment_on(&self.employee.id, date)
            .map(|a| assignment(self.book, a))
            .transpose()?;
        Ok(plan::resolve(&DayInputs {
            date,
            timezone: self.tz,
            schedule: self.schedule_on(date),
            holiday: self.book.holidays.get(&date).map(|h| h.name.as_str()),
            leave: self
                .book
                .leave_on(&self.employee.id, date)
                .map(|l| l.kind.as_str()),
            assignment: assignment.as_ref(),
            offices: &self.offices,
            home: self.home.as_ref(),
        }))
    }
}

/// The plan of `employee` on `date`, from the book.
pub fn day_plan(
    book: &PlanBook,
    employee: &EmployeeRow,
    date: NaiveDate,
    default_tz: Tz,
) -> Result<DayPlan, ApiError> {
    Planner::new(book, employee, default_tz)?.day(date)
}

/// The fence of a place: an office's own (with its polygon), a circle for the others.
pub fn fence(book: &PlanBook, place: &Place) -> Result<Fence, ApiError> {
    if place.kind == "office"
        && let Some(office) = book.offices.get(&place.id)
    {
        return office_fence(office);
    }
    let center = Coordinates::new(place.latitude, place.longitude)
        .map_err(|e| ApiError::Internal(format!("place {}: {e}", place.id)))?;
    Fence::circle(center, place.radius_m)
        .map_err(|e| ApiError::Internal(format!("place {}: {e}", place.id)))
}

/// An office's fence: its circle, or its polygon judged against the edge.
pub fn office_fence(office: &OfficeRow) -> Result<Fence, ApiError> {
    let bad = |what: &str| ApiError::Internal(format!("office {}: {what}", office.id));
    let center =
        Coordinates::new(office.latitude, office.longitude).map_err(|e| bad(&e.to_string()))?;
    match &office.polygon {
        None => Fence::circle(center, office.radius_m),
        Some(json) => {
            let corners: Vec<[f64; 2]> =
                serde_json::from_str(json).map_err(|e| bad(&e.to_string()))?;
            let corners = corners
                .into_iter()
                .map(|[lat, lon]| Coordinates::new(lat, lon))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(&e.to_string()))?;
            Fence::polygon(center, office.radius_m, corners)
        }
    }
    .map_err(|e| bad(&e.to_string()))
}

/// A check-in judged against the plan of its day.
pub struct JudgedDay {
    /// The work day it counts for (the day a night shift started, for its check-out).
    pub date: NaiveDate,
    pub timezone: chrono_tz::Tz,
    /// The place judged against (the best of the day's), its judgement and its radius.
    pub judged: Option<(Place, Judgement, f64)>,
    pub no_place_reason: Option<String>,
    pub outside_window: Option<String>,
}

/// Finds the day a check-in of `kind` at `at` belongs to and judges the fix against its
/// places: the nearest place that admits the fix wins (inside, then uncertain, then nearest).
/// On a day that plans no work (off, holiday, leave) there is no place to judge against: the
/// check-in is flagged `no_assignment` with what the plan says (DOMAIN.md).
pub fn judge_day(
    book: &PlanBook,
    employee: &EmployeeRow,
    default_tz: chrono_tz::Tz,
    kind: Kind,
    at: DateTime<Utc>,
    fix: &Fix,
) -> Result<JudgedDay, ApiError> {
    let timezone = time_zone_of(book, employee, default_tz);
    let today = at.with_timezone(&timezone).date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    let today_plan = day_plan(book, employee, today, default_tz)?;
    let yesterday_plan = day_plan(book, employee, yesterday, default_tz)?;
    let plan = plan::plan_for(&yesterday_plan, &today_plan, kind, at);
    let places: Vec<Place> = if plan.is_work() {
        plan.places.clone()
    } else {
        Vec::new()
    };
    let rank = |v: Verdict| match v {
        Verdict::Inside => 0,
        Verdict::Uncertain => 1,
        Verdict::Outside => 2,
    };
    let mut judged: Option<(Place, Judgement, f64)> = None;
    for place in places {
        let fence = fence(book, &place)?;
        let j = judge(fix, &fence);
        let better = judged.as_ref().is_none_or(|(_, best, _)| {
            (rank(j.verdict), j.distance_m) < (rank(best.verdict), best.distance_m)
        });
        if better {
            judged = Some((place, j, fence.radius_m()));
        }
    }
    let no_place_reason = judged.is_none().then(|| {
        if plan.is_work() {
            format!(
                "no place to work is known for {}: {}",
                plan.date, plan.reason
            )
        } else {
            format!("no work is planned on {}: {}", plan.date, plan.reason)
        }
    });
    Ok(JudgedDay {
        date: plan.date,
        timezone,
        judged,
        no_place_reason,
        outside_window: plan
            .is_work()
            .then(|| plan.window_problem(kind, at))
            .flatten(),
    })
}
