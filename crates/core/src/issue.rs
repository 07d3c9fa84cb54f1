//! Problems found in the data, each pinned to a source row and column.

use serde::{Deserialize, Serialize};

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    /// The row is sent, but the user should look.
    Warning,
    /// The vendor would reject the row: it is not sent until fixed.
    Error,
}

/// What sort of problem an issue is, so the page can act on it without reading its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IssueKind {
    /// The value is not in a form the vendor accepts.
    #[default]
    Invalid,
    /// A value the vendor needs is missing.
    Missing,
    /// The value repeats one on an earlier row where the vendor wants it once.
    Repeated,
    /// The cell holds characters known to break the vendor's uploads; a one-click
    /// replacement exists.
    RiskyCharacters,
}

/// One problem with one cell (or one row, when no single column is to blame).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Source row number as the user sees it in a spreadsheet (the header is row 1).
    pub row: usize,
    /// Zero-based source column index, when one column is to blame.
    pub column: Option<usize>,
    /// Source column header, when one column is to blame.
    pub column_name: Option<String>,
    /// The target field concerned, e.g. `participant.email`.
    pub field: String,
    /// Error (blocks the row) or warning.
    pub severity: Severity,
    /// What is wrong and what to change, in words.
    pub message: String,
    /// What sort of problem it is.
    #[serde(default)]
    pub kind: IssueKind,
}

impl Issue {
    /// An invalid value of field `key` on spreadsheet row `row`, naming the column
    /// `mapping` reads the field from (its header in `headers`).
    pub fn in_field(row: usize, mapping: &crate::mapping::Mapping, headers: &[String], key: &str, severity: Severity, message: String) -> Issue {
        let column = mapping.column(key);
        Issue { row, column, column_name: column.and_then(|c| headers.get(c).cloned()), field: key.to_string(), severity, message, kind: IssueKind::Invalid }
    }

    /// Where the issue is, for people: `row 4, column "Email" (C)`.
    pub fn place(&self) -> String {
        match (&self.column_name, self.column) {
            (Some(name), Some(index)) => {
                format!("row {}, column \"{}\" ({})", self.row, name, crate::text::column_letter(index))
            }
            _ => format!("row {}", self.row),
        }
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)
    }
}
