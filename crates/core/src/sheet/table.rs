//! [`Sheet`]: a table of text held compactly, so a million-row file fits in little more
//! than its own size.
//!
//! Every cell's text sits in one buffer, row after row; a second buffer holds where each
//! cell begins and ends (4 bytes a cell). There is no allocation per cell or per row.
//! Edited cells are kept beside the buffers ([`CellEdits`]) until the sheet is rebuilt.

use serde::{Deserialize, Serialize};

use super::cell_edits::CellEdits;

/// One data row, as readers and tests hand it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The row number a spreadsheet program shows for it (the header row is 1).
    pub number: usize,
    /// One cell per header, already trimmed of surrounding white space.
    pub cells: Vec<String>,
}

/// A table read from a file: unique column names and rows of text.
///
/// Invariants: `bounds.len() == rows * width + 1`, bounds never decrease, every bound is
/// a char boundary of `text`, and `text` is UTF-8 (it is only ever extended with `&str`).
/// A cell in `edits` reads its text there instead of in `text`.
/// Not (de)serialisable on purpose: buffers from elsewhere come in through the checked
/// [`Sheet::from_parts`] and [`SheetAssembler`].
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Column names, unique and non-empty (blank ones are named after their letter).
    pub headers: Vec<String>,
    text: Vec<u8>,
    bounds: Vec<u32>,
    numbers: Vec<u32>,
    edits: CellEdits,
}

/// Two sheets are equal when their columns, row numbers and cells are, however their
/// edits are kept.
impl PartialEq for Sheet {
    fn eq(&self, other: &Sheet) -> bool {
        if self.headers != other.headers || self.numbers != other.numbers {
            return false;
        }
        if self.edits.is_empty() && other.edits.is_empty() {
            // Cells sit back to back, so equal cells make equal buffers.
            return self.text == other.text && self.bounds == other.bounds;
        }
        (0..self.len()).all(|r| (0..self.width()).all(|c| self.cell(r, c) == other.cell(r, c)))
    }
}

impl Eq for Sheet {}

/// The parts of a sheet, for moving it between threads as plain buffers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetParts {
    /// Column names.
    pub headers: Vec<String>,
    /// Every cell's text, row after row (UTF-8).
    pub text: Vec<u8>,
    /// Where each cell begins, plus where the last one ends.
    pub bounds: Vec<u32>,
    /// Spreadsheet row number of each row.
    pub numbers: Vec<u32>,
}

/// Why [`SheetParts`] do not make a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParts;

impl Sheet {
    /// A sheet with these columns and no rows.
    pub fn new(headers: Vec<String>) -> Sheet {
        Sheet { headers, text: Vec::new(), bounds: vec![0], numbers: Vec::new(), edits: CellEdits::default() }
    }

    /// A sheet of these rows; each row is cut or padded to the headers' width.
    pub fn from_rows(headers: Vec<String>, rows: Vec<Row>) -> Sheet {
        let mut sheet = Sheet::new(headers);
        let width = sheet.width();
        for row in rows {
            let cells = row.cells.iter().map(String::as_str).chain(std::iter::repeat("")).take(width);
            sheet.push_row(row.number, cells);
        }
        sheet
    }

    /// Rebuilds a sheet from its parts, checking the invariants.
    pub fn from_parts(parts: SheetParts) -> Result<Sheet, BadParts> {
        let SheetParts { headers, text, bounds, numbers } = parts;
        let cells = numbers.len() * headers.len();
        let ordered = bounds.windows(2).all(|w| w[0] <= w[1]);
        let utf8 = std::str::from_utf8(&text).is_ok();
        if bounds.len() != cells + 1 || !ordered || !utf8 || !bounds.iter().all(|&b| is_boundary(&text, b)) {
            return Err(BadParts);
        }
        Ok(Sheet { headers, text, bounds, numbers, edits: CellEdits::default() })
    }

    /// The sheet's buffers (see [`Sheet::from_parts`]), its edits written into them.
    pub fn into_parts(mut self) -> SheetParts {
        self.write_edits();
        SheetParts { headers: self.headers, text: self.text, bounds: self.bounds, numbers: self.numbers }
    }

    /// The sheet's buffers, borrowed (to copy them elsewhere piece by piece), its edits
    /// written into them first.
    pub fn parts_ref(&mut self) -> (&[u8], &[u32], &[u32]) {
        self.write_edits();
        (&self.text, &self.bounds, &self.numbers)
    }

