//! Checking rows while the file is read: the import worker hands each piece of rows to a
//! [`ReadCheck`], which finds the header in the first rows (as the sheet will), maps the
//! columns as the page will suggest, and feeds every data row to the target's row checker.
//! When the file is read, the review's findings are ready: the page shows them at once
//! instead of sending the whole sheet back to a worker to be checked again.
//!
//! The page takes the findings only when its sheet has the same headers and its mapping
//! and settings are the ones checked ([`CheckedAtRead::fits`]); otherwise it checks as
//! before. Every vendor has a row checker ([`super::Contract::row_checker`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Findings, RowChecker, Target};
use crate::mapping::Mapping;
use crate::sheet::{Below, Cells, RowsAssembler, RowsPiece};

/// Rows the header is looked for in before checking starts (as
/// [`crate::sheet::RowsAssembler::header`] looks for it).
pub const HEADER_ROWS: usize = 31;

/// What the worker checked while reading, for the page to take or leave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedAtRead {
    /// The target checked for.
    pub target: Target,
    /// The settings checked with (JSON).
    pub settings: Value,
    /// The headers found.
    pub headers: Vec<String>,
    /// The mapping suggested for them, and checked.
    pub mapping: Mapping,
    /// Every issue and count.
    pub findings: Findings,
    /// What the date columns of the mapping tell of their order, gathered from the rows
    /// the page reads them from.
    #[serde(default)]
    pub dates: crate::date_columns::KnownEvidence,
}

impl CheckedAtRead {
    /// Whether these findings hold for a sheet with `headers`, checked for `target` with
    /// `mapping` and `settings`.
    pub fn fits(&self, target: Target, headers: &[String], mapping: &Mapping, settings: &Value) -> bool {
        self.made_for(target, headers, settings) && self.mapping == *mapping
    }

    /// Whether these findings were made for a sheet with `headers`, for `target` with
    /// `settings`: then their mapping is the one the page would suggest (the same rule
    /// over the same first rows).
    pub fn made_for(&self, target: Target, headers: &[String], settings: &Value) -> bool {
        self.target == target && self.headers == headers && self.settings == *settings
    }
}

/// The check of a file's rows as they are read.
pub struct ReadCheck {
    target: Target,
    settings: Value,
    /// The first rows, until the header can be found.
    head: Option<RowsAssembler>,
    /// Once checking has started.
    started: Option<Started>,
    /// A piece did not fit, or the target has no row checker: nothing to offer.
    given_up: bool,
    /// Rows held before checking starts: [`HEADER_ROWS`], or more when a date column
    /// needs its first rows to tell its order (as the page reads it).
    head_rows: usize,
    /// Rows the file is expected to hold ([`ReadCheck::expect_rows`]), for the checker to
    /// set aside room for.
    expected_rows: usize,
}

/// A check under way: the checker, the headers found, the mapping suggested and what
/// its date columns tell.
struct Started {
    checker: Box<dyn RowChecker>,
    headers: Vec<String>,
    mapping: Mapping,
    dates: crate::date_columns::KnownEvidence,
}

/// At most this many rows' room is set aside from a projection: a projection is a guess
/// from the first bytes (a file of blank lines projects one row per byte), and a
/// checker's tables grow on their own past it.
pub const MAX_EXPECTED_ROWS: usize = 2_000_000;

impl ReadCheck {
    /// A check for `target` with `settings` (as the page holds them).
    pub fn new(target: Target, settings: Value) -> ReadCheck {
        ReadCheck { target, settings, head: Some(RowsAssembler::default()), started: None, given_up: false, head_rows: HEADER_ROWS, expected_rows: 0 }
    }

    /// The file is expected to hold about `rows` rows (projected from its first bytes,
    /// [`crate::sheet::Room::projected`]; at most [`MAX_EXPECTED_ROWS`] are taken): the
    /// checker sets aside room for them once, instead of growing as they come.
    pub fn expect_rows(&mut self, rows: usize) {
        self.expected_rows = rows.min(MAX_EXPECTED_ROWS);
    }

    /// Takes the next rows of the file.
    pub fn push(&mut self, piece: &RowsPiece) {
        if self.given_up {
            return;
        }
        match self.head.as_mut() {
            Some(head) => {
                if head.push(piece).is_err() {
                    self.given_up = true;
                    return;
                }
                if head.len() >= self.head_rows {
                    self.start();
                }
            }
            None => {
                if let Some(Started { checker, .. }) = self.started.as_mut() {
                    checker.check(piece);
                }
            }
        }
    }

    fn start(&mut self) {
        self.start_with(false)
    }

    /// Starts checking with the rows held; unless `finished`, holds on when the mapping
    /// has date columns and fewer rows than their order is read from are here.
    fn start_with(&mut self, finished: bool) {
        let Some(head) = self.head.take() else { return };
        let Some((index, headers)) = head.header(None) else {
            self.given_up = true;
            return;
        };
        let contract = self.target.contract();
        let wanted = index + 1 + crate::date_columns::SCANNED_ROWS;
        if !finished && head.len() < wanted && !contract.date_columns(&contract.suggest(&headers, &self.settings), &self.settings).is_empty() {
            self.head_rows = wanted;
            self.head = Some(head);
            return;
        }
        let rows = head.into_piece();
        let data = Below { rows: &rows, skip: index + 1 };
        let (mapping, dates) = crate::date_columns::suggest_with_evidence(contract, &data, &headers, &self.settings);
        let Some(mut checker) = contract.row_checker(&mapping, &headers, &self.settings) else {
            self.given_up = true;
            return;
        };
        checker.reserve(self.expected_rows.max(Cells::len(&data)));
        checker.check(&data);
        self.started = Some(Started { checker, headers, mapping, dates });
    }

