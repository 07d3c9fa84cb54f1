//! What a send has done so far, kept so a reloaded page can resume without sending a row
//! twice. Holds only row numbers, `sent` / `pending` and ids the vendor made up — never a
//! cell value or a credential — under a key that is a hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::mapping::{Mapping, Source};
use crate::report::Outcome;

/// SHA-256 of a file's bytes, as lowercase hex.
pub fn file_fingerprint(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// [`file_fingerprint`] of a file read in pieces.
#[derive(Default)]
pub struct Fingerprinter(Sha256);

impl Fingerprinter {
    /// Takes the next piece of the file.
    pub fn update(&mut self, piece: &[u8]) {
        self.0.update(piece);
    }

    /// The fingerprint of all pieces.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A row's state in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    /// The vendor accepted it; `id` only when the vendor made it up (not a value we sent).
    Sent {
        /// Vendor-generated id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A request carrying it left and no answer has been recorded: its fate is unknown.
    Pending,
}

/// Per-row progress of a send of one file to one target.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Journal {
    /// Spreadsheet row number → state.
    pub rows: BTreeMap<usize, Entry>,
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
    /// Reads a stored journal; an unreadable one counts as empty.
    pub fn from_json(text: &str) -> Journal {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The journal as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Marks rows as in flight (call before the request leaves).
    pub fn note_pending(&mut self, rows: impl IntoIterator<Item = usize>) {
        for row in rows {
            self.rows.entry(row).or_insert(Entry::Pending);
        }
    }

    /// Records an answer for a row: sent rows are kept, anything else clears the row.
    /// `sent_values` are the values the row carried, so an id echoing one is not stored.
    pub fn note_outcome(&mut self, row: usize, outcome: &Outcome, sent_values: &[&str]) {
        match outcome {
            Outcome::Sent { id } => {
                let id = id.clone().filter(|id| !sent_values.contains(&id.as_str()));
                self.rows.insert(row, Entry::Sent { id });
            }
            _ => {
                self.rows.remove(&row);
            }
        }
    }

    /// What to offer when the same file comes back, if anything.
    pub fn offer(&self) -> Option<ResumeOffer> {
        let sent = self.rows.values().filter(|e| matches!(e, Entry::Sent { .. })).count();
        let unknown = self.rows.len() - sent;
        (!self.rows.is_empty()).then_some(ResumeOffer { sent, unknown })
    }

    /// Rows not to send again, with the outcome to report for them. Rows whose fate is
    /// unknown are held back unless `resend_unknown`.
    pub fn settled(&self, resend_unknown: bool) -> BTreeMap<usize, Outcome> {
        self.rows
            .iter()
            .filter_map(|(&row, entry)| match entry {
                Entry::Sent { id } => {
                    let note = id.as_ref().map_or_else(|| "sent in an earlier session".to_string(), |id| format!("{id} (sent in an earlier session)"));
                    Some((row, Outcome::Sent { id: Some(note) }))
                }
                Entry::Pending if resend_unknown => None,
                Entry::Pending => Some((row, Outcome::NotSent {
                    reason: "This row was being sent when the page closed: the vendor may already have it. Check there before sending it again.".into(),
                })),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256() {
        assert_eq!(file_fingerprint(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

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
}
