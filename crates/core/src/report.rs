//! What happened to each source row.

use serde::{Deserialize, Serialize};

/// The four outcomes a row can have, without their details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// The vendor accepted it.
    Sent,
    /// The vendor refused it.
    Rejected,
    /// Not sent because of issues in the row.
    Skipped,
    /// Not sent (cancelled, given up, or never tried).
    NotSent,
}

/// How many rows of a report have each kind of outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Accepted by the vendor.
    pub sent: usize,
    /// Refused by the vendor.
    pub rejected: usize,
    /// Held back for problems in the file.
    pub skipped: usize,
    /// Not sent (cancelled, given up, or never tried).
    pub not_sent: usize,
}

impl OutcomeCounts {
    /// Rows that did not arrive, whatever the reason.
    pub fn failed(&self) -> usize {
        self.rejected + self.skipped + self.not_sent
    }
}

/// The fate of one source row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The vendor accepted it; `id` is the vendor's id for it when the answer gave one.
    Sent {
        /// The vendor's id (participant id, job number, ...), when known.
        id: Option<String>,
    },
    /// The vendor refused it; `reason` is the vendor's words.
    Rejected {
        /// Why, as the vendor said it.
        reason: String,
    },
    /// Ferry did not send it because of issues in the row.
    Skipped {
        /// The row's issues, joined.
        reason: String,
    },
    /// It was meant to go but did not (cancelled, or the batch failed before the vendor judged it).
    NotSent {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// Which of the four outcomes this is.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Sent { .. } => OutcomeKind::Sent,
            Outcome::Rejected { .. } => OutcomeKind::Rejected,
            Outcome::Skipped { .. } => OutcomeKind::Skipped,
            Outcome::NotSent { .. } => OutcomeKind::NotSent,
        }
    }

    /// The outcome's name in the report: `sent`, `rejected`, `skipped` or `not sent`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => "sent",
            Outcome::Rejected { .. } => "rejected",
            Outcome::Skipped { .. } => "skipped",
            Outcome::NotSent { .. } => "not sent",
        }
    }

    /// What the report's last column says: the platform's id for a row sent, else the
    /// reason.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Sent { id } => id.as_deref().unwrap_or(""),
            other => other.message(),
        }
    }

    /// The message behind the outcome (empty for a plain success).
    pub fn message(&self) -> &str {
        match self {
            Outcome::Sent { .. } => "",
            Outcome::Rejected { reason } | Outcome::Skipped { reason } | Outcome::NotSent { reason } => reason,
        }
    }
}

/// A detail many report lines share (see [`Report::shared_details`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDetail {
    /// The outcome's label (`sent`, `rejected`, ...).
    pub label: &'static str,
    /// The reason or platform id.
    pub detail: String,
    /// How many rows have it.
    pub rows: usize,
    /// The first of them.
    pub first_row: usize,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// Spreadsheet row number of the source row.
    pub row: usize,
    /// How the row is known to the vendor (participant id, e-mail, ...), for people.
    pub identifier: String,
    /// What happened.
    pub outcome: Outcome,
}

/// One outcome per source row, in row order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Report {
    /// The lines, sorted by row.
    pub rows: Vec<RowOutcome>,
}

impl Report {
    /// Sets the outcome of `row`, replacing an earlier one, keeping row order.
    pub fn record(&mut self, row: usize, identifier: &str, outcome: Outcome) {
        match self.rows.binary_search_by_key(&row, |r| r.row) {
            Ok(i) => self.rows[i].outcome = outcome,
            Err(i) => self.rows.insert(i, RowOutcome { row, identifier: identifier.to_string(), outcome }),
        }
    }

