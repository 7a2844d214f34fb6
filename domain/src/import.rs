//! Reading an employee list exported from a personnel system (SIMPEG and the like) as CSV: the
//! half of `POST /api/v1/employees/import` that needs no database.
//!
//! [`parse_employees`] either returns every row, parsed and checked, or every error it found
//! (all rows or none). What needs the database (does the unit code exist, the office, is a NIP
//! already taken, is a supervisor outside the file known) is checked by the caller afterwards.
//!
//! The file may be UTF-8 with or without a byte order mark, comma- or semicolon-separated (Excel
//! in an Indonesian locale writes `;` and decimal commas), with CRLF or LF line ends and RFC 4180
//! quoting. Column names are matched without regard to case, surrounding space, or a space or
//! dash in place of the underscore, and may be given in Indonesian (`nama`, `kode_unit`, ...).

use std::collections::HashMap;
use std::fmt::Write as _;

use csv::{ByteRecord, ReaderBuilder};
use serde::Serialize;

use crate::account::{Password, Username};
use crate::geofence::{CoordinateError, Coordinates};
use crate::org::{Echelon, StaffId, StaffIdType};

/// At most this many errors are reported; one more error then says how many were left out.
pub const MAX_ERRORS: usize = 1_000;
/// The longest name, position or office name, in characters (after trimming).
pub const MAX_TEXT_CHARS: usize = 200;
/// The largest home radius, in metres.
pub const MAX_HOME_RADIUS_M: f64 = 10_000.0;

const NO_EMPLOYEES: &str = "the file has no employees";
const NOT_UTF8: &str = "is not valid UTF-8 text: save the file as \"CSV UTF-8\"";

/// One employee read from the file, checked for everything that needs no database.
#[derive(Clone, Debug)]
pub struct ImportRow {
    /// The physical line (1-based, the header is line 1) where the record starts.
    pub line: u64,
    /// The staff id, valid for [`ImportRow::id_type`].
    pub nip: StaffId,
    /// The kind of [`ImportRow::nip`] (column `id_type`, `nip` when left out or empty).
    pub id_type: StaffIdType,
    /// The full name, trimmed.
    pub name: String,
    /// The code of the employee's unit (to be resolved by the caller).
    pub unit_code: String,
    /// The position (jabatan), trimmed.
    pub position: String,
    /// The echelon.
    pub echelon: Echelon,
    /// The staff id of the supervisor: of another row of the file or of an employee already
    /// stored (to be resolved by the caller). Never the row's own id, and the rows of the file
    /// never form a circle.
    pub supervisor_nip: Option<String>,
    /// The name of the primary office (to be resolved by the caller).
    pub office_name: Option<String>,
    /// The home point for work from home: latitude, longitude and radius in metres.
    pub home: Option<(f64, f64, f64)>,
    /// The login name; set exactly when [`ImportRow::password`] is (a login with the role
    /// employee is then created). Unique within the file.
    pub username: Option<Username>,
    /// The password of the new login; set exactly when [`ImportRow::username`] is.
    pub password: Option<Password>,
}

/// Something wrong with the file, a line or a cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The physical line (1-based) where the record starts; 1 for the header and for errors
    /// about the whole file.
    pub line: u64,
    /// The column, named as in the file's header (or by its English name when the column is
    /// missing from the file); `None` for errors about a whole line or the file.
    pub column: Option<String>,
    /// What is wrong, in words for the person who prepared the file.
    pub reason: String,
}

/// Reads a CSV export of employees: either every row, parsed and valid, or every error found
/// (sorted by line, at most [`MAX_ERRORS`] of them plus one saying how many more there were).
pub fn parse_employees(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(bytes))
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    let mut lines = Lines {
        bytes,
        at: 0,
        line: 1,
    };
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => Header::parse(&record, lines.of(&record))?,
        Ok(false) => return Err(vec![file_error(1, NO_EMPLOYEES)]),
        Err(e) => return Err(vec![read_error(&e)]),
    };

    let mut errors = Errors::default();
    let mut rows = Vec::new();
    let mut seen = Seen::default();
    let mut any_record = false;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let e = read_error(&e);
                errors.push(e.line, None, e.reason);
                break;
            }
        }
        // Blank lines, and lines of nothing but separators (Excel writes those below the
        // data), carry no employee.
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        any_record = true;
        let line = lines.of(&record);
        if record.len() != header.width {
            let mut reason = format!(
                "has {} cells where the header has {}",
                record.len(),
                header.width
            );
            if record.iter().any(|cell| cell.contains(&b'\n')) {
                reason.push_str(
                    "; a quoted cell here runs over several lines: look for a double quote (\") \
                     that is not closed",
                );
            }
            errors.push(line, None, reason);
            continue;
        }
        let mut cells = Vec::with_capacity(record.len());
        for (i, cell) in record.iter().enumerate() {
            if let Ok(text) = std::str::from_utf8(cell) {
                cells.push(text);
            } else {
                errors.push(line, Some(header.labels[i].clone()), NOT_UTF8);
            }
        }
        if cells.len() != header.width {
            continue;
        }
        let mut row = RowCx {
            header: &header,
            cells: &cells,
            line,
            errors: &mut errors,
            failed: false,
        };
        let parsed = row.parse(&mut seen);
        // Once anything is wrong no row will be returned: keep none.
        if let (Some(parsed), true) = (parsed, errors.is_empty()) {
            rows.push(parsed);
        }
    }

    for cycle in supervisor_cycles(&seen.nodes) {
        for &i in &cycle.members {
            errors.push_unbounded(RowError {
                line: seen.nodes[i].line,
                column: Some(header.label(Column::SupervisorNip)),
                reason: cycle.reason.clone(),
            });
        }
    }
    if errors.is_empty() && !any_record {
        errors.push(header.line, None, NO_EMPLOYEES);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors.finish())
    }
}

