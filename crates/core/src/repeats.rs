//! Repeated texts (IDs, e-mails, usernames) found across a sheet that arrives in pieces:
//! a repeat must be found even when its first row has already gone on its way. The texts
//! sit in one buffer, so a million IDs cost a buffer of their bytes and 16 bytes each,
//! not a million allocations; the repeats are found once, at the end, by sorting the
//! texts' hashes (no table is probed row by row, so no cache line is fetched at random).

use std::hash::{BuildHasher, Hasher};

use crate::issue::Issue;
use crate::text::{BuildFxHasher, FxHasher};

/// Sets aside a text buffer's room once, from the texts expected and the length of the
/// first ones: a buffer doubled again and again up to a million texts leaves each
/// smaller buffer it outgrew behind, and in wasm freed memory is never given back (a
/// 20 MB buffer of e-mails left about 30 MB of outgrown ones in the worker).
#[derive(Default)]
struct TextRoom {
    /// Texts still expected ([`Repeats::reserve`]); 0 once room was set aside.
    expected: usize,
    /// Texts noted since the expectation was given.
    sampled: usize,
    /// Their bytes.
    sampled_bytes: usize,
}

/// Texts looked at before room is set aside for the rest.
const SAMPLE: usize = 1_024;

impl TextRoom {
    fn expect(&mut self, texts: usize) {
        *self = TextRoom { expected: texts, sampled: 0, sampled_bytes: 0 };
    }

    /// One more text of `bytes` bytes is about to go into `text`.
    fn note(&mut self, text: &mut Vec<u8>, bytes: usize) {
        if self.expected == 0 {
            return;
        }
        self.sampled += 1;
        self.sampled_bytes += bytes;
        if self.sampled >= SAMPLE || self.sampled >= self.expected {
            // A tenth more than the sample projects: texts longer than the first ones
            // grow the buffer as before.
            let projected = self.sampled_bytes as f64 / self.sampled as f64 * self.expected as f64 * 1.1;
            let room = (projected as usize).min(u32::MAX as usize);
            text.reserve_exact(room.saturating_sub(text.capacity() - text.len()));
            self.expected = 0;
        }
    }
}

fn hash(text: &[u8]) -> u64 {
    let mut h: FxHasher = BuildFxHasher::default().build_hasher();
    h.write(text);
    h.finish()
}

/// Texts noted as rows come, their repeats found once at the end: for checks whose
/// repeats are warnings, so nothing needs them row by row. Noting writes to the end of
/// five lists, and the end sorts the texts' hashes: a million e-mails cost a sort instead
/// of a million random probes of a table as large as they are (in wasm about 4x quicker).
#[derive(Default)]
pub struct Repeats {
    text: Vec<u8>,
    /// Where each text starts in `text` (it ends where the next starts).
    starts: Vec<u32>,
    /// Each text's hash (32 bits: texts of one hash are compared, so a shared hash
    /// costs a comparison, never a wrong answer).
    hashes: Vec<u32>,
    /// The row each text was noted on.
    rows: Vec<u32>,
    /// A place the caller gave with each text (e.g. how many issues came before it).
    places: Vec<u32>,
    room: TextRoom,
    /// Texts that differ only in the case of ASCII letters are the same text.
    ignore_ascii_case: bool,
    /// A text in lower case, for its hash (one buffer for every text).
    lowered: Vec<u8>,
}

/// [`Repeats::finish`] sorts the hashes a sixteenth at a time (by their top four bits),
/// so its sort needs a sixteenth of the room.
const PARTS: u32 = 16;

/// A text noted again: on `row`, first noted on `first`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// The row it was noted on again.
    pub row: usize,
    /// The row it was first noted on.
    pub first: usize,
    /// The place given with it.
    pub place: usize,
    /// The text.
    pub text: String,
}

impl Repeats {
    /// Repeats of texts that differ only in the case of ASCII letters too (e-mail
    /// addresses as a platform compares them); each is kept as written.
    pub fn ignoring_ascii_case() -> Repeats {
        Repeats { ignore_ascii_case: true, ..Repeats::default() }
    }