    /// Writes the edited cells into the buffers (one pass over the sheet; nothing to do
    /// when no cell was edited since the last).
    pub fn write_edits(&mut self) {
        if self.edits.is_empty() {
            return;
        }
        let width = self.width();
        let mut new = Sheet::new(self.headers.clone());
        new.text.reserve_exact(self.text.len() + self.edits.text_bytes());
        new.bounds.reserve_exact(self.bounds.len());
        new.numbers = std::mem::take(&mut self.numbers);
        for r in 0..new.numbers.len() {
            for c in 0..width {
                new.text.extend_from_slice(self.cell_at(r, c, width).as_bytes());
                new.bounds.push(new.text.len() as u32);
            }
        }
        *self = new;
    }

    /// A sheet of the first `rows` rows (a preview).
    pub fn head(&self, rows: usize) -> Sheet {
        let mut head = Sheet::new(self.headers.clone());
        for r in 0..rows.min(self.len()) {
            head.push_row(self.number(r), self.row(r));
        }
        head
    }

    /// A sheet of the first `rows` rows with every cell longer than `max_bytes` cut to
    /// them (at a character's start): for a preview of what is sent, so a cell of
    /// megabytes is not copied, checked and written out to show its first words.
    pub fn head_cut(&self, rows: usize, max_bytes: usize) -> Sheet {
        let mut head = Sheet::new(self.headers.clone());
        for r in 0..rows.min(self.len()) {
            head.push_row(self.number(r), self.row(r).into_iter().map(|cell| crate::text::cut_at_char(cell, max_bytes)));
        }
        head
    }

