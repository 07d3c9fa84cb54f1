//! Rows that arrive in pieces: a reader hands out the rows it has finished
//! ([`RowsPiece`], from [`super::CsvStream::take_rows`]), a check can look at each piece as
//! it passes ([`Cells`]), and [`RowsAssembler`] puts the pieces together into the sheet
//! on the other side, so a large file is never held whole twice.

use super::table::{is_boundary, RawRows};
use super::{build_sheet_knowing, header_index, tidy_headers, BadParts, CsvStream, ReadError, RowsBelow, Sheet};

/// Rows of cells a check can read: a whole sheet, or a piece of one on its way.
pub trait Cells {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Whether there are no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The spreadsheet row number of row `row`.
    fn number(&self, row: usize) -> usize;
    /// The text of cell `column` of row `row` ("" beyond the row's end).
    fn cell(&self, row: usize, column: usize) -> &str;
}

impl Cells for Sheet {
    fn len(&self) -> usize {
        Sheet::len(self)
    }
    fn number(&self, row: usize) -> usize {
        Sheet::number(self, row)
    }
    fn cell(&self, row: usize, column: usize) -> &str {
        Sheet::cell(self, row, column)
    }
}

/// The rows after the first `skip` of some other rows (the data below a header row).
pub struct Below<'a, C: ?Sized> {
    /// The rows.
    pub rows: &'a C,
    /// How many rows at the top are left out.
    pub skip: usize,
}

impl<C: Cells + ?Sized> Cells for Below<'_, C> {
    fn len(&self) -> usize {
        self.rows.len().saturating_sub(self.skip)
    }
    fn number(&self, row: usize) -> usize {
        self.rows.number(row + self.skip)
    }
    fn cell(&self, row: usize, column: usize) -> &str {
        self.rows.cell(row + self.skip, column)
    }
}

/// Some rows of other rows, picked by index, in the order given (a send's batch).
pub struct Picked<'a, C: ?Sized> {
    /// The rows picked from.
    pub rows: &'a C,
    /// The indices picked.
    pub indices: &'a [usize],
}

impl<C: Cells + ?Sized> Cells for Picked<'_, C> {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn number(&self, row: usize) -> usize {
        self.rows.number(self.indices[row])
    }
    fn cell(&self, row: usize, column: usize) -> &str {
        self.rows.cell(self.indices[row], column)
    }
}

/// Consecutive rows of a file as the reader met them (any number of cells each; the
/// header row, when in this piece, among them).
///
/// Invariants (checked by [`RowsPiece::from_parts`]): `text` is UTF-8; `ends` starts at 0,
/// never decreases, and every end is a char boundary of `text`; `row_ends` (the index in
/// `ends` of each row's last end) never decreases and its last is the last of `ends`;
/// there is one row number per row, and they increase.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowsPiece {
    raw: RawRows,
}

impl RowsPiece {
    pub(crate) fn from_raw(raw: RawRows) -> RowsPiece {
        RowsPiece { raw }
    }

    /// A piece from plain buffers (as they crossed from another thread), when they fit
    /// together: `ends` here leaves out the leading 0 (see [`RowsPiece::parts`]).
    pub fn from_parts(text: Vec<u8>, ends: &[u32], row_ends: Vec<u32>, numbers: Vec<u32>) -> Result<RowsPiece, BadParts> {
        let text_ok = std::str::from_utf8(&text).is_ok();
        let ends_ok = ends.first().is_none_or(|&e| is_boundary(&text, e))
            && ends.windows(2).all(|w| w[0] <= w[1] && is_boundary(&text, w[1]))
            && ends.last().is_none_or(|&e| e as usize <= text.len());
        let rows_ok = row_ends.windows(2).all(|w| w[0] <= w[1])
            && row_ends.last().map_or(ends.is_empty(), |&r| r as usize == ends.len())
            && numbers.len() == row_ends.len()
            && numbers.windows(2).all(|w| w[0] < w[1]);
        if !(text_ok && ends_ok && rows_ok) {
            return Err(BadParts);
        }
        let mut all_ends = Vec::with_capacity(ends.len() + 1);
        all_ends.push(0);
        all_ends.extend_from_slice(ends);
        Ok(RowsPiece { raw: RawRows { text, ends: all_ends, row_ends, numbers } })
    }