    /// Sets aside room for about `texts` more texts.
    pub fn reserve(&mut self, texts: usize) {
        self.starts.reserve(texts);
        self.hashes.reserve(texts);
        self.rows.reserve(texts);
        self.places.reserve(texts);
        self.room.expect(texts);
    }

    /// Notes `key`, seen on `row`, with `place`.
    pub fn note(&mut self, key: &str, row: usize, place: usize) {
        self.room.note(&mut self.text, key.len());
        self.starts.push(self.text.len() as u32);
        self.text.extend_from_slice(key.as_bytes());
        let h = if self.ignore_ascii_case {
            self.lowered.clear();
            self.lowered.extend_from_slice(key.as_bytes());
            self.lowered.make_ascii_lowercase();
            hash(&self.lowered)
        } else {
            hash(key.as_bytes())
        };
        self.hashes.push(h as u32);
        self.rows.push(row as u32);
        self.places.push(place as u32);
    }

    fn same(&self, a: &[u8], b: &[u8]) -> bool {
        if self.ignore_ascii_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    /// Every repeat, as the issue `warn` makes of it, put among `issues` at its place
    /// (after the issues that came before it was noted).
    pub fn merge_into(self, issues: &mut Vec<Issue>, mut warn: impl FnMut(Repeat) -> Issue) {
        let repeats = self.finish();
        if repeats.is_empty() {
            return;
        }
        let mut merged = Vec::with_capacity(issues.len() + repeats.len());
        let mut earlier = std::mem::take(issues).into_iter();
        let mut taken = 0;
        // In the order noted, so their places never go down.
        for repeat in repeats {
            merged.extend(earlier.by_ref().take(repeat.place.saturating_sub(taken)));
            taken = taken.max(repeat.place);
            merged.push(warn(repeat));
        }
        merged.extend(earlier);
        *issues = merged;
    }

    fn text_of(&self, index: usize) -> &[u8] {
        let start = self.starts[index] as usize;
        let end = self.starts.get(index + 1).map_or(self.text.len(), |&e| e as usize);
        &self.text[start..end]
    }

    /// Every text noted again, in the order noted, each with the row it was first
    /// noted on.
    pub fn finish(self) -> Vec<Repeat> {
        let mut found: Vec<(u32, u32)> = Vec::new();
        let mut order: Vec<u64> = Vec::with_capacity(self.hashes.len() / PARTS as usize + 1024);
        for part in 0..PARTS {
            // `hash << 32 | index`: sorted, texts of one hash sit together in the order
            // noted.
            order.clear();
            order.extend(self.hashes.iter().enumerate().filter(|&(_, &h)| h >> 28 == part).map(|(i, &h)| (h as u64) << 32 | i as u64));
            order.sort_unstable();
            // Each is a repeat of the first before it with the same text (hashes of
            // different texts rarely meet).
            for same_hash in order.chunk_by(|a, b| a >> 32 == b >> 32).filter(|run| run.len() > 1) {
                for (n, &later) in same_hash.iter().enumerate().skip(1) {
                    let later = later as u32;
                    let text = self.text_of(later as usize);
                    if let Some(&first) = same_hash[..n].iter().find(|&&earlier| self.same(self.text_of(earlier as u32 as usize), text)) {
                        found.push((later, first as u32));
                    }
                }
            }
        }
        drop(order);
        found.sort_unstable();
        found
            .into_iter()
            .map(|(later, first)| Repeat {
                row: self.rows[later as usize] as usize,
                first: self.rows[first as usize] as usize,
                place: self.places[later as usize] as usize,
                text: String::from_utf8_lossy(self.text_of(later as usize)).into_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::issue::Severity;

    /// What a row-by-row look-up finds: each text seen before, with the row it was first
    /// seen on, in the order noted (`fold`: compared as its ASCII lower case).
    fn looked_up(texts: &[String], fold: bool) -> Vec<Repeat> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut found = Vec::new();
        for (n, text) in texts.iter().enumerate() {
            let key = if fold { text.to_ascii_lowercase() } else { text.clone() };
            let row = 2 + n * 3;
            match seen.get(&key) {
                Some(&first) => found.push(Repeat { row, first, place: n, text: text.clone() }),
                None => {
                    seen.insert(key, row);
                }
            }
        }
        found
    }

    /// The repeats found at the end are the ones a row-by-row look-up finds, with the
    /// same first rows, in the order noted; IDs are compared exactly unless asked.
    #[test]
    fn repeats_found_at_the_end_match_the_row_by_row_look_up() {
        let mut texts: Vec<String> = (0..5_000).map(|n| format!("I{}", n % 3_700)).collect();
        texts.extend(["", "", "x", "é", "x", "A-1", "a-1", "Anna@Example.org", "anna@example.ORG", "Ānna@x.lv", "ānna@x.lv"].map(String::from));
        for fold in [false, true] {
            let mut repeats = if fold { Repeats::ignoring_ascii_case() } else { Repeats::default() };
            for (n, text) in texts.iter().enumerate() {
                repeats.note(text, 2 + n * 3, n);
            }
            let found = repeats.finish();
            assert_eq!(found, looked_up(&texts, fold), "ignoring ASCII case: {fold}");
            let folded: Vec<&str> = found.iter().filter(|r| r.text.contains(['-', '@'])).map(|r| r.text.as_str()).collect();
            assert_eq!(folded, if fold { vec!["a-1", "anna@example.ORG"] } else { vec![] }, "kept as written; Ā is not ASCII");
        }
        assert!(Repeats::default().finish().is_empty());
    }

    /// Each repeat's warning goes after the issues that came before it was noted, and
    /// before the ones after.
    #[test]
    fn warnings_are_merged_at_their_places() {
        let issue = |row: usize, message: &str| Issue {
            row,
            column: None,
            column_name: None,
            field: "f".into(),
            severity: Severity::Error,
            message: message.into(),
            kind: crate::issue::IssueKind::Invalid,
        };
        let mut issues = vec![issue(2, "a"), issue(3, "b"), issue(5, "c")];
        let mut repeats = Repeats::default();
        repeats.note("x", 2, 1);
        repeats.note("x", 3, 2);
        repeats.note("y", 4, 2);
        repeats.note("x", 5, 2);
        repeats.note("y", 6, 3);
        repeats.merge_into(&mut issues, |r| issue(r.row, &format!("{} again, first on {}", r.text, r.first)));
        let got: Vec<(usize, &str)> = issues.iter().map(|i| (i.row, i.message.as_str())).collect();
        assert_eq!(got, [(2, "a"), (3, "b"), (3, "x again, first on 2"), (5, "x again, first on 2"), (5, "c"), (6, "y again, first on 4")]);
        let mut untouched = vec![issue(2, "a")];
        Repeats::default().merge_into(&mut untouched, |_| unreachable!());
        assert_eq!(untouched.len(), 1);
    }

    /// With the texts expected given, the buffer of their bytes is set aside once the
    /// first texts tell their length, and never moves after (in wasm each buffer moved
    /// from stays in memory for good).
    #[test]
    fn room_for_the_texts_is_set_aside_once() {
        let texts: Vec<String> = (0..20_000).map(|n| format!("participant-{n:05}@example.org")).collect();
        let mut repeats = Repeats::default();
        repeats.reserve(texts.len());
        let mut at = repeats.text.as_ptr();
        let mut moves = 0;
        for n in 0..texts.len() {
            repeats.note(&texts[n % 15_000], n + 2, n);
            if n > SAMPLE && repeats.text.as_ptr() != at {
                moves += 1;
            }
            at = repeats.text.as_ptr();
        }
        assert_eq!(moves, 0);
        let found = repeats.finish();
        assert_eq!(found.len(), 5_000);
        assert_eq!((found[0].row, found[0].first, found[0].text.as_str()), (15_002, 2, texts[0].as_str()));
        // Without an expectation, the buffer grows as any does.
        let mut unexpected = Repeats::default();
        for (n, text) in texts.iter().enumerate() {
            unexpected.note(text, n, n);
        }
        assert!(unexpected.finish().is_empty());
    }
}