    /// Bytes held for cells (text and positions), for progress and memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.text.len() + self.bounds.len() * 4 + self.numbers.len() * 4 + self.edits.heap_bytes()
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether the sheet has no data rows.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.headers.len()
    }

    /// The spreadsheet row number of data row `row` (0 when out of range).
    pub fn number(&self, row: usize) -> usize {
        self.numbers.get(row).map_or(0, |&n| n as usize)
    }

    /// Every row's spreadsheet number, in order.
    pub fn numbers(&self) -> impl Iterator<Item = usize> + '_ {
        self.numbers.iter().map(|&n| n as usize)
    }

    /// The index of the data row with spreadsheet number `number`.
    pub fn index_of(&self, number: usize) -> Option<usize> {
        let n = u32::try_from(number).ok()?;
        self.numbers.binary_search(&n).ok().or_else(|| self.numbers.iter().position(|&x| x == n))
    }

    /// The index of the column named `name`, exactly.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The text of `column` in `row` (empty when out of range).
    pub fn cell(&self, row: usize, column: usize) -> &str {
        let width = self.width();
        if row >= self.len() || column >= width {
            return "";
        }
        self.cell_at(row, column, width)
    }

    /// The cells of `row`, in column order.
    pub fn row(&self, row: usize) -> Vec<&str> {
        (0..self.width()).map(|c| self.cell(row, c)).collect()
    }

    fn slice(&self, start: u32, end: u32) -> &str {
        let bytes = &self.text[start as usize..end as usize];
        // SAFETY: every constructor keeps the invariants (text is UTF-8, every bound is a
        // char boundary): readers and edits append whole `&str`s, and `from_parts` /
        // `SheetAssembler` check buffers that come from elsewhere.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Appends a row (of exactly `width` cells; missing ones are empty, extra ones dropped).
    pub fn push_row<'a>(&mut self, number: usize, cells: impl IntoIterator<Item = &'a str>) {
        let mut count = 0;
        for cell in cells.into_iter().take(self.width()) {
            self.text.extend_from_slice(cell.as_bytes());
            self.bounds.push(self.text.len() as u32);
            count += 1;
        }
        for _ in count..self.width() {
            self.bounds.push(self.text.len() as u32);
        }
        self.numbers.push(number as u32);
    }

    /// Replaces one cell's text. A text of the same length is written in place; another
    /// is kept beside the buffers, so the rows after the cell do not move (they are
    /// written together once thousands of edits are kept, or when the sheet is rebuilt).
    pub fn set_cell(&mut self, row: usize, column: usize, value: &str) {
        let width = self.width();
        if row >= self.len() || column >= width {
            return;
        }
        let i = row * width + column;
        let (start, end) = (self.bounds[i] as usize, self.bounds[i + 1] as usize);
        if value.len() == end - start {
            // Whole UTF-8 text over a range that starts and ends on char boundaries.
            self.text[start..end].copy_from_slice(value.as_bytes());
            self.edits.forget(i);
        } else {
            self.edits.set(i, self.bounds.len() - 1, value);
        }
        if self.edits.is_full() {
            self.write_edits();
        }
    }

    /// Rewrites the cells of `column` for which `f` gives new text. Returns how many changed.
    pub fn update_column(&mut self, column: usize, mut f: impl FnMut(&str) -> Option<String>) -> usize {
        if column >= self.width() {
            return 0;
        }
        let changes: Vec<(usize, String)> =
            (0..self.len()).filter_map(|r| f(self.cell(r, column)).filter(|n| n != self.cell(r, column)).map(|n| (r, n))).collect();
        if changes.is_empty() {
            return 0;
        }
        let count = changes.len();
        let mut changes = changes.into_iter().peekable();
        self.rebuild(|sheet, r, out| {
            for c in 0..sheet.width() {
                match changes.peek() {
                    Some((row, _)) if *row == r && c == column => {
                        let (_, text) = changes.next().expect("peeked");
                        out.push_cell(&text);
                    }
                    _ => out.push_cell(sheet.cell(r, c)),
                }
            }
            true
        });
        count
    }

    /// Keeps the rows (by index) for which `keep` is true.
    pub fn retain_rows(&mut self, mut keep: impl FnMut(usize) -> bool) {
        self.rebuild(|sheet, r, out| {
            if !keep(r) {
                return false;
            }
            for c in 0..sheet.width() {
                out.push_cell(sheet.cell(r, c));
            }
            true
        });
    }

    /// Adds columns named `names`, their cells given by `cells` for each row index.
    pub fn add_columns(&mut self, names: Vec<String>, mut cells: impl FnMut(&str, usize) -> Vec<String>, source: usize) {
        let added = names.len();
        let old_width = self.width();
        self.headers.extend(names);
        let mut new = Sheet::new(self.headers.clone());
        new.text.reserve(self.text.len());
        new.bounds.reserve(self.len() * self.width() + 1);
        for r in 0..self.len() {
            let extra = if source < old_width { cells(self.cell_at(r, source, old_width), r) } else { Vec::new() };
            let own = (0..old_width).map(|c| self.cell_at(r, c, old_width));
            let more = extra.iter().map(String::as_str).chain(std::iter::repeat("")).take(added);
            new.push_row(self.number(r), own.chain(more));
        }
        *self = new;
    }

    fn cell_at(&self, row: usize, column: usize, width: usize) -> &str {
        let i = row * width + column;
        match self.edits.get(i) {
            Some(edited) => edited,
            None => self.slice(self.bounds[i], self.bounds[i + 1]),
        }
    }

    /// Builds the sheet again, row by row: `row` writes the cells of row `r` into the new
    /// sheet and says whether to keep it.
    fn rebuild(&mut self, mut row: impl FnMut(&Sheet, usize, &mut RowWriter) -> bool) {
        let mut new = Sheet::new(self.headers.clone());
        new.text.reserve(self.text.len());
        new.bounds.reserve(self.bounds.len());
        for r in 0..self.len() {
            let mark = (new.text.len(), new.bounds.len());
            let mut writer = RowWriter { sheet: &mut new };
            if row(self, r, &mut writer) {
                new.numbers.push(self.numbers[r]);
            } else {
                new.text.truncate(mark.0);
                new.bounds.truncate(mark.1);
            }
        }
        *self = new;
    }

    /// Removes the columns whose `keep` entry is false.
    pub fn keep_columns(&mut self, keep: &[bool]) {
        let width = self.width();
        let headers = self.headers.iter().zip(keep).filter(|(_, k)| **k).map(|(h, _)| h.clone()).collect();
        let mut new = Sheet::new(headers);
        new.text.reserve(self.text.len());
        for r in 0..self.len() {
            let cells = (0..width).filter(|&c| keep.get(c).copied().unwrap_or(true)).map(|c| self.cell_at(r, c, width));
            new.push_row(self.number(r), cells);
        }
        *self = new;
    }
}

pub(crate) fn is_boundary(text: &[u8], bound: u32) -> bool {
    let b = bound as usize;
    b == text.len() || text.get(b).is_some_and(|&byte| (byte as i8) >= -0x40)
}

