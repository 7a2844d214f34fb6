//! The status of a day (DOMAIN.md's "A day") and the allowance cuts that follow from it.
//!
//! [`day_status`] is a pure function of the day's plan and its counted punches: it gives the
//! day's codes (`H`, `TL1`..`TL4`, `PSW1`..`PSW4`, `TK`, `WFH`, `DL`, `C`, `S`, `I`, `L`), the
//! minutes late and early, the punches behind them and one line saying why. [`statement`] turns
//! a month of statuses into allowance (TPP/tukin) cuts, each linked to its day and punches;
//! [`totals`] and [`present_days`] give the export's total columns. All times are instants;
//! they are shown in the plan's time zone, so night shifts across midnight need no special case.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::checkin::UnknownValue;
use crate::plan::{DayPlan, Mode};

/// Where a punch (an arrival or a departure) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A check-in from the phone.
    Phone,
    /// A manual entry by an administrator.
    Manual,
    /// An approved correction.
    Correction,
}

impl Source {
    /// The snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Phone => "phone",
            Source::Manual => "manual",
            Source::Correction => "correction",
        }
    }
}

/// A counted arrival or departure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Punch {
    pub at: DateTime<Utc>,
    pub source: Source,
    /// The id of the check-in, manual entry or correction.
    pub id: String,
}

/// The code of a day, as HR writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Hadir: present, on time.
    H,
    /// Terlambat 1-30 minutes.
    Tl1,
    /// Terlambat 31-60 minutes.
    Tl2,
    /// Terlambat 61-90 minutes.
    Tl3,
    /// Terlambat over 90 minutes, or no check-in.
    Tl4,
    /// Pulang sebelum waktu, 1-30 minutes early.
    Psw1,
    /// Pulang sebelum waktu, 31-60 minutes early.
    Psw2,
    /// Pulang sebelum waktu, 61-90 minutes early.
    Psw3,
    /// Pulang sebelum waktu, over 90 minutes early, or no check-out.
    Psw4,
    /// Tanpa keterangan: absent without notice.
    Tk,
    /// Worked from home.
    Wfh,
    /// Dinas luar: field duty.
    Dl,
    /// Cuti: leave (also tugas belajar).
    C,
    /// Sakit: sick leave.
    S,
    /// Izin: permitted absence.
    I,
    /// Libur: a holiday or a day off.
    L,
    /// A work day that is not over yet: nothing is judged, nothing is cut (written `-`).
    Pending,
}

impl Code {
    /// Every code, in the order of the export's columns.
    pub const ALL: [Code; 16] = [
        Code::H,
        Code::Tl1,
        Code::Tl2,
        Code::Tl3,
        Code::Tl4,
        Code::Psw1,
        Code::Psw2,
        Code::Psw3,
        Code::Psw4,
        Code::Tk,
        Code::Wfh,
        Code::Dl,
        Code::C,
        Code::S,
        Code::I,
        Code::L,
    ];

    /// The code as HR writes it: `H`, `TL1`, `PSW4`, `TK`...
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Code::H => "H",
            Code::Tl1 => "TL1",
            Code::Tl2 => "TL2",
            Code::Tl3 => "TL3",
            Code::Tl4 => "TL4",
            Code::Psw1 => "PSW1",
            Code::Psw2 => "PSW2",
            Code::Psw3 => "PSW3",
            Code::Psw4 => "PSW4",
            Code::Tk => "TK",
            Code::Wfh => "WFH",
            Code::Dl => "DL",
            Code::C => "C",
            Code::S => "S",
            Code::I => "I",
            Code::L => "L",
            Code::Pending => "-",
        }
    }

    /// `TL1`..`TL4`.
    #[must_use]
    pub fn is_late(self) -> bool {
        matches!(self, Code::Tl1 | Code::Tl2 | Code::Tl3 | Code::Tl4)
    }

    /// `PSW1`..`PSW4`.
    #[must_use]
    pub fn is_early(self) -> bool {
        matches!(self, Code::Psw1 | Code::Psw2 | Code::Psw3 | Code::Psw4)
    }

    /// Whether the code means the person worked that day: `H`, `WFH`, `DL`, or late or early.
    #[must_use]
    pub fn is_present(self) -> bool {
        matches!(self, Code::H | Code::Wfh | Code::Dl) || self.is_late() || self.is_early()
    }

    /// The `TL` band of `minutes` late (at least one).
    fn late(minutes: u32) -> Code {
        match minutes {
            0..=30 => Code::Tl1,
            31..=60 => Code::Tl2,
            61..=90 => Code::Tl3,
            _ => Code::Tl4,
        }
    }

    /// The `PSW` band of `minutes` early (at least one).
    fn early(minutes: u32) -> Code {
        match minutes {
            0..=30 => Code::Psw1,
            31..=60 => Code::Psw2,
            61..=90 => Code::Psw3,
            _ => Code::Psw4,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything that decides a day's status.
#[derive(Clone, Copy, Debug)]
pub struct DayFacts<'a> {
    pub plan: &'a DayPlan,
    /// The leave kind when `plan.mode` is `Leave`: `cuti`, `sakit`, `izin`, `tugas_belajar`.
    pub leave_kind: Option<&'a str>,
    pub grace_minutes: u32,
    /// Counted arrivals and departures (the caller has dropped rejected check-ins) from every
    /// source.
    pub ins: &'a [Punch],
    pub outs: &'a [Punch],
    /// An approved correction of kind `field_duty` covers the day (with its id).
    pub field_duty_correction: Option<&'a str>,
    pub report_approved: bool,
    pub wfh_requires_report: bool,
}

/// The status of one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayStatus {
    pub date: NaiveDate,
    /// For example `[TL2, PSW1]`; `[H]` when present on time; never empty. Late before early.
    pub codes: Vec<Code>,
    /// Whole minutes late, 0 within the grace period and when there is no check-in.
    pub late_minutes: u32,
    /// Whole minutes early, 0 when there is no check-out.
    pub early_minutes: u32,
    /// The first counted arrival (whatever the mode: on leave or a holiday it decides nothing).
    pub check_in: Option<Punch>,
    /// The last counted departure (whatever the mode).
    pub check_out: Option<Punch>,
    /// One human line: why this code.
    pub explanation: String,
}

