//! Excel (.xlsx, .xls) and OpenDocument (.ods) workbooks, read with calamine.
//!
//! Numbers are written without float artefacts (a phone 37122222222 stays 37122222222,
//! 0.1 + 0.2 shows as 0.3), dates become ISO text, text cells keep their leading zeros.
//! An .xlsx/.ods that would unpack to far more than its size is refused before reading.

use std::io::{Cursor, Read, Seek};

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::{build_sheet, RawRows, ReadError, Sheet};
use crate::datetime::civil_from_days;

/// A workbook's sheets, and which one was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Workbook {
    /// Every sheet's name, in order.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub chosen: String,
}

/// Bytes a workbook may unpack to, at most.
const MAX_UNPACKED: u64 = 1024 * 1024 * 1024;
/// Unpacked / packed ratio above which a large archive is treated as a zip bomb.
const MAX_RATIO: u64 = 100;

/// Cells (blank ones included) a sheet may lay out, at least...
const MIN_CELLS: usize = 2_000_000;
/// ...or this many per byte of the workbook file, whichever is more. A filled cell costs
/// a few bytes even compressed; only gaps (blank cells) come free, so a sheet that is
/// mostly gap, such as one cell far out in column XFD on every row, is refused.
const CELLS_PER_BYTE: usize = 16;
/// Bytes of `sharedStrings.xml` each string it declares takes at least (`<si/>`).
const BYTES_PER_SHARED_STRING: u64 = 5;

/// The kind of workbook `bytes` hold, by their signature, for messages.
fn format_of(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        ".xls"
    } else if zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|a| ods_content(&a).is_some()) {
        // By what the archive holds, as calamine tells them apart (not by the mimetype
        // entry, which a damaged file may have lost).
        ".ods"
    } else {
        ".xlsx"
    }
}

/// Reads sheet `sheet` (or the first one with data) of a workbook.
/// `header_row` (a spreadsheet row number) overrides the detected header row.
pub fn read_workbook(bytes: &[u8], sheet: Option<&str>, header_row: Option<usize>) -> Result<(Sheet, Workbook), ReadError> {
    let format = format_of(bytes);
    if bytes.starts_with(b"PK\x03\x04") {
        check_unpacked_size(Cursor::new(bytes), bytes.len() as u64)?;
        check_shared_strings(Cursor::new(bytes))?;
        // Every archive: calamine reads one as .ods whenever it holds a content.xml.
        check_ods_tables(Cursor::new(bytes), MIN_CELLS.max(bytes.len().saturating_mul(CELLS_PER_BYTE)))?;
    }
    let budget = MIN_CELLS.max(bytes.len().saturating_mul(CELLS_PER_BYTE));
    // A file with a workbook's signature that its reader cannot open is damaged (not "of
    // an unknown format").
    let signed = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0");
    let fail = |e: calamine::Error| {
        if signed {
            ReadError::Damaged { format, place: None, detail: e.to_string() }
        } else {
            ReadError::Workbook { detail: e.to_string() }
        }
    };
    // An .xls is checked and handed over as a fresh compound file (see xls_guard).
    let rewritten;
    let bytes = if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        rewritten = super::xls_guard::checked_xls(bytes)?;
        &rewritten[..]
    } else {
        bytes
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(fail)?;
    let sheets = book.sheet_names();
    if sheets.is_empty() {
        return Err(ReadError::Empty);
    }
    // An .xlsx is read with its shared strings borrowed, not copied into every cell.
    if let calamine::Sheets::Xlsx(xlsx) = &mut book {
        let names = match sheet {
            Some(name) => vec![sheets.iter().find(|s| s.as_str() == name).cloned().ok_or_else(|| no_sheet(name))?],
            None => sheets.clone(),
        };
        let mut found = None;
        for name in &names {
            let raw = match xlsx_rows(xlsx, name, budget)? {
                Some(raw) => raw,
                // Cells out of order (not as Excel writes them): sorted, then laid out.
                None => xlsx_rows_sorted(xlsx, name, budget)?,
            };
            if raw.len() > 0 || sheet.is_some() {
                found = Some((name.clone(), raw));
                break;
            }
        }
        let (chosen, raw) = match found {
            Some(found) => found,
            None => (sheets[0].clone(), RawRows::default()),
        };
        let sheet = build_sheet(raw, header_row)?;
        return Ok((sheet, Workbook { sheets, chosen }));
    }
    // Other workbooks: the first sheet with a non-blank row (as for .xlsx), unless one is
    // named; read once.
    let text = |c: &Data, out: &mut String| out.push_str(&cell_text(c));
    let (chosen, raw) = match sheet {
        Some(name) => {
            let name = sheets.iter().find(|s| s.as_str() == name).cloned().ok_or_else(|| no_sheet(name))?;
            let range = book.worksheet_range(&name).map_err(fail)?;
            (name, raw_rows(&range, text))
        }
        None => {
            let mut first_with_data = None;
            for name in &sheets {
                if let Ok(range) = book.worksheet_range(name) {
                    let raw = raw_rows(&range, text);
                    if raw.len() > 0 {
                        first_with_data = Some((name.clone(), raw));
                        break;
                    }
                }
            }
            match first_with_data {
                Some(found) => found,
                // Nothing to read: the first sheet's own error, if it has one, says why.
                None => (sheets[0].clone(), raw_rows(&book.worksheet_range(&sheets[0]).map_err(fail)?, text)),
            }
        }
    };
    let sheet = build_sheet(raw, header_row)?;
    Ok((sheet, Workbook { sheets, chosen }))
}

