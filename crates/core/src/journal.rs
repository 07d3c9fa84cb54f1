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

/// Per-row progress of a send of one file to one target, by spreadsheet row number, as
/// ranges of rows (`{"sent": [[2, 1002]], "pending": [[1002, 1102]]}`).
///
/// It is stored after every step of a send, so what a step writes must not grow with
/// the send. The rows in flight are few: they are the state stored under the journal's
/// key ([`Journal::state_json`]). The rows sent are not: a file whose rows with
/// problems are held back leaves a gap at each, 15,000 ranges in a million rows, and
/// the ids the vendor made up (one per row, when the file had none) grow with every
/// answer. So each step stores only what it changed, as a part of its own
/// ([`Journal::take_changes`]: rows sent, rows no longer sent, ids), and the journal is
/// read back from its state and its parts ([`Journal::from_parts`]). Journals of earlier
/// versions are still read: the whole journal inline (with `"ids": {"7": "P-1"}` even
/// earlier), and parts holding only ids.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
    /// What changed since [`Journal::take_changes`] last ran.
    #[serde(skip)]
    changes: Changes,
}

/// What a step of a send changed in a journal: the part it stores.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    /// Rows now sent.
    #[serde(default, skip_serializing_if = "RowSet::is_empty")]
    sent: RowSet,
    /// Rows sent before and not any more (sent again and refused this time).
    #[serde(default, skip_serializing_if = "RowSet::is_empty")]
    unsent: RowSet,
    /// Ids added (`Some`) or dropped (`None`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ids: Vec<(usize, Option<String>)>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.unsent.is_empty() && self.ids.is_empty()
    }
}

impl PartialEq for Journal {
    /// Journals are equal when they say the same of every row (changes not yet taken
    /// are how it is stored, not what it says).
    fn eq(&self, other: &Journal) -> bool {
        (&self.sent, &self.ids, &self.pending) == (&other.sent, &other.ids, &other.pending)
    }
}

impl Eq for Journal {}

/// What [`Journal::state_json`] writes: the rows in flight.
#[derive(Serialize)]
struct PendingOnly<'a> {
    pending: &'a RowSet,
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

    /// The whole journal, ids inline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The rows in flight: what is stored under the journal's key after every step,
    /// beside the part [`Journal::take_changes`] gives.
    pub fn state_json(&self) -> String {
        serde_json::to_string(&PendingOnly { pending: &self.pending }).unwrap_or_default()
    }

    /// What changed since the last call (rows sent, rows no longer sent, ids added or
    /// dropped), as JSON: stored as a part of its own beside [`Journal::state_json`].
    /// `None` when nothing did.
    pub fn take_changes(&mut self) -> Option<String> {
        if self.changes.is_empty() {
            return None;
        }
        let changes = std::mem::take(&mut self.changes);
        Some(serde_json::to_string(&changes).unwrap_or_default())
    }

    /// Marks everything as changed, so the next [`Journal::take_changes`] holds the whole
    /// journal (stored anew in one part, the parts before it dropped).
    pub fn mark_all_changed(&mut self) {
        self.changes = Changes { sent: self.sent.clone(), unsent: RowSet::default(), ids: self.ids.iter().map(|(row, id)| (*row, Some(id.clone()))).collect() };
    }

    /// Reads a journal stored in parts: its state and its parts, oldest first.
    /// Unreadable parts count as empty.
    pub fn from_parts(state: &str, parts: &[String]) -> Journal {
        let mut journal = Journal::from_json(state);
        for part in parts {
            // An earlier version's part: ids only.
            let changes = match serde_json::from_str::<Vec<(usize, Option<String>)>>(part) {
                Ok(ids) => Changes { ids, ..Changes::default() },
                Err(_) => serde_json::from_str::<Changes>(part).unwrap_or_default(),
            };
            journal.sent.insert_all(&changes.sent);
            journal.sent.remove_all(&changes.unsent);
            for (row, id) in changes.ids {
                match id {
                    Some(id) => journal.ids.insert(row, id),
                    None => journal.ids.remove(&row),
                };
            }
        }
        journal.ids.retain(|row, _| journal.sent.contains(*row));
        journal
    }

    /// Marks rows as in flight, or about to be (call before the request leaves); a row
    /// already sent stays sent. Returns whether any row was not pending yet.
    pub fn note_pending(&mut self, rows: impl IntoIterator<Item = usize>) -> bool {
        let mut added = false;
        for row in rows {
            if !self.sent.contains(row) {
                added |= self.pending.insert(row);
            }
        }
        added
    }

    /// Takes rows noted ahead of their request back out of pending (the send paused before
    /// they left). Returns whether any was pending.
    pub fn withdraw(&mut self, rows: impl IntoIterator<Item = usize>) -> bool {
        let mut removed = false;
        for row in rows {
            removed |= self.pending.remove(row);
        }
        removed
    }

    /// Records an answer for a row: sent rows are kept, anything else clears the row.
    /// `sent_values` are the values the row carried, so an id echoing one is not stored.
    pub fn note_outcome(&mut self, row: usize, outcome: &Outcome, sent_values: &[&str]) {
        self.pending.remove(row);
        if self.ids.remove(&row).is_some() {
            self.changes.ids.push((row, None));
        }
        match outcome {
            Outcome::Sent { id } => {
                if self.sent.insert(row) {
                    self.changes.sent.insert(row);
                    self.changes.unsent.remove(row);
                }
                if let Some(id) = id.as_ref().filter(|id| !sent_values.contains(&id.as_str())) {
                    self.ids.insert(row, id.clone());
                    self.changes.ids.push((row, Some(id.clone())));
                }
            }
            _ => {
                if self.sent.remove(row) {
                    self.changes.unsent.insert(row);
                    self.changes.sent.remove(row);
                }
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
                    reason:
                        "This row was being sent, or about to be, when the page closed: the vendor may already have it. Check there before sending it again."
                            .into(),
                },
            )
        });
        sent.chain(unknown).collect()
    }
}

