//! Checking again after one cell changes, without checking the whole sheet: only the
//! edited row and the rows a cross-row rule ties it to (a repeated partner item ID,
//! username or e-mail) are checked, before and after the edit, and the difference is
//! applied to the findings.
//!
//! Exact because every cross-row rule compares rows by the value of a key column: rows
//! with other values cannot change each other's issues. A vendor with a rule of another
//! kind (a limit on the number of rows, say) says it cannot be rechecked by rows, and
//! the caller checks everything again.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Contract, Findings};
use crate::mapping::Mapping;
use crate::phone;
use crate::sheet::Sheet;

/// When more rows than this share a key with the edited row, checking them on the spot
/// would be no quicker than checking everything in the background: [`TiedRows`] gives
/// up.
pub const MAX_ROWS: usize = 5_000;

/// One edit's recheck: the rows it can affect, and their findings before the edit.
#[derive(Debug, Clone)]
pub struct RowRecheck {
    rows: Vec<usize>,
    before: Findings,
}

impl RowRecheck {
    /// After the edit: `findings` (of the whole sheet before it) brought up to date with
    /// the covered rows checked again in `sheet`.
    pub fn apply(self, contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value, findings: &mut Findings) {
        let after = findings_of_rows(contract, sheet, mapping, settings, &self.rows, None);
        let numbers: BTreeSet<usize> = self.rows.iter().map(|&r| sheet.number(r)).collect();
        let kept = std::mem::take(&mut findings.issues).into_iter().filter(|i| !numbers.contains(&i.row));
        let mut merged = Vec::with_capacity(kept.size_hint().0 + after.issues.len());
        let mut fresh = after.issues.into_iter().peekable();
        for issue in kept {
            while fresh.peek().is_some_and(|f| f.row < issue.row) {
                merged.extend(fresh.next());
            }
            merged.push(issue);
        }
        merged.extend(fresh);
        findings.issues = merged;
        findings.ready = (findings.ready + after.ready).saturating_sub(self.before.ready);
        findings.held = (findings.held + after.held).saturating_sub(self.before.held);
    }
}

/// The rows an edit can affect, found a piece of the sheet at a time (so a page can let
/// other work in between): the edited row, and every row holding a key value the edited
/// row holds before or after the edit.
#[derive(Debug, Clone)]
pub struct TiedRows {
    /// `(column, value)` pairs a row must share to be tied to the edited row.
    wanted: Vec<(usize, String)>,
    index: usize,
    column: usize,
    /// The edited cell's text before the edit.
    old: String,
    /// The next row to look at.
    next: usize,
    rows: Vec<usize>,
    too_many: bool,
}

impl TiedRows {
    /// Before writing `value` into row `index`, column `column` of `sheet`: what to look
    /// for. `None` when the target's rules cannot be rechecked by rows.
    pub fn begin(contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value, index: usize, column: usize, value: &str) -> Option<TiedRows> {
        if index >= sheet.len() {
            return None;
        }
        let keys = contract.cross_row_columns(mapping, settings)?;
        let mut wanted: Vec<(usize, String)> = keys.iter().map(|&c| (c, sheet.cell(index, c).trim().to_string())).collect();
        if keys.contains(&column) {
            wanted.push((column, value.trim().to_string()));
        }
        wanted.retain(|(_, v)| !v.is_empty());
        Some(TiedRows { wanted, index, column, old: sheet.cell(index, column).to_string(), next: 0, rows: Vec::new(), too_many: false })
    }

    /// Looks at up to `count` more rows of `sheet` (the same sheet, before or after the
    /// edit: only the edited row differs, and it is tied anyway). Returns whether every
    /// row has been looked at (or too many are tied for a recheck by rows).
    pub fn scan(&mut self, sheet: &Sheet, count: usize) -> bool {
        let end = self.next.saturating_add(count).min(sheet.len());
        for r in self.next..end {
            let tied = r == self.index
                || self.wanted.iter().any(|(c, v)| {
                    let cell = sheet.cell(r, *c);
                    // Most cells differ in length from the value: no trimming needed to
                    // tell.
                    cell.len() >= v.len() && cell.trim().eq_ignore_ascii_case(v)
                });
            if tied {
                self.rows.push(r);
                if self.rows.len() > MAX_ROWS {
                    self.too_many = true;
                    self.next = sheet.len();
                    return true;
                }
            }
        }
        self.next = end;
        self.next >= sheet.len()
    }

    /// The rows found (indices, in order); `None` when too many are tied.
    pub fn rows(&self) -> Option<&[usize]> {
        (!self.too_many).then_some(self.rows.as_slice())
    }