    /// The buffers: text, cell ends (without the leading 0), each row's last end (an
    /// index into the cell ends, counting the leading 0), row numbers.
    pub fn parts(&self) -> (&[u8], &[u32], &[u32], &[u32]) {
        (&self.raw.text, &self.raw.ends[1..], &self.raw.row_ends, &self.raw.numbers)
    }
}

impl Cells for RowsPiece {
    fn len(&self) -> usize {
        self.raw.len()
    }
    fn number(&self, row: usize) -> usize {
        self.raw.numbers[row] as usize
    }
    fn cell(&self, row: usize, column: usize) -> &str {
        self.raw.cell(row, column)
    }
}

/// Room for the rows of a whole file: bytes of text, cells and rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Room {
    /// Bytes of cell text.
    pub text: usize,
    /// Cells.
    pub cells: usize,
    /// Rows.
    pub rows: usize,
}

impl Room {
    /// The room the rows of a file of `total` bytes will take, projected (with a tenth
    /// more) from the rows of its first bytes, `head`, read with `stream` (a fresh reader
    /// for the file). Never more text, cells or rows than the file has bytes, and never
    /// more than [`Room::BUDGET`] times the file in all: a head unlike the rest (a block
    /// of empty cells) must not set aside a wasm page's whole address space; room that
    /// turns out short is grown early, as pieces arrive.
    pub fn projected(mut stream: CsvStream, head: &[u8], total: usize) -> Room {
        if head.is_empty() || stream.feed(head).is_err() {
            return Room::default();
        }
        let piece = stream.take_rows();
        let (text, cells, _, rows) = piece.parts();
        let scale = total as f64 / head.len() as f64 * 1.1;
        let project = |n: usize| ((n as f64 * scale) as usize + 64).min(total + 64);
        let room = Room { text: project(text.len()), cells: project(cells.len()), rows: project(rows.len()) };
        let bytes = room.bytes();
        let budget = total as f64 * Room::BUDGET;
        if bytes as f64 <= budget {
            return room;
        }
        let shrink = |n: usize| (n as f64 * budget / bytes as f64) as usize;
        Room { text: shrink(room.text), cells: shrink(room.cells), rows: shrink(room.rows) }
    }

    /// At most this many bytes per byte of the file are set aside up front.
    pub const BUDGET: f64 = 1.5;

    /// Bytes the room takes: the text, 4 per cell end, 8 per row (its end and number).
    pub fn bytes(&self) -> usize {
        self.text + 4 * self.cells + 8 * self.rows
    }
}

/// Makes room in `values` for `capacity` values in all, as `Vec::reserve_exact` does,
/// but when the values must move, only those written are copied: the allocator's
/// `realloc` copies the whole old allocation, and room set aside early is mostly
/// unwritten (moving 20 MB of it took the page 18 ms on a wide file, and wrote pages
/// that were never used).
fn grow_to<T: Copy>(values: &mut Vec<T>, capacity: usize) {
    if values.capacity() >= capacity {
        return;
    }
    let mut grown = Vec::with_capacity(capacity);
    grown.extend_from_slice(values);
    *values = grown;
}

/// Puts [`RowsPiece`]s together, in order, and makes the sheet of them. What making the
/// sheet needs to know of every row (how wide the rows are, where their last text is) is
/// worked out as the pieces arrive, so the last step is short.
#[derive(Debug, Default)]
pub struct RowsAssembler {
    raw: RawRows,
    below: RowsBelow,
}

impl RowsAssembler {
    /// Sets aside `room` (from [`Room::projected`]) before the first piece comes, so the
    /// memory is set aside once, at the start, instead of while pieces arrive. Room
    /// never written costs address space but no resident memory.
    pub fn reserve(&mut self, room: Room) {
        grow_to(&mut self.raw.text, room.text);
        grow_to(&mut self.raw.ends, room.cells);
        grow_to(&mut self.raw.row_ends, room.rows);
        grow_to(&mut self.raw.numbers, room.rows);
    }