/// Keeps a request from leaving before a stored journal names its rows as pending, while
/// the journal is stored beside the requests rather than before each one.
///
/// The driver notes the rows of the requests starting now and of the batches due next
/// ([`crate::send::Engine::upcoming`]) as pending, starts storing the journal
/// ([`SaveGate::issued`]), and lets a request leave once [`SaveGate::allows`] its rows.
/// When the save completes ([`SaveGate::stored`]), the rows it named are stored. So in a
/// steady send the next batch is stored as pending while the requests before it are
/// still out, and leaves the moment an answer frees a request. The price: a page closed
/// mid-send may report a batch or two that never left as "may have been sent".
#[derive(Debug, Clone, Default)]
pub struct SaveGate {
    /// The pending rows of the last journal stored.
    stored: RowSet,
    /// The pending rows of the save under way, if one is.
    issued: Option<RowSet>,
    /// Storing failed: requests leave without waiting (the page says resume is lost).
    unstored: bool,
}

impl SaveGate {
    /// A save of `journal` as it is now has started.
    pub fn issued(&mut self, journal: &Journal) {
        self.issued = Some(journal.pending.clone());
    }

    /// Whether a save is under way.
    pub fn saving(&self) -> bool {
        self.issued.is_some()
    }

    /// The save under way completed: what it named is stored.
    pub fn stored(&mut self) {
        if let Some(rows) = self.issued.take() {
            self.stored = rows;
        }
    }

    /// The save under way failed: from now on requests do not wait for storage that does
    /// not work (resuming after a reload is then not possible, and the page says so).
    pub fn failed(&mut self) {
        self.issued = None;
        self.unstored = true;
    }

