//! Tabular data read from a file: a header and rows of text, with source positions.

mod cell_edits;
mod csv_reader;
pub mod decode;
mod error;
mod json_reader;
mod rows;
mod table;
mod workbook;
mod xls_guard;

pub use csv_reader::{check_text, delimiter_name, read_csv, read_csv_as, sniff_delimiter, CsvStream, TextRead, DELIMITERS};
#[doc(hidden)]
pub use decode::detect;
pub use decode::TextEncoding;
pub use error::{ReadError, ReadRemedy};
pub use json_reader::read_json;
pub use rows::{Below, Cells, Picked, Room, RowsAssembler, RowsPiece};
pub(crate) use table::RawRows;
pub use table::{BadParts, Row, Sheet, SheetAssembler, SheetParts};
pub use workbook::{read_workbook, Workbook};

/// How a file was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    /// Delimited text: its encoding and delimiter.
    Text(TextRead),
    /// A workbook: its sheets and the one read.
    Workbook(Workbook),
    /// A JSON array of objects.
    Json,
}

/// Choices the user can make about a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read text in this encoding instead of the detected one.
    pub encoding: Option<TextEncoding>,
    /// In delimited text, this byte between cells instead of the one sniffed.
    pub delimiter: Option<u8>,
    /// Read this sheet of a workbook instead of the first with data.
    pub sheet: Option<String>,
    /// Take this spreadsheet row as the header instead of the detected one.
    pub header_row: Option<usize>,
    /// In delimited text, read `"` as a plain character, not as the start of a quoted
    /// cell (for a file with a stray quote that is never closed).
    pub quotes_as_text: bool,
}

/// Whether `read_file` would read these first bytes as delimited text (not a workbook,
/// not JSON).
pub fn is_delimited_text(name: &str, head: &[u8]) -> bool {
    let start = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head).iter().find(|b| !b.is_ascii_whitespace());
    !(head.starts_with(b"PK\x03\x04") || head.starts_with(b"\xD0\xCF\x11\xE0") || name.to_ascii_lowercase().ends_with(".json") || start == Some(&b'['))
}

/// Reads any supported file: Excel / OpenDocument workbooks (by their signature), JSON
/// arrays of objects (`.json`, or text starting with `[`), else delimited text.
pub fn read_file(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, FileKind), ReadError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        let (sheet, book) = read_workbook(bytes, options.sheet.as_deref(), options.header_row)?;
        return Ok((sheet, FileKind::Workbook(book)));
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).iter().find(|b| !b.is_ascii_whitespace());
    if name.to_ascii_lowercase().ends_with(".json") || start == Some(&b'[') {
        return read_json(bytes).map(|s| (s, FileKind::Json));
    }
    let (sheet, read) = read_csv_as(bytes, options)?;
    Ok((sheet, FileKind::Text(read)))
}

/// Size of the pieces [`read_in_pieces`] reads.
pub const PIECE: usize = 1 << 20;

/// How much of a file's start [`utf8_stream_for`] wants to see.
pub const HEAD: usize = 64 * 1024;

/// A reader for the rest of the file when a file starting with `head` (its first [`HEAD`]
/// bytes) is delimited text in UTF-8 (detected, or chosen in `options`), so it can be
/// read piece by piece; `None` for a workbook, JSON or text in another encoding, which are
/// read whole. Refuses binary files.
pub fn utf8_stream_for(name: &str, head: &[u8], options: &ReadOptions) -> Result<Option<CsvStream>, ReadError> {
    let encoding = options.encoding.unwrap_or_else(|| decode::detect(head));
    if !is_delimited_text(name, head) || encoding != TextEncoding::Utf8 {
        return Ok(None);
    }
    check_text(head, encoding)?;
    Ok(Some(CsvStream::with_quotes(options.delimiter.unwrap_or_else(|| sniff_delimiter(head)), !options.quotes_as_text)))
}

