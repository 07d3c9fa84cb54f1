//! Tabular data read from a file: a header and rows of text, with source positions.

mod csv_reader;
pub mod decode;
mod error;
mod json_reader;
mod workbook;

pub use csv_reader::{read_csv, read_csv_as, sniff_delimiter};
pub use decode::TextEncoding;
pub use json_reader::read_json;
pub use workbook::{read_workbook, Workbook};
pub use error::ReadError;

use serde::{Deserialize, Serialize};

/// How a file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// Delimited text, in this encoding.
    Text(TextEncoding),
    /// A workbook: its sheets and the one read.
    Workbook(Workbook),
    /// A JSON array of objects.
    Json,
}

/// Choices the user can make about a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read text in this encoding instead of the detected one.
    pub encoding: Option<TextEncoding>,
    /// Read this sheet of a workbook instead of the first with data.
    pub sheet: Option<String>,
    /// Take this spreadsheet row as the header instead of the detected one.
    pub header_row: Option<usize>,
}

/// Reads any supported file: Excel / OpenDocument workbooks (by their signature), JSON
/// arrays of objects (`.json`, or text starting with `[`), else delimited text.
pub fn read_file(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, FileKind), ReadError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        let (sheet, book) = read_workbook(bytes, options.sheet.as_deref(), options.header_row)?;
        return Ok((sheet, FileKind::Workbook(book)));
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).iter().find(|b| !b.is_ascii_whitespace());
    if name.to_ascii_lowercase().ends_with(".json") || start == Some(&b'[') {
        return read_json(bytes).map(|s| (s, FileKind::Json));
    }
    let (sheet, encoding) = read_csv_as(bytes, options.encoding, options.header_row)?;
    Ok((sheet, FileKind::Text(encoding)))
}

/// One data row of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The row number a spreadsheet program shows for it (the header row is 1).
    pub number: usize,
    /// One cell per header, already trimmed of surrounding white space.
    pub cells: Vec<String>,
}

/// A table read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sheet {
    /// Column names, unique and non-empty (blank ones are named after their letter).
    pub headers: Vec<String>,
    /// Data rows, in file order; rows with no text at all are left out.
    pub rows: Vec<Row>,
}

impl Sheet {
    /// The text of `column` in `row` (empty when out of range).
    pub fn cell(&self, row: usize, column: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.cells.get(column))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Removes columns that have no header and no value in any row (trailing separators,
    /// spreadsheet columns that were only formatted).
    pub fn drop_empty_columns(mut self, raw_headers: &[String]) -> Sheet {
        let keep: Vec<bool> = (0..self.headers.len())
            .map(|c| raw_headers.get(c).is_some_and(|h| !h.trim().is_empty()) || self.rows.iter().any(|r| r.cells.get(c).is_some_and(|v| !v.is_empty())))
            .collect();
        if keep.iter().all(|k| *k) {
            return self;
        }
        let filter = |cells: Vec<String>| cells.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c).collect::<Vec<_>>();
        self.headers = filter(std::mem::take(&mut self.headers));
        for row in &mut self.rows {
            row.cells = filter(std::mem::take(&mut row.cells));
        }
        self
    }

    /// The index of the column named `name`, exactly.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// Builds a sheet from the non-blank rows of a file: the header is row `header_row` (a
/// spreadsheet row number) or, when not given, the first of the first ten rows that is not
/// a title line (one or two cells, less than half as wide as the rows below it).
/// Rows above the header are left out; text beyond the header's width gets new columns.
pub(crate) fn build_sheet(mut rows: Vec<Row>, header_row: Option<usize>) -> Result<Sheet, ReadError> {
    if rows.is_empty() {
        return Err(ReadError::Empty);
    }
    let width = |r: &Row| r.cells.iter().filter(|c| !c.is_empty()).count();
    let index = match header_row {
        Some(n) => rows.iter().position(|r| r.number == n).unwrap_or(0),
        None => {
            let widest_below = |i: usize| rows[i + 1..].iter().take(20).map(width).max().unwrap_or(0);
            // A title line (one or two cells above a wider table) is not the header.
            let is_title = |i: usize| width(&rows[i]) <= 2 && width(&rows[i]) * 2 < widest_below(i);
            (0..rows.len().min(10)).find(|&i| !is_title(i)).unwrap_or(0)
        }
    };
    let raw = rows[index].cells.clone();
    let mut data: Vec<Row> = rows.drain(index + 1..).collect();
    let span = data.iter().filter_map(|r| r.cells.iter().rposition(|c| !c.is_empty())).max().map_or(0, |p| p + 1).max(raw.len());
    let mut raw = raw;
    raw.resize(span, String::new());
    for row in &mut data {
        row.cells.resize(span, String::new());
    }
    Ok(Sheet { headers: tidy_headers(raw.clone()), rows: data }.drop_empty_columns(&raw))
}

/// Makes header names unique and non-empty: a blank header becomes `Column C`, a second
/// `Email` becomes `Email (2)`.
pub(crate) fn tidy_headers(raw: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.trim().is_empty() {
            format!("Column {}", crate::text::column_letter(i))
        } else {
            name.trim().to_string()
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while out.iter().any(|h| h.eq_ignore_ascii_case(&candidate)) {
            candidate = format!("{base} ({n})");
            n += 1;
        }
        out.push(candidate);
    }
    out
}