/// Picks `;` when the header line holds more semicolons than commas outside quotes, else `,`.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let (mut commas, mut semicolons) = (0_usize, 0_usize);
    let mut quoted = false;
    let mut started = false;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => {
                if started {
                    break;
                }
                continue;
            }
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
        started = true;
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Physical line numbers from the records' byte offsets, counting line breaks (LF, CRLF or a
/// lone CR) as the reader moves on. The csv crate's own count falls one short after CRLF.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl Lines<'_> {
    /// The line where `record` (the next one read) starts.
    fn of(&mut self, record: &ByteRecord) -> u64 {
        let offset = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.at);
        // The offset may point at the line break before the record (or at skipped blank
        // lines); a record itself never starts with a line break.
        let mut start = offset.clamp(self.at, self.bytes.len());
        while self
            .bytes
            .get(start)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            start += 1;
        }
        for (i, &b) in self.bytes[self.at..start].iter().enumerate() {
            let next = self.bytes.get(self.at + i + 1);
            if b == b'\n' || (b == b'\r' && next != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.at = start;
        self.line
    }
}

fn file_error(line: u64, reason: &str) -> RowError {
    RowError {
        line,
        column: None,
        reason: reason.to_owned(),
    }
}

fn read_error(e: &csv::Error) -> RowError {
    let line = e.position().map_or(1, csv::Position::line);
    RowError {
        line,
        column: None,
        reason: format!("the file cannot be read from this line on: {e}"),
    }
}

/// The columns the import knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Nip,
    IdType,
    Name,
    UnitCode,
    Position,
    Echelon,
    SupervisorNip,
    Office,
    HomeLatitude,
    HomeLongitude,
    HomeRadius,
    Username,
    Password,
}

impl Column {
    const ALL: [Column; 13] = [
        Column::Nip,
        Column::IdType,
        Column::Name,
        Column::UnitCode,
        Column::Position,
        Column::Echelon,
        Column::SupervisorNip,
        Column::Office,
        Column::HomeLatitude,
        Column::HomeLongitude,
        Column::HomeRadius,
        Column::Username,
        Column::Password,
    ];
    const REQUIRED: [Column; 5] = [
        Column::Nip,
        Column::Name,
        Column::UnitCode,
        Column::Position,
        Column::Echelon,
    ];
    const HOME: [Column; 3] = [
        Column::HomeLatitude,
        Column::HomeLongitude,
        Column::HomeRadius,
    ];
    const LOGIN: [Column; 2] = [Column::Username, Column::Password];

    /// The English name first, then the other accepted names.
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Nip => &["nip"],
            Column::IdType => &["id_type", "jenis_id"],
            Column::Name => &["name", "nama"],
            Column::UnitCode => &["unit_code", "kode_unit", "unit"],
            Column::Position => &["position", "jabatan"],
            Column::Echelon => &["echelon", "eselon"],
            Column::SupervisorNip => &["supervisor_nip", "nip_atasan"],
            Column::Office => &["office", "kantor"],
            Column::HomeLatitude => &["home_latitude", "lintang_rumah"],
            Column::HomeLongitude => &["home_longitude", "bujur_rumah"],
            Column::HomeRadius => &["home_radius_m", "radius_rumah"],
            Column::Username => &["username"],
            Column::Password => &["password"],
        }
    }

    fn name(self) -> &'static str {
        self.names()[0]
    }

    fn from_label(label: &str) -> Option<Column> {
        let key: String = label
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Column::ALL
            .into_iter()
            .find(|c| c.names().contains(&key.as_str()))
    }

    fn all_names() -> String {
        let mut out = String::new();
        for (i, c) in Column::ALL.into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(c.name());
            if let [_, others @ ..] = c.names()
                && !others.is_empty()
            {
                let _ = write!(out, " ({})", others.join(", "));
            }
        }
        out
    }
}

/// The header: where each known column is and how the file names it.
struct Header {
    line: u64,
    width: usize,
    index: [Option<usize>; Column::ALL.len()],
    labels: Vec<String>,
}