/// Refuses an archive whose parts would unpack to too much (checked from its directory,
/// before anything is unpacked).
fn check_unpacked_size<R: Read + Seek>(reader: R, packed: u64) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| ReadError::Workbook { detail: e.to_string() })?;
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(|e| ReadError::Workbook { detail: e.to_string() })?;
        unpacked = unpacked.saturating_add(file.size());
    }
    if unpacked > MAX_UNPACKED || (unpacked > 64 * 1024 * 1024 && unpacked > packed.saturating_mul(MAX_RATIO)) {
        return Err(ReadError::TooLarge { unpacked });
    }
    Ok(())
}

/// Refuses an .xlsx whose shared strings declare more entries than their part's size
/// can hold (the reader would set memory aside for every one before reading any).
fn check_shared_strings<R: Read + Seek>(reader: R) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(reader) else { return Ok(()) };
    // calamine finds the part in the workbook's folder, whatever the letters' case.
    let Some(index) =
        (0..archive.len()).find(|&i| archive.name_for_index(i).is_some_and(|n| n.is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))))
    else {
        return Ok(());
    };
    let Ok(part) = archive.by_index(index) else { return Ok(()) };
    let size = part.size();
    let mut head = Vec::with_capacity(4096);
    let _ = part.take(4096).read_to_end(&mut head);
    let text = String::from_utf8_lossy(&head);
    let declared = text.split("uniqueCount=\"").nth(1).and_then(|rest| rest.split('"').next()).and_then(|n| n.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > size / BYTES_PER_SHARED_STRING + 16 => Err(ReadError::Damaged {
            format: ".xlsx",
            place: None,
            detail: format!("its list of texts says it holds {n} entries, but its {size} bytes can hold at most {}", size / BYTES_PER_SHARED_STRING),
        }),
        _ => Ok(()),
    }
}