/// Rebuilds a sheet from buffers that arrive in pieces (from the import worker), checking
/// each piece as it comes, so no single step has to look at the whole sheet.
#[derive(Debug, Default)]
pub struct SheetAssembler {
    text: Vec<u8>,
    bounds: Vec<u32>,
    numbers: Vec<u32>,
    /// Bytes at the end of `text` not yet checked (a character cut between pieces).
    unchecked_from: usize,
    bad: bool,
}

impl SheetAssembler {
    /// Sets aside room for buffers of these lengths.
    pub fn reserve(&mut self, text: usize, bounds: usize, numbers: usize) {
        self.text.reserve_exact(text);
        self.bounds.reserve_exact(bounds);
        self.numbers.reserve_exact(numbers);
    }

    /// The next piece of text; `fill` copies `len` bytes into the slice it is given.
    pub fn push_text(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        let at = self.text.len();
        self.text.resize(at + len, 0);
        fill(&mut self.text[at..]);
        match std::str::from_utf8(&self.text[self.unchecked_from..]) {
            Ok(_) => self.unchecked_from = self.text.len(),
            Err(e) if e.error_len().is_none() => self.unchecked_from += e.valid_up_to(),
            Err(_) => self.bad = true,
        }
    }

    /// The next piece of cell bounds (after all the text).
    pub fn push_bounds(&mut self, len: usize, fill: impl FnOnce(&mut [u32])) {
        let at = self.bounds.len();
        self.bounds.resize(at + len, 0);
        fill(&mut self.bounds[at..]);
        let from = at.saturating_sub(1);
        let text = &self.text;
        self.bad |= !self.bounds[from..].windows(2).all(|w| w[0] <= w[1]) || !self.bounds[at..].iter().all(|&b| is_boundary(text, b));
    }

    /// The next piece of row numbers.
    pub fn push_numbers(&mut self, len: usize, fill: impl FnOnce(&mut [u32])) {
        let at = self.numbers.len();
        self.numbers.resize(at + len, 0);
        fill(&mut self.numbers[at..]);
    }

    /// The sheet, when every piece fitted.
    pub fn finish(self, headers: Vec<String>) -> Result<Sheet, BadParts> {
        let cells = self.numbers.len() * headers.len();
        if self.bad || self.unchecked_from != self.text.len() || self.bounds.len() != cells + 1 {
            return Err(BadParts);
        }
        Ok(Sheet { headers, text: self.text, bounds: self.bounds, numbers: self.numbers, edits: CellEdits::default() })
    }
}

/// Writes one row's cells during [`Sheet::rebuild`].
struct RowWriter<'a> {
    sheet: &'a mut Sheet,
}

impl RowWriter<'_> {
    fn push_cell(&mut self, text: &str) {
        self.sheet.text.extend_from_slice(text.as_bytes());
        self.sheet.bounds.push(self.sheet.text.len() as u32);
    }
}

/// Rows as a reader meets them: any number of cells each, before the header is known.
/// Text goes straight into one buffer that later becomes the sheet's, and so do the cell
/// bounds (no copy of either when the sheet is made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRows {
    pub(crate) text: Vec<u8>,
    /// Where the first cell begins (0), then the end of every cell, row after row.
    pub(crate) ends: Vec<u32>,
    /// Number of cells up to and including each row.
    pub(crate) row_ends: Vec<u32>,
    pub(crate) numbers: Vec<u32>,
}

impl Default for RawRows {
    fn default() -> Self {
        RawRows { text: Vec::new(), ends: vec![0], row_ends: Vec::new(), numbers: Vec::new() }
    }
}

impl RawRows {
    pub(crate) fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Appends a cell to the row being built.
    pub(crate) fn push_cell(&mut self, text: &str) {
        self.text.extend_from_slice(text.as_bytes());
        self.ends.push(self.text.len() as u32);
    }

    /// Ends the row being built: kept as row `number` when `keep`, else taken back.
    pub(crate) fn end_row(&mut self, number: usize, keep: bool) {
        let kept_cells = self.row_ends.last().map_or(0, |&n| n as usize);
        if keep {
            self.row_ends.push(self.ends.len() as u32 - 1);
            self.numbers.push(number as u32);
        } else {
            self.ends.truncate(kept_cells + 1);
            self.text.truncate(self.ends[kept_cells] as usize);
        }
    }