impl DayStatus {
    /// The codes joined with `/`, for example `TL2/PSW1`.
    #[must_use]
    pub fn code(&self) -> String {
        self.codes
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The plan's time zone (UTC if the name is unknown, which `resolve` never produces).
fn zone(plan: &DayPlan) -> Tz {
    plan.timezone.parse().unwrap_or(Tz::UTC)
}

/// `at` in the plan's time zone: `HH:MM`, with the date in front when it is not the plan's
/// date (the end of a night shift), and the source when it is not the phone.
fn local(plan: &DayPlan, punch: &Punch) -> String {
    let t = punch.at.with_timezone(&zone(plan));
    let mut shown = if t.date_naive() == plan.date {
        t.format("%H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    };
    match punch.source {
        Source::Phone => {}
        Source::Manual => shown.push_str(" (manual entry)"),
        Source::Correction => shown.push_str(" (correction)"),
    }
    shown
}

/// "1 minute", "22 minutes".
fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".to_owned()
    } else {
        format!("{n} minutes")
    }
}

/// Whole minutes from `from` to `to`, rounded down; 0 if `to` is not after `from`.
fn whole_minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    if to <= from {
        return 0;
    }
    u32::try_from((to - from).num_minutes()).unwrap_or(u32::MAX)
}

/// The codes, minutes late, minutes early and explanation of a day.
struct Verdict {
    codes: Vec<Code>,
    late: u32,
    early: u32,
    explanation: String,
}

impl Verdict {
    fn one(code: Code, explanation: String) -> Verdict {
        Verdict {
            codes: vec![code],
            late: 0,
            early: 0,
            explanation,
        }
    }
}

/// The status of a day: see DOMAIN.md's "A day". Leave gives `C` (cuti, tugas belajar and any
/// other kind), `S` (sakit) or `I` (izin); a holiday or a day off gives `L`; field duty (by the
/// plan or an approved correction) gives `DL`; otherwise the first arrival and the last
/// departure are measured against the window.
#[must_use]
pub fn day_status(f: &DayFacts<'_>) -> DayStatus {
    day_status_as_of(f, None)
}

/// When a work day is over: the end of its check-out window, or the end of the local date for a
/// day planned without one.
#[must_use]
pub fn day_over_at(plan: &DayPlan) -> DateTime<Utc> {
    use chrono::TimeZone as _;
    if let Some(w) = &plan.window {
        return w.check_out_until;
    }
    let midnight = plan
        .date
        .succ_opt()
        .unwrap_or(plan.date)
        .and_time(chrono::NaiveTime::MIN);
    zone(plan)
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// `day_status` as known at `now` (`None`: the day is over). A work day (office, home, field,
/// duty) that is not over yet is `Pending` (`-`): nobody is late, early or absent before the
/// day ends, and no allowance is cut for it; the punches so far are kept. Days off, holidays and
/// leave are known ahead and keep their codes.
#[must_use]
pub fn day_status_as_of(f: &DayFacts<'_>, now: Option<DateTime<Utc>>) -> DayStatus {
    let status = day_status_final(f);
    let works = matches!(
        f.plan.mode,
        Mode::Office | Mode::Home | Mode::Field | Mode::Duty
    );
    match now {
        Some(now) if works && now < day_over_at(f.plan) => DayStatus {
            codes: vec![Code::Pending],
            late_minutes: 0,
            early_minutes: 0,
            explanation: "the day is not over yet".into(),
            ..status
        },
        _ => status,
    }
}

fn day_status_final(f: &DayFacts<'_>) -> DayStatus {
    let plan = f.plan;
    let check_in = f.ins.iter().min_by_key(|p| p.at).cloned();
    let check_out = f.outs.iter().max_by_key(|p| p.at).cloned();
    let v = verdict(f, check_in.as_ref(), check_out.as_ref());
    DayStatus {
        date: plan.date,
        codes: v.codes,
        late_minutes: v.late,
        early_minutes: v.early,
        check_in,
        check_out,
        explanation: v.explanation,
    }
}

fn verdict(f: &DayFacts<'_>, check_in: Option<&Punch>, check_out: Option<&Punch>) -> Verdict {
    let plan = f.plan;
    let punches = || {
        let mut parts = Vec::new();
        if let Some(p) = check_in {
            parts.push(format!("arrived {}", local(plan, p)));
        }
        if let Some(p) = check_out {
            parts.push(format!("left {}", local(plan, p)));
        }
        parts.join(", ")
    };
    match plan.mode {
        Mode::Leave => {
            let kind = f.leave_kind.unwrap_or("cuti");
            let code = match kind {
                "sakit" => Code::S,
                "izin" => Code::I,
                _ => Code::C,
            };
            return Verdict::one(code, format!("on leave ({kind})"));
        }
        Mode::Holiday | Mode::Off => {
            let mut why = plan.reason.clone();
            if check_in.is_some() || check_out.is_some() {
                why.push_str("; worked anyway: ");
                why.push_str(&punches());
            }
            return Verdict::one(Code::L, why);
        }
        Mode::Office | Mode::Home | Mode::Field | Mode::Duty => {}
    }
    if let Some(id) = f.field_duty_correction {
        return Verdict::one(
            Code::Dl,
            format!("dinas luar: field duty by approved correction {id}"),
        );
    }
    if plan.mode == Mode::Field {
        return Verdict::one(Code::Dl, format!("dinas luar: {}", plan.reason));
    }
    let home = plan.mode == Mode::Home;
    if home && f.wfh_requires_report && !f.report_approved {
        return Verdict::one(
            Code::Tk,
            "absent without notice: working from home needs an approved daily report, and the \
             report is missing"
                .to_owned(),
        );
    }
    if check_in.is_none() && check_out.is_none() {
        return Verdict::one(
            Code::Tk,
            "absent without notice: no check-in or check-out".to_owned(),
        );
    }
    let (present, prefix) = if home {
        (Code::Wfh, "worked from home: ")
    } else {
        (Code::H, "")
    };
    let Some(w) = plan.window else {
        return Verdict::one(
            present,
            format!(
                "{prefix}present: {}; no working hours apply, so no lateness is counted",
                punches()
            ),
        );
    };

    let mut codes = Vec::new();
    let mut parts = Vec::new();
    let late = match check_in {
        None => {
            codes.push(Code::Tl4);
            parts.push("no check-in".to_owned());
            0
        }
        Some(p) => {
            let m = whole_minutes(w.start, p.at);
            let m = if m > f.grace_minutes { m } else { 0 };
            if m == 0 {
                parts.push(format!("arrived {}", local(plan, p)));
            } else {
                codes.push(Code::late(m));
                parts.push(format!("arrived {}, {} late", local(plan, p), minutes(m)));
            }
            m
        }
    };
    let early = match check_out {
        None => {
            codes.push(Code::Psw4);
            parts.push("no check-out".to_owned());
            0
        }
        Some(p) => {
            let m = whole_minutes(p.at, w.end);
            if m == 0 {
                parts.push(format!("left {}", local(plan, p)));
            } else {
                codes.push(Code::early(m));
                parts.push(format!("left {}, {} early", local(plan, p), minutes(m)));
            }
            m
        }
    };
    let on_time = codes.is_empty();
    if home || on_time {
        codes.insert(0, present);
    }
    let mut explanation = format!("{prefix}{}", parts.join("; "));
    if on_time {
        explanation.push_str("; on time");
    }
    Verdict {
        codes,
        late,
        early,
        explanation,
    }
}

/// Percent of the month's allowance cut per code, in basis points (1% = 100), and a monthly
/// cap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowancePolicy {
    /// A code left out cuts nothing.
    pub per_code: BTreeMap<Code, u32>,
    pub cap_bp: u32,
}

impl Default for AllowancePolicy {
    /// TL1 and PSW1 0.5%, TL2 and PSW2 1%, TL3 and PSW3 1.25%, TL4 and PSW4 1.5%, TK 3%, every
    /// other code nothing; at most 100% a month.
    fn default() -> Self {
        let per_code = Code::ALL
            .into_iter()
            .map(|c| {
                let bp = match c {
                    Code::Tl1 | Code::Psw1 => 50,
                    Code::Tl2 | Code::Psw2 => 100,
                    Code::Tl3 | Code::Psw3 => 125,
                    Code::Tl4 | Code::Psw4 => 150,
                    Code::Tk => 300,
                    _ => 0,
                };
                (c, bp)
            })
            .collect();
        AllowancePolicy {
            per_code,
            cap_bp: 10_000,
        }
    }
}

impl AllowancePolicy {
    /// The cut for one day with `code`, in basis points.
    #[must_use]
    pub fn bp(&self, code: Code) -> u32 {
        self.per_code.get(&code).copied().unwrap_or(0)
    }
}

/// One cut of the allowance: one code of one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cut {
    pub date: NaiveDate,
    pub code: Code,
    pub bp: u32,
    /// For example "arrived 07:52, 22 minutes late (TL1)" or "no check-in (TL4)"; times in the
    /// plan's time zone.
    pub because: String,
    /// The ids of the punches behind the cut (check-ins, manual entries, corrections).
    pub evidence: Vec<String>,
}