/// Refuses an .ods whose sheet never ends (calamine reads such a file for ever), or whose
/// sheet, with its repeated rows and columns spelled out, would lay out more cells than
/// `budget` (calamine builds a grid from the first to the last filled cell: one filled
/// row repeated a million times, in a file of a few hundred bytes, asks for gigabytes).
fn check_ods_tables<R: Read + Seek>(reader: R, budget: usize) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(reader) else { return Ok(()) };
    let Some(index) = ods_content(&archive) else { return Ok(()) };
    let Ok(part) = archive.by_index(index) else { return Ok(()) };
    let mut content = Vec::with_capacity(part.size().min(64 << 20) as usize);
    if part.take(MAX_UNPACKED).read_to_end(&mut content).is_err() {
        return Err(ReadError::Damaged { format: ".ods", place: None, detail: "its content cannot be unpacked".into() });
    }
    let (mut open, mut name) = (0usize, None::<String>);
    let mut grid = OdsGrid::default();
    let mut at = 0;
    while let Some(found) = content[at..].iter().position(|&b| b == b'<') {
        let tag = &content[at + found..];
        at += found + 1;
        let end = tag.iter().position(|&b| b == b'>').unwrap_or(tag.len());
        let closed_at_once = end > 0 && tag[end - 1] == b'/';
        if tag.starts_with(b"</table:table>") {
            open = open.saturating_sub(1);
        } else if tag.starts_with(b"</table:table-row>") {
            grid.end_row();
        } else if is_tag(tag, b"<table:table-row") {
            grid.start_row(repeats(&tag[..end], b"table:number-rows-repeated=\""));
            if closed_at_once {
                grid.end_row();
            }
        } else if is_tag(tag, b"<table:table-cell") || is_tag(tag, b"<table:covered-table-cell") {
            let head = &tag[..end];
            let filled = !closed_at_once || head.windows(17).any(|w| w == b"office:value-type");
            grid.cell(repeats(head, b"table:number-columns-repeated=\""), filled);
        } else if let Some(rest) = tag.strip_prefix(b"<table:table").filter(|_| is_tag(tag, b"<table:table")) {
            grid = OdsGrid::default();
            if closed_at_once {
                continue; // an empty sheet, closed at once
            }
            open += 1;
            let head = String::from_utf8_lossy(&rest[..end.saturating_sub(b"<table:table".len())]);
            name = head.split("table:name=\"").nth(1).and_then(|n| n.split('"').next()).map(str::to_string);
        }
        if grid.cells() > budget {
            let sheet = name.clone().unwrap_or_default();
            return Err(ReadError::Damaged {
                format: ".ods",
                place: Some((sheet, cell_name(grid.far.0, grid.far.1))),
                detail: "its repeated rows and columns spell out more cells than a file of its size can hold".into(),
            });
        }
    }
    if open > 0 {
        return Err(ReadError::Damaged {
            format: ".ods",
            place: None,
            detail: format!("its sheet{} never ends (the file stops inside it)", name.map(|n| format!(" \"{n}\"")).unwrap_or_default()),
        });
    }
    Ok(())
}

/// The index of an archive's `content.xml` (an .ods sheet's part), in any letters' case.
fn ods_content<R: Read + Seek>(archive: &zip::ZipArchive<R>) -> Option<usize> {
    (0..archive.len()).find(|&i| archive.name_for_index(i).is_some_and(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case("content.xml"))))
}

