//! The records of a send, made as the send engine asks for them.
//!
//! A send of a million rows never holds a million records: the page knows which rows go
//! (every row its check found no error in) and hands the engine a way to make the
//! records of any of them ([`Records::made`]); each batch's records are made when its
//! request is written and let go once it is written. What stays is each record's row
//! number and, once made, its identifier (for the report and the journal).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::{Contract, Findings, PreparedRecord};
use crate::issue::Severity;
use crate::mapping::Mapping;
use crate::report::Outcome;
use crate::send::{Engine, Policy, Protocol};
use crate::sheet::{Picked, Sheet};

/// Makes the records with these indices (0..[`Records::len`]), in that order.
pub type Make = Box<dyn Fn(&[usize]) -> Vec<PreparedRecord>>;

enum Source {
    /// Every record, made already (small sends, tests).
    Held(Vec<PreparedRecord>),
    /// Made on demand.
    Made(Make),
}

/// The records a send may send, by index.
pub struct Records {
    /// The spreadsheet row number of each record.
    rows: Vec<u32>,
    /// Each record's identifier, once it was made.
    names: RefCell<Vec<Option<Box<str>>>>,
    source: Source,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Records {{ len: {}, made on demand: {} }}", self.rows.len(), matches!(self.source, Source::Made(_)))
    }
}

impl Records {
    /// Records made already.
    pub fn held(records: Vec<PreparedRecord>) -> Records {
        let rows = records.iter().map(|r| r.row as u32).collect();
        let names = records.iter().map(|r| Some(r.identifier.clone().into_boxed_str())).collect();
        Records { rows, names: RefCell::new(names), source: Source::Held(records) }
    }

    /// Records of the rows numbered `rows`, each made by `make` when it is needed. `make`
    /// must give one record for each index asked for, in order (a row it cannot make any
    /// more is given with a `null` record, which the vendor refuses; see [`Records::take`]).
    pub fn made(rows: Vec<u32>, make: Make) -> Records {
        let names = RefCell::new(vec![None; rows.len()]);
        Records { rows, names, source: Source::Made(make) }
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The spreadsheet row number of record `index`.
    pub fn row(&self, index: usize) -> usize {
        self.rows[index] as usize
    }

    /// The records `indices`, made now (or copied, when held), their identifiers noted.
    /// A record `make` did not give (its row changed since it was checked) comes back with
    /// its row number, no identifier and a `null` body.
    pub fn take(&self, indices: &[usize]) -> Vec<PreparedRecord> {
        let records: Vec<PreparedRecord> = match &self.source {
            Source::Held(all) => indices.iter().map(|&i| all[i].clone()).collect(),
            Source::Made(make) => {
                let mut made = make(indices).into_iter().peekable();
                indices
                    .iter()
                    .map(|&i| {
                        let row = self.row(i);
                        match made.next_if(|r| r.row == row) {
                            Some(record) => record,
                            None => PreparedRecord { row, identifier: String::new(), json: serde_json::Value::Null },
                        }
                    })
                    .collect()
            }
        };
        let mut names = self.names.borrow_mut();
        for (&i, record) in indices.iter().zip(&records) {
            names[i].get_or_insert_with(|| record.identifier.clone().into_boxed_str());
        }
        records
    }

    /// The row number and identifier of record `index` (made now if it never was).
    pub fn row_of(&self, index: usize) -> (usize, String) {
        let known = self.names.borrow()[index].as_deref().map(str::to_string);
        let identifier = known.unwrap_or_else(|| self.take(&[index]).pop().map(|r| r.identifier).unwrap_or_default());
        (self.row(index), identifier)
    }
}

/// What a send is given: the records to send and the rows held back for errors.
#[derive(Debug)]
pub struct SendPlan {
    /// The records that may be sent.
    pub records: Records,
    /// The rows not sent because of errors: row, identifier, the report's outcome.
    pub skipped: Vec<(usize, String, Outcome)>,
}

impl SendPlan {
    /// A send engine for this plan: rows in `already_sent` (from an earlier session) and
    /// skipped rows are reported, not sent. `protocol` is given the records and the
    /// indices of those to send, and gives the protocol and its batches.
    pub fn engine<P: Protocol>(
        self,
        protocol: impl FnOnce(Records, Vec<usize>) -> (P, Vec<Vec<usize>>),
        policy: Policy,
        already_sent: &BTreeMap<usize, Outcome>,
        seed: u64,
    ) -> Engine<P> {
        let SendPlan { records, skipped } = self;
        let (done, to_send): (Vec<usize>, Vec<usize>) = if already_sent.is_empty() {
            (Vec::new(), (0..records.len()).collect())
        } else {
            (0..records.len()).partition(|&i| already_sent.contains_key(&records.row(i)))
        };
        let done: Vec<(usize, String, Outcome)> = done
            .into_iter()
            .map(|i| {
                let (row, identifier) = records.row_of(i);
                (row, identifier, already_sent[&row].clone())
            })
            .collect();
        let (protocol, batches) = protocol(records, to_send);
        let mut engine = Engine::with_batches(protocol, policy, batches, seed);
        for (row, identifier, outcome) in skipped.into_iter().chain(done) {
            engine.record(row, &identifier, outcome);
        }
        engine
    }
}

/// The sheet indices of the rows `findings` found no error in: the rows a send sends.
pub fn ready_rows(sheet: &Sheet, findings: &Findings) -> Vec<usize> {
    let mut held = HeldRows::of(findings);
    (0..sheet.len()).filter(|&i| !held.contains(sheet.number(i))).collect()
}

/// Row numbers with an error, asked about in the sheet's order: a walk along a sorted
/// list rather than a lookup a row (a million rows are asked about as a send starts).
struct HeldRows {
    rows: Vec<usize>,
    at: usize,
    last: usize,
}

impl HeldRows {
    fn of(findings: &Findings) -> HeldRows {
        let mut rows: Vec<usize> = findings.issues.iter().filter(|i| i.severity == Severity::Error).map(|i| i.row).collect();
        rows.sort_unstable();
        rows.dedup();
        HeldRows { rows, at: 0, last: 0 }
    }

