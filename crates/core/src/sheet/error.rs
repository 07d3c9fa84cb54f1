//! Why a file could not be read, with the place where it went wrong.

use std::fmt;

/// A file that could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file has no bytes, or only blank lines.
    Empty,
    /// The file is not text: `what` names what it looks like.
    NotText {
        /// e.g. "an Excel workbook (.xlsx)".
        what: &'static str,
    },
    /// A cell is not valid UTF-8.
    InvalidUtf8 {
        /// Spreadsheet row number (header is 1).
        row: usize,
        /// Zero-based column index.
        column: usize,
    },
    /// A workbook that cannot be opened or read.
    Workbook {
        /// What the reader said.
        detail: String,
    },
    /// A workbook whose insides contradict themselves (a count, a cell reference or a
    /// size no real file of its kind has), so reading it as it says would ask for far
    /// more memory than its bytes can describe.
    Damaged {
        /// `.xlsx`, `.xls` or `.ods`.
        format: &'static str,
        /// The sheet and cell, where known (`Participants`, `XFD7`).
        place: Option<(String, String)>,
        /// What is wrong.
        detail: String,
    },
    /// A workbook that would unpack to far more than its size (a zip bomb, or simply too big).
    TooLarge {
        /// Bytes it would unpack to.
        unpacked: u64,
    },
    /// JSON that is not an array of objects, or not JSON at all.
    Json {
        /// Line of the problem (1-based).
        line: usize,
        /// Column of the problem (1-based).
        column: usize,
        /// What is wrong.
        detail: String,
    },
    /// A quote opened on this row is never closed: the rest of the file would be one cell.
    UnclosedQuote {
        /// Spreadsheet row number where the quoted cell begins.
        row: usize,
    },
    /// The CSV structure is broken at this row.
    Malformed {
        /// Spreadsheet row number (header is 1).
        row: usize,
        /// What the CSV reader said.
        detail: String,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Empty => write!(f, "The file is empty: there is no header row and no data. Choose a file with a header row and at least one row of participants."),
            ReadError::NotText { what } => write!(
                f,
                "This file is not a CSV file: it looks like {what}. Open it in your spreadsheet program and save it as \"CSV UTF-8 (comma delimited)\", then choose that file."
            ),
            ReadError::InvalidUtf8 { row, column } => write!(
                f,
                "Row {row}, column {} is not UTF-8 text. Save the file as \"CSV UTF-8\" in your spreadsheet program and choose it again.",
                crate::text::column_letter(*column)
            ),
            ReadError::Workbook { detail } => write!(f, "This workbook could not be read ({detail}). Open it in your spreadsheet program, save it again (or as CSV UTF-8) and choose it again."),
            ReadError::Damaged { format, place, detail } => {
                write!(f, "This {format} file is damaged")?;
                if let Some((sheet, cell)) = place {
                    write!(f, " (sheet \"{sheet}\", cell {cell})")?;
                }
                write!(f, ": {detail}. Open it in your spreadsheet program, save it again (or as CSV UTF-8) and choose it again.")
            }
            ReadError::TooLarge { unpacked } => write!(
                f,
                "This workbook would unpack to {} MB, far more than a spreadsheet of its size should: Ferry does not open it. Save the sheet as CSV and choose that file.",
                unpacked / 1_048_576
            ),
            ReadError::Json { line, column, detail } => write!(f, "Line {line}, column {column} of this JSON file: {detail}. Ferry reads a JSON array of objects, one object per participant."),
            ReadError::UnclosedQuote { row } => write!(
                f,
                "Row {row} opens a quote (\") that is never closed, so every line after it would be read into one cell. Close the quote in your spreadsheet program and choose the file again, or read quotes as plain text."
            ),
            ReadError::Malformed { row, detail } => write!(
                f,
                "Row {row} could not be read as CSV ({detail}). Check that row's quotes and separators."
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// A way to read a file that an error stopped, which the user can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReadRemedy {
    /// Read `"` as a plain character (for a quote that is never closed).
    QuotesAsText,
}

impl ReadRemedy {
    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            ReadRemedy::QuotesAsText => "Read quotes as plain text",
        }
    }

    /// The read choices with this remedy taken.
    pub fn apply(self, options: &mut super::ReadOptions) {
        match self {
            ReadRemedy::QuotesAsText => options.quotes_as_text = true,
        }
    }
}

impl ReadError {
    /// The choice that would read the file anyway, where there is one.
    pub fn remedy(&self) -> Option<ReadRemedy> {
        match self {
            ReadError::UnclosedQuote { .. } => Some(ReadRemedy::QuotesAsText),
            _ => None,
        }
    }
}