impl Header {
    fn parse(record: &ByteRecord, line: u64) -> Result<Self, Vec<RowError>> {
        let mut errors = Errors::default();
        let mut header = Header {
            line,
            width: record.len(),
            index: [None; Column::ALL.len()],
            labels: Vec::with_capacity(record.len()),
        };
        for (i, raw) in record.iter().enumerate() {
            let Ok(raw) = std::str::from_utf8(raw) else {
                errors.push(
                    line,
                    None,
                    format!("the name of column {} {NOT_UTF8}", i + 1),
                );
                header.labels.push(format!("column {}", i + 1));
                continue;
            };
            let label = raw.trim().to_owned();
            if label.is_empty() {
                errors.push(
                    line,
                    None,
                    format!(
                        "column {} has no name: give it one or delete the column",
                        i + 1
                    ),
                );
            } else if let Some(column) = Column::from_label(&label) {
                if let Some(first) = header.index[column as usize] {
                    errors.push(
                        line,
                        Some(label.clone()),
                        format!(
                            "the column appears twice: column {} is also {}",
                            first + 1,
                            column.name()
                        ),
                    );
                } else {
                    header.index[column as usize] = Some(i);
                }
            } else {
                errors.push(
                    line,
                    Some(label.clone()),
                    format!("unknown column; the columns are {}", Column::all_names()),
                );
            }
            header.labels.push(label);
        }
        for column in Column::REQUIRED {
            if header.index[column as usize].is_none() {
                errors.push(
                    line,
                    Some(column.name().to_owned()),
                    format!("the required column {} is missing", column.name()),
                );
            }
        }
        for group in [&Column::HOME[..], &Column::LOGIN[..]] {
            let present = group.iter().any(|&c| header.index[c as usize].is_some());
            for &column in group {
                if present && header.index[column as usize].is_none() {
                    errors.push(
                        line,
                        Some(column.name().to_owned()),
                        format!(
                            "the column {} is missing: {} come together",
                            column.name(),
                            together(group)
                        ),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(header)
        } else {
            Err(errors.finish())
        }
    }

    /// The column's name as the file writes it, or its English name when it is not in the file.
    fn label(&self, column: Column) -> String {
        self.index[column as usize]
            .map_or_else(|| column.name().to_owned(), |i| self.labels[i].clone())
    }
}

/// "a, b and c".
fn together(group: &[Column]) -> String {
    let names: Vec<&str> = group.iter().map(|c| c.name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// The errors found so far. During the pass over the rows errors come in line order, so once
/// [`MAX_ERRORS`] are kept the rest can only be counted: they would be cut anyway.
#[derive(Default)]
struct Errors {
    kept: Vec<RowError>,
    dropped: usize,
    first_dropped: Option<u64>,
}

impl Errors {
    fn push(&mut self, line: u64, column: Option<String>, reason: impl Into<String>) {
        if self.kept.len() < MAX_ERRORS {
            self.kept.push(RowError {
                line,
                column,
                reason: reason.into(),
            });
        } else {
            self.drop_one(line);
        }
    }

    /// Keeps an error that may come before those already kept (the sort in `finish` puts it
    /// in its place).
    fn push_unbounded(&mut self, error: RowError) {
        self.kept.push(error);
    }

    fn drop_one(&mut self, line: u64) {
        self.dropped += 1;
        self.first_dropped = Some(self.first_dropped.map_or(line, |l| l.min(line)));
    }

    fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.dropped == 0
    }

    fn finish(mut self) -> Vec<RowError> {
        // Stable: the errors of one line stay in the order of the columns.
        self.kept.sort_by_key(|e| e.line);
        if self.kept.len() > MAX_ERRORS {
            for e in self.kept.split_off(MAX_ERRORS) {
                self.drop_one(e.line);
            }
        }
        if let Some(line) = self.first_dropped {
            let count = match self.dropped {
                1 => "1 more error was".to_owned(),
                n => format!("{n} more errors were"),
            };
            self.kept.push(RowError {
                line,
                column: None,
                reason: format!(
                    "{count} left out (the first on this line): fix the errors above and upload \
                     the file again"
                ),
            });
        }
        self.kept
    }
}

/// What the rows seen so far tell about the rows to come.
#[derive(Default)]
struct Seen {
    /// Staff id -> line of its first row.
    nips: HashMap<String, u64>,
    /// Login name (lower-cased) -> line of its first row.
    usernames: HashMap<String, u64>,
    /// The rows with a valid, unique staff id and a valid supervisor id other than their own.
    nodes: Vec<Node>,
}

struct Node {
    nip: String,
    supervisor: String,
    line: u64,
}

/// One row being checked: errors go to `errors`, and `failed` tells whether there were any.
struct RowCx<'a> {
    header: &'a Header,
    cells: &'a [&'a str],
    line: u64,
    errors: &'a mut Errors,
    failed: bool,
}

impl<'a> RowCx<'a> {
    fn cell(&self, column: Column) -> &'a str {
        self.header.index[column as usize].map_or("", |i| self.cells[i])
    }

    fn fail(&mut self, column: Column, reason: impl Into<String>) {
        self.failed = true;
        let label = self.header.label(column);
        self.errors.push(self.line, Some(label), reason);
    }

    fn parse(&mut self, seen: &mut Seen) -> Option<ImportRow> {
        let staff = self.staff_id();
        let name = self.required_text(Column::Name);
        let unit_code = self.unit_code();
        let position = self.required_text(Column::Position);
        let echelon = self.echelon();
        let supervisor_nip = self.supervisor(staff.as_ref().map(|(id, _)| id));
        let office_name = self.optional_text(Column::Office);
        let home = self.home();
        let login = self.login();

        if let Some((nip, _)) = &staff {
            if let Some(&first) = seen.nips.get(nip.as_str()) {
                self.fail(
                    Column::Nip,
                    format!("the same id {nip} is already on line {first}"),
                );
            } else {
                seen.nips.insert(nip.as_str().to_owned(), self.line);
                if let Some(supervisor) = &supervisor_nip {
                    seen.nodes.push(Node {
                        nip: nip.as_str().to_owned(),
                        supervisor: supervisor.clone(),
                        line: self.line,
                    });
                }
            }
        }
        if let Some((username, _)) = &login {
            if let Some(&first) = seen.usernames.get(username.as_str()) {
                self.fail(
                    Column::Username,
                    format!("the same username {username} is already on line {first}"),
                );
            } else {
                seen.usernames
                    .insert(username.as_str().to_owned(), self.line);
            }
        }
        if self.failed {
            return None;
        }
        let ((nip, id_type), name, unit_code, position, echelon) =
            (staff?, name?, unit_code?, position?, echelon?);
        let (username, password) = login.map_or((None, None), |(u, p)| (Some(u), Some(p)));
        Some(ImportRow {
            line: self.line,
            nip,
            id_type,
            name,
            unit_code,
            position,
            echelon,
            supervisor_nip,
            office_name,
            home,
            username,
            password,
        })
    }

    fn staff_id(&mut self) -> Option<(StaffId, StaffIdType)> {
        let kind = self.cell(Column::IdType).trim().to_ascii_lowercase();
        let kind = if kind.is_empty() {
            StaffIdType::Nip
        } else {
            match kind.parse::<StaffIdType>() {
                Ok(kind) => kind,
                Err(e) => {
                    self.fail(Column::IdType, e.to_string());
                    return None;
                }
            }
        };
        let raw = normalise_id(self.cell(Column::Nip));
        if raw.is_empty() {
            self.fail(Column::Nip, "must not be empty");
            return None;
        }
        match StaffId::parse(kind, &raw) {
            Ok(id) => Some((id, kind)),
            Err(e) => {
                let mut reason = e.to_string();
                if looks_shortened_by_excel(&raw) {
                    reason.push_str(
                        "; the cell looks like a number Excel shortened (such as 1,98503E+17): \
                         format the column as Text and export again",
                    );
                }
                self.fail(Column::Nip, reason);
                None
            }
        }
    }

    fn supervisor(&mut self, own: Option<&StaffId>) -> Option<String> {
        let raw = normalise_id(self.cell(Column::SupervisorNip));
        if raw.is_empty() {
            return None;
        }
        let valid = [StaffIdType::Nip, StaffIdType::Nik, StaffIdType::Other]
            .into_iter()
            .any(|kind| StaffId::parse(kind, &raw).is_ok());
        if !valid {
            self.fail(
                Column::SupervisorNip,
                "must be the NIP, NIK or other id of the supervisor",
            );
            return None;
        }
        if own.is_some_and(|own| own.as_str() == raw) {
            self.fail(
                Column::SupervisorNip,
                "an employee cannot supervise themselves",
            );
            return None;
        }
        Some(raw)
    }

    fn required_text(&mut self, column: Column) -> Option<String> {
        match check_text(self.cell(column)) {
            Ok(Some(text)) => Some(text),
            Ok(None) => {
                self.fail(column, "must not be empty");
                None
            }
            Err(reason) => {
                self.fail(column, reason);
                None
            }
        }
    }

    fn optional_text(&mut self, column: Column) -> Option<String> {
        check_text(self.cell(column))
            .map_err(|reason| self.fail(column, reason))
            .ok()
            .flatten()
    }

    fn unit_code(&mut self) -> Option<String> {
        let raw = self.cell(Column::UnitCode).trim();
        if raw.is_empty() {
            self.fail(Column::UnitCode, "must not be empty");
            return None;
        }
        let ok = raw.len() <= 32
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if ok {
            Some(raw.to_owned())
        } else {
            self.fail(
                Column::UnitCode,
                "must be 1 to 32 characters of A-Z, a-z, 0-9, dot, dash or underscore",
            );
            None
        }
    }

    fn echelon(&mut self) -> Option<Echelon> {
        let raw = self.cell(Column::Echelon).trim();
        if raw.is_empty() {
            self.fail(Column::Echelon, "must not be empty");
            return None;
        }
        let echelon = parse_echelon(raw);
        if echelon.is_none() {
            self.fail(
                Column::Echelon,
                "must be one of II, III, IV (in Roman numerals, optionally with the grade, as \
                 in III.a) or staff",
            );
        }
        echelon
    }

    fn home(&mut self) -> Option<(f64, f64, f64)> {
        let cells = Column::HOME.map(|c| self.cell(c).trim());
        if cells.iter().all(|c| c.is_empty()) {
            return None;
        }
        if let Some(i) = cells.iter().position(|c| c.is_empty()) {
            self.fail(
                Column::HOME[i],
                format!(
                    "is empty: {} go together, fill all three or none",
                    together(&Column::HOME)
                ),
            );
            return None;
        }
        let [lat, lon, radius] = cells.map(parse_number);
        if lat.is_none() {
            self.fail(Column::HomeLatitude, "must be a number such as -6.2088");
        }
        if lon.is_none() {
            self.fail(Column::HomeLongitude, "must be a number such as 106.8456");
        }
        let radius = radius.filter(|r| *r > 0.0 && *r <= MAX_HOME_RADIUS_M);
        if radius.is_none() {
            self.fail(
                Column::HomeRadius,
                "must be a number of metres above 0 and at most 10000",
            );
        }
        let (lat, lon, radius) = (lat?, lon?, radius?);
        match Coordinates::new(lat, lon) {
            Ok(_) => Some((lat, lon, radius)),
            Err(e) => {
                let column = match e {
                    CoordinateError::LongitudeNotFinite | CoordinateError::LongitudeOutOfRange => {
                        Column::HomeLongitude
                    }
                    CoordinateError::LatitudeNotFinite
                    | CoordinateError::LatitudeOutOfRange
                    | CoordinateError::AtPole => Column::HomeLatitude,
                };
                self.fail(column, e.to_string());
                None
            }
        }
    }

    fn login(&mut self) -> Option<(Username, Password)> {
        let username = self.cell(Column::Username);
        let password = self.cell(Column::Password);
        match (username.trim().is_empty(), password.trim().is_empty()) {
            (true, true) => None,
            (true, false) | (false, true) => {
                let missing = if username.trim().is_empty() {
                    Column::Username
                } else {
                    Column::Password
                };
                self.fail(
                    missing,
                    "is empty: username and password go together, fill both or neither",
                );
                None
            }
            (false, false) => {
                // Neither is trimmed: surrounding space is refused in a username, and is part
                // of a password.
                let username = Username::parse(username)
                    .map_err(|e| self.fail(Column::Username, e.to_string()))
                    .ok();
                let password = Password::new(password)
                    .map_err(|e| self.fail(Column::Password, e.to_string()))
                    .ok();
                Some((username?, password?))
            }
        }
    }
}

/// Trims an id; a number written in groups ("19850312 201001 1 002") loses its spaces.
fn normalise_id(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.contains(' ') && trimmed.chars().all(|c| c == ' ' || c.is_ascii_digit()) {
        trimmed.chars().filter(|&c| c != ' ').collect()
    } else {
        trimmed.to_owned()
    }
}

/// Whether `raw` reads like "1,98503E+17" or "1.98503e+17".
fn looks_shortened_by_excel(raw: &str) -> bool {
    let upper = raw.to_ascii_uppercase();
    upper.split_once("E+").is_some_and(|(mantissa, exponent)| {
        !mantissa.is_empty()
            && !exponent.is_empty()
            && mantissa
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
            && exponent.chars().all(|c| c.is_ascii_digit())
    })
}

/// A trimmed text of 1 to [`MAX_TEXT_CHARS`] characters without control characters;
/// `Ok(None)` when the cell is empty.
fn check_text(raw: &str) -> Result<Option<String>, &'static str> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Ok(None)
    } else if trimmed.chars().count() > MAX_TEXT_CHARS {
        Err("must be at most 200 characters")
    } else if trimmed.chars().any(char::is_control) {
        Err("must not contain control characters, such as a line break inside the cell")
    } else {
        Ok(Some(trimmed.to_owned()))
    }
}