    fn cell_range(&self, row: usize) -> std::ops::Range<usize> {
        let first = if row == 0 { 0 } else { self.row_ends[row - 1] as usize };
        first..self.row_ends[row] as usize
    }

    /// How many cells row `row` has.
    pub(crate) fn cells_in(&self, row: usize) -> usize {
        self.cell_range(row).len()
    }

    /// The text of cell `column` of row `row` ("" beyond its end).
    pub(crate) fn cell(&self, row: usize, column: usize) -> &str {
        let range = self.cell_range(row);
        if column >= range.len() {
            return "";
        }
        let i = range.start + column;
        let bytes = &self.text[self.ends[i] as usize..self.ends[i + 1] as usize];
        // SAFETY: readers push whole `&str` cells only (see `RawRows` users).
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Cells with text in row `row`.
    pub(crate) fn filled(&self, row: usize) -> usize {
        (0..self.cells_in(row)).filter(|&c| !self.cell(row, c).is_empty()).count()
    }

    /// Appends `other`'s rows after these.
    pub(crate) fn append(&mut self, other: &RawRows) {
        let text_at = self.text.len() as u32;
        let ends_at = self.ends.len() as u32 - 1;
        self.text.extend_from_slice(&other.text);
        self.ends.extend(other.ends[1..].iter().map(|&e| e + text_at));
        self.row_ends.extend(other.row_ends.iter().map(|&r| r + ends_at));
        self.numbers.extend_from_slice(&other.numbers);
    }

    /// The sheet of the rows after `header` (an index), `width` cells wide. Reuses the
    /// text buffer; rows of other widths are padded with empty cells.
    pub(crate) fn into_sheet(self, headers: Vec<String>, header: usize, uniform: bool) -> Sheet {
        let width = headers.len();
        let first = self.row_ends[header] as usize;
        let mut bounds;
        if uniform {
            // The bounds of the data rows are already in place: drop the ones above.
            bounds = self.ends;
            bounds.drain(..first);
        } else {
            bounds = Vec::with_capacity((self.len() - header - 1) * width + 1);
            bounds.push(self.ends[first]);
            for r in header + 1..self.len() {
                let range = self.cell_range(r);
                let n = range.len().min(width);
                bounds.extend_from_slice(&self.ends[range.start + 1..range.start + 1 + n]);
                let last = *bounds.last().expect("has the first bound");
                bounds.extend(std::iter::repeat_n(last, width - n));
                // Cells beyond the width would be lost; callers make `width` the widest row.
            }
        }
        let numbers = self.numbers[header + 1..].to_vec();
        Sheet { headers, text: self.text, bounds, numbers, edits: CellEdits::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet::from_rows(
            vec!["a".into(), "b".into()],
            vec![Row { number: 2, cells: vec!["1".into(), "Rīga".into()] }, Row { number: 4, cells: vec!["3".into()] }],
        )
    }

    #[test]
    fn cells_rows_and_numbers() {
        let s = sheet();
        assert_eq!((s.len(), s.width()), (2, 2));
        assert_eq!(s.row(0), ["1", "Rīga"]);
        assert_eq!(s.row(1), ["3", ""]);
        assert_eq!(s.number(1), 4);
        assert_eq!(s.index_of(4), Some(1));
        assert_eq!(s.cell(9, 9), "");
    }

    #[test]
    fn edits_shift_the_rest() {
        let mut s = sheet();
        s.set_cell(0, 0, "one hundred");
        s.set_cell(0, 1, "");
        assert_eq!(s.row(0), ["one hundred", ""]);
        assert_eq!(s.row(1), ["3", ""]);
        assert_eq!(s.update_column(0, |v| Some(v.to_uppercase())), 1);
        assert_eq!(s.row(0), ["ONE HUNDRED", ""]);
        s.retain_rows(|r| r == 1);
        assert_eq!((s.len(), s.row(0)), (1, vec!["3", ""]));
    }

    #[test]
    fn edits_are_read_back_and_written_into_the_buffers() {
        let mut s = sheet();
        let (text, bounds) = (s.text.as_ptr(), s.bounds.clone());
        s.set_cell(0, 1, "Rome"); // the same length as "Rīga" in bytes: written in place
        s.set_cell(1, 1, "a much longer text");
        assert_eq!((s.text.as_ptr(), &s.bounds), (text, &bounds), "nothing after the edited cells moved");
        s.set_cell(0, 0, "");
        assert_eq!((s.row(0), s.row(1)), (vec!["", "Rome"], vec!["3", "a much longer text"]));
        let mut expected = Sheet::new(s.headers.clone());
        expected.push_row(2, ["", "Rome"]);
        expected.push_row(4, ["3", "a much longer text"]);
        assert_eq!(s, expected, "equal by their cells");
        assert_eq!(s.head(1).row(0), ["", "Rome"]);
        let parts = s.clone().into_parts();
        assert_eq!(parts.text, b"Rome3a much longer text");
        assert_eq!(Sheet::from_parts(parts), Ok(expected.clone()));
        assert_eq!(s.parts_ref().1, [0, 0, 4, 5, 23]);
        assert_eq!(s, expected);
        // An edit back to the text in the buffers, and a row pushed after edits.
        s.set_cell(1, 0, "33");
        s.set_cell(1, 0, "3");
        s.push_row(6, ["x", "y"]);
        s.set_cell(2, 1, "yy");
        assert_eq!((s.row(1), s.row(2)), (vec!["3", "a much longer text"], vec!["x", "yy"]));
        s.keep_columns(&[false, true]);
        assert_eq!((s.row(0), s.row(2)), (vec!["Rome"], vec!["yy"]));
    }

    #[test]
    fn thousands_of_edits_are_written_into_the_buffers_as_they_come() {
        let rows = super::super::cell_edits::MOST_KEPT + 10;
        let mut s = Sheet::new(vec!["a".into()]);
        for r in 0..rows {
            s.push_row(r + 2, ["x"]);
        }
        for r in 0..rows {
            s.set_cell(r, 0, &format!("row {r}"));
        }
        assert!(s.edits.text_bytes() < 1_000, "written into the buffers on the way");
        assert!((0..rows).all(|r| s.cell(r, 0) == format!("row {r}")));
    }

    #[test]
    fn a_cut_head_keeps_short_cells_and_cuts_long_ones_between_characters() {
        let mut s = sheet();
        s.set_cell(1, 1, "ā".repeat(10).as_str());
        let head = s.head_cut(5, 5);
        assert_eq!(head.len(), 2);
        assert_eq!((head.row(0), head.row(1)), (vec!["1", "Rīga"], vec!["3", "āā"]));
        assert_eq!(s.head_cut(1, 100), s.head(1));
    }

    #[test]
    fn columns_are_added_and_dropped() {
        let mut s = sheet();
        s.add_columns(vec!["c".into()], |v, _| vec![format!("{v}!")], 1);
        assert_eq!(s.row(0), ["1", "Rīga", "Rīga!"]);
        s.keep_columns(&[false, true, true]);
        assert_eq!(s.headers, ["b", "c"]);
        assert_eq!(s.row(1), ["", "!"]);
    }

    #[test]
    fn parts_round_trip_and_are_checked() {
        let s = sheet();
        assert_eq!(Sheet::from_parts(s.clone().into_parts()), Ok(s.clone()));
        let mut broken = s.into_parts();
        broken.bounds[1] = 3; // inside "ī"
        broken.bounds[2] = 3;
        assert_eq!(Sheet::from_parts(broken.clone()), Err(BadParts));
        broken.bounds[2] = 99;
        assert_eq!(Sheet::from_parts(broken), Err(BadParts));
    }

    #[test]
    fn an_assembler_takes_pieces_cut_anywhere() {
        let s = sheet();
        let parts = s.clone().into_parts();
        for cut in 0..parts.text.len() {
            let mut a = SheetAssembler::default();
            a.push_text(cut, |t| t.copy_from_slice(&parts.text[..cut]));
            a.push_text(parts.text.len() - cut, |t| t.copy_from_slice(&parts.text[cut..]));
            a.push_bounds(2, |b| b.copy_from_slice(&parts.bounds[..2]));
            a.push_bounds(parts.bounds.len() - 2, |b| b.copy_from_slice(&parts.bounds[2..]));
            a.push_numbers(2, |n| n.copy_from_slice(&parts.numbers));
            assert_eq!(a.finish(s.headers.clone()), Ok(s.clone()), "cut at {cut}");
        }
        let mut bad = SheetAssembler::default();
        bad.push_text(3, |t| t.copy_from_slice(b"a\xffb"));
        assert_eq!(bad.finish(vec![]), Err(BadParts));
    }
}