    /// The details (a reason, or a platform id such as an import job's) that at least
    /// `min` rows share, most rows first: said once above the lines instead of on each.
    pub fn shared_details(&self, min: usize) -> Vec<SharedDetail> {
        let mut seen: std::collections::HashMap<(&'static str, &str), (usize, usize)> = std::collections::HashMap::new();
        for line in &self.rows {
            let detail = line.outcome.detail();
            if detail.is_empty() {
                continue;
            }
            let entry = seen.entry((line.outcome.label(), detail)).or_insert((0, line.row));
            entry.0 += 1;
        }
        let mut shared: Vec<SharedDetail> = seen
            .into_iter()
            .filter(|(_, (rows, _))| *rows >= min.max(2))
            .map(|((label, detail), (rows, first_row))| SharedDetail { label, detail: detail.to_string(), rows, first_row })
            .collect();
        shared.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.first_row.cmp(&b.first_row)));
        shared
    }

    /// How many rows have each kind of outcome, in one pass: sent, rejected, skipped,
    /// not sent.
    pub fn counts(&self) -> OutcomeCounts {
        let mut counts = OutcomeCounts::default();
        for line in &self.rows {
            match line.outcome.kind() {
                OutcomeKind::Sent => counts.sent += 1,
                OutcomeKind::Rejected => counts.rejected += 1,
                OutcomeKind::Skipped => counts.skipped += 1,
                OutcomeKind::NotSent => counts.not_sent += 1,
            }
        }
        counts
    }

    /// How many rows have the outcome labelled `label`.
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.rows.iter().filter(|r| r.outcome.kind() == kind).count()
    }

    /// The report as CSV (UTF-8 with BOM so Excel reads accents), one line per row.
    /// Cells that a spreadsheet would run as a formula are neutralised with a leading `'`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let _ = w.write_record(["row", "identifier", "outcome", "vendor id", "message"]);
        for line in &self.rows {
            let id = match &line.outcome {
                Outcome::Sent { id } => id.clone().unwrap_or_default(),
                _ => String::new(),
            };
            let _ = w.write_record([
                line.row.to_string(),
                neutralise_formula(&line.identifier),
                line.outcome.label().to_string(),
                neutralise_formula(&id),
                neutralise_formula(line.outcome.message()),
            ]);
        }
        let bytes = w.into_inner().unwrap_or_default();
        format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes))
    }
}

impl Report {
    /// The rows that did not get through (rejected, skipped, not sent), in the file's own
    /// columns and values, ready to fix and choose again. UTF-8 with BOM.
    pub fn errors_only_csv(&self, sheet: &crate::sheet::Sheet) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let _ = w.write_record(&sheet.headers);
        let failed: std::collections::HashSet<usize> = self.rows.iter().filter(|r| !matches!(r.outcome, Outcome::Sent { .. })).map(|r| r.row).collect();
        for i in 0..sheet.len() {
            if failed.contains(&sheet.number(i)) {
                let _ = w.write_record(sheet.row(i));
            }
        }
        let bytes = w.into_inner().unwrap_or_default();
        format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes))
    }
}

/// Where the data went: for the egress receipt shown beside the report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Receipt {
    /// `(host, what it received)`, e.g. `("auth.longenesis.com", "the Engage login")`.
    pub hosts: Vec<(String, String)>,
    /// `(target field, source column or "fixed value")` for every field that was sent.
    pub fields: Vec<(String, String)>,
    /// Rows that left the page for the vendor, accepted or refused: the vendor received
    /// them either way.
    pub rows_sent: usize,
    /// Of those, the rows the vendor accepted.
    pub accepted: usize,
    /// Source columns that were never sent anywhere.
    pub kept_columns: Vec<String>,
    /// When the send ended, as the caller's clock wrote it.
    pub when: String,
}

impl Receipt {
    /// Fills `fields` and `kept_columns` from a mapping over `headers`.
    pub fn from_mapping(headers: &[String], mapping: &crate::mapping::Mapping) -> Receipt {
        let mut used = vec![false; headers.len()];
        let fields = mapping
            .fields
            .iter()
            .map(|(key, source)| {
                let from = match source {
                    crate::mapping::Source::Column(c) => {
                        if let Some(u) = used.get_mut(*c) {
                            *u = true;
                        }
                        headers.get(*c).cloned().unwrap_or_default()
                    }
                    crate::mapping::Source::Constant(_) => "a fixed value".to_string(),
                };
                (key.clone(), from)
            })
            .collect();
        let kept_columns = headers.iter().zip(&used).filter(|(_, u)| !**u).map(|(h, _)| h.clone()).collect();
        Receipt { hosts: Vec::new(), fields, rows_sent: 0, accepted: 0, kept_columns, when: String::new() }
    }
}

impl Receipt {
    /// Names the Ferry proxy the requests went through, when one was used and anything
    /// left the page (`proxy_url` empty: the page called the vendor directly).
    pub fn note_proxy(&mut self, proxy_url: &str) {
        let proxy = proxy_url.trim();
        if !proxy.is_empty() && self.rows_sent > 0 {
            self.hosts.push((host_of(proxy), "every request above, on its way: the Ferry proxy passed each one on and kept nothing".into()));
        }
    }
}

