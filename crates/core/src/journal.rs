//! What a send has done so far, kept so a reloaded page can resume without sending a row
//! twice. Holds only row numbers, `sent` / `pending` and ids the vendor made up — never a
//! cell value or a credential — under a key that is a hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fingerprint::hex;
use crate::mapping::{Mapping, Source};
use crate::report::Outcome;
use crate::row_set::RowSet;

/// The journal's key: a hash of the file's fingerprint, the target, the mapping (by
/// column name) and the destination (`where_to`, e.g. API URL + organisation).
pub fn journal_key(fingerprint: &str, target: &str, headers: &[String], mapping: &Mapping, where_to: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [fingerprint, target, where_to] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for (key, source) in &mapping.fields {
        hasher.update(key.as_bytes());
        hasher.update([1]);
        match source {
            Source::Column(c) => hasher.update(headers.get(*c).map_or("", String::as_str).as_bytes()),
            Source::Constant(text) => {
                hasher.update([2]);
                hasher.update(text.as_bytes());
            }
        }
        hasher.update([0]);
    }
    format!("ferry-journal-{}", hex(&hasher.finalize()))
}

/// A row's state in a journal stored by an earlier version (a map of row → state), read
/// so that its send can still be resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Entry {
    Sent {
        #[serde(default)]
        id: Option<String>,
    },
    Pending,
}

/// Per-row progress of a send of one file to one target, by spreadsheet row number.
/// Stored as ranges of rows (`{"sent": [[2, 1002]], "ids": {"7": "P-1"}, "pending":
/// [[1002, 1102]]}`), so a send of a million rows stays small enough to store after
/// every step without holding the page up.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    /// Rows the vendor accepted.
    #[serde(default)]
    sent: RowSet,
    /// Ids the vendor made up for sent rows (never a value we sent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    ids: BTreeMap<usize, String>,
    /// Rows a request carried that has had no answer recorded: their fate is unknown.
    #[serde(default)]
    pending: RowSet,
}

/// The form an earlier version stored.
#[derive(Deserialize)]
struct RowMap {
    rows: BTreeMap<usize, Entry>,
}

/// What an earlier session left, as a resume offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumeOffer {
    /// Rows the vendor accepted.
    pub sent: usize,
    /// Rows that were in flight when the page closed.
    pub unknown: usize,
}

impl Journal {
    /// Reads a stored journal (this version's or the earlier row map); an unreadable one
    /// counts as empty.
    pub fn from_json(text: &str) -> Journal {
        if let Ok(journal) = serde_json::from_str::<Journal>(text) {
            return journal;
        }
        let Ok(old) = serde_json::from_str::<RowMap>(text) else { return Journal::default() };
        let mut journal = Journal::default();
        for (row, entry) in old.rows {
            match entry {
                Entry::Sent { id } => {
                    journal.sent.insert(row);
                    if let Some(id) = id {
                        journal.ids.insert(row, id);
                    }
                }
                Entry::Pending => {
                    journal.pending.insert(row);
                }
            }
        }
        journal
    }

    /// The journal as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Marks rows as in flight (call before the request leaves); a row already sent
    /// stays sent.
    pub fn note_pending(&mut self, rows: impl IntoIterator<Item = usize>) {
        for row in rows {
            if !self.sent.contains(row) {
                self.pending.insert(row);
            }
        }
    }

    /// Records an answer for a row: sent rows are kept, anything else clears the row.
    /// `sent_values` are the values the row carried, so an id echoing one is not stored.
    pub fn note_outcome(&mut self, row: usize, outcome: &Outcome, sent_values: &[&str]) {
        self.pending.remove(row);
        self.ids.remove(&row);
        match outcome {
            Outcome::Sent { id } => {
                self.sent.insert(row);
                if let Some(id) = id.as_ref().filter(|id| !sent_values.contains(&id.as_str())) {
                    self.ids.insert(row, id.clone());
                }
            }
            _ => {
                self.sent.remove(row);
            }
        }
    }

    /// What to offer when the same file comes back, if anything.
    pub fn offer(&self) -> Option<ResumeOffer> {
        let (sent, unknown) = (self.sent.len(), self.pending.len());
        (sent + unknown > 0).then_some(ResumeOffer { sent, unknown })
    }

