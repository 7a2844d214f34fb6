//! The month as HR takes it away: CSV (UTF-8 with a BOM; in Indonesian with semicolons and
//! decimal commas, as Excel reads them in an Indonesian locale, or in English with commas and
//! points) and XLSX (one sheet with every employee and a unit column, frozen header, codes
//! coloured, and a totals sheet per unit). Rows are produced a chunk of employees at a time
//! (`month::compute`), so an organisation's month is never held in memory whole.

use std::collections::BTreeMap;

use hadir_domain::day::Code;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::month::EmployeeMonth;

/// The language of headers (and, for CSV, of separators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    /// `id` (the default) or `en`.
    #[must_use]
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        match raw {
            None | Some("id") => Some(Lang::Id),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }
}

/// The codes with a total column, in order.
pub const TOTAL_CODES: [Code; 14] = [
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
];

/// The header row.
#[must_use]
pub fn header(lang: Lang, days: &[u32]) -> Vec<String> {
    let fixed = match lang {
        Lang::Id => ["NIP", "Nama", "Unit Kerja", "Jabatan"],
        Lang::En => ["NIP", "Name", "Unit", "Position"],
    };
    let mut h: Vec<String> = fixed.iter().map(|s| (*s).to_owned()).collect();
    h.extend(days.iter().map(ToString::to_string));
    h.push(match lang {
        Lang::Id => "Hadir".into(),
        Lang::En => "Present".into(),
    });
    h.extend(TOTAL_CODES.iter().map(|c| c.as_str().to_owned()));
    h.push(match lang {
        Lang::Id => "Potongan TPP (%)".into(),
        Lang::En => "Allowance cut (%)".into(),
    });
    h
}

/// A cut in basis points as a percentage with two decimals, in the language's notation.
#[must_use]
pub fn percent(bp: u32, lang: Lang) -> String {
    let text = format!("{}.{:02}", bp / 100, bp % 100);
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

/// A text cell made safe for spreadsheets: a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be read as a formula, so it gets a leading apostrophe.
#[must_use]
pub fn escape(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The cells of one employee's row, as text.
#[must_use]
pub fn row(m: &EmployeeMonth, lang: Lang) -> Vec<String> {
    let mut r = vec![
        escape(&m.employee.nip),
        escape(&m.employee.name),
        escape(&m.unit_name),
        escape(&m.employee.position),
    ];
    r.extend(m.days.iter().map(|(s, _)| s.code()));
    r.push(m.present_days.to_string());
    r.extend(
        TOTAL_CODES
            .iter()
            .map(|c| m.totals.get(c).copied().unwrap_or(0).to_string()),
    );
    r.push(percent(m.statement.total_bp, lang));
    r
}

/// CSV writing: the BOM and header first, then rows chunk by chunk.
#[derive(Debug)]
pub struct CsvSheet {
    lang: Lang,
}

impl CsvSheet {
    #[must_use]
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    fn writer(&self) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .delimiter(match self.lang {
                Lang::Id => b';',
                Lang::En => b',',
            })
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new())
    }

    /// The BOM and the header row.
    pub fn start(&self, days: &[u32]) -> Result<Vec<u8>, String> {
        let mut w = self.writer();
        w.write_record(header(self.lang, days))
            .map_err(|e| e.to_string())?;
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.extend(w.into_inner().map_err(|e| e.to_string())?);
        Ok(out)
    }

    /// The rows of a chunk.
    pub fn rows(&self, months: &[EmployeeMonth]) -> Result<Vec<u8>, String> {
        let mut w = self.writer();
        for m in months {
            w.write_record(row(m, self.lang))
                .map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    }
}

/// The fill colour of a code's cell.
fn colour(code: &str) -> Option<u32> {
    let first = code.split('/').next().unwrap_or_default();
    Some(match first {
        "H" => 0x00C6_EFCE,
        "TL4" | "PSW4" => 0x00F8_CBAD,
        c if c.starts_with("TL") || c.starts_with("PSW") => 0x00FF_EB9C,
        "TK" => 0x00FF_C7CE,
        "WFH" => 0x00DD_EBF7,
        "DL" => 0x00E4_DFEC,
        "C" | "S" | "I" => 0x00ED_EDED,
        "L" => 0x00D9_D9D9,
        _ => return None,
    })
}

/// XLSX writing: the summary sheet row by row (constant memory), totals per unit kept aside
/// for the totals sheet written at the end.
pub struct XlsxBook {
    workbook: Workbook,
    lang: Lang,
    next_row: u32,
    bold: Format,
    percent: Format,
    fills: BTreeMap<u32, Format>,
    /// Per unit: employees, present days, each total code, cuts in basis points.
    units: BTreeMap<String, (u32, u32, BTreeMap<Code, u32>, u64)>,
}

impl std::fmt::Debug for XlsxBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxBook")
            .field("next_row", &self.next_row)
            .finish_non_exhaustive()
    }
}

