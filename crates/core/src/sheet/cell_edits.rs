//! [`CellEdits`]: the cells of a [`Sheet`](super::Sheet) changed since its buffers were
//! last written, kept beside them so an edit costs the edited cell, not the rows after it.
//!
//! A sheet's text sits in one buffer with the cells' bounds in another; writing a new
//! value into the middle shifts every byte and bound after it (for a million-row sheet,
//! ~120 MB moved and ten million bounds rewritten, and twice the buffer held when the
//! new text is longer). Edits are kept here instead, and written into the buffers when
//! the sheet is rebuilt for another reason or handed over as plain buffers.

use std::collections::HashMap;

use crate::text::BuildFxHasher;

/// Edits kept before the buffers are written again: past this many, or this many bytes
/// of new text, the next edit writes them all (an O(n) pass, once in thousands of edits).
pub(crate) const MOST_KEPT: usize = 4_096;
/// See [`MOST_KEPT`].
pub(crate) const MOST_KEPT_BYTES: usize = 1 << 20;

/// New texts of edited cells, by cell index (`row * width + column`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CellEdits {
    /// One bit per cell index, set when the cell has a new text (empty until the first
    /// edit), so reading a cell that was not edited costs a bit test, not a look-up.
    marked: Vec<u64>,
    texts: HashMap<usize, Box<str>, BuildFxHasher>,
    bytes: usize,
}

impl CellEdits {
    /// The new text of cell `index`, when it was edited.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        if self.marked.is_empty() {
            return None;
        }
        let word = *self.marked.get(index / 64)?;
        if word & (1 << (index % 64)) == 0 {
            return None;
        }
        self.texts.get(&index).map(|t| &**t)
    }

    /// Cell `index` (one of `cells`) now reads `text`.
    pub(crate) fn set(&mut self, index: usize, cells: usize, text: &str) {
        if self.marked.len() * 64 < cells {
            self.marked.resize(cells.div_ceil(64), 0);
        }
        self.marked[index / 64] |= 1 << (index % 64);
        self.bytes += text.len();
        if let Some(old) = self.texts.insert(index, text.into()) {
            self.bytes -= old.len();
        }
    }

    /// Cell `index` reads its text in the buffers again.
    pub(crate) fn forget(&mut self, index: usize) {
        if let Some(old) = self.texts.remove(&index) {
            self.bytes -= old.len();
            self.marked[index / 64] &= !(1 << (index % 64));
        }
    }

    /// Whether no cell was edited.
    pub(crate) fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Whether so much is kept that the buffers should be written again.
    pub(crate) fn is_full(&self) -> bool {
        self.texts.len() > MOST_KEPT || self.bytes > MOST_KEPT_BYTES
    }

    /// Bytes of the new texts.
    pub(crate) fn text_bytes(&self) -> usize {
        self.bytes
    }

    /// Bytes held for the new texts (for memory figures).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes + self.marked.len() * 8 + self.texts.capacity() * (std::mem::size_of::<(usize, Box<str>)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_found_by_cell_and_forgotten() {
        let mut edits = CellEdits::default();
        assert_eq!(edits.get(3), None);
        edits.set(3, 200, "new");
        edits.set(130, 200, "other");
        edits.set(3, 200, "newer");
        assert_eq!((edits.get(3), edits.get(130), edits.get(4), edits.get(9_999)), (Some("newer"), Some("other"), None, None));
        assert_eq!(edits.bytes, 10);
        edits.forget(3);
        edits.forget(4);
        assert_eq!((edits.get(3), edits.get(130), edits.bytes), (None, Some("other"), 5));
        assert!(!edits.is_empty() && !edits.is_full());
        edits.forget(130);
        assert!(edits.is_empty());
    }

    #[test]
    fn many_edits_fill_it() {
        let mut edits = CellEdits::default();
        for i in 0..=MOST_KEPT {
            edits.set(i, MOST_KEPT + 1, "x");
        }
        assert!(edits.is_full());
        let mut long = CellEdits::default();
        long.set(0, 1, &"x".repeat(MOST_KEPT_BYTES + 1));
        assert!(long.is_full());
    }
}