    /// Whether a request carrying `rows` may leave: a stored journal names every one as
    /// pending (or storage does not work).
    pub fn allows(&self, mut rows: impl Iterator<Item = usize>) -> bool {
        self.unstored || rows.all(|row| self.stored.contains(row))
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
    fn each_step_stores_only_what_it_changed() {
        let mut j = Journal::default();
        j.note_pending(2..=4);
        j.note_outcome(2, &Outcome::Sent { id: Some("P-1".into()) }, &[]);
        j.note_outcome(3, &Outcome::Sent { id: Some("P-2".into()) }, &[]);
        let first = j.take_changes().unwrap();
        assert_eq!(first, r#"{"sent":[[2,4]],"ids":[[2,"P-1"],[3,"P-2"]]}"#);
        assert_eq!(j.take_changes(), None, "taken once");
        j.note_outcome(4, &Outcome::Sent { id: Some("P-3".into()) }, &[]);
        // Row 3 sent again and refused this time: it is no longer sent, and its id goes.
        j.note_outcome(3, &Outcome::Rejected { reason: "no".into() }, &[]);
        let second = j.take_changes().unwrap();
        assert_eq!(second, r#"{"sent":[[4,5]],"unsent":[[3,4]],"ids":[[4,"P-3"],[3,null]]}"#);
        let state = j.state_json();
        assert_eq!(state, r#"{"pending":[]}"#, "the state holds the rows in flight only");
        let back = Journal::from_parts(&state, &[first.clone(), second.clone()]);
        assert_eq!(back, j);
        assert_eq!(back.settled(false)[&4], Outcome::Sent { id: Some("P-3 (sent in an earlier session)".into()) });
        assert!(!back.settled(false).contains_key(&3));
        // Everything marked as changed is the whole journal in one part.
        let mut whole = back.clone();
        whole.mark_all_changed();
        let all = whole.take_changes().unwrap();
        assert_eq!(all, r#"{"sent":[[2,3],[4,5]],"ids":[[2,"P-1"],[4,"P-3"]]}"#);
        assert_eq!(Journal::from_parts(&state, &[all]), j);
        // Journals of earlier versions: the whole journal inline (the state then held
        // the rows sent too), and parts holding only ids.
        let mut earlier = Journal::from_parts(&j.to_json(), &[]);
        assert_eq!(earlier, j);
        let ids_only = [r#"[[2,"P-1"],[3,"P-2"]]"#.to_string(), r#"[[4,"P-3"],[3,null]]"#.to_string()];
        assert_eq!(Journal::from_parts(r#"{"sent":[[2,3],[4,5]],"pending":[]}"#, &ids_only), j);
        earlier.mark_all_changed();
        assert!(earlier.take_changes().unwrap().contains(r#""ids":[[2,"P-1"],[4,"P-3"]]"#));
        assert_eq!(Journal::from_parts(&state, &["garbage".into(), first, second]), j, "an unreadable part counts as empty");
    }

    #[test]
    fn a_step_writes_little_however_far_a_send_has_gone() {
        // A million rows with one held back (never sent) in every 67: 15,000 gaps.
        let mut j = Journal::default();
        let mut stored = Vec::new();
        let mut largest = 0;
        for start in (2..1_000_002).step_by(100) {
            let batch: Vec<usize> = (start..start + 100).filter(|row| row % 67 != 0).collect();
            j.note_pending(batch.iter().copied());
            for &row in &batch {
                j.note_outcome(row, &Outcome::Sent { id: None }, &[]);
            }
            let part = j.take_changes().unwrap();
            largest = largest.max(j.state_json().len() + part.len());
            stored.push(part);
        }
        assert!(largest < 200, "a step wrote {largest} bytes");
        let back = Journal::from_parts(&j.state_json(), &stored);
        assert_eq!(back, j);
        assert_eq!(back.offer(), Some(ResumeOffer { sent: 1_000_000 - 14_925, unknown: 0 }));
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
    fn a_request_leaves_only_once_a_stored_journal_names_its_rows() {
        let mut j = Journal::default();
        let mut gate = SaveGate::default();
        assert!(j.note_pending(2..12), "new rows noted");
        assert!(!j.note_pending(2..12), "noted already");
        assert!(!gate.allows(2..12), "nothing stored yet");
        gate.issued(&j);
        assert!(gate.saving());
        // The batch after is noted while the first save is under way: not in that save.
        j.note_pending(12..22);
        assert!(!gate.allows(2..12), "the save has not completed");
        gate.stored();
        assert!(!gate.saving());
        assert!(gate.allows(2..12));
        assert!(!gate.allows(2..13), "row 12 was noted after the save began");
        gate.issued(&j);
        gate.stored();
        assert!(gate.allows(12..22));
        // Rows noted ahead and withdrawn (a pause) are pending no more once stored.
        assert!(j.withdraw(17..22) && !j.withdraw(17..22));
        gate.issued(&j);
        gate.stored();
        assert!(gate.allows(12..17) && !gate.allows(17..18));
        // Answers clear rows; a stored journal without them no longer lets them go.
        for row in 2..12 {
            j.note_outcome(row, &Outcome::Sent { id: None }, &[]);
        }
        gate.issued(&j);
        gate.stored();
        assert!(!gate.allows(2..3) && gate.allows(12..17));
        // Storage that fails stops holding requests back.
        gate.issued(&j);
        gate.failed();
        assert!(gate.allows(100..200));
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
