//! The benchmark's fixed case (`cargo xtask bench`): which column of the generated file
//! goes to which Engage field, and the totals of one run, so the native run, the browser
//! run and the JavaScript peers do exactly the same work and can be compared.

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, Source};
use crate::sheet::Sheet;
use crate::vendors::engage::{self, Settings};

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
    let mut mapping = Mapping::default();
    for (field, header) in MAPPING {
        if let Some(c) = sheet.column_index(header) {
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