/// II, III, IV in Roman numerals in any case, optionally with the grade (`II.a`, `III b`,
/// `IVa`), or staff (`staff`, `staf`, `non-eselon`).
fn parse_echelon(raw: &str) -> Option<Echelon> {
    let lower = raw.to_ascii_lowercase();
    match lower.as_str() {
        "staff" | "staf" | "non-eselon" | "non eselon" | "noneselon" => {
            return Some(Echelon::Staff);
        }
        _ => {}
    }
    let level = ["a", "b"]
        .into_iter()
        .find_map(|grade| lower.strip_suffix(grade))
        .map_or(lower.as_str(), |rest| {
            rest.strip_suffix(['.', ' ']).unwrap_or(rest)
        });
    match level {
        "ii" => Some(Echelon::II),
        "iii" => Some(Echelon::III),
        "iv" => Some(Echelon::IV),
        _ => None,
    }
}

/// A finite number; a decimal comma is accepted in place of the point ("-6,2088").
fn parse_number(raw: &str) -> Option<f64> {
    let value = if !raw.contains('.') && raw.matches(',').count() == 1 {
        raw.replace(',', ".").parse::<f64>()
    } else {
        raw.parse::<f64>()
    };
    value.ok().filter(|v| v.is_finite())
}

struct Cycle {
    members: Vec<usize>,
    reason: String,
}

