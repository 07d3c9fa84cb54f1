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
}