    /// Whether `row` has an error; fastest when asked in increasing order (any order is
    /// answered right).
    fn contains(&mut self, row: usize) -> bool {
        if row < self.last {
            self.at = self.rows.partition_point(|&r| r < row);
        }
        self.last = row;
        while self.rows.get(self.at).is_some_and(|&r| r < row) {
            self.at += 1;
        }
        self.rows.get(self.at) == Some(&row)
    }
}

/// The records of the rows at sheet `indices`, as `contract` makes them.
pub fn make_records(contract: &dyn Contract, sheet: &Sheet, indices: &[usize], mapping: &Mapping, settings: &Value) -> Vec<PreparedRecord> {
    contract.prepare_rows(&Picked { rows: sheet, indices }, &sheet.headers, mapping, settings).records
}

/// The report lines of the rows `findings` holds back (each row's identifier, as the
/// vendor names it, and its error messages, joined), made a piece at a time: naming a
/// row means making its record, and a page naming fifteen thousand held rows at once
/// stops for a quarter of a second.
pub struct SkippedRows {
    indices: Vec<usize>,
    named: usize,
    names: BTreeMap<usize, String>,
}

impl SkippedRows {
    /// The sheet indices of the rows a send sends ([`ready_rows`]) and the rows held back,
    /// none named yet, in one pass over the sheet.
    pub fn split(sheet: &Sheet, findings: &Findings) -> (Vec<usize>, SkippedRows) {
        let mut held = HeldRows::of(findings);
        let (indices, ready): (Vec<usize>, Vec<usize>) = (0..sheet.len()).partition(|&i| held.contains(sheet.number(i)));
        (ready, SkippedRows { indices, named: 0, names: BTreeMap::new() })
    }

    /// Names the next `rows` held rows; `false` once every one is named.
    pub fn name_next(&mut self, rows: usize, contract: &dyn Contract, sheet: &Sheet, mapping: &Mapping, settings: &Value) -> bool {
        let end = (self.named + rows.max(1)).min(self.indices.len());
        let piece = &self.indices[self.named..end];
        if !piece.is_empty() {
            let made = contract.prepare_rows(&Picked { rows: sheet, indices: piece }, &sheet.headers, mapping, settings);
            self.names.extend(made.skipped);
            self.names.extend(made.records.into_iter().map(|r| (r.row, r.identifier)));
        }
        self.named = end;
        end < self.indices.len()
    }