/// The allowance cuts of a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// In the order of the days given, late before early within a day.
    pub cuts: Vec<Cut>,
    /// The sum of the cuts, capped by the policy.
    pub total_bp: u32,
    /// The sum of the cuts.
    pub uncapped_bp: u32,
}

/// The allowance cuts of `days` (each status with its plan): one cut per code per day that the
/// policy charges.
#[must_use]
pub fn statement(days: &[(DayStatus, &DayPlan)], policy: &AllowancePolicy) -> Statement {
    let mut cuts = Vec::new();
    for (status, plan) in days {
        for &code in &status.codes {
            let bp = policy.bp(code);
            if bp == 0 {
                continue;
            }
            let (because, evidence) = if code.is_late() {
                match &status.check_in {
                    Some(p) => (
                        format!(
                            "arrived {}, {} late ({code})",
                            local(plan, p),
                            minutes(status.late_minutes)
                        ),
                        vec![p.id.clone()],
                    ),
                    None => (format!("no check-in ({code})"), Vec::new()),
                }
            } else if code.is_early() {
                match &status.check_out {
                    Some(p) => (
                        format!(
                            "left {}, {} early ({code})",
                            local(plan, p),
                            minutes(status.early_minutes)
                        ),
                        vec![p.id.clone()],
                    ),
                    None => (format!("no check-out ({code})"), Vec::new()),
                }
            } else {
                (
                    format!("{} ({code})", status.explanation),
                    status
                        .check_in
                        .iter()
                        .chain(&status.check_out)
                        .map(|p| p.id.clone())
                        .collect(),
                )
            };
            cuts.push(Cut {
                date: status.date,
                code,
                bp,
                because,
                evidence,
            });
        }
    }
    let uncapped_bp = cuts.iter().fold(0u32, |sum, c| sum.saturating_add(c.bp));
    Statement {
        cuts,
        total_bp: uncapped_bp.min(policy.cap_bp),
        uncapped_bp,
    }
}

/// How many days carry each code (a `TL2/PSW1` day counts once in each); every code is a key,
/// with 0 when no day carries it.
#[must_use]
pub fn totals(days: &[DayStatus]) -> BTreeMap<Code, u32> {
    let mut counts: BTreeMap<Code, u32> = Code::ALL.into_iter().map(|c| (c, 0)).collect();
    for code in days
        .iter()
        .flat_map(|d| &d.codes)
        .filter(|c| **c != Code::Pending)
    {
        *counts.entry(*code).or_insert(0) += 1;
    }
    counts
}