/// The circles in the supervisor chains of the file's rows. Each row points at one supervisor
/// at most, so one walk per row that stops at rows already walked finds them all in linear time.
fn supervisor_cycles(nodes: &[Node]) -> Vec<Cycle> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.nip.as_str(), i))
        .collect();
    let next: Vec<Option<usize>> = nodes
        .iter()
        .map(|n| index.get(n.supervisor.as_str()).copied())
        .collect();
    let mut state = vec![State::New; nodes.len()];
    let mut cycles = Vec::new();
    let mut path = Vec::new();
    for start in 0..nodes.len() {
        path.clear();
        let mut current = Some(start);
        while let Some(i) = current {
            match state[i] {
                State::Done => break,
                State::OnPath => {
                    // Each row joins one path only, so this search costs O(n) over all walks.
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    cycles.push(describe_cycle(nodes, &path[from..]));
                    break;
                }
                State::New => {
                    state[i] = State::OnPath;
                    path.push(i);
                    current = next[i];
                }
            }
        }
        for &p in &path {
            state[p] = State::Done;
        }
    }
    cycles
}

fn describe_cycle(nodes: &[Node], members: &[usize]) -> Cycle {
    const SHOWN: usize = 10;
    let first = (0..members.len())
        .min_by_key(|&k| nodes[members[k]].line)
        .unwrap_or(0);
    let mut members = members.to_vec();
    members.rotate_left(first);
    let mut lines: Vec<String> = members
        .iter()
        .take(SHOWN)
        .map(|&i| nodes[i].line.to_string())
        .collect();
    if members.len() > SHOWN {
        lines.push(format!("… ({} more)", members.len() - SHOWN));
    }
    lines.push(nodes[members[0]].line.to_string());
    let reason = format!(
        "the supervisors go round in a circle: lines {} (each supervises the previous one)",
        lines.join(" → ")
    );
    Cycle { members, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIP_A: &str = "198503122010011002";
    const NIP_B: &str = "197001011995031001";
    const NIP_C: &str = "199002282015042003";

    fn refused(csv: &str) -> Vec<RowError> {
        parse_employees(csv.as_bytes()).expect_err("the file should be refused")
    }

    fn rows(csv: &str) -> Vec<ImportRow> {
        match parse_employees(csv.as_bytes()) {
            Ok(rows) => rows,
            Err(e) => panic!("the file should be accepted: {e:#?}"),
        }
    }

    /// (line, column) of each error.
    fn places(errors: &[RowError]) -> Vec<(u64, Option<&str>)> {
        errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect()
    }

    /// A valid 18-digit NIP for each `i` below 28,000.
    fn nip(i: usize) -> String {
        format!(
            "1980{:02}{:02}2010011{:03}",
            1 + (i / 1000) % 12,
            1 + (i / 12_000),
            i % 1000
        )
    }

    const HEADER: &str = "nip,name,unit_code,position,echelon";

    #[test]
    fn a_good_comma_file_is_read_in_full() {
        let csv = format!(
            "nip,id_type,name,unit_code,position,echelon,supervisor_nip,office,home_latitude,\
             home_longitude,home_radius_m,username,password\n\
             {NIP_A},,Budi Santoso,DISKOMINFO,Kepala Dinas,II.b,,Kantor Dinas,-6.2088,106.8456,150,budi,correct horse\n\
             {NIP_B},nip,\"Siti \"\"Ita\"\" Rahma, S.Kom\",DISKOMINFO-APT,Kepala Bidang,iii,{NIP_A},,,,,,\n\
             3277011203850001,NIK,Joko,DISKOMINFO,Pramubakti,staf,{NIP_C},,,,,,\n\
             THL-2024/017,other,Rina,DISKOMINFO,Pengemudi,Staff,,,,,,Rina.W,0123456789\n"
        );
        let rows = rows(&csv);
        assert_eq!(rows.len(), 4);
        let budi = &rows[0];
        assert_eq!(budi.line, 2);
        assert_eq!(budi.nip.as_str(), NIP_A);
        assert_eq!(budi.id_type, StaffIdType::Nip);
        assert_eq!(budi.name, "Budi Santoso");
        assert_eq!(budi.unit_code, "DISKOMINFO");
        assert_eq!(budi.position, "Kepala Dinas");
        assert_eq!(budi.echelon, Echelon::II);
        assert_eq!(budi.supervisor_nip, None);
        assert_eq!(budi.office_name.as_deref(), Some("Kantor Dinas"));
        assert_eq!(budi.home, Some((-6.2088, 106.8456, 150.0)));
        assert_eq!(budi.username.as_ref().map(Username::as_str), Some("budi"));
        assert_eq!(
            budi.password.as_ref().map(Password::expose),
            Some("correct horse")
        );

        let siti = &rows[1];
        assert_eq!(siti.line, 3);
        assert_eq!(siti.name, "Siti \"Ita\" Rahma, S.Kom");
        assert_eq!(siti.echelon, Echelon::III);
        assert_eq!(siti.supervisor_nip.as_deref(), Some(NIP_A));
        assert_eq!(siti.office_name, None);
        assert_eq!(siti.home, None);
        assert!(siti.username.is_none() && siti.password.is_none());

        let joko = &rows[2];
        assert_eq!(joko.id_type, StaffIdType::Nik);
        assert_eq!(joko.echelon, Echelon::Staff);
        // A supervisor outside the file is left to the database.
        assert_eq!(joko.supervisor_nip.as_deref(), Some(NIP_C));

        let rina = &rows[3];
        assert_eq!(rina.line, 5);
        assert_eq!(rina.id_type, StaffIdType::Other);
        assert_eq!(rina.nip.as_str(), "THL-2024/017");
        assert_eq!(rina.username.as_ref().map(Username::as_str), Some("rina.w"));
    }

    #[test]
    fn a_semicolon_file_from_excel_with_bom_crlf_and_indonesian_headers_is_read() {
        let csv = format!(
            "\u{FEFF}NIP ; Jenis ID;Nama;Kode Unit;Jabatan;ESELON;NIP_Atasan;Kantor;\
             Lintang_Rumah;Bujur_Rumah;Radius_Rumah\r\n\
             19850312 201001 1 002;;Budi, S.T.;BAPPEDA;Kepala Badan;II.a;;Kantor Bappeda;-6,2088;106,8456;100\r\n\
             {NIP_B};nip;Ani;BAPPEDA;Sekretaris;III.a;{NIP_A};;;;\r\n\
             ;;;;;;;;;;\r\n\
             \r\n"
        );
        let rows = rows(&csv);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].nip.as_str(), NIP_A);
        assert_eq!(rows[0].name, "Budi, S.T.");
        assert_eq!(rows[0].unit_code, "BAPPEDA");
        assert_eq!(rows[0].echelon, Echelon::II);
        assert_eq!(rows[0].office_name.as_deref(), Some("Kantor Bappeda"));
        assert_eq!(rows[0].home, Some((-6.2088, 106.8456, 100.0)));
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].position, "Sekretaris");
        assert_eq!(rows[1].supervisor_nip.as_deref(), Some(NIP_A));
    }

    #[test]
    fn a_quoted_cell_over_several_lines_keeps_the_later_line_numbers() {
        // The name of line 2 ends in a line break (trimmed away); line 4 starts the next record.
        let good = format!(
            "{HEADER}\r\n{NIP_A},\"Budi Santoso\r\n\",U1,\"Kepala\"\"Seksi\"\"\",IV\r\n\
             {NIP_B},Ani,U1,Staf,staff\r\n"
        );
        let rows = rows(&good);
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(rows[0].name, "Budi Santoso");
        assert_eq!(rows[0].position, "Kepala\"Seksi\"");

        let bad = format!(
            "{HEADER}\n{NIP_A},\"Budi\nSantoso\",U1,Kepala,IV\n{NIP_B},Ani,U1,Staf,staff\n\
             {NIP_C},Eko,U1,Staf,3\n"
        );
        let errors = refused(&bad);
        assert_eq!(places(&errors), [(2, Some("name")), (5, Some("echelon"))]);
        assert!(errors[0].reason.contains("control characters"));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_every_kind_of_line_break() {
        let crlf =
            format!("\r\n{HEADER}\r\n\r\n{NIP_A},A,U1,Staf,staff\r\n\r\n{NIP_B},B,U1,Staf,3\r\n");
        assert_eq!(places(&refused(&crlf)), [(6, Some("echelon"))]);
        let cr = format!("{HEADER}\r{NIP_A},A,U1,Staf,staff\r{NIP_B},B,U1,Staf,3\r");
        assert_eq!(places(&refused(&cr)), [(3, Some("echelon"))]);
        let lf = format!("{HEADER}\n\n{NIP_A},A,U1,Staf,4\n   \n{NIP_B},B,U1,Staf,3");
        assert_eq!(
            places(&refused(&lf)),
            [(3, Some("echelon")), (5, Some("echelon"))]
        );
    }

    #[test]
    fn a_bad_nip_is_refused_with_the_reason_from_the_org_rules() {
        let csv = format!(
            "{HEADER},id_type\n\
             198513122010011002,A,U1,Staf,staff,\n\
             1,98503E+17,B,U1,Staf,staff,\n\
             {NIP_A},C,U1,Staf,staff,passport\n\
             32770112038500,D,U1,Staf,staff,nik\n\
             ,E,U1,Staf,staff,\n"
        );
        let errors = refused(&csv);
        assert_eq!(
            places(&errors),
            [
                (2, Some("nip")),
                (3, None),
                (4, Some("id_type")),
                (5, Some("nip")),
                (6, Some("nip")),
            ]
        );
        assert_eq!(
            errors[0].reason,
            "the NIP's first 8 digits must be a birth date (YYYYMMDD)"
        );
        // The unquoted decimal comma splits the cell: the count is off.
        assert!(errors[1].reason.contains("7 cells where the header has 6"));
        assert_eq!(errors[2].reason, "id_type must be nip, nik or other");
        assert_eq!(errors[3].reason, "a NIK has exactly 16 digits");
        assert_eq!(errors[4].reason, "must not be empty");

        let excel = refused(&format!("{HEADER}\n1.98503E+17,B,U1,Staf,staff\n"));
        assert_eq!(places(&excel), [(2, Some("nip"))]);
        assert!(excel[0].reason.contains("Excel shortened"), "{excel:?}");
    }

    #[test]
    fn echelons_are_roman_numerals_or_staff() {
        assert_eq!(parse_echelon("iv"), Some(Echelon::IV));
        assert_eq!(parse_echelon("IV.b"), Some(Echelon::IV));
        assert_eq!(parse_echelon("IIIa"), Some(Echelon::III));
        assert_eq!(parse_echelon("II b"), Some(Echelon::II));
        assert_eq!(parse_echelon("Non-Eselon"), Some(Echelon::Staff));
        for bad in ["4", "I", "V", "III.c", "a", "ii.", "eselon 3"] {
            assert_eq!(parse_echelon(bad), None, "{bad}");
        }
        let errors = refused(&format!(
            "{HEADER}\n{NIP_A},A,U1,Kepala,IV\n{NIP_B},B,U1,Kepala,3\n{NIP_C},C,U1,Kepala,\n"
        ));
        assert_eq!(
            places(&errors),
            [(3, Some("echelon")), (4, Some("echelon"))]
        );
        assert!(errors[0].reason.contains("II, III, IV"));
        assert!(errors[0].reason.contains("staff"));
        assert_eq!(errors[1].reason, "must not be empty");
    }

    #[test]
    fn names_positions_and_unit_codes_are_checked() {
        let long = "x".repeat(201);
        let errors = refused(&format!(
            "Nama,NIP,Kode_Unit,Jabatan,Eselon\n\
             ,{NIP_A},U1,Kepala,IV\n\
             \"  \",{NIP_B},U1,{long},IV\n\
             Eko,{NIP_C},unit satu,\"a\u{0}b\",IV\n"
        ));
        assert_eq!(
            places(&errors),
            [
                (2, Some("Nama")),
                (3, Some("Nama")),
                (3, Some("Jabatan")),
                (4, Some("Kode_Unit")),
                (4, Some("Jabatan")),
            ]
        );
        assert_eq!(errors[0].reason, "must not be empty");
        assert_eq!(errors[2].reason, "must be at most 200 characters");
    }

    #[test]
    fn the_home_point_is_all_or_nothing_and_in_range() {
        let errors = refused(&format!(
            "{HEADER},home_latitude,home_longitude,home_radius_m\n\
             {NIP_A},A,U1,Staf,staff,-6.2,,100\n\
             {NIP_B},B,U1,Staf,staff,95,106.8,100\n\
             {NIP_C},C,U1,Staf,staff,-6.2,106.8,10001\n\
             {},D,U1,Staf,staff,-6.2,east,0\n\
             {},E,U1,Staf,staff,NaN,106.8,50\n",
            nip(1),
            nip(2)
        ));
        assert_eq!(
            places(&errors),
            [
                (2, Some("home_longitude")),
                (3, Some("home_latitude")),
                (4, Some("home_radius_m")),
                (5, Some("home_longitude")),
                (5, Some("home_radius_m")),
                (6, Some("home_latitude")),
            ]
        );
        assert!(errors[0].reason.contains("all three or none"));
        assert_eq!(errors[1].reason, "latitude must be between -90 and 90");
    }

    #[test]
    fn username_and_password_go_together_and_follow_the_account_rules() {
        let errors = refused(&format!(
            "{HEADER},username,password\n\
             {NIP_A},A,U1,Staf,staff,budi,\n\
             {NIP_B},B,U1,Staf,staff,,correct horse\n\
             {NIP_C},C,U1,Staf,staff,b c,short\n"
        ));
        assert_eq!(
            places(&errors),
            [
                (2, Some("password")),
                (3, Some("username")),
                (4, Some("username")),
                (4, Some("password")),
            ]
        );
        assert!(errors[0].reason.contains("fill both or neither"));
        assert_eq!(errors[3].reason, "must be at least 10 characters");
        // The password is never echoed.
        assert!(errors.iter().all(|e| !e.reason.contains("short")));
    }

    #[test]
    fn the_same_nip_or_username_twice_names_the_first_line() {
        let errors = refused(&format!(
            "{HEADER},username,password\n\
             {NIP_A},A,U1,Staf,staff,budi,correct horse\n\
             {NIP_B},B,U1,Staf,staff,BUDI,correct horse\n\
             {NIP_A},C,U1,Staf,staff,,\n"
        ));
        assert_eq!(places(&errors), [(3, Some("username")), (4, Some("nip"))]);
        assert_eq!(
            errors[0].reason,
            "the same username budi is already on line 2"
        );
        assert_eq!(
            errors[1].reason,
            format!("the same id {NIP_A} is already on line 2")
        );
    }

    #[test]
    fn nobody_supervises_themselves() {
        let errors = refused(&format!(
            "{HEADER},nip_atasan\n{NIP_A},A,U1,Staf,staff,{NIP_B}\n\
             {NIP_B},B,U1,Kepala,IV,19700101 199503 1 001\n{NIP_C},C,U1,Staf,staff,bad id\n"
        ));
        assert_eq!(
            places(&errors),
            [(3, Some("nip_atasan")), (4, Some("nip_atasan"))]
        );
        assert_eq!(errors[0].reason, "an employee cannot supervise themselves");
    }

    #[test]
    fn a_circle_of_supervisors_is_refused_on_every_line_of_it() {
        let errors = refused(&format!(
            "{HEADER},supervisor_nip\n\
             {NIP_A},A,U1,Staf,staff,{NIP_B}\n\
             {},X,U1,Staf,staff,{NIP_A}\n\
             {NIP_B},B,U1,Staf,staff,{NIP_C}\n\
             {NIP_C},C,U1,Staf,staff,{NIP_A}\n\
             {},Y,U1,Staf,staff,{}\n\
             {},Z,U1,Staf,staff,{}\n",
            nip(1),
            nip(2),
            nip(3),
            nip(3),
            nip(2),
        ));
        assert_eq!(
            places(&errors),
            [
                (2, Some("supervisor_nip")),
                (4, Some("supervisor_nip")),
                (5, Some("supervisor_nip")),
                (6, Some("supervisor_nip")),
                (7, Some("supervisor_nip")),
            ]
        );
        assert!(
            errors[0].reason.contains("lines 2 → 4 → 5 → 2"),
            "{errors:?}"
        );
        assert!(errors[3].reason.contains("lines 6 → 7 → 6"), "{errors:?}");
    }

    #[test]
    fn a_wrong_number_of_cells_is_refused_with_its_line() {
        let errors = refused(&format!(
            "{HEADER}\n{NIP_A},A,U1,Staf\n{NIP_B},B,U1,Staf,staff\n{NIP_C},C,U1,Staf,staff,x\n"
        ));
        assert_eq!(places(&errors), [(2, None), (4, None)]);
        assert_eq!(errors[0].reason, "has 4 cells where the header has 5");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_with_its_line() {
        let mut csv = format!("{HEADER}\n{NIP_A},A,U1,Staf,staff\n{NIP_B},").into_bytes();
        csv.extend_from_slice(b"Jos\xE9,U1,Staf,staff\n");
        let errors = parse_employees(&csv).unwrap_err();
        assert_eq!(places(&errors), [(3, Some("name"))]);
        assert!(errors[0].reason.contains("UTF-8"));

        let header = parse_employees(b"nip,n\xE4me,unit_code,position,echelon\n").unwrap_err();
        assert_eq!(header[0].line, 1);
        assert!(header[0].reason.contains("UTF-8"));
    }

    #[test]
    fn a_missing_required_column_is_named_on_line_1() {
        let errors = refused(&format!(
            "nip,name,position,echelon\n{NIP_A},A,Staf,staff\n"
        ));
        assert_eq!(places(&errors), [(1, Some("unit_code"))]);
        assert_eq!(errors[0].reason, "the required column unit_code is missing");

        let half = refused(&format!("{HEADER},lintang_rumah,username\n"));
        assert_eq!(
            places(&half),
            [
                (1, Some("home_longitude")),
                (1, Some("home_radius_m")),
                (1, Some("password")),
            ]
        );
    }

    #[test]
    fn unknown_duplicate_and_unnamed_columns_are_refused() {
        let errors = refused(&format!(
            "{HEADER},golongan,Nama,\n{NIP_A},A,U1,Staf,staff,III/a,A,\n"
        ));
        assert_eq!(
            places(&errors),
            [(1, Some("golongan")), (1, Some("Nama")), (1, None)]
        );
        assert!(errors[0].reason.starts_with("unknown column"));
        assert!(errors[0].reason.contains("unit_code (kode_unit, unit)"));
        assert!(errors[1].reason.contains("appears twice"));
        assert!(errors[2].reason.contains("column 8 has no name"));
    }

    #[test]
    fn an_empty_file_or_a_header_alone_has_no_employees() {
        for csv in [
            "",
            "\u{FEFF}",
            "\n\n",
            "nip,name,unit_code,position,echelon\r\n\r\n",
        ] {
            let errors = refused(csv);
            assert_eq!(errors.len(), 1, "{csv:?}");
            assert_eq!(errors[0].line, 1);
            assert_eq!(errors[0].reason, "the file has no employees");
        }
    }

    #[test]
    fn errors_stop_at_1000_and_say_how_many_more_there_were() {
        let mut csv = format!("{HEADER},supervisor_nip\n");
        for i in 0..1_500 {
            let _ = writeln!(csv, "{},N{i},U1,Staf,3,", nip(i));
        }
        // A circle at the very end still comes out in line order, and is cut like the rest.
        let _ = writeln!(csv, "{},A,U1,Staf,staff,{}", nip(2_000), nip(2_001));
        let _ = writeln!(csv, "{},B,U1,Staf,staff,{}", nip(2_001), nip(2_000));
        let errors = refused(&csv);
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[MAX_ERRORS - 1].line, 1_001);
        let last = &errors[MAX_ERRORS];
        assert_eq!(last.line, 1_002);
        assert_eq!(last.column, None);
        assert!(
            last.reason.starts_with("502 more errors were left out"),
            "{last:?}"
        );
    }

    #[test]
    fn ten_thousand_rows_in_one_long_chain_are_read() {
        let mut csv = format!("{HEADER},supervisor_nip,username,password\n");
        for i in 0..10_000 {
            let supervisor = if i == 0 { String::new() } else { nip(i - 1) };
            let _ = writeln!(
                csv,
                "{},Pegawai {i},U{},Staf,staff,{supervisor},user{i},password{i:04}",
                nip(i),
                i % 37
            );
        }
        let rows = rows(&csv);
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[9_999].line, 10_001);
        assert_eq!(
            rows[9_999].supervisor_nip.as_deref(),
            Some(nip(9_998).as_str())
        );
        assert_eq!(rows[9_999].nip.as_str(), nip(9_999));
    }
}