    /// The report lines: row, identifier, outcome.
    pub fn finish(mut self, findings: &Findings) -> Vec<(usize, String, Outcome)> {
        super::error_reasons(&findings.issues)
            .into_iter()
            .map(|(row, reason)| (row, self.names.remove(&row).unwrap_or_default(), Outcome::Skipped { reason }))
            .collect()
    }
}

/// `to_send` cut into batches of `size`.
pub fn batches_of(to_send: Vec<usize>, size: usize) -> Vec<Vec<usize>> {
    to_send.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::rc::Rc;

    fn record(row: usize) -> PreparedRecord {
        PreparedRecord { row, identifier: format!("P-{row}"), json: json!({ "row": row }) }
    }

    #[test]
    fn made_records_are_made_when_taken_and_their_names_kept() {
        let asked = Rc::new(RefCell::new(Vec::<Vec<usize>>::new()));
        let log = asked.clone();
        let records = Records::made(
            vec![2, 3, 5, 8],
            Box::new(move |wanted| {
                log.borrow_mut().push(wanted.to_vec());
                wanted.iter().map(|&i| record([2, 3, 5, 8][i])).collect()
            }),
        );
        assert_eq!(records.len(), 4);
        assert!(asked.borrow().is_empty(), "nothing made before it is needed");
        let batch = records.take(&[1, 2]);
        assert_eq!(batch.iter().map(|r| r.row).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(records.row_of(2), (5, "P-5".into()), "known from the batch");
        assert_eq!(asked.borrow().len(), 1);
        assert_eq!(records.row_of(3), (8, "P-8".into()), "made alone when never taken");
        assert_eq!(asked.borrow().last().unwrap(), &vec![3]);
    }

    #[test]
    fn held_rows_are_told_in_any_order() {
        let issue = |row: usize, severity: Severity| crate::issue::Issue {
            row,
            column: None,
            column_name: None,
            field: String::new(),
            severity,
            message: String::new(),
            kind: Default::default(),
        };
        let findings = Findings {
            issues: vec![issue(9, Severity::Error), issue(4, Severity::Error), issue(6, Severity::Warning), issue(4, Severity::Error)],
            ..Default::default()
        };
        let mut held = HeldRows::of(&findings);
        let asked = [2, 4, 5, 6, 9, 10, 4, 3, 9, 11];
        let told: Vec<bool> = asked.iter().map(|&row| held.contains(row)).collect();
        assert_eq!(told, [false, true, false, false, true, false, true, false, true, false]);
    }

    #[test]
    fn a_record_that_cannot_be_made_any_more_keeps_its_place() {
        let records = Records::made(vec![2, 3], Box::new(|wanted| wanted.iter().filter(|&&i| i != 0).map(|&i| record([2, 3][i])).collect()));
        let batch = records.take(&[0, 1]);
        assert_eq!((batch[0].row, &batch[0].json), (2, &serde_json::Value::Null));
        assert_eq!(batch[1].identifier, "P-3");
    }

    /// For every vendor, records made a batch at a time from the findings are the records
    /// the whole sheet's prepare makes, and the held rows are reported as it reports them.
    #[test]
    fn a_plan_made_from_the_findings_matches_the_whole_prepare() {
        let text = "Participant ID,Email,Username,Name,URL,Recorded at\nP-1,a@example.org,anna,Anna,https://x.example/1,2024-01-02\nP-2,broken,bob!,Bob,nope,someday\n,c@example.org,cara,Cara,https://x.example/3,2024-01-03\nP-4,a@example.org,anna,Dan,https://x.example/4,2024-01-04\n";
        let sheet = crate::sheet::read_csv(text.as_bytes()).unwrap();
        for target in crate::vendors::Target::all() {
            let contract = target.contract();
            let settings = contract.default_settings();
            let mapping = contract.suggest(&sheet.headers, &settings);
            let whole = contract.prepare(&sheet, &mapping, &settings);
            let findings = contract.findings(&sheet, &mapping, &settings);
            let ready = ready_rows(&sheet, &findings);
            assert_eq!(ready.len(), whole.records.len(), "{target:?}");
            assert_eq!(SkippedRows::split(&sheet, &findings).0, ready, "{target:?}");
            for (size, piece) in [(1, 0), (2, 1), (3, 0)] {
                let indices: Vec<usize> = ready.iter().copied().skip(piece).take(size).collect();
                let made = make_records(contract, &sheet, &indices, &mapping, &settings);
                let expected: Vec<&PreparedRecord> = whole.records.iter().skip(piece).take(size).collect();
                assert_eq!(made.iter().collect::<Vec<_>>(), expected, "{target:?}");
            }
            let mut expected = whole.skipped_outcomes();
            expected.sort_by_key(|s| s.0);
            // Named all at once, or a row at a time as the page names them between its
            // turns: the report lines the whole prepare gives.
            for piece in [10_000, 1] {
                let mut skipped = SkippedRows::split(&sheet, &findings).1;
                while skipped.name_next(piece, contract, &sheet, &mapping, &settings) {}
                let mut skipped = skipped.finish(&findings);
                skipped.sort_by_key(|s| s.0);
                assert_eq!(skipped, expected, "{target:?}, {piece} at a time");
            }
        }
    }

    #[test]
    fn an_engine_reports_skipped_and_earlier_rows_and_sends_the_rest() {
        let plan =
            SendPlan { records: Records::held((2..=6).map(record).collect()), skipped: vec![(7, "P-7".into(), Outcome::Skipped { reason: "bad".into() })] };
        let already: BTreeMap<usize, Outcome> = [(3, Outcome::Sent { id: Some("x".into()) })].into();
        let mut cut = None;
        let engine = plan.engine(
            |records, to_send| {
                cut = Some(to_send.clone());
                (crate::vendors::engage::EngageProtocol::new(Default::default(), Default::default(), records), batches_of(to_send, 2))
            },
            Policy::default(),
            &already,
            1,
        );
        assert_eq!(cut.unwrap(), [0, 2, 3, 4], "row 3 was sent before");
        assert_eq!(engine.report().rows.len(), 2, "the skipped row and the earlier one are reported");
    }
}