fn sheet_names(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Id => ("Rekap", "Total"),
        Lang::En => ("Summary", "Totals"),
    }
}

impl XlsxBook {
    pub fn new(lang: Lang, days: &[u32]) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let bold = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin);
        let percent = Format::new().set_num_format("0.00");
        let fills = [
            0x00C6_EFCE,
            0x00F8_CBAD,
            0x00FF_EB9C,
            0x00FF_C7CE,
            0x00DD_EBF7,
            0x00E4_DFEC,
            0x00ED_EDED,
            0x00D9_D9D9,
        ]
        .into_iter()
        .map(|rgb| (rgb, Format::new().set_background_color(Color::RGB(rgb))))
        .collect();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(sheet_names(lang).0)?;
        sheet.set_freeze_panes(1, 2)?;
        sheet.set_column_width(1, 28)?;
        sheet.set_column_width(2, 28)?;
        sheet.set_column_width(3, 24)?;
        for (col, title) in header(lang, days).iter().enumerate() {
            sheet.write_string_with_format(0, col_index(col), title, &bold)?;
        }
        Ok(Self {
            workbook,
            lang,
            next_row: 1,
            bold,
            percent,
            fills,
            units: BTreeMap::new(),
        })
    }

    /// Appends the rows of a chunk.
    pub fn rows(&mut self, months: &[EmployeeMonth]) -> Result<(), XlsxError> {
        let Self {
            workbook,
            next_row,
            percent,
            fills,
            units,
            ..
        } = self;
        let sheet: &mut Worksheet = workbook.worksheet_from_index(0)?;
        for m in months {
            let r = *next_row;
            *next_row += 1;
            // Text cells: written as text, so nothing in them is ever a formula.
            for (col, text) in [
                &m.employee.nip,
                &m.employee.name,
                &m.unit_name,
                &m.employee.position,
            ]
            .into_iter()
            .enumerate()
            {
                sheet.write_string(r, col_index(col), text)?;
            }
            let mut col = 4;
            for (status, _) in &m.days {
                let code = status.code();
                match colour(&code).and_then(|rgb| fills.get(&rgb)) {
                    Some(fill) => sheet.write_string_with_format(r, col_index(col), &code, fill)?,
                    None => sheet.write_string(r, col_index(col), &code)?,
                };
                col += 1;
            }
            sheet.write_number(r, col_index(col), f64::from(m.present_days))?;
            col += 1;
            for c in TOTAL_CODES {
                sheet.write_number(
                    r,
                    col_index(col),
                    f64::from(m.totals.get(&c).copied().unwrap_or(0)),
                )?;
                col += 1;
            }
            sheet.write_number_with_format(
                r,
                col_index(col),
                f64::from(m.statement.total_bp) / 100.0,
                percent,
            )?;
            let unit = units
                .entry(m.unit_name.clone())
                .or_insert_with(|| (0, 0, BTreeMap::new(), 0));
            unit.0 += 1;
            unit.1 += m.present_days;
            for (c, n) in &m.totals {
                *unit.2.entry(*c).or_insert(0) += n;
            }
            unit.3 += u64::from(m.statement.total_bp);
        }
        Ok(())
    }

    /// Writes the totals sheet and returns the file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let lang = self.lang;
        let bold = self.bold.clone();
        let percent = self.percent.clone();
        let units = std::mem::take(&mut self.units);
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(sheet_names(lang).1)?;
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_column_width(0, 36)?;
        let mut titles: Vec<String> = match lang {
            Lang::Id => vec!["Unit Kerja".into(), "Pegawai".into(), "Hadir".into()],
            Lang::En => vec!["Unit".into(), "Employees".into(), "Present".into()],
        };
        titles.extend(TOTAL_CODES.iter().map(|c| c.as_str().to_owned()));
        titles.push(match lang {
            Lang::Id => "Rata-rata potongan TPP (%)".into(),
            Lang::En => "Average allowance cut (%)".into(),
        });
        for (col, t) in titles.iter().enumerate() {
            sheet.write_string_with_format(0, col_index(col), t, &bold)?;
        }
        for (i, (unit, (people, present, totals, cut_bp))) in units.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            sheet.write_string(r, 0, unit)?;
            sheet.write_number(r, 1, f64::from(*people))?;
            sheet.write_number(r, 2, f64::from(*present))?;
            for (k, c) in TOTAL_CODES.iter().enumerate() {
                sheet.write_number(
                    r,
                    col_index(3 + k),
                    f64::from(totals.get(c).copied().unwrap_or(0)),
                )?;
            }
            #[expect(
                clippy::cast_precision_loss,
                reason = "sums of basis points stay far below 2^52"
            )]
            let average = *cut_bp as f64 / f64::from((*people).max(1)) / 100.0;
            sheet.write_number_with_format(
                r,
                col_index(3 + TOTAL_CODES.len()),
                average,
                &percent,
            )?;
        }
        self.workbook.save_to_buffer()
    }
}

