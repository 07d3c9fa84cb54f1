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
}

fn hash(text: &[u8]) -> u64 {
    let mut h: FxHasher = BuildFxHasher::default().build_hasher();
    h.write(text);
    h.finish()
}

impl FirstSeen {
    /// Room for about `texts` texts of `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> FirstSeen {
        FirstSeen { text: Vec::with_capacity(bytes), table: HashTable::with_capacity(texts) }
    }

    /// Sets aside room for about `texts` more texts.
    pub fn reserve(&mut self, texts: usize) {
        let text = &self.text;
        self.table.reserve(texts, |&(s, e, _)| hash(&text[s as usize..e as usize]));
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
/// of three lists (no table is probed, so no cache line is fetched at random), and the
/// end sorts the texts' hashes once: a million item IDs cost a sort instead of a million
/// random probes of a table as large as the IDs (in wasm about 4x quicker than
/// [`FirstSeen`], whose answer is needed row by row).
#[derive(Default)]
pub struct Repeats {
    text: Vec<u8>,
    /// Where each text starts in `text` (it ends where the next starts).
    starts: Vec<u32>,
    /// The row each text was noted on.
    rows: Vec<u32>,
    /// A place the caller gave with each text (e.g. how many issues came before it).
    places: Vec<u32>,
}

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
        self.rows.reserve(texts);
        self.places.reserve(texts);
    }

    /// Notes `key`, seen on `row`, with `place`.
    pub fn note(&mut self, key: &str, row: usize, place: usize) {
        self.starts.push(self.text.len() as u32);
        self.text.extend_from_slice(key.as_bytes());
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
        let mut order: Vec<(u64, u32)> = (0..self.starts.len()).map(|i| (hash(self.text_of(i)), i as u32)).collect();
        order.sort_unstable();
        let mut found: Vec<(u32, u32)> = Vec::new();
        // Texts of one hash sit together, in the order noted: each is a repeat of the
        // first before it with the same text (hashes of different texts rarely meet).
        for same_hash in order.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            for (n, &(_, later)) in same_hash.iter().enumerate().skip(1) {
                let text = self.text_of(later as usize);
                if let Some(&(_, first)) = same_hash[..n].iter().find(|&&(_, earlier)| self.text_of(earlier as usize) == text) {
                    found.push((later, first));
                }
            }
        }
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
}
