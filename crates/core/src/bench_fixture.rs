//! The benchmark's fixed case (`cargo xtask bench`): which column of the generated file
//! goes to which Engage field, and the totals of one run, so the native run, the browser
//! run and the JavaScript peers do exactly the same work and can be compared.

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, Source};
use crate::sheet::{Below, Cells, RowsAssembler, RowsPiece, Sheet};
use crate::vendors::engage::{self, BatchWriter, Checker, Settings};

/// `(Engage field, column header)` of the generated benchmark file.
pub const MAPPING: &[(&str, &str)] = &[
    ("participant.participant_id", "Participant ID"),
    ("participant.email", "Email"),
    ("participant.given_name", "First name"),
    ("participant.family_name", "Last name"),
    ("participant.phone", "Phone"),
    ("participant.text", "Note"),
    ("submission.partner_item_id", "Item ID"),
    ("submission.created_at", "Created at"),
    ("answers.q1", "Q1"),
    ("answers.q2", "Q2"),
];

/// The activity the benchmark's submissions belong to.
pub const ACTIVITY: &str = "bench-survey";

/// The benchmark mapping over `sheet`'s columns (fields whose column is missing stay unmapped).
pub fn mapping(sheet: &Sheet) -> Mapping {
    mapping_for(&sheet.headers)
}

/// The benchmark mapping over columns named `headers`.
pub fn mapping_for(headers: &[String]) -> Mapping {
    let mut mapping = Mapping::default();
    for (field, header) in MAPPING {
        if let Some(c) = headers.iter().position(|h| h == header) {
            mapping.set(field, Some(Source::Column(c)));
        }
    }
    mapping
}

/// What one run produced; equal totals mean equal work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Data rows read.
    pub rows: usize,
    /// Rows Engage would accept.
    pub valid: usize,
    /// Rows held back for errors.
    pub skipped: usize,
    /// Warnings (repeated partner item IDs).
    pub warnings: usize,
    /// Bytes of every `bulk_post` body, batches of 100.
    pub payload_bytes: usize,
    /// Number of `bulk_post` bodies.
    pub batches: usize,
}

/// Checks `sheet` for Engage and writes every batch body, as a send would.
pub fn run(sheet: &Sheet) -> Totals {
    let mapping = mapping(sheet);
    let settings = Settings { activity_slug: ACTIVITY.into(), batch_size: 100, ..Settings::default() };
    let checked = engage::check(sheet, &mapping);
    let mut totals = Totals {
        rows: sheet.len(),
        valid: checked.valid.len(),
        skipped: checked.skipped.len(),
        warnings: checked.issues.iter().filter(|i| i.severity == crate::issue::Severity::Warning).count(),
        ..Totals::default()
    };
    engage::each_batch_body(sheet, &mapping, &settings, &checked, |body| {
        totals.payload_bytes += body.len();
        totals.batches += 1;
    });
    totals
}

/// Rows the header is looked for in before checking starts (see
/// [`crate::sheet::RowsAssembler::header`]).
const HEADER_ROWS: usize = 31;

/// The benchmark's work over rows arriving in pieces, as the import worker reads them:
/// the header found in the first rows, then each piece checked and its records written
/// as it passes; nothing of a piece is kept afterwards (only the checker's memory of the
/// partner item IDs). Columns are the file's own: the bench files have no empty column
/// for the sheet to drop.
#[derive(Default)]
pub struct StreamedRun {
    /// The first rows, until the header can be found.
    head: Option<RowsAssembler>,
    started: Option<(Checker, BatchWriter)>,
    totals: Totals,
    /// Rows expected in all (an estimate), for setting aside room.
    expected: usize,
}

impl StreamedRun {
    /// A run over about `expected_rows` rows.
    pub fn new(expected_rows: usize) -> StreamedRun {
        StreamedRun { head: Some(RowsAssembler::default()), expected: expected_rows, ..StreamedRun::default() }
    }

    /// Takes the next rows of the file.
    pub fn push(&mut self, piece: &RowsPiece) {
        match self.head.as_mut() {
            Some(head) => {
                // Rows out of order cannot come from the reader; a piece that does not fit is
                // left out of the count, which the totals' comparison then shows.
                let _ = head.push(piece);
                if head.len() >= HEADER_ROWS {
                    self.start();
                }
            }
            None => self.check(piece),
        }
    }

    fn start(&mut self) {
        let Some(head) = self.head.take() else { return };
        let Some((index, headers)) = head.header(None) else { return };
        let mapping = mapping_for(&headers);
        let settings = Settings { activity_slug: ACTIVITY.into(), batch_size: 100, ..Settings::default() };
        let mut checker = Checker::new(&mapping, &headers);
        checker.reserve(self.expected);
        self.started = Some((checker, BatchWriter::new(&mapping, &settings)));
        let rows = head.into_piece();
        self.check(&Below { rows: &rows, skip: index + 1 });
    }

    fn check<C: Cells + ?Sized>(&mut self, rows: &C) {
        let Some((checker, writer)) = self.started.as_mut() else { return };
        let base = checker.rows();
        let found = checker.check(rows);
        let totals = &mut self.totals;
        writer.push_rows(rows, checker.valid()[found].iter().map(|i| i - base), |body| {
            totals.payload_bytes += body.len();
            totals.batches += 1;
        });
        totals.rows += rows.len();
    }

    /// The totals, once every piece was pushed.
    pub fn finish(mut self) -> Totals {
        self.start();
        let mut totals = self.totals;
        if let Some((checker, writer)) = self.started {
            writer.finish(|body| {
                totals.payload_bytes += body.len();
                totals.batches += 1;
            });
            let checked = checker.finish();
            totals.valid = checked.valid.len();
            totals.skipped = checked.skipped.len();
            totals.warnings = checked.issues.iter().filter(|i| i.severity == crate::issue::Severity::Warning).count();
        }
        totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{read_csv, CsvStream};

    #[test]
    fn the_streamed_run_does_the_same_work_as_the_whole_sheet_run() {
        let mut text = String::from("Participants\nParticipant ID,Email,First name,Last name,Phone,Note,Item ID,Created at,Q1,Q2\n");
        for n in 0..500 {
            let email = if n % 17 == 0 { "not-an-email".to_string() } else { format!("p{n}@example.com") };
            let id = if n % 23 == 0 { String::new() } else { format!("P-{n}") };
            let date = if n % 31 == 0 { "someday" } else { "2024-09-01 10:10" };
            text.push_str(&format!("{id},{email},\"Anna, {n}\",Bērziņa,+37122222222,\"two\nlines\",I-{},{date},yes,{n}\n", n % 450));
        }
        let whole = run(&read_csv(text.as_bytes()).unwrap());
        for size in [64, 1000, 1 << 20] {
            let mut stream = CsvStream::new(b',');
            let mut streamed = StreamedRun::new(500);
            for chunk in text.as_bytes().chunks(size) {
                stream.feed(chunk).unwrap();
                streamed.push(&stream.take_rows());
            }
            streamed.push(&stream.finish_rows().unwrap());
            assert_eq!(streamed.finish(), whole, "pieces of {size} bytes");
        }
        assert_eq!((whole.rows, whole.warnings, whole.batches), (500, 50, 5));
        assert!(whole.skipped > 0 && whole.valid + whole.skipped == 500);
    }
}