/// The host part of a URL (`https://host:port/path` → `host:port`).
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("").to_string()
}

/// Prefixes `'` to text a spreadsheet would treat as a formula (`=`, `+`, `-`, `@`, tab, CR).
pub fn neutralise_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod shared_tests {
    use super::*;

    #[test]
    fn a_detail_on_many_rows_is_found_once_with_its_count() {
        let mut report = Report::default();
        for row in 2..7 {
            report.record(row, "x", Outcome::Rejected { reason: "Error: Unable to process your import.".into() });
        }
        report.record(7, "y", Outcome::Sent { id: Some("job 1".into()) });
        report.record(8, "z", Outcome::Sent { id: Some("job 1".into()) });
        report.record(9, "w", Outcome::Skipped { reason: "bad e-mail".into() });
        let shared = report.shared_details(2);
        assert_eq!(shared.len(), 2);
        assert_eq!((shared[0].label, shared[0].rows, shared[0].first_row), ("rejected", 5, 2));
        assert_eq!((shared[1].detail.as_str(), shared[1].rows), ("job 1", 2));
        let counts = report.counts();
        assert_eq!((counts.sent, counts.rejected, counts.skipped, counts.not_sent, counts.failed()), (2, 5, 1, 0, 6));
        assert_eq!(counts.sent, report.count(OutcomeKind::Sent));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_receipt_names_the_proxy_only_when_something_went_through_it() {
        let mut receipt = super::Receipt { rows_sent: 3, ..Default::default() };
        receipt.note_proxy("  ");
        assert!(receipt.hosts.is_empty(), "direct: no proxy named");
        receipt.note_proxy("https://proxy.example.org/");
        assert_eq!(receipt.hosts[0].0, "proxy.example.org");
        let mut nothing_left = super::Receipt::default();
        nothing_left.note_proxy("https://proxy.example.org");
        assert!(nothing_left.hosts.is_empty(), "nothing left the page");
    }

    use super::*;

    #[test]
    fn errors_only_keeps_the_original_columns_of_failed_rows() {
        let sheet = crate::sheet::read_csv(b"email,phone\na@b.lv,+371 1\nbad,+371 2\nc@d.lv,\n").unwrap();
        let mut r = Report::default();
        r.record(2, "a@b.lv", Outcome::Sent { id: None });
        r.record(3, "bad", Outcome::Skipped { reason: "x".into() });
        r.record(4, "c@d.lv", Outcome::NotSent { reason: "y".into() });
        assert_eq!(r.errors_only_csv(&sheet), "\u{FEFF}email,phone\nbad,+371 2\nc@d.lv,\n");
    }

    #[test]
    fn receipt_lists_sent_fields_and_kept_columns() {
        let headers: Vec<String> = ["Email", "Diagnosis", "Name"].iter().map(|s| s.to_string()).collect();
        let mut m = crate::mapping::Mapping::default();
        m.set("participant.email", Some(crate::mapping::Source::Column(0)));
        m.set("participant.given_name", Some(crate::mapping::Source::Column(2)));
        m.set("participant.text", Some(crate::mapping::Source::Constant("Imported".into())));
        let receipt = Receipt::from_mapping(&headers, &m);
        assert_eq!(receipt.kept_columns, ["Diagnosis"]);
        assert_eq!(receipt.fields[2], ("participant.text".to_string(), "a fixed value".to_string()));
        assert_eq!(host_of("https://engage-openapi.longenesis.com/submissions/x"), "engage-openapi.longenesis.com");
        assert_eq!(host_of("http://127.0.0.1:9000"), "127.0.0.1:9000");
    }

    #[test]
    fn csv_is_ordered_and_safe() {
        let mut r = Report::default();
        r.record(3, "=HYPERLINK(\"x\")", Outcome::Rejected { reason: "bad, \"very\"".into() });
        r.record(2, "a@b.lv", Outcome::Sent { id: Some("P-123456".into()) });
        let csv = r.to_csv();
        assert!(csv.starts_with('\u{FEFF}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').lines().collect();
        assert_eq!(lines[1], "2,a@b.lv,sent,P-123456,");
        assert_eq!(lines[2], "3,\"'=HYPERLINK(\"\"x\"\")\",rejected,,\"bad, \"\"very\"\"\"");
        assert_eq!(r.count(crate::report::OutcomeKind::Sent), 1);
    }
}