/// Reads a file of `size` bytes handed over in pieces (`fill(offset, buffer)` copies the
/// bytes at `offset` into `buffer`), so a large file is never held twice: UTF-8 delimited
/// text is read piece by piece with `progress(bytes read)` after each; other files are
/// read whole. Returns the sheet and how it was read. A file that looked like UTF-8 but
/// is not is read again as Windows-1252, unless it begins with a UTF-8 BOM: then the
/// first bytes that are not UTF-8 are an error naming their row and column.
pub fn read_in_pieces(
    name: &str,
    size: usize,
    options: &ReadOptions,
    mut fill: impl FnMut(usize, &mut [u8]),
    mut progress: impl FnMut(usize),
) -> Result<(Sheet, FileKind), ReadError> {
    let mut head = vec![0; size.min(HEAD)];
    fill(0, &mut head);
    if let Some(mut stream) = utf8_stream_for(name, &head, options)? {
        stream.reserve(size);
        let mut buffer = vec![0; PIECE.min(size)];
        let mut done = 0;
        while done < size {
            let n = PIECE.min(size - done);
            fill(done, &mut buffer[..n]);
            match stream.feed(&buffer[..n]) {
                Err(ReadError::InvalidUtf8 { .. }) if options.encoding.is_none() && !stream.began_with_bom() => {
                    drop(stream);
                    let retry = ReadOptions { encoding: Some(TextEncoding::Windows1252), ..options.clone() };
                    return read_whole(name, size, &retry, fill);
                }
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            if done == 0 {
                stream.reserve_cells_for(size);
            }
            done += n;
            progress(done);
        }
        let delimiter = stream.delimiter();
        let sheet = stream.finish(options.header_row)?;
        return Ok((sheet, FileKind::Text(TextRead { encoding: TextEncoding::Utf8, delimiter })));
    }
    let read = read_whole(name, size, options, fill);
    progress(size);
    read
}

fn read_whole(name: &str, size: usize, options: &ReadOptions, mut fill: impl FnMut(usize, &mut [u8])) -> Result<(Sheet, FileKind), ReadError> {
    let mut bytes = vec![0; size];
    fill(0, &mut bytes);
    read_file(name, &bytes, options)
}

/// The fingerprint (SHA-256, as [`crate::fingerprint::file_fingerprint`]) of a file of `size`
/// bytes handed over in pieces, as in [`read_in_pieces`].
pub fn fingerprint_in_pieces(size: usize, mut fill: impl FnMut(usize, &mut [u8])) -> String {
    let mut fingerprint = crate::fingerprint::Fingerprinter::default();
    let mut buffer = vec![0; PIECE.min(size)];
    let mut done = 0;
    while done < size {
        let n = PIECE.min(size - done);
        fill(done, &mut buffer[..n]);
        fingerprint.update(&buffer[..n]);
        done += n;
    }
    fingerprint.finish()
}

/// Builds a sheet from the non-blank rows of a file: the header is row `header_row` (a
/// spreadsheet row number) or, when not given, the first of the first ten rows that is not
/// a title line (one or two cells, less than half as wide as the rows below it).
/// Rows above the header are left out; text beyond the header's width gets new columns.
pub(crate) fn build_sheet(raw: RawRows, header_row: Option<usize>) -> Result<Sheet, ReadError> {
    build_sheet_knowing(raw, header_row, None)
}

/// Rows from the first that header detection never looks at ([`HEADER_LOOKAHEAD`]) on:
/// how many cells they have and how far their text reaches, noted as rows arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowsBelow {
    /// Rows noted (from row [`HEADER_LOOKAHEAD`] on).
    pub(crate) rows: usize,
    /// The most cells up to a cell with text, in any of them.
    pub(crate) span: usize,
    /// The fewest and the most cells in one of them.
    pub(crate) fewest: usize,
    pub(crate) most: usize,
}

impl Default for RowsBelow {
    fn default() -> Self {
        RowsBelow { rows: 0, span: 0, fewest: usize::MAX, most: 0 }
    }
}

impl RowsBelow {
    /// Notes `raw`'s rows from `first` on (those below the look-ahead).
    pub(crate) fn note(&mut self, raw: &RawRows, first: usize) {
        for r in first.max(HEADER_LOOKAHEAD)..raw.len() {
            let cells = raw.cells_in(r);
            self.rows += 1;
            self.fewest = self.fewest.min(cells);
            self.most = self.most.max(cells);
            if let Some(last) = (0..cells).rposition(|c| !raw.cell(r, c).is_empty()) {
                self.span = self.span.max(last + 1);
            }
        }
    }
}

/// Rows header detection looks at; rows below them cannot change which row is the header.
pub(crate) const HEADER_LOOKAHEAD: usize = 30;

/// [`build_sheet`], with what is already known of the rows below the look-ahead (when
/// the header is above them, they need not be looked at again).
pub(crate) fn build_sheet_knowing(raw: RawRows, header_row: Option<usize>, below: Option<RowsBelow>) -> Result<Sheet, ReadError> {
    if raw.len() == 0 {
        return Err(ReadError::Empty);
    }
    let index = header_index(&raw, header_row);
    let below = below.filter(|b| index < HEADER_LOOKAHEAD && b.rows > 0 && HEADER_LOOKAHEAD + b.rows == raw.len());
    let scan_end = if below.is_some() { HEADER_LOOKAHEAD } else { raw.len() };
    let scanned = (index + 1..scan_end).filter_map(|r| (0..raw.cells_in(r)).rposition(|c| !raw.cell(r, c).is_empty()).map(|p| p + 1)).max().unwrap_or(0);
    let span = scanned.max(below.map_or(0, |b| b.span)).max(raw.cells_in(index));
    let raw_headers: Vec<String> = (0..span).map(|c| raw.cell(index, c).to_string()).collect();
    let uniform = (index + 1..scan_end).all(|r| raw.cells_in(r) == span) && below.is_none_or(|b| b.fewest == span && b.most == span);
    let mut sheet = raw.into_sheet(tidy_headers(raw_headers.clone()), index, uniform);
    // Columns with no header and no value in any row (trailing separators, spreadsheet
    // columns that were only formatted) are dropped.
    let keep: Vec<bool> = (0..span).map(|c| !raw_headers[c].trim().is_empty() || (0..sheet.len()).any(|r| !sheet.cell(r, c).is_empty())).collect();
    if keep.contains(&false) {
        sheet.keep_columns(&keep);
    }
    Ok(sheet)
}