/// Whether `tag` opens the element `name` (not one whose name starts the same way, as
/// `<table:table-rows>` starts like `<table:table-row>`).
fn is_tag(tag: &[u8], name: &[u8]) -> bool {
    tag.strip_prefix(name).is_some_and(|rest| matches!(rest.first(), Some(b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r')))
}

/// The `N` of `attribute"N"` in a tag's head (1 when absent or unreadable), as calamine
/// caps it.
fn repeats(head: &[u8], attribute: &[u8]) -> u32 {
    let Some(at) = head.windows(attribute.len()).position(|w| w == attribute) else { return 1 };
    let digits = head[at + attribute.len()..].iter().take_while(|b| b.is_ascii_digit()).take(9);
    digits.fold(0u32, |n, d| n * 10 + u32::from(d - b'0')).clamp(1, ODS_MAX_ROWS)
}

/// Most rows and columns calamine lays out for an .ods sheet.
const ODS_MAX_ROWS: u32 = 1_048_576;
const ODS_MAX_COLUMNS: u32 = 16_384;

/// An .ods sheet's extent as calamine will lay it out: from the first to the last row
/// with a filled cell, as wide as the widest row up to its last filled cell.
#[derive(Default)]
struct OdsGrid {
    /// The next row's number, and how many times the current row repeats.
    row: u32,
    row_repeats: u32,
    /// Columns so far in the current row, and up to its last filled cell.
    columns: u32,
    filled_to: u32,
    first_filled: Option<u32>,
    last_filled: u32,
    widest: u32,
    /// The cell furthest out, for the message.
    far: (u32, u32),
}

impl OdsGrid {
    fn start_row(&mut self, repeats: u32) {
        self.row_repeats = repeats.min(ODS_MAX_ROWS - self.row.min(ODS_MAX_ROWS - 1));
        self.columns = 0;
        self.filled_to = 0;
    }

    fn cell(&mut self, repeats: u32, filled: bool) {
        self.columns = (self.columns + repeats.min(ODS_MAX_COLUMNS)).min(ODS_MAX_COLUMNS);
        if filled {
            self.filled_to = self.columns;
        }
    }

    fn end_row(&mut self) {
        if self.filled_to > 0 {
            self.first_filled.get_or_insert(self.row);
            self.last_filled = self.row + self.row_repeats - 1;
            self.widest = self.widest.max(self.filled_to);
            self.far = (self.last_filled, self.widest - 1);
        }
        self.row = (self.row + self.row_repeats).min(ODS_MAX_ROWS);
        self.row_repeats = 0;
        self.filled_to = 0;
    }

    fn cells(&self) -> usize {
        match self.first_filled {
            Some(first) => (self.last_filled - first + 1) as usize * self.widest as usize,
            None => 0,
        }
    }
}

/// A cell's name as a spreadsheet shows it (`XFD7`), from 0-based row and column.
pub(super) fn cell_name(row: u32, column: u32) -> String {
    format!("{}{}", crate::text::column_letter(column as usize), u64::from(row) + 1)
}

/// Lays out cells given in order (row by row, left to right), filling gaps with blank
/// cells, within `budget` cells in all.
struct Layout<'a> {
    raw: RawRows,
    sheet: &'a str,
    budget: usize,
    cells: usize,
    /// The row being built: its index, its next column, whether it has text.
    row: Option<(u32, u32, bool)>,
}

impl<'a> Layout<'a> {
    fn new(sheet: &'a str, budget: usize) -> Layout<'a> {
        Layout { raw: RawRows::default(), sheet, budget, cells: 0, row: None }
    }

    /// Places the text of the cell at (`r`, `c`); `None` when the cell comes before the
    /// last one placed (out of order).
    fn place(&mut self, r: u32, c: u32, text: &str) -> Result<Option<()>, ReadError> {
        let (index, next, filled) = match self.row {
            Some((index, next, _)) if r < index || (index == r && c < next) => return Ok(None),
            Some((index, next, filled)) if index == r => (index, next, filled),
            Some((index, _, filled)) => {
                self.raw.end_row(index as usize + 1, filled);
                (r, 0, false)
            }
            None => (r, 0, false),
        };
        let gap = (c - next) as usize;
        self.cells = self.cells.saturating_add(gap + 1);
        if self.cells > self.budget {
            return Err(ReadError::Damaged {
                format: ".xlsx",
                place: Some((self.sheet.to_string(), cell_name(r, c))),
                detail: format!(
                    "laid out as a table, its cells reach column {} and would fill more than {} cells, far more than a file of its size holds",
                    crate::text::column_letter(c as usize),
                    self.budget
                ),
            });
        }
        for _ in 0..gap {
            self.raw.push_cell("");
        }
        let trimmed = text.trim();
        self.raw.push_cell(trimmed);
        self.row = Some((index, c + 1, filled || !trimmed.is_empty()));
        Ok(Some(()))
    }

    fn finish(mut self) -> RawRows {
        if let Some((index, _, filled)) = self.row {
            self.raw.end_row(index as usize + 1, filled);
        }
        self.raw
    }
}

fn xlsx_error(sheet: &str, e: calamine::XlsxError) -> ReadError {
    ReadError::Damaged { format: ".xlsx", place: None, detail: format!("sheet \"{sheet}\": {e}") }
}

fn no_sheet(name: &str) -> ReadError {
    ReadError::Workbook { detail: format!("there is no sheet named \"{name}\"") }
}

/// The non-blank rows of an .xlsx sheet, cell by cell as calamine reads them (no grid of
/// every cell built first), each cell's text written straight into the rows' buffer;
/// cells keep their columns (blank cells fill the gaps, within `budget` cells), rows
/// their numbers. `None` when the sheet lists its cells out of order (Excel never does;
/// other writers may).
fn xlsx_rows<RS: Read + Seek>(xlsx: &mut calamine::Xlsx<RS>, name: &str, budget: usize) -> Result<Option<RawRows>, ReadError> {
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Some(RawRows::default())),
        Err(e) => return Err(xlsx_error(name, e)),
    };
    let mut layout = Layout::new(name, budget);
    let mut text = String::new();
    while let Some(cell) = cells.next_cell().map_err(|e| xlsx_error(name, e))? {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        text.clear();
        ref_text(cell.get_value(), &mut text);
        if layout.place(r, c, &text)?.is_none() {
            return Ok(None);
        }
    }
    Ok(Some(layout.finish()))
}

/// The same for a sheet whose cells come out of order: every filled cell is taken (each
/// costs bytes of the file, so they are as many as the file allows), sorted by place,
/// then laid out; never a grid of the sheet's declared size.
fn xlsx_rows_sorted<RS: Read + Seek>(xlsx: &mut calamine::Xlsx<RS>, name: &str, budget: usize) -> Result<RawRows, ReadError> {
    let mut cells = xlsx.worksheet_cells_reader(name).map_err(|e| xlsx_error(name, e))?;
    let mut taken: Vec<(u32, u32, String)> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|e| xlsx_error(name, e))? {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let mut text = String::new();
        ref_text(cell.get_value(), &mut text);
        taken.push((r, c, text));
        if taken.len() > budget {
            return Err(ReadError::Damaged {
                format: ".xlsx",
                place: Some((name.to_string(), cell_name(r, c))),
                detail: "it holds more cells than a file of its size can".into(),
            });
        }
    }
    drop(cells);
    taken.sort_by_key(|(r, c, _)| (*r, *c));
    // A cell listed twice keeps its last text, as a grid would.
    taken.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0 && later.1 == earlier.1;
        if same {
            std::mem::swap(&mut earlier.2, &mut later.2);
        }
        same
    });
    let mut layout = Layout::new(name, budget);
    for (r, c, text) in &taken {
        layout.place(*r, *c, text)?;
    }
    Ok(layout.finish())
}

