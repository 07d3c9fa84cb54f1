//! Remembering which texts were seen, and on which row first, for checks that run over a
//! sheet arriving in pieces (a repeated ID must be found even when its first row has
//! already gone on its way). The texts sit in one buffer, so a million IDs cost a
//! buffer of their bytes and a table of 12-byte entries, not a million allocations.

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;

use crate::text::{BuildFxHasher, FxHasher};

/// Texts seen so far, each with the row it was first seen on.
#[derive(Default)]
pub struct FirstSeen {
    text: Vec<u8>,
    /// `(start, end)` of the text in `text`, and its row.
    table: HashTable<(u32, u32, u32)>,
    /// Room for the texts' bytes, set aside once from a sample of them.
    room: TextRoom,
}

/// Sets aside a text buffer's room once, from the texts expected and the length of the
/// first ones: a buffer doubled again and again up to a million texts leaves each
/// smaller buffer it outgrew behind, and in wasm freed memory is never given back (a
/// 20 MB buffer of e-mails left about 30 MB of outgrown ones in the worker).
#[derive(Default)]
struct TextRoom {
    /// Texts still expected ([`FirstSeen::reserve`]); 0 once room was set aside.
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

impl FirstSeen {
    /// Room for about `texts` texts of `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> FirstSeen {
        FirstSeen { text: Vec::with_capacity(bytes), table: HashTable::with_capacity(texts), room: TextRoom::default() }
    }

    /// Sets aside room for about `texts` more texts (their bytes once the first texts
    /// tell how long they run).
    pub fn reserve(&mut self, texts: usize) {
        let text = &self.text;
        self.table.reserve(texts, |&(s, e, _)| hash(&text[s as usize..e as usize]));
        self.room.expect(texts);
    }

    /// The row `key` was first seen on; when it was not seen before, notes it as seen on
    /// `row` and returns `None`.
    pub fn first_or_note(&mut self, key: &str, row: usize) -> Option<usize> {
        let key = key.as_bytes();
        let h = hash(key);
        let text = &self.text;
        // One probe of the table for both the look-up and the insertion.
        match self.table.entry(h, |&(s, e, _)| &text[s as usize..e as usize] == key, |&(s, e, _)| hash(&text[s as usize..e as usize])) {
            hashbrown::hash_table::Entry::Occupied(seen) => Some(seen.get().2 as usize),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                self.room.note(&mut self.text, key.len());
                let start = self.text.len() as u32;
                self.text.extend_from_slice(key);
                slot.insert((start, self.text.len() as u32, row as u32));
                None
            }
        }
    }

    /// Number of texts seen.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether nothing was seen yet.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// Texts noted as rows come, their repeats found once at the end: for a check whose
/// repeats are only warnings, so nothing needs them row by row. Noting writes to the end
/// of four lists (no table is probed, so no cache line is fetched at random), and the
/// end sorts the texts' hashes: a million item IDs cost a sort instead of a million
/// random probes of a table as large as the IDs (in wasm about 4x quicker than
/// [`FirstSeen`], whose answer is needed row by row).
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
        self.hashes.push(hash(key.as_bytes()) as u32);
        self.rows.push(row as u32);
        self.places.push(place as u32);
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
                    if let Some(&first) = same_hash[..n].iter().find(|&&earlier| self.text_of(earlier as u32 as usize) == text) {
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
    use super::*;

    #[test]
    fn the_first_row_is_remembered() {
        let mut seen = FirstSeen::default();
        assert_eq!(seen.first_or_note("A-1", 2), None);
        assert_eq!(seen.first_or_note("A-2", 3), None);
        assert_eq!(seen.first_or_note("A-1", 9), Some(2));
        assert_eq!(seen.first_or_note("a-1", 10), None, "IDs are compared exactly");
        for n in 0..10_000 {
            seen.first_or_note(&format!("id{n}"), 100 + n);
        }
        assert_eq!(seen.first_or_note("id7777", 1), Some(7877));
        assert_eq!(seen.first_or_note("A-2", 1), Some(3));
        assert_eq!(seen.len(), 10_003);
    }

    /// The repeats found at the end are the ones a row-by-row look-up finds, with the
    /// same first rows, in the order noted.
    #[test]
    fn repeats_found_at_the_end_match_the_row_by_row_look_up() {
        let mut texts: Vec<String> = (0..5_000).map(|n| format!("I{}", n % 3_700)).collect();
        texts.extend(["", "", "x", "é", "x"].map(String::from));
        let mut seen = FirstSeen::default();
        let mut repeats = Repeats::default();
        let mut expected = Vec::new();
        for (n, text) in texts.iter().enumerate() {
            let row = 2 + n * 3;
            if let Some(first) = seen.first_or_note(text, row) {
                expected.push(Repeat { row, first, place: n, text: text.clone() });
            }
            repeats.note(text, row, n);
        }
        assert_eq!(repeats.finish(), expected);
        assert!(Repeats::default().finish().is_empty());
    }

    /// With the texts expected given, the buffer of their bytes is set aside once the
    /// first texts tell their length, and never moves after (in wasm each buffer moved
    /// from stays in memory for good).
    #[test]
    fn room_for_the_texts_is_set_aside_once() {
        let texts: Vec<String> = (0..20_000).map(|n| format!("participant-{n:05}@example.org")).collect();
        let moves_after_sample = |note: &mut dyn FnMut(usize) -> *const u8| {
            let mut at = note(0);
            let mut moves = 0;
            for n in 1..texts.len() {
                let now = note(n);
                if n > SAMPLE && now != at {
                    moves += 1;
                }
                at = now;
            }
            moves
        };
        let mut seen = FirstSeen::default();
        seen.reserve(texts.len());
        assert_eq!(
            moves_after_sample(&mut |n| {
                seen.first_or_note(&texts[n], n + 2);
                seen.text.as_ptr()
            }),
            0
        );
        assert_eq!(seen.first_or_note(&texts[7], 1), Some(9));
        let mut repeats = Repeats::default();
        repeats.reserve(texts.len());
        assert_eq!(
            moves_after_sample(&mut |n| {
                repeats.note(&texts[n % 15_000], n + 2, n);
                repeats.text.as_ptr()
            }),
            0
        );
        let found = repeats.finish();
        assert_eq!(found.len(), 5_000);
        assert_eq!((found[0].row, found[0].first, found[0].text.as_str()), (15_002, 2, texts[0].as_str()));
        // Without an expectation, the buffer grows as any does.
        let mut unexpected = FirstSeen::default();
        for (n, text) in texts.iter().enumerate() {
            unexpected.first_or_note(text, n);
        }
        assert_eq!(unexpected.len(), texts.len());
    }
}