    /// Once every row has been looked at and the edit made in `sheet`: the recheck, with
    /// the tied rows' findings as they were before the edit. `None` when too many rows
    /// are tied, or when a tied row holds (or held, in the edited cell) a phone without a
    /// country code and no numbering plan is installed here to read it: only a check that
    /// has the plans (the import worker's) can judge those rows.
    pub fn after_edit(self, contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> Option<RowRecheck> {
        if self.too_many {
            return None;
        }
        if !phone::installed() {
            let phones = phone::phone_columns(contract, mapping, settings);
            let national = |text: &str| phone::is_national(text);
            let held = phones.contains(&self.column) && national(&self.old);
            if held || self.rows.iter().any(|&r| phones.iter().any(|&c| national(sheet.cell(r, c)))) {
                return None;
            }
        }
        let before = findings_of_rows(contract, sheet, mapping, settings, &self.rows, Some((self.index, self.column, &self.old)));
        Some(RowRecheck { rows: self.rows, before })
    }
}

/// The findings of some rows of `sheet` (indices, in order) checked together, as a sheet
/// of their own that keeps their row numbers; `undo` puts one cell's earlier text back
/// (`(row index, column, text)`).
fn findings_of_rows(
    contract: &dyn Contract,
    sheet: &Sheet,
    mapping: &Mapping,
    settings: &Value,
    rows: &[usize],
    undo: Option<(usize, usize, &str)>,
) -> Findings {
    let mut part = Sheet::new(sheet.headers.clone());
    for &r in rows {
        let mut cells = sheet.row(r);
        if let Some((_, column, old)) = undo.filter(|&(index, column, _)| index == r && column < cells.len()) {
            cells[column] = old;
        }
        part.push_row(sheet.number(r), cells);
    }
    contract.findings(&part, mapping, settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_csv;
    use crate::vendors::Target;

    /// Every target, an edit anywhere, the tied rows found a row a piece after the edit
    /// is made: the rechecked findings equal a full check.
    #[test]
    fn a_recheck_by_rows_equals_checking_the_whole_sheet_again() {
        let csv = "participant id,email,username,first name,item id,created at\n\
                   P-1,anna@example.org,anna,Anna,I-1,2024-01-01\n\
                   P-2,not-an-email,bea,Bea,I-2,2024-01-02\n\
                   P-3,carl@example.org,anna,Carl,I-1,yesterday\n\
                   ,,,,I-3,\n\
                   P-5,Anna@Example.org,dan,Dan,I-2,2024-01-05\n";
        let edits: [(usize, usize, &str); 10] = [
            (1, 1, "bea@example.org"),
            (0, 4, "I-2"),
            (2, 4, "I-9"),
            (2, 2, "bea"),
            (4, 1, "carl@example.org"),
            (3, 0, "P-4"),
            (0, 2, ""),
            (3, 1, "carl@example.org"),
            (2, 2, "dan"),
            (4, 4, "I-1"),
        ];
        for target in Target::all() {
            let contract = target.contract();
            let mut settings = contract.default_settings();
            if let Some(s) = settings.as_object_mut() {
                s.insert("columns".into(), serde_json::json!(["Email Address", "First Name"]));
            }
            let start = read_csv(csv.as_bytes()).unwrap();
            let mapping = contract.suggest(&start.headers, &settings);
            for &(index, column, value) in &edits {
                let mut sheet = start.clone();
                let mut findings = contract.findings(&sheet, &mapping, &settings);
                let Some(mut tied) = TiedRows::begin(contract, &sheet, &mapping, &settings, index, column, value) else { continue };
                sheet.set_cell(index, column, value);
                let mut pieces = 0;
                while !tied.scan(&sheet, 1) {
                    pieces += 1;
                }
                assert_eq!(pieces, sheet.len() - 1, "a row a piece");
                let recheck = tied.after_edit(contract, &sheet, &mapping, &settings).unwrap();
                recheck.apply(contract, &sheet, &mapping, &settings, &mut findings);
                assert_eq!(findings, contract.findings(&sheet, &mapping, &settings), "{target:?}, row {index} column {column} = {value:?}");
            }
        }
    }

    /// Without numbering plans (as on the page), rows with a phone written without a
    /// country code, before or after the edit, are left to a check that has them.
    #[test]
    fn phones_without_a_country_code_are_not_rechecked_without_the_plans() {
        assert!(!phone::installed(), "the core's tests run without numbering plans");
        let engage = Target::from_id("engage").unwrap().contract();
        let start = read_csv(b"participant id,phone\nP-1,+37122222222\nP-2,22 222 222\n").unwrap();
        let settings = engage.default_settings();
        let mapping = engage.suggest(&start.headers, &settings);
        assert_eq!(phone::phone_columns(engage, &mapping, &settings), [1], "the phone column is mapped");
        let recheck = |index: usize, column: usize, value: &str| {
            let mut sheet = start.clone();
            let mut tied = TiedRows::begin(engage, &sheet, &mapping, &settings, index, column, value).unwrap();
            sheet.set_cell(index, column, value);
            tied.scan(&sheet, sheet.len());
            tied.after_edit(engage, &sheet, &mapping, &settings).is_some()
        };
        assert!(recheck(0, 0, "P-9"), "international phones only");
        assert!(!recheck(1, 0, "P-9"), "the row holds a national phone");
        assert!(!recheck(1, 1, "+37122222222"), "the edited cell held one");
        assert!(!recheck(0, 1, "22 222 222"), "the edited cell holds one");
    }

    #[test]
    fn only_the_rows_tied_to_the_edit_are_checked() {
        let engage = Target::from_id("engage").unwrap().contract();
        let sheet = read_csv(b"participant id,item id\nP-1,I-1\nP-2,I-2\nP-3,I-1\nP-4,I-3\n").unwrap();
        let settings = engage.default_settings();
        let mapping = engage.suggest(&sheet.headers, &settings);
        let tied = |index, column, value| {
            let mut tied = TiedRows::begin(engage, &sheet, &mapping, &settings, index, column, value).unwrap();
            tied.scan(&sheet, sheet.len());
            tied.rows().unwrap().to_vec()
        };
        assert_eq!(tied(0, 1, "I-3"), [0, 2, 3], "the edited row, the other I-1, and the I-3 it becomes");
        assert_eq!(tied(1, 0, "P-9"), [1], "no other row holds I-2");
    }
}