    /// The rows so far came from `done` of the file's `total` bytes: sets aside room for
    /// the rest of the file, projected from them, when what is set aside looks short.
    /// Called after each piece, room is grown early (while the rows are few and moving
    /// them is quick) and rarely late, so no one piece costs the page a long pause.
    /// Untouched room costs no memory until it is written.
    pub fn expect_share(&mut self, done: usize, total: usize) {
        if done == 0 || total <= done {
            return;
        }
        let scale = total as f64 / done as f64;
        // Each byte still to come adds one byte of text, one cell or one row at most.
        let left = total - done;
        fn ensure<T: Copy>(values: &mut Vec<T>, scale: f64, left: usize) {
            let projected = values.len() as f64 * scale;
            if projected * 1.02 > values.capacity() as f64 {
                let room = ((projected * 1.1) as usize + 1024).min(values.len() + left + 64);
                grow_to(values, room);
            }
        }
        ensure(&mut self.raw.text, scale, left);
        ensure(&mut self.raw.ends, scale, left);
        ensure(&mut self.raw.row_ends, scale, left);
        ensure(&mut self.raw.numbers, scale, left);
    }

    /// Adds the next piece; refuses one whose rows do not come after the ones before.
    pub fn push(&mut self, piece: &RowsPiece) -> Result<(), BadParts> {
        if let (Some(&last), Some(&first)) = (self.raw.numbers.last(), piece.raw.numbers.first()) {
            if first <= last {
                return Err(BadParts);
            }
        }
        let too_big = self.raw.text.len() + piece.raw.text.len() > u32::MAX as usize || self.raw.ends.len() + piece.raw.ends.len() > u32::MAX as usize;
        if too_big {
            return Err(BadParts);
        }
        // Past the room set aside, grow by an eighth rather than doubling: a sheet's worth
        // of unused room would stay in the page's memory for good.
        let grow = |len: usize, more: usize| if more > 0 { more.max(len / 8) } else { 0 };
        let (text, ends, rows) = (&mut self.raw.text, &mut self.raw.ends, &mut self.raw.row_ends);
        let more_text = grow(text.len(), (text.len() + piece.raw.text.len()).saturating_sub(text.capacity()));
        grow_to(text, text.capacity() + more_text);
        let more_ends = grow(ends.len(), (ends.len() + piece.raw.ends.len()).saturating_sub(ends.capacity()));
        grow_to(ends, ends.capacity() + more_ends);
        let more_rows = grow(rows.len(), (rows.len() + piece.raw.row_ends.len()).saturating_sub(rows.capacity()));
        grow_to(rows, rows.capacity() + more_rows);
        let numbers = &mut self.raw.numbers;
        grow_to(numbers, numbers.capacity() + more_rows);
        let first = self.raw.len();
        self.raw.append(&piece.raw);
        self.below.note(&self.raw, first);
        Ok(())
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether no rows came yet.
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// Where the header is among the rows so far (an index) and its names, tidied as
    /// the sheet's will be: row `header_row` (a spreadsheet row number) or the detected
    /// one. Detection looks at the first 30 rows. `None` when there are no rows.
    pub fn header(&self, header_row: Option<usize>) -> Option<(usize, Vec<String>)> {
        if self.raw.len() == 0 {
            return None;
        }
        let index = header_index(&self.raw, header_row);
        let names = (0..self.raw.cells_in(index)).map(|c| self.raw.cell(index, c).to_string()).collect();
        Some((index, tidy_headers(names)))
    }

    /// The sheet: header row `header_row` (a spreadsheet row number) or the detected one,
    /// as [`super::read_csv`] makes it.
    pub fn finish(self, header_row: Option<usize>) -> Result<Sheet, ReadError> {
        build_sheet_knowing(self.raw, header_row, Some(self.below))
    }

    /// Takes the rows out, as one piece.
    pub fn into_piece(self) -> RowsPiece {
        RowsPiece { raw: self.raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::{read_csv, sniff_delimiter, CsvStream};

    #[test]
    fn growing_keeps_the_values_and_moves_them_only_when_short() {
        let mut values: Vec<u32> = Vec::with_capacity(1_000);
        values.extend([7, 8, 9]);
        let at = values.as_ptr();
        grow_to(&mut values, 1_000);
        assert_eq!(values.as_ptr(), at, "room enough: nothing moves");
        grow_to(&mut values, 50_000);
        assert!(values.capacity() >= 50_000);
        assert_eq!(values, [7, 8, 9]);
    }

    const MESSY: &str = "\u{FEFF}Participants export\r\nName;Email;Note\r\n\r\nAnna Bērziņa; anna@example.com ;\"two\r\nlines\"\r\nJānis;janis@example.com;\"a;b\";extra\r\n;;\r\nLīga;liga@example.com\r\n";

    /// Reads `text` in pieces of `size` bytes, taking the rows out after each, and puts
    /// them together again.
    fn streamed(text: &str, size: usize) -> (Vec<RowsPiece>, Sheet) {
        let bytes = text.as_bytes();
        let mut stream = CsvStream::new(sniff_delimiter(bytes));
        let mut pieces = Vec::new();
        for chunk in bytes.chunks(size) {
            stream.feed(chunk).unwrap();
            pieces.push(stream.take_rows());
        }
        pieces.push(stream.finish_rows().unwrap());
        let mut assembler = RowsAssembler::default();
        for piece in &pieces {
            assembler.push(piece).unwrap();
        }
        (pieces, assembler.finish(None).unwrap())
    }

    #[test]
    fn rows_taken_out_piece_by_piece_make_the_same_sheet() {
        let whole = read_csv(MESSY.as_bytes()).unwrap();
        for size in [1, 2, 3, 7, 16, 1000] {
            let (pieces, sheet) = streamed(MESSY, size);
            assert_eq!(sheet, whole, "pieces of {size} bytes");
            assert_eq!(pieces.iter().map(|p| p.len()).sum::<usize>(), 5, "title, header and three data rows");
        }
        assert_eq!(whole.headers, ["Name", "Email", "Note", "Column D"]);
        assert_eq!(whole.cell(0, 2), "two\r\nlines");
        assert_eq!(whole.number(2), 7, "a quoted line break does not start a new spreadsheet row");
    }

    #[test]
    fn rows_far_below_the_header_still_shape_the_sheet() {
        // Past the rows header detection looks at, the assembler notes widths as pieces
        // arrive: a longer row far down widens the sheet, short rows are padded, a row
        // with only empty extra cells does not widen it; the same sheet as read whole.
        let mut text = String::from("Title\nid;name;email\n");
        for n in 0..200 {
            match n {
                57 => text.push_str("57;Anna;a@example.org;extra note\n"),
                90 => text.push_str("90;Short\n"),
                120 => text.push_str("120;Trailing;t@example.org;;;\n"),
                _ => text.push_str(&format!("{n};Name {n};p{n}@example.org\n")),
            }
        }
        let whole = read_csv(text.as_bytes()).unwrap();
        assert_eq!(whole.headers.len(), 4);
        for size in [5, 64, 1000, 100_000] {
            let (_, sheet) = streamed(&text, size);
            assert_eq!(sheet, whole, "pieces of {size} bytes");
        }
        // All rows even: the sheet's bounds are taken over as they are.
        let even: String = (0..100).map(|n| format!("{n},x{n}\n")).collect();
        assert_eq!(streamed(&even, 7).1, read_csv(even.as_bytes()).unwrap());
        // A header row chosen below the look-ahead: everything is looked at again.
        let bytes = text.as_bytes();
        let mut stream = CsvStream::new(b';');
        stream.feed(bytes).unwrap();
        let mut assembler = RowsAssembler::default();
        assembler.push(&stream.finish_rows().unwrap()).unwrap();
        let chosen = assembler.finish(Some(60)).unwrap();
        let mut stream = CsvStream::new(b';');
        stream.feed(bytes).unwrap();
        assert_eq!(chosen, stream.finish(Some(60)).unwrap());
        assert_eq!(chosen.headers[1], "Anna", "spreadsheet row 60 is the row of 57");
    }

    /// `rows` people (id, name, e-mail) separated by `delimiter`, numbers five digits
    /// wide so every row is as long.
    fn people(delimiter: char, rows: usize) -> String {
        let mut text = format!("id{delimiter}name{delimiter}email\n");
        for n in 0..rows {
            text.push_str(&format!("{n:05}{delimiter}\"Name, {n:05}\"{delimiter}person{n:05}@example.org\n"));
        }
        text
    }

    #[test]
    fn room_is_projected_from_the_first_bytes() {
        let text = people(';', 20_000);
        let bytes = text.as_bytes();
        let room = Room::projected(CsvStream::new(b';'), &bytes[..4096], bytes.len());
        let mut whole = read_csv(bytes).unwrap();
        let (text_len, cells, rows) = (whole.parts_ref().0.len(), whole.len() * 3, whole.len() + 1);
        for (projected, actual) in [(room.text, text_len), (room.cells, cells), (room.rows, rows)] {
            assert!(projected >= actual && projected < actual * 13 / 10, "{projected} for {actual}");
        }
        assert!(room.text <= bytes.len());
        assert_eq!(Room::projected(CsvStream::new(b';'), b"", 10), Room::default());

        // A head of empty cells in a large file: the room stays within the budget.
        let dense = "1,,,,,,,,,\n".repeat(6000);
        let room = Room::projected(CsvStream::new(b','), dense.as_bytes(), 400 << 20);
        assert!(room.bytes() as f64 <= (400u64 << 20) as f64 * Room::BUDGET, "{room:?}");
        assert!(room.cells > 1_000_000 && room.rows > 100_000, "{room:?}");
    }

    #[test]
    fn room_is_set_aside_early_from_the_share_read() {
        // A file of even rows: after its first tenth, the text's room never has to grow
        // again (growing late would move the whole sheet at once), and it ends not far
        // above what the sheet needs.
        let text = people(',', 40_000);
        let bytes = text.as_bytes();
        let mut stream = CsvStream::new(b',');
        let mut assembler = RowsAssembler::default();
        let (mut done, mut late_growths, mut capacity) = (0, 0, 0);
        for chunk in bytes.chunks(16 << 10) {
            stream.feed(chunk).unwrap();
            assembler.push(&stream.take_rows()).unwrap();
            done += chunk.len();
            assembler.expect_share(done, bytes.len());
            let now = assembler.raw.text.capacity();
            if now != capacity && done > bytes.len() / 10 {
                late_growths += 1;
            }
            capacity = now;
        }
        assembler.push(&stream.finish_rows().unwrap()).unwrap();
        let used = assembler.raw.text.len();
        assert_eq!(late_growths, 0);
        assert!(used <= assembler.raw.text.capacity() && assembler.raw.text.capacity() < used * 5 / 4, "{used} of {}", assembler.raw.text.capacity());
        assert_eq!(assembler.finish(None).unwrap(), read_csv(bytes).unwrap());
    }

    #[test]
    fn pieces_cross_over_as_plain_buffers_and_are_checked() {
        let (pieces, _) = streamed(MESSY, 16);
        let mut assembler = RowsAssembler::default();
        for piece in &pieces {
            let (text, ends, row_ends, numbers) = piece.parts();
            let again = RowsPiece::from_parts(text.to_vec(), ends, row_ends.to_vec(), numbers.to_vec()).unwrap();
            assert_eq!(&again, piece);
            assembler.push(&again).unwrap();
        }
        assert_eq!(assembler.header(None).unwrap(), (1, vec!["Name".to_string(), "Email".into(), "Note".into()]));
        assert_eq!(assembler.finish(None).unwrap(), read_csv(MESSY.as_bytes()).unwrap());

        let piece = pieces.iter().find(|p| p.len() > 0 && !p.parts().0.is_empty()).unwrap();
        let (text, ends, row_ends, numbers) = piece.parts();
        // A cut inside a character, an end beyond the text, a row beyond the cells.
        let mut bad_text = text.to_vec();
        bad_text.push(0xC4);
        assert!(RowsPiece::from_parts(bad_text, ends, row_ends.to_vec(), numbers.to_vec()).is_err());
        let mut far = ends.to_vec();
        *far.last_mut().unwrap() += 100;
        assert!(RowsPiece::from_parts(text.to_vec(), &far, row_ends.to_vec(), numbers.to_vec()).is_err());
        let mut rows = row_ends.to_vec();
        *rows.last_mut().unwrap() += 1;
        assert!(RowsPiece::from_parts(text.to_vec(), ends, rows, numbers.to_vec()).is_err());
        // Rows that do not come after the ones already there.
        let mut assembler = RowsAssembler::default();
        assembler.push(piece).unwrap();
        assert!(assembler.push(piece).is_err());
    }

    #[test]
    fn below_skips_the_rows_above() {
        let (pieces, _) = streamed(MESSY, 1000);
        let rows = &pieces[0];
        let data = Below { rows, skip: 2 };
        assert_eq!((data.len(), data.number(0), data.cell(0, 0)), (3, 4, "Anna Bērziņa"));
        assert_eq!(data.cell(1, 3), "extra");
        assert_eq!(data.cell(2, 2), "");
    }
}
