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
use crate::sheet::Sheet;

/// When more rows than this share a key with the edited row, checking them on the spot
/// would be no quicker than checking everything in the background: [`RowRecheck::plan`]
/// gives up.
pub const MAX_ROWS: usize = 5_000;

/// One edit's recheck: the rows it can affect, and their findings before the edit.
#[derive(Debug, Clone)]
pub struct RowRecheck {
    rows: Vec<usize>,
    before: Findings,
}

impl RowRecheck {
    /// Before writing `value` into row `index`, column `column` of `sheet`: the rows the
    /// edit can affect and their findings now. `None` when the target's rules cannot be
    /// rechecked by rows, or too many rows are tied to this one.
    pub fn plan(contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value, index: usize, column: usize, value: &str) -> Option<RowRecheck> {
        if index >= sheet.len() {
            return None;
        }
        let keys = contract.cross_row_columns(mapping, settings)?;
        // (column, value) pairs a row must share to be tied to the edited row.
        let mut wanted: Vec<(usize, &str)> = keys.iter().map(|&c| (c, sheet.cell(index, c).trim())).collect();
        if keys.contains(&column) {
            wanted.push((column, value.trim()));
        }
        wanted.retain(|(_, v)| !v.is_empty());
        let mut rows = Vec::new();
        for r in 0..sheet.len() {
            if r == index || wanted.iter().any(|&(c, v)| sheet.cell(r, c).trim().eq_ignore_ascii_case(v)) {
                rows.push(r);
                if rows.len() > MAX_ROWS {
                    return None;
                }
            }
        }
        let before = findings_of_rows(contract, sheet, mapping, settings, &rows);
        Some(RowRecheck { rows, before })
    }

    /// The rows (indices) this recheck covers, the edited one among them.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// After the edit: `findings` (of the whole sheet before it) brought up to date with
    /// the covered rows checked again in `sheet`.
    pub fn apply(self, contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value, findings: &mut Findings) {
        let after = findings_of_rows(contract, sheet, mapping, settings, &self.rows);
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

/// The findings of some rows of `sheet` (indices, in order) checked together, as a sheet
/// of their own that keeps their row numbers.
fn findings_of_rows(contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value, rows: &[usize]) -> Findings {
    let mut part = Sheet::new(sheet.headers.clone());
    for &r in rows {
        part.push_row(sheet.number(r), sheet.row(r));
    }
    contract.findings(&part, mapping, settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_csv;
    use crate::vendors::Target;

    /// Every target, an edit anywhere: the rechecked findings equal a full check.
    #[test]
    fn a_recheck_by_rows_equals_checking_the_whole_sheet_again() {
        let csv = "participant id,email,username,first name,item id,created at\n\
                   P-1,anna@example.org,anna,Anna,I-1,2024-01-01\n\
                   P-2,not-an-email,bea,Bea,I-2,2024-01-02\n\
                   P-3,carl@example.org,anna,Carl,I-1,yesterday\n\
                   ,,,,I-3,\n\
                   P-5,Anna@Example.org,dan,Dan,I-2,2024-01-05\n";
        let edits: [(usize, usize, &str); 7] =
            [(1, 1, "bea@example.org"), (0, 4, "I-2"), (2, 4, "I-9"), (2, 2, "bea"), (4, 1, "carl@example.org"), (3, 0, "P-4"), (0, 2, "")];
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
                let Some(recheck) = RowRecheck::plan(contract, &sheet, &mapping, &settings, index, column, value) else { continue };
                sheet.set_cell(index, column, value);
                recheck.apply(contract, &sheet, &mapping, &settings, &mut findings);
                assert_eq!(findings, contract.findings(&sheet, &mapping, &settings), "{target:?}, row {index} column {column} = {value:?}");
            }
        }
    }

    #[test]
    fn only_the_rows_tied_to_the_edit_are_checked() {
        let engage = Target::from_id("engage").unwrap().contract();
        let sheet = read_csv(b"participant id,item id\nP-1,I-1\nP-2,I-2\nP-3,I-1\nP-4,I-3\n").unwrap();
        let settings = engage.default_settings();
        let mapping = engage.suggest(&sheet.headers, &settings);
        let recheck = RowRecheck::plan(engage, &sheet, &mapping, &settings, 0, 1, "I-3").unwrap();
        assert_eq!(recheck.rows(), [0, 2, 3], "the edited row, the other I-1, and the I-3 it becomes");
        let recheck = RowRecheck::plan(engage, &sheet, &mapping, &settings, 1, 0, "P-9").unwrap();
        assert_eq!(recheck.rows(), [1], "no other row holds I-2");
    }
}
