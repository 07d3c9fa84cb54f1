//! Tabular data read from a file: a header and rows of text, with source positions.

mod csv_reader;
mod error;

pub use csv_reader::{read_csv, sniff_delimiter};
pub use error::ReadError;

use serde::{Deserialize, Serialize};

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

    /// The index of the column named `name`, exactly.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
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