    /// Rows not to send again, with the outcome to report for them. Rows whose fate is
    /// unknown are held back unless `resend_unknown`.
    pub fn settled(&self, resend_unknown: bool) -> BTreeMap<usize, Outcome> {
        let sent = self.sent.iter().map(|row| {
            let note = self.ids.get(&row).map_or_else(|| "sent in an earlier session".to_string(), |id| format!("{id} (sent in an earlier session)"));
            (row, Outcome::Sent { id: Some(note) })
        });
        let unknown = self.pending.iter().filter(|_| !resend_unknown).map(|row| {
            (
                row,
                Outcome::NotSent {
                    reason: "This row was being sent when the page closed: the vendor may already have it. Check there before sending it again.".into(),
                },
            )
        });
        sent.chain(unknown).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_changes_with_file_mapping_and_destination_and_hides_them() {
        let headers = vec!["Email".to_string(), "Name".to_string()];
        let mut m = Mapping::default();
        m.set("participant.email", Some(Source::Column(0)));
        let key = journal_key("f1", "engage", &headers, &m, "https://api|org");
        assert!(key.starts_with("ferry-journal-") && !key.contains("Email") && !key.contains("org"));
        assert_eq!(key, journal_key("f1", "engage", &headers, &m, "https://api|org"));
        assert_ne!(key, journal_key("f2", "engage", &headers, &m, "https://api|org"));
        assert_ne!(key, journal_key("f1", "engage", &headers, &m, "https://api|other"));
        m.set("participant.given_name", Some(Source::Column(1)));
        assert_ne!(key, journal_key("f1", "engage", &headers, &m, "https://api|org"));
    }

    #[test]
    fn keeps_only_rows_states_and_vendor_made_ids() {
        let mut j = Journal::default();
        j.note_pending([2, 3, 4, 5]);
        j.note_outcome(2, &Outcome::Sent { id: Some("LV-1001".into()) }, &["LV-1001", "anna@example.org"]);
        j.note_outcome(3, &Outcome::Sent { id: Some("P-123456".into()) }, &["marta@example.org"]);
        j.note_outcome(4, &Outcome::Rejected { reason: "bad".into() }, &[]);
        let json = j.to_json();
        assert!(!json.contains("LV-1001") && !json.contains("example.org") && json.contains("P-123456"), "{json}");
        assert_eq!(Journal::from_json(&json), j);
        assert_eq!(j.offer(), Some(ResumeOffer { sent: 2, unknown: 1 }));
        let settled = j.settled(false);
        assert_eq!(settled.len(), 3);
        assert_eq!(settled[&5].label(), "not sent");
        assert_eq!(settled[&2], Outcome::Sent { id: Some("sent in an earlier session".into()) });
        assert_eq!(settled[&3], Outcome::Sent { id: Some("P-123456 (sent in an earlier session)".into()) });
        assert_eq!(j.settled(true).len(), 2, "unknown rows go again when asked");
        assert_eq!(Journal::from_json("garbage"), Journal::default());
    }

    #[test]
    fn a_million_rows_store_as_a_few_ranges() {
        let mut j = Journal::default();
        for start in (2..1_000_002).step_by(100) {
            j.note_pending(start..start + 100);
            for row in start..start + 100 {
                let outcome = if row % 997 == 0 { Outcome::Rejected { reason: "bad".into() } } else { Outcome::Sent { id: None } };
                j.note_outcome(row, &outcome, &[]);
            }
        }
        j.note_pending(1_000_002..1_000_102);
        let json = j.to_json();
        assert!(json.len() < 30_000, "{} bytes", json.len());
        assert_eq!(j.offer(), Some(ResumeOffer { sent: 1_000_000 - 1003, unknown: 100 }));
        assert_eq!(Journal::from_json(&json), j);
    }

    #[test]
    fn a_journal_stored_by_the_earlier_version_still_resumes() {
        let old = r#"{"rows":{"2":{"Sent":{}},"3":{"Sent":{"id":"P-123456"}},"5":"Pending"}}"#;
        let j = Journal::from_json(old);
        assert_eq!(j.offer(), Some(ResumeOffer { sent: 2, unknown: 1 }));
        assert_eq!(j.settled(false)[&3], Outcome::Sent { id: Some("P-123456 (sent in an earlier session)".into()) });
        assert_eq!(j.settled(false)[&5].label(), "not sent");
    }
}