/// The index of the header among `raw`'s rows: row `header_row` (a spreadsheet row
/// number), or the first of the first ten rows that is not a title line. Looks at no more
/// than the first 30 rows.
pub(crate) fn header_index(raw: &RawRows, header_row: Option<usize>) -> usize {
    match header_row {
        Some(n) => raw.numbers.iter().position(|&r| r as usize == n).unwrap_or(0),
        None => {
            let widest_below = |i: usize| (i + 1..raw.len()).take(20).map(|r| raw.filled(r)).max().unwrap_or(0);
            // A title line (one or two cells above a wider table) is not the header.
            let is_title = |i: usize| raw.filled(i) <= 2 && raw.filled(i) * 2 < widest_below(i);
            (0..raw.len().min(10)).find(|&i| !is_title(i)).unwrap_or(0)
        }
    }
}

/// Makes header names unique and non-empty: a blank header becomes `Column C`, a second
/// `Email` becomes `Email (2)`.
pub(crate) fn tidy_headers(raw: Vec<String>) -> Vec<String> {
    // Linear in the header count, however many names repeat: the names taken so far
    // (compared case-insensitively) and, per repeated name, the next number to try
    // (every smaller number was taken when it was tried, and stays taken).
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::with_capacity(raw.len());
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.trim().is_empty() { format!("Column {}", crate::text::column_letter(i)) } else { name.trim().to_string() };
        let mut candidate = base.clone();
        if taken.contains(&candidate.to_ascii_lowercase()) {
            let n = next.entry(base.to_ascii_lowercase()).or_insert(2);
            loop {
                candidate = format!("{base} ({n})");
                *n += 1;
                if !taken.contains(&candidate.to_ascii_lowercase()) {
                    break;
                }
            }
        }
        taken.insert(candidate.to_ascii_lowercase());
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tidy_headers_tests {
    use super::tidy_headers;

    /// The plain way (quadratic, cubic for repeats), as the reference on small inputs.
    fn reference(raw: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, name) in raw.into_iter().enumerate() {
            let base = if name.trim().is_empty() { format!("Column {}", crate::text::column_letter(i)) } else { name.trim().to_string() };
            let mut candidate = base.clone();
            let mut n = 2;
            while out.iter().any(|h| h.eq_ignore_ascii_case(&candidate)) {
                candidate = format!("{base} ({n})");
                n += 1;
            }
            out.push(candidate);
        }
        out
    }

    #[test]
    fn names_come_out_as_the_plain_way_gives_them() {
        let cases: [&[&str]; 4] = [
            &["a", "a", "a (2)", "A", "", "a (3)", "a", " b ", "B"],
            &["x (2)", "x", "x", "x", "X (3)"],
            &["", "", "Column A", "Column B", "column a"],
            &["id", "ID", "Id", "iD", "id (2)", "id (2)"],
        ];
        for case in cases {
            let raw: Vec<String> = case.iter().map(|s| s.to_string()).collect();
            assert_eq!(tidy_headers(raw.clone()), reference(raw));
        }
    }

    #[test]
    fn thousands_of_repeated_names_are_numbered_in_one_pass() {
        // The plain way needs ~10^12 comparisons for these 20,000 names.
        let same = vec!["name".to_string(); 20_000];
        let tidy = tidy_headers(same);
        assert_eq!(tidy[0], "name");
        assert_eq!(tidy[19_999], "name (20000)");
        let distinct: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        assert_eq!(tidy_headers(distinct.clone()), distinct);
    }
}

#[cfg(test)]
mod bom_tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<(Sheet, FileKind), ReadError> {
        read_in_pieces("people.csv", bytes.len(), &ReadOptions::default(), |at, buffer| buffer.copy_from_slice(&bytes[at..at + buffer.len()]), |_| {})
    }

    #[test]
    fn a_utf8_bom_is_believed_and_bytes_that_are_not_utf8_after_it_are_an_error() {
        let mut marked = b"\xEF\xBB\xBFname,city\nAnna,Riga\n".to_vec();
        marked.extend_from_slice(b"Juris,B\xE9rzi\xF2i\n");
        assert_eq!(read(&marked).unwrap_err(), ReadError::InvalidUtf8 { row: 3, column: 1 });
        // Without the mark, the same bytes are Windows-1252, as before.
        let (sheet, kind) = read(&marked[3..]).unwrap();
        assert!(matches!(kind, FileKind::Text(TextRead { encoding: TextEncoding::Windows1252, .. })));
        assert_eq!(sheet.row(1), ["Juris", "Bérziòi"]);
    }
}