/// A column number as the spreadsheet's type (a month has at most 31 days: columns stay few).
fn col_index(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

// ---------------------------------------------------------------------------------------------
// JSON

/// One day as the API shows it.
#[must_use]
pub fn day_json(status: &hadir_domain::day::DayStatus) -> serde_json::Value {
    serde_json::json!({
        "date": status.date,
        "code": status.code(),
        "codes": status.codes,
        "check_in": status.check_in,
        "check_out": status.check_out,
        "late_minutes": status.late_minutes,
        "early_minutes": status.early_minutes,
        "explanation": status.explanation,
    })
}

#[must_use]
pub fn totals_json(m: &EmployeeMonth) -> serde_json::Value {
    let mut totals = serde_json::Map::new();
    totals.insert("present".into(), m.present_days.into());
    for c in Code::ALL {
        totals.insert(
            c.as_str().into(),
            m.totals.get(&c).copied().unwrap_or(0).into(),
        );
    }
    serde_json::Value::Object(totals)
}

#[must_use]
pub fn cut_json(m: &EmployeeMonth, cap_bp: u32) -> serde_json::Value {
    serde_json::json!({
        "total_bp": m.statement.total_bp,
        "uncapped_bp": m.statement.uncapped_bp,
        "cap_bp": cap_bp,
        "percent": f64::from(m.statement.total_bp) / 100.0,
    })
}

/// The JSON objects of a chunk of employees, comma-separated (a leading comma unless this is
/// the first row of the document).
pub fn json_rows(
    months: &[EmployeeMonth],
    first_row: &mut bool,
    cap_bp: u32,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for m in months {
        if !*first_row {
            bytes.push(b',');
        }
        *first_row = false;
        let row = serde_json::json!({
            "employee": {
                "id": m.employee.id, "nip": m.employee.nip,
                "name": m.employee.name, "position": m.employee.position,
                "unit": {"id": m.employee.unit_id, "name": m.unit_name},
            },
            "codes": m.days.iter().map(|(s, _)| s.code()).collect::<Vec<_>>(),
            "totals": totals_json(m),
            "allowance_cut": cut_json(m, cap_bp),
        });
        bytes.extend(serde_json::to_vec(&row).map_err(|e| e.to_string())?);
    }
    Ok(bytes)
}

#[must_use]
pub fn json_opening(raw: &str, days: &[u32]) -> Vec<u8> {
    format!(
        "{{\"month\":\"{raw}\",\"days\":{},\"employees\":[",
        serde_json::to_string(days).unwrap_or_default()
    )
    .into_bytes()
}