/// The non-blank rows of `range`, with their spreadsheet row numbers, each cell's text
/// written by `text` straight into the sheet's buffer.
fn raw_rows<T: calamine::CellType>(range: &calamine::Range<T>, mut text: impl FnMut(&T, &mut String)) -> RawRows {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut raw = RawRows::default();
    let mut cell = String::new();
    for (i, cells) in range.rows().enumerate() {
        let mut filled = false;
        for _ in 0..first_col {
            raw.push_cell("");
        }
        for c in cells {
            cell.clear();
            text(c, &mut cell);
            let trimmed = cell.trim();
            filled |= !trimmed.is_empty();
            raw.push_cell(trimmed);
        }
        raw.end_row(first_row as usize + i + 1, filled);
    }
    raw
}

/// A borrowed cell's text (see [`cell_text`]).
fn ref_text(cell: &calamine::DataRef<'_>, out: &mut String) {
    use calamine::DataRef;
    match cell {
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::String(s) => out.push_str(s),
        DataRef::Empty => {}
        DataRef::Int(i) => out.push_str(&i.to_string()),
        DataRef::Float(f) => out.push_str(&number_text(*f)),
        DataRef::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => out.push_str(&if dt.is_duration() { number_text(dt.as_f64()) } else { serial_date_text(dt.as_f64()) }),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => out.push_str(&s.replace('T', " ")),
        DataRef::Error(e) => out.push_str(&format!("#{e:?}")),
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => {
            if *b {
                "TRUE".into()
            } else {
                "FALSE".into()
            }
        }
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_duration() {
                number_text(serial)
            } else {
                serial_date_text(serial)
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.replace('T', " "),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A number as a spreadsheet shows it: whole numbers without a decimal point or exponent,
/// others rounded to 15 significant digits (Excel's precision), shortest form.
pub fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// An Excel date serial (days since 1899-12-30, fraction = time of day) as ISO text.
pub fn serial_date_text(serial: f64) -> String {
    let days = serial.floor() as i64;
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let (days, seconds) = if seconds >= 86_400 { (days + 1, 0) } else { (days, seconds) };
    let (y, m, d) = civil_from_days(days - 25_569);
    if seconds == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook as XlsxWriter};

    fn sample() -> Vec<u8> {
        let mut book = XlsxWriter::new();
        let sheet = book.add_worksheet().set_name("Notes").unwrap();
        sheet.write(0, 0, "nothing here").unwrap();
        let people = book.add_worksheet().set_name("Participants").unwrap();
        for (c, h) in ["Participant ID", "Phone", "Visit date", "Visit time", "Score", "Zip"].iter().enumerate() {
            people.write(1, c as u16, *h).unwrap();
        }
        let date = Format::new().set_num_format("dd.mm.yyyy");
        let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        people.write(2, 0, "LV-001").unwrap();
        people.write(2, 1, 37122222222.0).unwrap();
        people.write_datetime_with_format(2, 2, ExcelDateTime::from_ymd(2024, 9, 1).unwrap(), &date).unwrap();
        people.write_datetime_with_format(2, 3, ExcelDateTime::from_ymd(2024, 9, 1).unwrap().and_hms(10, 10, 0).unwrap(), &stamp).unwrap();
        people.write(2, 4, 0.1 + 0.2).unwrap();
        people.write(2, 5, "00123").unwrap();
        people.write(4, 0, "LV-002").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_dates_long_numbers_and_leading_zeros() {
        let (sheet, book) = read_workbook(&sample(), None, None).unwrap();
        assert_eq!(book.sheets, ["Notes", "Participants"]);
        assert_eq!(book.chosen, "Notes", "the first sheet with data");
        let (sheet2, _) = read_workbook(&sample(), Some("Participants"), None).unwrap();
        assert_eq!(sheet2.headers, ["Participant ID", "Phone", "Visit date", "Visit time", "Score", "Zip"]);
        assert_eq!(sheet2.row(0), ["LV-001", "37122222222", "2024-09-01", "2024-09-01 10:10:00", "0.3", "00123"]);
        assert_eq!(sheet2.number(0), 3, "spreadsheet row numbers");
        assert_eq!(sheet2.number(1), 5);
        assert_eq!(sheet.len(), 0);
    }

    /// The sample the browser tests read (`tests/samples/participants.xlsx`): rewritten
    /// from [`sample`] with `FERRY_WRITE_SAMPLES=1`, otherwise checked to still read right.
    #[test]
    fn the_committed_browser_sample_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/participants.xlsx");
        if std::env::var_os("FERRY_WRITE_SAMPLES").is_some() {
            std::fs::write(&path, sample()).unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        let (sheet, _) = read_workbook(&bytes, Some("Participants"), None).unwrap();
        assert_eq!(sheet.cell(0, 1), "37122222222");
    }

    /// A minimal .xlsx whose one sheet is `sheet_data` (the inside of `<sheetData>`).
    fn xlsx_with(sheet_data: &str) -> Vec<u8> {
        xlsx_with_parts(sheet_data, &[])
    }

    fn xlsx_with_parts(sheet_data: &str, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut buffer = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default();
            let parts = [
                ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
                ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
                ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
                ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
                ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#)),
            ];
            for (name, text) in parts.iter().map(|(n, t)| (*n, t.as_str())).chain(extra.iter().copied()) {
                zip.start_file(name, options).unwrap();
                std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        buffer.into_inner()
    }

    #[test]
    fn cells_listed_out_of_order_still_land_in_place() {
        let cell = |at: &str, text: &str| format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#);
        let in_order = format!(
            r#"<row r="2">{}{}</row><row r="3">{}{}</row><row r="5">{}{}</row>"#,
            cell("B2", "id"),
            cell("C2", "email"),
            cell("B3", "P-1"),
            cell("C3", "a@example.org"),
            cell("B5", "P-2"),
            cell("C5", "b@example.org")
        );
        // The same cells, a row's cells swapped and a later row listed first.
        let shuffled = format!(
            r#"<row r="5">{}{}</row><row r="2">{}{}</row><row r="3">{}{}</row>"#,
            cell("C5", "b@example.org"),
            cell("B5", "P-2"),
            cell("B2", "id"),
            cell("C2", "email"),
            cell("C3", "a@example.org"),
            cell("B3", "P-1")
        );
        let (expected, _) = read_workbook(&xlsx_with(&in_order), None, None).unwrap();
        assert_eq!(expected.headers, ["id", "email"]);
        assert_eq!((expected.row(1), expected.number(1)), (vec!["P-2", "b@example.org"], 5));
        let (sheet, _) = read_workbook(&xlsx_with(&shuffled), None, None).unwrap();
        assert_eq!(sheet, expected);
    }

    #[test]
    fn numbers_and_serials() {
        assert_eq!(number_text(37122222222.0), "37122222222");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(serial_date_text(45536.0), "2024-09-01");
        assert_eq!(serial_date_text(45536.5), "2024-09-01 12:00:00");
    }

    #[test]
    fn a_zip_bomb_is_refused_before_unpacking() {
        let mut buffer = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..80 {
                std::io::Write::write_all(&mut zip, &zeros).unwrap();
            }
            zip.finish().unwrap();
        }
        let bytes = buffer.into_inner();
        assert!(bytes.len() < 1024 * 1024);
        assert!(matches!(read_workbook(&bytes, None, None), Err(ReadError::TooLarge { .. })));
        assert!(matches!(read_workbook(b"PK\x03\x04 not really", None, None), Err(ReadError::Workbook { .. })));
    }

    fn inline(at: &str, text: &str) -> String {
        format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn a_cell_far_out_on_every_row_is_refused_with_its_place() {
        let rows: String = (1..=200).map(|r| format!(r#"<row r="{r}">{}{}</row>"#, inline(&format!("A{r}"), "x"), inline(&format!("XFD{r}"), "y"))).collect();
        let err = read_workbook(&xlsx_with(&rows), None, None).unwrap_err();
        assert!(matches!(&err, ReadError::Damaged { format: ".xlsx", place: Some((sheet, _)), .. } if sheet == "People"), "{err:?}");
        let said = err.to_string();
        assert!(said.starts_with("This .xlsx file is damaged (sheet \"People\", cell XFD") && said.contains("column XFD"), "{said}");
        // A reference far past the last column is caught the same way, before memory goes.
        let garbage = format!(r#"<row r="1">{}{}</row>"#, inline("A1", "id"), inline("AAAAAA1", "x"));
        assert!(matches!(read_workbook(&xlsx_with(&garbage), None, None), Err(ReadError::Damaged { .. })));
    }

    #[test]
    fn cells_out_of_order_far_apart_are_read_without_a_grid() {
        let data = format!(r#"<row r="1048576">{}</row><row r="1">{}{}</row>"#, inline("B1048576", "x"), inline("A1", "id"), inline("B1", "name"));
        let (sheet, _) = read_workbook(&xlsx_with(&data), None, None).unwrap();
        assert_eq!(sheet.headers, ["id", "name"]);
        assert_eq!((sheet.row(0), sheet.number(0)), (vec!["", "x"], 1_048_576));
    }

    #[test]
    fn shared_strings_declaring_more_than_they_hold_are_refused() {
        let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2000000000" uniqueCount="2000000000"><si><t>a</t></si></sst>"#;
        let data = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
        let err = read_workbook(&xlsx_with_parts(data, &[("xl/sharedStrings.xml", strings)]), None, None).unwrap_err();
        assert!(err.to_string().contains("says it holds 2000000000 entries"), "{err}");
        // An honest count is read.
        let honest = strings.replace("2000000000", "1");
        let (sheet, _) = read_workbook(
            &xlsx_with_parts(&format!("{data}<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row>"), &[("xl/sharedStrings.xml", &honest)]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(sheet.headers, ["a"]);
    }

    #[test]
    fn a_damaged_xls_says_so() {
        let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        bytes.extend(std::iter::repeat_n(0xAB, 600));
        let err = read_workbook(&bytes, None, None).unwrap_err();
        assert!(err.to_string().starts_with("This .xls file is damaged"), "{err}");
    }

    #[test]
    fn an_ods_whose_sheet_never_ends_is_refused_instead_of_read_for_ever() {
        let content = |body: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{body}"#
            )
        };
        let ods = |content: &str| {
            let mut buffer = Cursor::new(Vec::new());
            {
                let mut zip = zip::ZipWriter::new(&mut buffer);
                let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
                zip.start_file("mimetype", stored).unwrap();
                std::io::Write::write_all(&mut zip, b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
                zip.start_file("content.xml", zip::write::SimpleFileOptions::default()).unwrap();
                std::io::Write::write_all(&mut zip, content.as_bytes()).unwrap();
                zip.start_file("META-INF/manifest.xml", zip::write::SimpleFileOptions::default()).unwrap();
                let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
                std::io::Write::write_all(&mut zip, manifest.as_bytes()).unwrap();
                zip.finish().unwrap();
            }
            buffer.into_inner()
        };
        let row = |text: &str| {
            format!(r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row>"#)
        };
        let unclosed = content(&format!(r#"<table:table table:name="People">{}{}"#, row("email"), row("a@example.org")));
        let err = read_workbook(&ods(&unclosed), None, None).unwrap_err();
        assert_eq!(err.to_string().split(':').next(), Some("This .ods file is damaged"), "{err}");
        assert!(err.to_string().contains("sheet \"People\" never ends"), "{err}");
        // The same sheet closed is read.
        let closed = format!(r#"{}</table:table></office:spreadsheet></office:body></office:document-content>"#, unclosed);
        let (sheet, _) = read_workbook(&ods(&closed), None, None).unwrap();
        assert_eq!((sheet.headers.clone(), sheet.row(0)), (vec!["email".to_string()], vec!["a@example.org"]));

        // A filled row repeated a million times, 100 cells wide: refused before calamine
        // lays out 100 million cells; LibreOffice's trailing empty rows and columns are not.
        let wide_row = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row>"#;
        let repeated = content(&format!(
            r#"<table:table table:name="People">{}{wide_row}</table:table></office:spreadsheet></office:body></office:document-content>"#,
            row("email")
        ));
        let err = read_workbook(&ods(&repeated), None, None).unwrap_err();
        assert!(err.to_string().starts_with("This .ods file is damaged (sheet \"People\", cell CV1000001)"), "{err}");
        let trailing = r#"<table:table-rows><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table-rows>"#;
        let libreoffice = content(&format!(
            r#"<table:table table:name="People"><table:table-column table:number-columns-repeated="1024"/>{}{}{trailing}</table:table></office:spreadsheet></office:body></office:document-content>"#,
            row("email"),
            row("a@example.org")
        ));
        let (sheet, _) = read_workbook(&ods(&libreoffice), None, None).unwrap();
        assert_eq!(sheet.len(), 1);
    }
}