/// The days worked: those whose codes include `H`, `WFH`, `DL`, or any `TL`/`PSW` (present but
/// late or early).
#[must_use]
pub fn present_days(days: &[DayStatus]) -> u32 {
    let n = days
        .iter()
        .filter(|d| d.codes.iter().any(|c| c.is_present()))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Hours, window};
    use chrono::{NaiveTime, TimeDelta};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn punch(id: &str, at: DateTime<Utc>) -> Punch {
        Punch {
            at,
            source: Source::Phone,
            id: id.to_owned(),
        }
    }

    /// A plan of `mode` on `date` with `start`-`end` local hours in `tz` (the end may be the
    /// next day).
    fn plan(mode: Mode, tz: Tz, date: &str, start: NaiveTime, end: NaiveTime) -> DayPlan {
        let date = d(date);
        DayPlan {
            date,
            mode,
            places: Vec::new(),
            window: Some(window(tz, date, Hours { start, end }, None)),
            timezone: tz.name().to_owned(),
            reason: "the schedule's work day at the employee's offices".into(),
        }
    }

    /// Monday 2 November 2026, 07:30-16:00 WIB (00:30-09:00 UTC).
    fn office_day() -> DayPlan {
        plan(
            Mode::Office,
            chrono_tz::Asia::Jakarta,
            "2026-11-02",
            t(7, 30),
            t(16, 0),
        )
    }

    fn facts<'a>(plan: &'a DayPlan, ins: &'a [Punch], outs: &'a [Punch]) -> DayFacts<'a> {
        DayFacts {
            plan,
            leave_kind: None,
            grace_minutes: 0,
            ins,
            outs,
            field_duty_correction: None,
            report_approved: false,
            wfh_requires_report: false,
        }
    }

    fn start(p: &DayPlan) -> DateTime<Utc> {
        p.window.unwrap().start
    }

    fn end(p: &DayPlan) -> DateTime<Utc> {
        p.window.unwrap().end
    }

    /// The status of an office day with an arrival `late_s` seconds after the start and a
    /// departure `early_s` seconds before the end.
    fn office(grace: u32, late_s: i64, early_s: i64) -> DayStatus {
        let p = office_day();
        let ins = [punch("in", start(&p) + TimeDelta::seconds(late_s))];
        let outs = [punch("out", end(&p) - TimeDelta::seconds(early_s))];
        let mut f = facts(&p, &ins, &outs);
        f.grace_minutes = grace;
        day_status(&f)
    }

    const M: i64 = 60;

    /// (name, grace, seconds late, seconds early, codes, minutes late)
    type GraceCase = (&'static str, u32, i64, i64, &'static [Code], u32);
    /// (name, arrivals, departures, codes, the explanation contains)
    type PunchCase<'a> = (
        &'static str,
        &'a [Punch],
        &'a [Punch],
        &'static [Code],
        &'static str,
    );
    /// (name, mode, field-duty correction, arrivals, the explanation contains)
    type FieldCase<'a> = (
        &'static str,
        Mode,
        Option<&'static str>,
        &'a [Punch],
        &'static str,
    );
    /// (name, arrivals, departures, report required, report approved, codes, the explanation
    /// contains)
    type HomeCase<'a> = (
        &'static str,
        &'a [Punch],
        &'a [Punch],
        bool,
        bool,
        &'static [Code],
        &'static str,
    );
    /// (name, plan, arrivals, departures, code)
    type NoHoursCase<'a> = (&'static str, &'a DayPlan, &'a [Punch], &'a [Punch], Code);

    #[test]
    fn lateness_falls_in_bands_of_thirty_minutes() {
        use Code::{H, Tl1, Tl2, Tl3, Tl4};
        let cases: [(&str, i64, Code, u32); 13] = [
            ("on the minute", 0, H, 0),
            ("ten minutes early", -10 * M, H, 0),
            ("59 seconds late is not a minute", 59, H, 0),
            ("one minute", M, Tl1, 1),
            ("exactly 30", 30 * M, Tl1, 30),
            ("30 minutes 59 seconds", 30 * M + 59, Tl1, 30),
            ("exactly 31", 31 * M, Tl2, 31),
            ("exactly 60", 60 * M, Tl2, 60),
            ("exactly 61", 61 * M, Tl3, 61),
            ("exactly 90", 90 * M, Tl3, 90),
            ("90 minutes 59 seconds", 90 * M + 59, Tl3, 90),
            ("exactly 91", 91 * M, Tl4, 91),
            ("all morning", 4 * 60 * M, Tl4, 240),
        ];
        for (name, late_s, code, late) in cases {
            let s = office(0, late_s, 0);
            assert_eq!(s.codes, vec![code], "{name}");
            assert_eq!((s.late_minutes, s.early_minutes), (late, 0), "{name}");
        }
    }

    #[test]
    fn the_grace_period_forgives_lateness_within_it_and_none_beyond_it() {
        use Code::{H, Psw1, Tl1, Tl2};
        let cases: [GraceCase; 8] = [
            ("grace 5, 5 minutes late", 5, 5 * M, 0, &[H], 0),
            (
                "grace 5, 5 minutes 59 seconds late",
                5,
                5 * M + 59,
                0,
                &[H],
                0,
            ),
            ("grace 5, 6 minutes late", 5, 6 * M, 0, &[Tl1], 6),
            (
                "grace 5, 7 minutes late counts from the start",
                5,
                7 * M,
                0,
                &[Tl1],
                7,
            ),
            ("grace 0, 1 minute late", 0, M, 0, &[Tl1], 1),
            ("grace 45, 45 minutes late", 45, 45 * M, 0, &[H], 0),
            ("grace 45, 46 minutes late", 45, 46 * M, 0, &[Tl2], 46),
            (
                "grace is for arriving, not leaving",
                5,
                0,
                3 * M,
                &[Psw1],
                0,
            ),
        ];
        for (name, grace, late_s, early_s, codes, late) in cases {
            let s = office(grace, late_s, early_s);
            assert_eq!(s.codes, codes, "{name}");
            assert_eq!(s.late_minutes, late, "{name}");
        }
    }

    #[test]
    fn leaving_early_falls_in_bands_of_thirty_minutes() {
        use Code::{H, Psw1, Psw2, Psw3, Psw4};
        let cases: [(&str, i64, Code, u32); 12] = [
            ("on the minute", 0, H, 0),
            ("two hours after the end", -2 * 60 * M, H, 0),
            ("59 seconds early is not a minute", 59, H, 0),
            ("one minute", M, Psw1, 1),
            ("exactly 30", 30 * M, Psw1, 30),
            ("30 minutes 59 seconds", 30 * M + 59, Psw1, 30),
            ("exactly 31", 31 * M, Psw2, 31),
            ("exactly 60", 60 * M, Psw2, 60),
            ("exactly 61", 61 * M, Psw3, 61),
            ("exactly 90", 90 * M, Psw3, 90),
            ("exactly 91", 91 * M, Psw4, 91),
            ("after lunch", 4 * 60 * M, Psw4, 240),
        ];
        for (name, early_s, code, early) in cases {
            let s = office(0, 0, early_s);
            assert_eq!(s.codes, vec![code], "{name}");
            assert_eq!((s.late_minutes, s.early_minutes), (0, early), "{name}");
        }
    }

    #[test]
    fn missing_punches_give_tl4_psw4_or_tk() {
        use Code::{H, Psw4, Tk, Tl1, Tl2, Tl4};
        let p = office_day();
        let on_time_in = [punch("in", start(&p))];
        let late_in = [punch("in", start(&p) + TimeDelta::minutes(20))];
        let on_time_out = [punch("out", end(&p))];
        let early_out = [punch("out", end(&p) - TimeDelta::minutes(45))];
        let cases: [PunchCase; 7] = [
            ("both on time", &on_time_in, &on_time_out, &[H], "on time"),
            ("no check-out", &on_time_in, &[], &[Psw4], "no check-out"),
            (
                "late, no check-out",
                &late_in,
                &[],
                &[Tl1, Psw4],
                "no check-out",
            ),
            (
                "no check-in, a check-out",
                &[],
                &on_time_out,
                &[Tl4],
                "no check-in",
            ),
            (
                "no check-in, left early",
                &[],
                &early_out,
                &[Tl4, Code::Psw2],
                "no check-in",
            ),
            ("nothing at all", &[], &[], &[Tk], "absent without notice"),
            (
                "late and early",
                &[punch("in", start(&p) + TimeDelta::minutes(45))],
                &early_out,
                &[Tl2, Code::Psw2],
                "45 minutes late",
            ),
        ];
        for (name, ins, outs, codes, why) in cases {
            let s = day_status(&facts(&p, ins, outs));
            assert_eq!(s.codes, codes, "{name}");
            assert!(s.explanation.contains(why), "{name}: {}", s.explanation);
        }
        let s = day_status(&facts(&p, &[], &on_time_out));
        assert_eq!((s.late_minutes, s.check_in.as_ref()), (0, None));
        let s = day_status(&facts(&p, &late_in, &[]));
        assert_eq!((s.late_minutes, s.early_minutes), (20, 0));
        assert_eq!(s.code(), "TL1/PSW4");
    }

    #[test]
    fn late_and_early_give_both_codes_late_first() {
        let s = office(0, 45 * M, 10 * M);
        assert_eq!(s.codes, vec![Code::Tl2, Code::Psw1]);
        assert_eq!(s.code(), "TL2/PSW1");
        assert_eq!((s.late_minutes, s.early_minutes), (45, 10));
        assert_eq!(
            s.explanation,
            "arrived 08:15, 45 minutes late; left 15:50, 10 minutes early"
        );
        let on_time = office(0, -5 * M, 0);
        assert_eq!(on_time.code(), "H");
        assert_eq!(on_time.explanation, "arrived 07:25; left 16:00; on time");
    }

    #[test]
    fn the_first_arrival_and_the_last_departure_count_from_every_source() {
        let p = office_day();
        let ins = [
            punch("ci-2", start(&p) + TimeDelta::minutes(40)),
            Punch {
                at: start(&p) - TimeDelta::minutes(3),
                source: Source::Manual,
                id: "manual-1".into(),
            },
            punch("ci-3", start(&p) + TimeDelta::minutes(5)),
        ];
        let outs = [
            punch("co-1", end(&p) - TimeDelta::minutes(60)),
            Punch {
                at: end(&p) + TimeDelta::minutes(10),
                source: Source::Correction,
                id: "corr-1".into(),
            },
            punch("co-2", end(&p) - TimeDelta::minutes(5)),
        ];
        let s = day_status(&facts(&p, &ins, &outs));
        assert_eq!(s.codes, vec![Code::H]);
        assert_eq!(s.check_in.unwrap().id, "manual-1");
        assert_eq!(s.check_out.unwrap().id, "corr-1");
        assert!(
            s.explanation.contains("07:27 (manual entry)"),
            "{}",
            s.explanation
        );
        assert!(
            s.explanation.contains("16:10 (correction)"),
            "{}",
            s.explanation
        );
    }

    #[test]
    fn leave_holidays_and_days_off_follow_the_plan_and_ignore_punches() {
        let work = office_day();
        let ins = [punch("in", start(&work) + TimeDelta::minutes(200))];
        let outs = [punch("out", start(&work) + TimeDelta::minutes(300))];
        let with_mode = |mode, reason: &str| DayPlan {
            mode,
            window: None,
            reason: reason.into(),
            ..work.clone()
        };
        let cases: [(&str, Mode, Option<&str>, Code, &str); 6] = [
            (
                "cuti",
                Mode::Leave,
                Some("cuti"),
                Code::C,
                "on leave (cuti)",
            ),
            (
                "tugas belajar",
                Mode::Leave,
                Some("tugas_belajar"),
                Code::C,
                "on leave (tugas_belajar)",
            ),
            (
                "sakit",
                Mode::Leave,
                Some("sakit"),
                Code::S,
                "on leave (sakit)",
            ),
            (
                "izin",
                Mode::Leave,
                Some("izin"),
                Code::I,
                "on leave (izin)",
            ),
            (
                "holiday",
                Mode::Holiday,
                None,
                Code::L,
                "holiday: Hari Pahlawan",
            ),
            (
                "off",
                Mode::Off,
                None,
                Code::L,
                "not a work day by the schedule",
            ),
        ];
        for (name, mode, kind, code, why) in cases {
            let reason = if mode == Mode::Holiday {
                "holiday: Hari Pahlawan"
            } else {
                "not a work day by the schedule"
            };
            let p = with_mode(mode, reason);
            for (ins, outs) in [(&ins[..], &outs[..]), (&[][..], &[][..])] {
                let mut f = facts(&p, ins, outs);
                f.leave_kind = kind;
                let s = day_status(&f);
                assert_eq!(s.codes, vec![code], "{name}");
                assert_eq!((s.late_minutes, s.early_minutes), (0, 0), "{name}");
                assert!(s.explanation.starts_with(why), "{name}: {}", s.explanation);
                let worked = s.explanation.contains("worked");
                assert_eq!(
                    worked,
                    code == Code::L && !ins.is_empty(),
                    "{name}: {}",
                    s.explanation
                );
            }
        }
        let holiday = with_mode(Mode::Holiday, "holiday: Hari Pahlawan");
        assert_eq!(
            day_status(&facts(&holiday, &ins, &outs)).explanation,
            "holiday: Hari Pahlawan; worked anyway: arrived 10:50, left 12:30"
        );
    }

    #[test]
    fn field_duty_is_dl_by_the_plan_or_by_an_approved_correction() {
        let work = office_day();
        let late = [punch("in", start(&work) + TimeDelta::minutes(120))];
        let field = DayPlan {
            mode: Mode::Field,
            reason: "field duty at Kantor Gubernur (letter 090/123)".into(),
            ..work.clone()
        };
        let cases: [FieldCase; 6] = [
            (
                "field, no punches",
                Mode::Field,
                None,
                &[],
                "Kantor Gubernur",
            ),
            ("field, late", Mode::Field, None, &late, "letter 090/123"),
            (
                "office with a correction",
                Mode::Office,
                Some("corr-7"),
                &late,
                "corr-7",
            ),
            (
                "office with a correction, no punches",
                Mode::Office,
                Some("corr-7"),
                &[],
                "corr-7",
            ),
            (
                "duty with a correction",
                Mode::Duty,
                Some("corr-8"),
                &[],
                "corr-8",
            ),
            (
                "home with a correction",
                Mode::Home,
                Some("corr-9"),
                &[],
                "corr-9",
            ),
        ];
        for (name, mode, correction, ins, why) in cases {
            let p = DayPlan {
                mode,
                ..field.clone()
            };
            let mut f = facts(&p, ins, &[]);
            f.field_duty_correction = correction;
            f.wfh_requires_report = true;
            let s = day_status(&f);
            assert_eq!(s.codes, vec![Code::Dl], "{name}");
            assert!(s.explanation.contains(why), "{name}: {}", s.explanation);
        }
    }

    #[test]
    fn work_from_home_is_wfh_and_still_late_or_early_and_needs_its_report() {
        use Code::{Psw1, Psw4, Tk, Tl2, Wfh};
        let p = DayPlan {
            mode: Mode::Home,
            ..office_day()
        };
        let on_time = [punch("in", start(&p))];
        let late = [punch("in", start(&p) + TimeDelta::minutes(40))];
        let out = [punch("out", end(&p))];
        let early = [punch("out", end(&p) - TimeDelta::minutes(10))];
        // (name, ins, outs, requires report, report approved, codes, explanation contains)
        let cases: [HomeCase; 8] = [
            (
                "on time",
                &on_time,
                &out,
                false,
                false,
                &[Wfh],
                "worked from home",
            ),
            (
                "late",
                &late,
                &out,
                false,
                false,
                &[Wfh, Tl2],
                "40 minutes late",
            ),
            (
                "late and early",
                &late,
                &early,
                false,
                false,
                &[Wfh, Tl2, Psw1],
                "10 minutes early",
            ),
            (
                "no check-out",
                &on_time,
                &[],
                false,
                false,
                &[Wfh, Psw4],
                "no check-out",
            ),
            (
                "report approved",
                &on_time,
                &out,
                true,
                true,
                &[Wfh],
                "on time",
            ),
            (
                "report missing",
                &on_time,
                &out,
                true,
                false,
                &[Tk],
                "report is missing",
            ),
            (
                "report missing, late",
                &late,
                &early,
                true,
                false,
                &[Tk],
                "report is missing",
            ),
            (
                "nothing, report approved",
                &[],
                &[],
                true,
                true,
                &[Tk],
                "no check-in or check-out",
            ),
        ];
        for (name, ins, outs, requires, approved, codes, why) in cases {
            let mut f = facts(&p, ins, outs);
            f.wfh_requires_report = requires;
            f.report_approved = approved;
            let s = day_status(&f);
            assert_eq!(s.codes, codes, "{name}");
            assert!(s.explanation.contains(why), "{name}: {}", s.explanation);
        }
    }

    #[test]
    fn a_work_day_without_hours_is_present_on_any_punch() {
        let office = DayPlan {
            window: None,
            ..office_day()
        };
        let home = DayPlan {
            mode: Mode::Home,
            ..office.clone()
        };
        let night = [punch("in", utc("2026-11-02T15:00:00Z"))];
        let out = [punch("out", utc("2026-11-02T16:00:00Z"))];
        let cases: [NoHoursCase; 6] = [
            ("an arrival at 22:00", &office, &night, &[], Code::H),
            ("a departure only", &office, &[], &out, Code::H),
            ("both", &office, &night, &out, Code::H),
            ("nothing", &office, &[], &[], Code::Tk),
            ("at home", &home, &night, &[], Code::Wfh),
            ("at home, nothing", &home, &[], &[], Code::Tk),
        ];
        for (name, p, ins, outs, code) in cases {
            let s = day_status(&facts(p, ins, outs));
            assert_eq!(s.codes, vec![code], "{name}");
            assert_eq!((s.late_minutes, s.early_minutes), (0, 0), "{name}");
        }
    }

    /// Saturday 7 November 2026, a 21:00-07:00 shift in WIT (UTC+9): 12:00Z to 22:00Z.
    fn night_shift() -> DayPlan {
        plan(
            Mode::Duty,
            chrono_tz::Asia::Jayapura,
            "2026-11-07",
            t(21, 0),
            t(7, 0),
        )
    }

    #[test]
    fn a_night_shift_is_measured_across_midnight() {
        let p = night_shift();
        assert_eq!(start(&p), utc("2026-11-07T12:00:00Z"));
        // 21:10 WIT Saturday and 06:59 WIT Sunday.
        let ins = [punch("ci-1", utc("2026-11-07T12:10:00Z"))];
        let outs = [punch("co-1", utc("2026-11-07T21:59:00Z"))];
        let s = day_status(&facts(&p, &ins, &outs));
        assert_eq!(s.codes, vec![Code::Tl1, Code::Psw1]);
        assert_eq!((s.late_minutes, s.early_minutes), (10, 1));
        assert_eq!(s.date, d("2026-11-07"));
        assert_eq!(
            s.explanation,
            "arrived 21:10, 10 minutes late; left 2026-11-08 06:59, 1 minute early"
        );
        // 07:00 Sunday sharp is on time.
        let outs = [punch("co-1", utc("2026-11-07T22:00:00Z"))];
        let ins = [punch("ci-1", utc("2026-11-07T11:55:00Z"))];
        assert_eq!(day_status(&facts(&p, &ins, &outs)).codes, vec![Code::H]);
    }

    #[test]
    fn check_ins_at_23_59_and_00_01_wit_belong_to_the_same_shift() {
        let p = night_shift();
        let at_23_59 = utc("2026-11-07T14:59:00Z");
        let at_00_01 = utc("2026-11-07T15:01:00Z");
        // Both arrivals: the earlier counts, 2 h 59 min late.
        let ins = [punch("ci-b", at_00_01), punch("ci-a", at_23_59)];
        let outs = [punch("co", utc("2026-11-07T22:00:00Z"))];
        let s = day_status(&facts(&p, &ins, &outs));
        assert_eq!(s.check_in.as_ref().unwrap().id, "ci-a");
        assert_eq!((s.codes.clone(), s.late_minutes), (vec![Code::Tl4], 179));
        assert!(
            s.explanation.starts_with("arrived 23:59,"),
            "{}",
            s.explanation
        );
        // An arrival at 23:59 and a departure at 00:01: two minutes of work, both counted.
        let s = day_status(&facts(
            &p,
            &[punch("ci", at_23_59)],
            &[punch("co", at_00_01)],
        ));
        assert_eq!(s.codes, vec![Code::Tl4, Code::Psw4]);
        assert_eq!((s.late_minutes, s.early_minutes), (179, 419));
        // A 23:30-06:00 shift: 23:59 is 29 minutes late, 00:01 the next day 31.
        let late_shift = plan(
            Mode::Duty,
            chrono_tz::Asia::Jayapura,
            "2026-11-07",
            t(23, 30),
            t(6, 0),
        );
        let out = [punch("co", end(&late_shift))];
        let cases = [(at_23_59, Code::Tl1, 29), (at_00_01, Code::Tl2, 31)];
        for (at, code, late) in cases {
            let s = day_status(&facts(&late_shift, &[punch("ci", at)], &out));
            assert_eq!((s.codes, s.late_minutes), (vec![code], late), "{at}");
        }
    }

    fn status_at(p: &DayPlan, late_min: i64, early_min: Option<i64>, id: &str) -> DayStatus {
        let ins = [punch(
            &format!("ci-{id}"),
            start(p) + TimeDelta::minutes(late_min),
        )];
        let outs: Vec<Punch> = early_min
            .map(|m| punch(&format!("co-{id}"), end(p) - TimeDelta::minutes(m)))
            .into_iter()
            .collect();
        day_status(&facts(p, &ins, &outs))
    }

    #[test]
    fn a_months_cuts_add_up_and_name_their_check_ins() {
        let days: Vec<DayPlan> = ["02", "03", "04", "05", "06"]
            .iter()
            .map(|day| {
                plan(
                    Mode::Office,
                    chrono_tz::Asia::Jakarta,
                    &format!("2026-11-{day}"),
                    t(7, 30),
                    t(16, 0),
                )
            })
            .collect();
        let statuses = [
            status_at(&days[0], 22, Some(0), "1"),  // TL1
            status_at(&days[1], 45, Some(20), "2"), // TL2/PSW1
            day_status(&facts(&days[2], &[], &[])), // TK
            status_at(&days[3], 0, Some(0), "4"),   // H
            day_status(&facts(&days[4], &[], &[punch("co-5", end(&days[4]))])), // TL4
        ];
        let pairs: Vec<(DayStatus, &DayPlan)> = statuses.iter().cloned().zip(days.iter()).collect();
        let st = statement(&pairs, &AllowancePolicy::default());
        let summary: Vec<(NaiveDate, Code, u32)> =
            st.cuts.iter().map(|c| (c.date, c.code, c.bp)).collect();
        assert_eq!(
            summary,
            vec![
                (d("2026-11-02"), Code::Tl1, 50),
                (d("2026-11-03"), Code::Tl2, 100),
                (d("2026-11-03"), Code::Psw1, 50),
                (d("2026-11-04"), Code::Tk, 300),
                (d("2026-11-06"), Code::Tl4, 150),
            ]
        );
        assert_eq!((st.uncapped_bp, st.total_bp), (650, 650));
        assert_eq!(st.cuts[0].because, "arrived 07:52, 22 minutes late (TL1)");
        assert_eq!(st.cuts[0].evidence, vec!["ci-1"]);
        assert_eq!(st.cuts[2].because, "left 15:40, 20 minutes early (PSW1)");
        assert_eq!(st.cuts[2].evidence, vec!["co-2"]);
        assert_eq!(
            st.cuts[3].because,
            "absent without notice: no check-in or check-out (TK)"
        );
        assert!(st.cuts[3].evidence.is_empty());
        assert_eq!(st.cuts[4].because, "no check-in (TL4)");
        assert!(st.cuts[4].evidence.is_empty());
        let json = serde_json::to_value(&st).unwrap();
        assert_eq!(json["cuts"][0]["code"], "TL1");
        assert_eq!(json["cuts"][0]["date"], "2026-11-02");
    }

    #[test]
    fn the_cap_limits_the_months_cut() {
        let p = office_day();
        let tk = day_status(&facts(&p, &[], &[]));
        let month: Vec<(DayStatus, &DayPlan)> = (0..22).map(|_| (tk.clone(), &p)).collect();
        let default = statement(&month, &AllowancePolicy::default());
        assert_eq!((default.uncapped_bp, default.total_bp), (6_600, 6_600));
        let mut strict = AllowancePolicy::default();
        strict.per_code.insert(Code::Tk, 500);
        let capped = statement(&month, &strict);
        assert_eq!((capped.uncapped_bp, capped.total_bp), (11_000, 10_000));
        strict.cap_bp = 2_500;
        let capped = statement(&month[..3], &strict);
        assert_eq!((capped.uncapped_bp, capped.total_bp), (1_500, 1_500));
        let capped = statement(&month[..6], &strict);
        assert_eq!((capped.uncapped_bp, capped.total_bp), (3_000, 2_500));
        assert_eq!(capped.cuts.len(), 6);
    }

    #[test]
    fn cuts_show_times_in_the_plans_zone() {
        let p = night_shift();
        let ins = [punch("ci-wit", utc("2026-11-07T12:10:00Z"))];
        let outs = [punch("co-wit", utc("2026-11-07T21:59:00Z"))];
        let s = day_status(&facts(&p, &ins, &outs));
        let st = statement(&[(s, &p)], &AllowancePolicy::default());
        let because: Vec<&str> = st.cuts.iter().map(|c| c.because.as_str()).collect();
        assert_eq!(
            because,
            vec![
                "arrived 21:10, 10 minutes late (TL1)",
                "left 2026-11-08 06:59, 1 minute early (PSW1)",
            ]
        );
        assert_eq!(st.cuts[1].evidence, vec!["co-wit"]);
        assert_eq!(st.total_bp, 100);
    }

    #[test]
    fn the_default_policy_follows_the_usual_table() {
        let p = AllowancePolicy::default();
        let expected = [
            (Code::Tl1, 50),
            (Code::Tl2, 100),
            (Code::Tl3, 125),
            (Code::Tl4, 150),
            (Code::Psw1, 50),
            (Code::Psw2, 100),
            (Code::Psw3, 125),
            (Code::Psw4, 150),
            (Code::Tk, 300),
        ];
        for code in Code::ALL {
            let bp = expected
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(0, |(_, bp)| *bp);
            assert_eq!(p.bp(code), bp, "{code}");
        }
        assert_eq!(p.cap_bp, 10_000);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["per_code"]["TK"], 300);
        let back: AllowancePolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn totals_count_each_code_and_present_days_count_days_worked() {
        let p = office_day();
        let leave = DayPlan {
            mode: Mode::Leave,
            window: None,
            ..p.clone()
        };
        let mut sick = facts(&leave, &[], &[]);
        sick.leave_kind = Some("sakit");
        let days = [
            office(0, 0, 0),           // H
            office(0, 45 * M, 10 * M), // TL2/PSW1
            office(0, 45 * M, 0),      // TL2
            day_status(&facts(&p, &[], &[])),
            day_status(&sick),
        ];
        let totals = totals(&days);
        assert_eq!(totals.len(), Code::ALL.len());
        let nonzero: Vec<(Code, u32)> = totals.into_iter().filter(|(_, n)| *n > 0).collect();
        assert_eq!(
            nonzero,
            vec![
                (Code::H, 1),
                (Code::Tl2, 2),
                (Code::Psw1, 1),
                (Code::Tk, 1),
                (Code::S, 1)
            ]
        );
        assert_eq!(present_days(&days), 3);
        for code in Code::ALL {
            let present = matches!(code, Code::H | Code::Wfh | Code::Dl)
                || code.as_str().starts_with("TL")
                || code.as_str().starts_with("PSW");
            assert_eq!(code.is_present(), present, "{code}");
        }
    }

    #[test]
    fn codes_read_and_write_as_hr_writes_them() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "H", "TL1", "TL2", "TL3", "TL4", "PSW1", "PSW2", "PSW3", "PSW4", "TK", "WFH", "DL",
                "C", "S", "I", "L"
            ]
        );
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<Code>(json).unwrap(), code);
        }
        assert!("tl1".parse::<Code>().is_err());
        assert!("TL5".parse::<Code>().is_err());
        assert!(serde_json::from_str::<Code>("\"X\"").is_err());
        let s = office(0, 45 * M, 10 * M);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["codes"], serde_json::json!(["TL2", "PSW1"]));
        assert_eq!(json["check_in"]["source"], "phone");
        assert_eq!(Source::Correction.as_str(), "correction");
    }

    #[test]
    fn a_work_day_not_over_yet_is_pending_and_counts_for_nothing() {
        let p = office_day();
        let ins = [punch("in", start(&p) + TimeDelta::minutes(45))];
        let f = facts(&p, &ins, &[]);
        // At 12:00 WIB the day is under way: not TL2, not PSW4, not cut.
        let noon = start(&p) + TimeDelta::hours(4) + TimeDelta::minutes(30);
        let during = day_status_as_of(&f, Some(noon));
        assert_eq!(during.codes, [Code::Pending]);
        assert_eq!(during.code(), "-");
        assert!(during.check_in.is_some(), "the punches so far are kept");
        // Once the check-out window has closed the day is judged.
        let after = day_status_as_of(&f, Some(day_over_at(&p) + TimeDelta::seconds(1)));
        assert_eq!(after.codes, [Code::Tl2, Code::Psw4]);
        assert_eq!(after, day_status(&f));
        // A day off is known ahead; the totals and the cuts ignore pending days.
        let off = plan(
            Mode::Off,
            chrono_tz::Asia::Jakarta,
            "2026-11-07",
            t(7, 30),
            t(16, 0),
        );
        assert_eq!(
            day_status_as_of(&facts(&off, &[], &[]), Some(noon)).codes,
            [Code::L]
        );
        let counts = totals(std::slice::from_ref(&during));
        assert!(!counts.contains_key(&Code::Pending));
        assert_eq!(present_days(std::slice::from_ref(&during)), 0);
    }
}