    /// The findings, once every piece was pushed; `None` when there is nothing to offer.
    pub fn finish(mut self) -> Option<CheckedAtRead> {
        if self.given_up {
            return None;
        }
        self.start_with(true);
        let Started { checker, headers, mapping, dates } = self.started.take()?;
        Some(CheckedAtRead { target: self.target, settings: self.settings, headers, mapping, findings: checker.finish(), dates })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{read_csv, CsvStream};

    /// A file read in pieces of any size gives the findings of the whole sheet, for the
    /// headers and mapping the page would have.
    #[test]
    fn findings_while_reading_equal_the_whole_sheet_check() {
        let mut text = String::from("Participants\nParticipant ID,Email,First name,Item ID,Created at\n");
        for n in 0..300 {
            let email = if n % 17 == 0 { "not-an-email".to_string() } else { format!("p{n}@example.com") };
            let id = if n % 23 == 0 { String::new() } else { format!("P-{n}") };
            // Day first, as the rows with a day above 12 tell (the others read both ways).
            let date = match n {
                _ if n % 31 == 0 => "someday",
                _ if n % 7 == 0 => "14.09.2024 10:10",
                _ if n % 5 == 0 => "01.09.2024",
                _ => "2024-09-01 10:10",
            };
            text.push_str(&format!("{id},{email},\"Anna, {n}\nsecond line\",I-{},{date}\n", n % 250));
        }
        let sheet = read_csv(text.as_bytes()).unwrap();
        for target in Target::all() {
            let contract = target.contract();
            let settings = contract.default_settings();
            let mapping = crate::date_columns::suggest(contract, &sheet, &sheet.headers, &settings);
            if target.id() == "engage" {
                assert_eq!(mapping.date_orders, [(4, crate::datetime::DateOrder::DayFirst)]);
            }
            let whole = contract.findings(&sheet, &mapping, &settings);
            for size in [50, 700, 1 << 20] {
                let mut stream = CsvStream::new(b',');
                let mut check = ReadCheck::new(target, settings.clone());
                // Room set aside for fewer, as many or far more rows changes nothing found.
                check.expect_rows(match size {
                    50 => 10,
                    700 => 300,
                    _ => usize::MAX,
                });
                for chunk in text.as_bytes().chunks(size) {
                    stream.feed(chunk).unwrap();
                    check.push(&stream.take_rows());
                }
                check.push(&stream.finish_rows().unwrap());
                match check.finish() {
                    Some(checked) => {
                        assert!(checked.fits(target, &sheet.headers, &mapping, &settings), "{target:?}");
                        assert_eq!(checked.findings, whole, "{target:?}, pieces of {size} bytes");
                        let on_page: Vec<_> = crate::date_columns::date_columns(contract, &sheet, &sheet.headers, &mapping, &settings)
                            .into_iter()
                            .map(|c| (c.column, c.evidence))
                            .collect();
                        assert_eq!(checked.dates, on_page, "{target:?}: the date columns tell the worker what they tell the page");
                    }
                    None => assert!(contract.row_checker(&mapping, &sheet.headers, &settings).is_none(), "{target:?} has a row checker"),
                }
            }
        }
    }

    /// What ties rows across pieces (a username or e-mail seen pieces earlier, a preview
    /// group filling up) is kept by every vendor's checker, with the vendor's own settings.
    #[test]
    fn cross_row_rules_hold_across_pieces_for_every_vendor() {
        let mut text = String::from("Username,Email,Name,Phone\n");
        for n in 0..400 {
            let email = if n % 13 == 0 { "bad@".to_string() } else { format!("p{}@example.com", n % 170) };
            text.push_str(&format!("user{},{email},Person {n},+371{n:08}\n", n % 190));
        }
        let sheet = read_csv(text.as_bytes()).unwrap();
        let lumi = Target::from_id("lumi-say").unwrap();
        let mut lumi_settings = lumi.contract().default_settings();
        lumi_settings["preview_max"] = serde_json::json!(150);
        let cases: Vec<(Target, Value)> = Target::all().map(|t| (t, t.contract().default_settings())).chain([(lumi, lumi_settings)]).collect();
        for (target, settings) in cases {
            let contract = target.contract();
            let mapping = contract.suggest(&sheet.headers, &settings);
            let whole = contract.findings(&sheet, &mapping, &settings);
            assert!(
                whole.issues.iter().any(|i| i.row > 250 && i.severity == crate::issue::Severity::Warning)
                    || !matches!(target.id(), "lumi-say" | "participant-kit"),
                "{target:?}: a repeat late in the file"
            );
            let mut stream = CsvStream::new(b',');
            let mut check = ReadCheck::new(target, settings.clone());
            for chunk in text.as_bytes().chunks(333) {
                stream.feed(chunk).unwrap();
                check.push(&stream.take_rows());
            }
            check.push(&stream.finish_rows().unwrap());
            let checked = check.finish().expect("every vendor checks while reading");
            assert_eq!(checked.findings, whole, "{target:?} {settings}");
        }
    }

    #[test]
    fn a_file_shorter_than_the_header_look_ahead_is_checked_too() {
        let text = "Participant ID,Email\nP-1,a@example.org\nP-2,broken\n";
        let engage = Target::from_id("engage").unwrap();
        let mut stream = CsvStream::new(b',');
        let mut check = ReadCheck::new(engage, engage.contract().default_settings());
        stream.feed(text.as_bytes()).unwrap();
        check.push(&stream.take_rows());
        check.push(&stream.finish_rows().unwrap());
        let checked = check.finish().unwrap();
        assert_eq!((checked.findings.ready, checked.findings.held), (1, 1));
        assert_eq!(checked.headers, ["Participant ID", "Email"]);
    }
}
