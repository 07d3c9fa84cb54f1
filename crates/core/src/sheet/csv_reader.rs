//! Reading CSV (and other delimited text) into a [`Sheet`].

use super::decode::{decode, detect, TextEncoding};
use super::table::RawRows;
use super::{build_sheet, ReadError, ReadOptions, RowsPiece, Sheet};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads delimited text into a sheet, in the encoding detected (see [`detect`]).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    read_csv_as(bytes, &ReadOptions::default()).map(|(sheet, _)| sheet)
}

/// How delimited text was read: its encoding and the delimiter between cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextRead {
    /// The text encoding.
    pub encoding: TextEncoding,
    /// The byte between cells (`,` `;` tab `|`).
    pub delimiter: u8,
}

/// The delimiters Ferry recognises, in the order offered.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A delimiter in words: `comma (,)`, `semicolon (;)`, `tab`, `vertical bar (|)`.
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b',' => "comma (,)".to_string(),
        b';' => "semicolon (;)".to_string(),
        b'\t' => "tab".to_string(),
        b'|' => "vertical bar (|)".to_string(),
        other => format!("\"{}\"", other as char),
    }
}

/// Reads delimited text into a sheet: decoded from `encoding` (or the detected one), the
/// BOM dropped, the delimiter (`,` `;` tab `|`) sniffed, the first non-blank row the
/// header; quoted fields may hold delimiters, quotes and line breaks; rows with no text
/// at all are left out. Row numbers are the ones a spreadsheet program shows.
/// Returns the encoding and delimiter used.
/// `options` may choose the encoding, the delimiter, the header row (a spreadsheet row
/// number) and quotes read as plain text.
pub fn read_csv_as(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, TextRead), ReadError> {
    let (encoding, header_row, quoting) = (options.encoding.unwrap_or_else(|| detect(bytes)), options.header_row, !options.quotes_as_text);
    check_text(bytes, encoding)?;
    if encoding == TextEncoding::Utf8 {
        // UTF-8 is read in place: each record is checked as it is read.
        let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
        let mut stream = CsvStream::with_quotes(delimiter, quoting);
        stream.feed(bytes)?;
        return Ok((stream.finish(header_row)?, TextRead { encoding, delimiter }));
    }
    let (text, had_errors) = decode(bytes, encoding);
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(text.as_bytes()));
    let mut stream = CsvStream::with_quotes(delimiter, quoting);
    stream.feed(text.as_bytes())?;
    drop(text);
    let sheet = stream.finish(header_row)?;
    if had_errors {
        if let Some((row, column)) = first_undecodable(&sheet) {
            return Err(ReadError::InvalidUtf8 { row, column });
        }
    }
    Ok((sheet, TextRead { encoding, delimiter }))
}

/// Refuses binary files (by their first bytes) before reading them as text.
pub fn check_text(head: &[u8], encoding: TextEncoding) -> Result<(), ReadError> {
    let utf16 = matches!(encoding, TextEncoding::Utf16Le | TextEncoding::Utf16Be);
    match binary_kind(head) {
        Some(what) if !utf16 => Err(ReadError::NotText { what }),
        _ => Ok(()),
    }
}

/// Where the first character that could not be decoded (U+FFFD) sits.
fn first_undecodable(sheet: &Sheet) -> Option<(usize, usize)> {
    if let Some(c) = sheet.headers.iter().position(|h| h.contains('\u{FFFD}')) {
        return Some((1, c));
    }
    (0..sheet.len()).find_map(|r| (0..sheet.width()).position(|c| sheet.cell(r, c).contains('\u{FFFD}')).map(|c| (sheet.number(r), c)))
}

/// A CSV reader fed in pieces (a file read chunk by chunk, with progress between them).
/// UTF-8 only: each record is checked as it is read; cells go straight into the sheet's
/// buffer, trimmed, with no allocation per cell.
pub struct CsvStream {
    core: csv_core::Reader,
    raw: RawRows,
    /// Bytes of `raw.text` in use; the rest is room for the reader to write into.
    used: usize,
    /// Where the record being read begins in `raw.text`.
    record_start: usize,
    /// Field ends of the record being read, relative to `record_start`.
    ends: Vec<usize>,
    fields: usize,
    /// Line breaks consumed while reading this record (blank lines before it included).
    newlines: usize,
    /// The last record ended on `\r`, so a `\n` right after belongs to it.
    after_cr: bool,
    last_byte: u8,
    row: usize,
    bytes: u64,
    at_end: bool,
    /// The first bytes, held back until it is known whether they are a BOM.
    head: Option<Vec<u8>>,
    /// The text began with a UTF-8 byte-order mark.
    bom: bool,
    /// `"` starts a quoted cell.
    quoting: bool,
    /// The byte between cells.
    delimiter: u8,
}

impl CsvStream {
    /// The byte it reads between cells.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// A reader for text separated by `delimiter`.
    pub fn new(delimiter: u8) -> CsvStream {
        CsvStream::with_quotes(delimiter, true)
    }

    /// A reader for text separated by `delimiter`, where `"` starts a quoted cell when
    /// `quoting` (as usual) or is a plain character when not.
    pub fn with_quotes(delimiter: u8, quoting: bool) -> CsvStream {
        let core = csv_core::ReaderBuilder::new().delimiter(delimiter).quoting(quoting).build();
        CsvStream {
            core,
            raw: RawRows::default(),
            used: 0,
            record_start: 0,
            ends: vec![0; 64],
            fields: 0,
            newlines: 0,
            after_cr: false,
            last_byte: 0,
            row: 0,
            delimiter,
            bytes: 0,
            at_end: false,
            head: Some(Vec::new()),
            bom: false,
            quoting,
        }
    }

    /// Sets aside room for about `bytes` of text (the file's size), so the buffer need not
    /// grow (and be copied) while reading.
    pub fn reserve(&mut self, bytes: usize) {
        self.raw.text.reserve(bytes.saturating_sub(self.raw.text.len()));
    }

    /// Once some of a file of `total` bytes has been read, sets aside room for the cell
    /// bounds of the whole file (estimated from the part read), so they need not grow.
    pub fn reserve_cells_for(&mut self, total: usize) {
        if self.bytes > 0 {
            let estimate = (self.raw.ends.len() as f64 / self.bytes as f64 * total as f64 * 1.05) as usize + 1024;
            self.raw.ends.reserve(estimate.saturating_sub(self.raw.ends.len()));
            self.raw.row_ends.reserve((self.raw.row_ends.len() as f64 / self.bytes as f64 * total as f64 * 1.05) as usize);
            self.raw.numbers.reserve((self.raw.numbers.len() as f64 / self.bytes as f64 * total as f64 * 1.05) as usize);
        }
    }

    /// Rows read so far (blank ones included).
    pub fn rows_read(&self) -> usize {
        self.row
    }

    /// Reads the next piece of the file.
    pub fn feed(&mut self, input: &[u8]) -> Result<(), ReadError> {
        self.bytes += input.len() as u64;
        if self.bytes > u32::MAX as u64 {
            return Err(ReadError::TooLarge { unpacked: self.bytes });
        }
        if let Some(mut head) = self.head.take() {
            let take = (3 - head.len()).min(input.len());
            head.extend_from_slice(&input[..take]);
            if head.len() < 3 {
                self.head = Some(head);
                return Ok(());
            }
            let rest = &input[take..];
            self.bom = head.starts_with(UTF8_BOM);
            self.read_all(head.strip_prefix(UTF8_BOM).unwrap_or(&head))?;
            return self.read_all(rest);
        }
        self.read_all(input)
    }

    /// Whether the text began with a UTF-8 byte-order mark: then it says the file is
    /// UTF-8, and bytes that are not are an error, never a reason to read the file in
    /// another encoding.
    pub fn began_with_bom(&self) -> bool {
        self.bom
    }

    fn read_all(&mut self, mut input: &[u8]) -> Result<(), ReadError> {
        while !input.is_empty() {
            input = &input[self.step(input)?..];
        }
        Ok(())
    }

    /// Reads the end of the file and builds the sheet; `header_row` (a spreadsheet row
    /// number) overrides the detected header.
    pub fn finish(mut self, header_row: Option<usize>) -> Result<Sheet, ReadError> {
        self.read_end()?;
        self.raw.text.truncate(self.used);
        build_sheet(self.raw, header_row)
    }

    /// Takes out the rows finished so far (the record being read stays), so a large file
    /// can go on its way piece by piece instead of being held whole.
    pub fn take_rows(&mut self) -> RowsPiece {
        let start = self.record_start;
        let raw = RawRows {
            text: self.raw.text[..start].to_vec(),
            ends: std::mem::replace(&mut self.raw.ends, vec![0]),
            row_ends: std::mem::take(&mut self.raw.row_ends),
            numbers: std::mem::take(&mut self.raw.numbers),
        };
        self.raw.text.copy_within(start..self.used, 0);
        self.used -= start;
        self.record_start = 0;
        RowsPiece::from_raw(raw)
    }

    /// Reads the end of the file and takes out the last rows (see [`CsvStream::take_rows`]).
    pub fn finish_rows(&mut self) -> Result<RowsPiece, ReadError> {
        self.read_end()?;
        Ok(self.take_rows())
    }

    /// Reads what is held back (a file shorter than a BOM) and the last record.
    fn read_end(&mut self) -> Result<(), ReadError> {
        if let Some(head) = self.head.take() {
            self.read_all(head.strip_prefix(UTF8_BOM).unwrap_or(&head))?;
        }
        if self.quoting && !self.at_end {
            // Is the file ending inside a quoted cell? The reader is given `x` and a line
            // break, which end any record unless a quote is open. (Asked of the reader
            // itself: csv-core's clones do not keep their tables.) Either way the reader
            // is spent after this, so the record in hand is ended here as the end of the
            // file would end it.
            let pending = self.used > self.record_start || self.fields > 0;
            let (mut out, mut ends) = ([0u8; 8], [0usize; 4]);
            let (result, ..) = self.core.read_record(b"x\n", &mut out, &mut ends);
            if matches!(result, csv_core::ReadRecordResult::InputEmpty) {
                // Rows ended so far, blank lines the reader passed over, then this record.
                let inner = self.raw.text[self.record_start..self.used].iter().filter(|&&b| b == b'\n').count();
                return Err(ReadError::UnclosedQuote { row: self.row + 1 + self.newlines.saturating_sub(inner) });
            }
            if pending {
                if self.ends.len() <= self.fields {
                    self.ends.resize(self.fields + 1, 0);
                }
                self.ends[self.fields] = self.used - self.record_start;
                self.fields += 1;
                self.end_record()?;
            }
            self.at_end = true;
        }
        while !self.at_end {
            self.step(&[])?;
        }
        Ok(())
    }

    /// One call of the reader: returns the input bytes consumed.
    fn step(&mut self, input: &[u8]) -> Result<usize, ReadError> {
        if self.raw.text.len() < self.used + 4096 {
            let grow = (self.raw.text.len() / 8).max(1 << 16);
            self.raw.text.resize(self.used + grow, 0);
        }
        let (result, nin, nout, nend) = self.core.read_record(input, &mut self.raw.text[self.used..], &mut self.ends[self.fields..]);
        let consumed = &input[..nin];
        let mut newlines = consumed.iter().filter(|&&b| b == b'\n').count();
        if self.after_cr && nin > 0 {
            if consumed[0] == b'\n' {
                newlines -= 1;
            }
            self.after_cr = false;
        }
        self.newlines += newlines;
        if let Some(&b) = consumed.last() {
            self.last_byte = b;
        }
        self.used += nout;
        self.fields += nend;
        match result {
            csv_core::ReadRecordResult::InputEmpty => {}
            csv_core::ReadRecordResult::OutputFull => {}
            csv_core::ReadRecordResult::OutputEndsFull => {
                let len = self.ends.len();
                self.ends.resize(len * 2, 0);
            }
            csv_core::ReadRecordResult::Record => self.end_record()?,
            csv_core::ReadRecordResult::End => self.at_end = true,
        }
        Ok(nin)
    }

    /// Checks, trims and keeps the record just read.
    fn end_record(&mut self) -> Result<(), ReadError> {
        let start = self.record_start;
        let record = &self.raw.text[start..self.used];
        let terminated = usize::from(self.last_byte == b'\n');
        self.after_cr = self.last_byte == b'\r';
        // Line breaks beyond the one that ends the record and those inside its cells are
        // blank lines; with no more than the one, there are none (the common case: the
        // cells need no look).
        let blank_lines = if self.newlines <= terminated {
            0
        } else {
            let inner = record.iter().filter(|&&b| b == b'\n').count();
            self.newlines.saturating_sub(inner + terminated)
        };
        self.row += 1 + blank_lines;
        self.newlines = 0;
        let fields = std::mem::replace(&mut self.fields, 0);
        if let Err(e) = std::str::from_utf8(record) {
            let column = self.ends[..fields].iter().position(|&end| end > e.valid_up_to()).unwrap_or(0);
            return Err(ReadError::InvalidUtf8 { row: self.row, column });
        }
        // Trim each field and move it down over the space the trimming freed.
        let mut write = start;
        let mut field_start = 0;
        let mut any_text = false;
        let first_end = self.raw.ends.len();
        for i in 0..fields {
            let end = self.ends[i];
            let text = &self.raw.text[start + field_start..start + end];
            // SAFETY: the whole record was checked as UTF-8 just above and fields end on
            // delimiter or quote bytes (ASCII), so each field is UTF-8 too.
            let field = unsafe { std::str::from_utf8_unchecked(text) };
            // Most cells start and end with a visible ASCII character: nothing to trim.
            let plain = |b: Option<&u8>| b.is_none_or(u8::is_ascii_graphic);
            let trimmed = if plain(text.first()) && plain(text.last()) { field } else { field.trim() };
            let from = start + field_start + (trimmed.as_ptr() as usize - field.as_ptr() as usize);
            let len = trimmed.len();
            if from != write {
                self.raw.text.copy_within(from..from + len, write);
            }
            write += len;
            any_text |= len > 0;
            self.raw.ends.push(write as u32);
            field_start = end;
        }
        if any_text {
            self.raw.row_ends.push(self.raw.ends.len() as u32 - 1);
            self.raw.numbers.push(self.row as u32);
            self.used = write;
        } else {
            self.raw.ends.truncate(first_end);
            self.used = start;
        }
        self.record_start = self.used;
        Ok(())
    }
}

/// Names what a non-text file looks like, from its first bytes.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "an Excel workbook or another ZIP archive (.xlsx, .ods, .zip)"),
        (b"\xD0\xCF\x11\xE0", "an old Excel workbook (.xls)"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive"),
    ];
    if let Some((_, what)) = KINDS.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(what);
    }
    let head = &bytes[..bytes.len().min(8192)];
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    if head.contains(&0) || control * 20 > head.len().max(1) {
        return Some("binary data");
    }
    None
}

/// Picks the delimiter of delimited text: of `,` `;` tab and `|`, the one that appears
/// (outside quotes) on a header line and the same number of times on most of the lines
/// after it. The header may sit under a few title lines, which may hold a delimiter of
/// their own (`Participants export, 2 September 2024` above a `;` table): each of the
/// first lines is tried as the header, for each delimiter, and the reading that the most
/// lines agree with wins. A file with none of them is one column, read with `,`.
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = DELIMITERS;
    /// Lines tried as the header (title lines above a table are few).
    const HEADER_TRIES: usize = 10;
    let lines = logical_lines(bytes, 30);
    // (consistent lines after the header, cells on the header, earlier header first, delimiter)
    let mut best: Option<(usize, usize, std::cmp::Reverse<usize>, u8)> = None;
    for (at, header) in lines.iter().enumerate().take(HEADER_TRIES) {
        for &d in &CANDIDATES {
            let header_count = header.iter().filter(|&&b| b == d).count();
            if header_count == 0 {
                continue;
            }
            let consistent = lines.iter().skip(at + 1).filter(|l| l.iter().filter(|&&b| b == d).count() == header_count).count();
            let reading = (consistent, header_count, std::cmp::Reverse(at), d);
            if best.is_none_or(|b| (reading.0, reading.1, reading.2) > (b.0, b.1, b.2)) {
                best = Some(reading);
            }
        }
    }
    best.map_or(b',', |b| b.3)
}

/// The first `max` non-blank lines with quoted parts removed (so delimiters and line
/// breaks inside quotes do not count).
fn logical_lines(bytes: &[u8], max: usize) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut current = Vec::new();
    let mut in_quotes = false;
    for &b in bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes) {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if current.iter().any(|c: &u8| !c.is_ascii_whitespace()) {
                    lines.push(std::mem::take(&mut current));
                    if lines.len() == max {
                        return lines;
                    }
                } else {
                    current.clear();
                }
            }
            _ if !in_quotes => current.push(b),
            _ => {}
        }
    }
    if current.iter().any(|c| !c.is_ascii_whitespace()) {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Sheet {
        read_csv(s.as_bytes()).expect("readable")
    }

    #[test]
    fn a_quote_never_closed_is_an_error_naming_its_row_and_can_be_read_as_text() {
        assert_eq!(read_csv(b"a,b\n\"x,y\n1,2\n"), Err(ReadError::UnclosedQuote { row: 2 }));
        assert_eq!(read_csv(b"a,b\n1,2\n\n\n\"x,y"), Err(ReadError::UnclosedQuote { row: 5 }), "blank lines counted, no line break after");
        let mut long = String::from("id,name\n");
        for i in 1..10_000 {
            long.push_str(&if i == 5 { format!("{i},\"Stray\n") } else { format!("{i},Person {i}\n") });
        }
        let err = read_csv(long.as_bytes()).unwrap_err();
        assert_eq!(err, ReadError::UnclosedQuote { row: 6 });
        assert!(err.to_string().starts_with("Row 6 opens a quote"), "{err}");
        // The same through the piece-by-piece reader.
        let bytes = long.as_bytes();
        let pieces = super::super::read_in_pieces("p.csv", bytes.len(), &ReadOptions::default(), |at, b| b.copy_from_slice(&bytes[at..at + b.len()]), |_| {});
        assert_eq!(pieces.unwrap_err(), ReadError::UnclosedQuote { row: 6 });
        // Read as plain text, every row is there and the quote is a character.
        let plain = ReadOptions { quotes_as_text: true, ..ReadOptions::default() };
        let (sheet, _) = read_csv_as(long.as_bytes(), &plain).unwrap();
        assert_eq!(sheet.len(), 9_999);
        assert_eq!(sheet.row(4), ["5", "\"Stray"]);
        // Closed quotes with line breaks at the very end are fine.
        assert_eq!(read_csv(b"a,b\n\"two\nlines\",c").unwrap().row(0), ["two\nlines", "c"]);
        assert_eq!(read_csv(b"a,b\n1,\"q\"").unwrap().row(0), ["1", "q"]);
        assert_eq!(read_csv(b"a,b\n1,\"say \"\"hi\"\"\"").unwrap().row(0), ["1", "say \"hi\""]);
    }

    #[test]
    fn quoted_fields_with_commas_quotes_and_newlines() {
        let sheet = read("name,note,email\n\"Bērziņa, Anna\",\"said \"\"hi\"\"\nthen left\",a@b.lv\nJo,x,j@b.lv\n");
        assert_eq!(sheet.headers, ["name", "note", "email"]);
        assert_eq!(sheet.row(0), ["Bērziņa, Anna", "said \"hi\"\nthen left", "a@b.lv"]);
        assert_eq!(sheet.number(0), 2);
        assert_eq!(sheet.number(1), 3, "a record spanning two lines is still one spreadsheet row");
    }

    /// Spaces around a cell go, whatever they are (ASCII, tab, no-break, ideographic);
    /// the rest of the cell stays as written, and cells after a trimmed one are not shifted.
    #[test]
    fn cells_are_trimmed_of_any_space_around_them() {
        let sheet = read("id,name,city,note\n P1 ,\u{a0}Anna\u{a0},\tRīga,ā\n\"  x  \",\u{3000}B,C ,\"a, b\"\n");
        assert_eq!(sheet.row(0), ["P1", "Anna", "Rīga", "ā"]);
        assert_eq!(sheet.row(1), ["x", "B", "C", "a, b"]);
    }

    #[test]
    fn bom_is_stripped_and_semicolons_sniffed() {
        let sheet = read("\u{FEFF}email;given_name\r\nanna@example.org;Anna\r\n");
        assert_eq!(sheet.headers, ["email", "given_name"]);
        assert_eq!(sheet.row(0), ["anna@example.org", "Anna"]);
    }

    #[test]
    fn the_delimiter_sniffed_is_reported_and_another_can_be_chosen() {
        let text = "name;city\nAnna;Riga\nJan;Cesis\n";
        let (sheet, read) = read_csv_as(text.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!((read.delimiter, sheet.headers.len()), (b';', 2));
        let chosen = ReadOptions { delimiter: Some(b','), ..ReadOptions::default() };
        let (sheet, read) = read_csv_as(text.as_bytes(), &chosen).unwrap();
        assert_eq!((read.delimiter, sheet.headers.clone()), (b',', vec!["name;city".to_string()]));
        assert_eq!(delimiter_name(b'\t'), "tab");
        assert_eq!(delimiter_name(b';'), "semicolon (;)");
    }

    #[test]
    fn a_title_line_with_a_comma_above_a_semicolon_table_is_passed_over() {
        let text =
            "Participants export, 2 September 2024\nParticipant ID;Email;Given name\nP-1;a@example.org;Anna\nP-2;b@example.org;Jānis\nP-3;c@example.org;Līga\n";
        assert_eq!(sniff_delimiter(text.as_bytes()), b';');
        let sheet = read_csv(text.as_bytes()).unwrap();
        assert_eq!(sheet.headers, ["Participant ID", "Email", "Given name"]);
        assert_eq!((sheet.len(), sheet.number(0)), (3, 3));
        // A plain comma file with a comma in a title is still read with commas.
        let commas = "Export, 2024\nid,email,name\n1,a@b.lv,A\n2,c@d.lv,B\n";
        assert_eq!(sniff_delimiter(commas.as_bytes()), b',');
    }

    #[test]
    fn a_title_line_above_the_header_does_not_hide_the_delimiter() {
        let text = "Participants export\r\n\r\nName;Email;Note\r\nAnna;anna@example.com;\"a, b\"\r\n";
        assert_eq!(sniff_delimiter(text.as_bytes()), b';');
        let sheet = read_csv(text.as_bytes()).unwrap();
        assert_eq!((sheet.headers.len(), sheet.cell(0, 2)), (3, "a, b"));
    }

    #[test]
    fn tab_and_pipe_are_sniffed() {
        assert_eq!(read("a\tb\n1\t2\n").headers, ["a", "b"]);
        assert_eq!(read("a|b\n1|2\n").headers, ["a", "b"]);
    }

    #[test]
    fn comma_inside_quotes_does_not_win_over_semicolon() {
        let sheet = read("name;city\n\"Doe, John\";Rīga\n\"Roe, Jane\";Cēsis\n");
        assert_eq!(sheet.headers, ["name", "city"]);
        assert_eq!(sheet.row(1), ["Roe, Jane", "Cēsis"]);
    }

    #[test]
    fn blank_and_empty_rows_are_skipped_but_counted() {
        let sheet = read("email\n\na@b.lv\n,\nc@d.lv\n\n\n");
        let numbers: Vec<usize> = sheet.numbers().collect();
        assert_eq!(numbers, [3, 5]);
    }

    /// Blank lines before and after a record whose cell spans lines, with either line
    /// ending: each blank line is a spreadsheet row, the record one row (as a spreadsheet
    /// program shows it).
    #[test]
    fn blank_lines_around_a_record_of_several_lines_are_counted() {
        for text in ["email,note\n\n\"a@b.lv\",\"two\nlines\"\n\nc@d.lv,x\n", "email,note\r\n\r\n\"a@b.lv\",\"two\r\nlines\"\r\n\r\nc@d.lv,x\r\n"] {
            let sheet = read(text);
            assert_eq!(sheet.numbers().collect::<Vec<_>>(), [3, 5], "{text:?}");
            assert_eq!(sheet.row(0)[1].lines().count(), 2);
        }
    }

    #[test]
    fn ragged_rows_are_padded_and_extra_text_kept() {
        let sheet = read("a,b\n1\n2,3,4\n");
        assert_eq!(sheet.headers, ["a", "b", "Column C"]);
        assert_eq!(sheet.row(0), ["1", "", ""]);
        assert_eq!(sheet.row(1), ["2", "3", "4"]);
    }

    #[test]
    fn a_title_above_the_header_is_skipped_and_the_header_row_can_be_chosen() {
        let text = "Participant export,,\nCreated 2024-09-01,,\n\nemail,name,city\na@b.lv,Anna,Riga\nc@d.lv,Jan,Cesis\n";
        let sheet = read(text);
        assert_eq!(sheet.headers, ["email", "name", "city"]);
        assert_eq!(sheet.number(0), 5);
        let (chosen, _) = read_csv_as(text.as_bytes(), &ReadOptions { header_row: Some(5), ..ReadOptions::default() }).unwrap();
        assert_eq!(chosen.headers, ["a@b.lv", "Anna", "Riga"]);
        assert_eq!(chosen.len(), 1);
    }

    #[test]
    fn empty_columns_are_dropped() {
        let sheet = read("a,,b,\n1,,2,\n3,,,\n");
        assert_eq!(sheet.headers, ["a", "b"]);
        assert_eq!(sheet.row(0), ["1", "2"]);
    }

    #[test]
    fn a_huge_cell_and_thousands_of_columns_are_read() {
        let big = "x".repeat(10 * 1024 * 1024);
        let sheet = read(&format!("note,email\n\"{big}\",a@b.lv\n"));
        assert_eq!(sheet.cell(0, 0).len(), big.len());
        let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
        let row: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        let wide = read(&format!("{}\n{}\n", header.join(","), row.join(",")));
        assert_eq!(wide.headers.len(), 5000);
        assert_eq!(wide.cell(0, 4999), "4999");
    }

    #[test]
    fn duplicate_and_blank_headers_become_unique() {
        let sheet = read("Email,,email\nx,y,z\n");
        assert_eq!(sheet.headers, ["Email", "Column B", "email (2)"]);
    }

    #[test]
    fn binary_files_are_named() {
        assert_eq!(read_csv(b"PK\x03\x04rest"), Err(ReadError::NotText { what: "an Excel workbook or another ZIP archive (.xlsx, .ods, .zip)" }));
        assert!(matches!(read_csv(b"abc\0def"), Err(ReadError::NotText { what: "binary data" })));
        assert!(read_csv(b"%PDF-1.7").unwrap_err().to_string().contains("PDF"));
    }

    #[test]
    fn windows_1252_is_detected_and_forced_utf8_names_row_and_column() {
        let bytes = b"name;city\nAnna;R\xEEga\nJos\xe9;M\xfcnchen\n";
        let (sheet, TextRead { encoding, .. }) = read_csv_as(bytes, &ReadOptions::default()).unwrap();
        assert_eq!(encoding, TextEncoding::Windows1252);
        assert_eq!(sheet.row(1), ["José", "München"]);
        let err = read_csv_as(bytes, &ReadOptions { encoding: Some(TextEncoding::Utf8), ..ReadOptions::default() }).unwrap_err();
        assert_eq!(err, ReadError::InvalidUtf8 { row: 2, column: 1 });
        assert!(err.to_string().starts_with("Row 2, column B"));
    }

    #[test]
    fn utf16_files_are_read() {
        let bytes: Vec<u8> = "\u{FEFF}email\tcity\r\nanna@example.org\tRīga\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (sheet, TextRead { encoding, .. }) = read_csv_as(&bytes, &ReadOptions::default()).unwrap();
        assert_eq!(encoding, TextEncoding::Utf16Le);
        assert_eq!(sheet.row(0), ["anna@example.org", "Rīga"]);
    }

    #[test]
    fn fed_in_pieces_it_reads_the_same_with_any_line_ends() {
        let text = "\u{FEFF}id;note\r\n\r\n1;\"a\r\nb\"\r\n2; x \r\n\r\n;\r\n3;\"q \"\"z\"\"\"";
        let whole = read(text);
        assert_eq!(whole.numbers().collect::<Vec<_>>(), [3, 4, 7]);
        assert_eq!(whole.row(0), ["1", "a\r\nb"]);
        assert_eq!(whole.row(2), ["3", "q \"z\""]);
        for size in [1, 2, 3, 7] {
            let mut stream = CsvStream::new(b';');
            for piece in text.as_bytes().chunks(size) {
                stream.feed(piece).unwrap();
            }
            assert_eq!(stream.finish(None).unwrap(), whole, "pieces of {size}");
        }
        let lf = read(&text.replace("\r\n", "\n"));
        assert_eq!(lf.numbers().collect::<Vec<_>>(), [3, 4, 7]);
    }

    #[test]
    fn files_read_in_pieces_match_files_read_whole() {
        use crate::sheet::{fingerprint_in_pieces, read_in_pieces, FileKind, ReadOptions};
        let text = format!("email;note\n{}", (0..3000).map(|i| format!("p{i}@example.org;\"x, {i}\"\n")).collect::<String>()).repeat(200);
        let bytes = text.as_bytes();
        let fill = |at: usize, buf: &mut [u8]| buf.copy_from_slice(&bytes[at..at + buf.len()]);
        let mut seen = Vec::new();
        let (sheet, kind) = read_in_pieces("a.csv", bytes.len(), &ReadOptions::default(), fill, |n| seen.push(n)).unwrap();
        let fingerprint = fingerprint_in_pieces(bytes.len(), fill);
        assert_eq!(sheet, read(&text));
        assert_eq!(kind, FileKind::Text(TextRead { encoding: TextEncoding::Utf8, delimiter: b';' }));
        assert_eq!(fingerprint, crate::fingerprint::file_fingerprint(bytes));
        assert!(seen.len() > 5 && seen.last() == Some(&bytes.len()), "progress after each piece");
        // Windows-1252 beyond the first piece: read again as such.
        let mut latin = text.clone().into_bytes();
        latin.extend_from_slice(b"jos\xe9@example.org;M\xfcnchen\n");
        let fill = |at: usize, buf: &mut [u8]| buf.copy_from_slice(&latin[at..at + buf.len()]);
        let (sheet, kind) = read_in_pieces("a.csv", latin.len(), &ReadOptions::default(), fill, |_| {}).unwrap();
        assert_eq!(kind, FileKind::Text(TextRead { encoding: TextEncoding::Windows1252, delimiter: b';' }));
        assert_eq!(sheet.row(sheet.len() - 1), ["josé@example.org", "München"]);
    }

    #[test]
    fn empty_files() {
        assert_eq!(read_csv(b""), Err(ReadError::Empty));
        assert_eq!(read_csv(b"\n\n ,\n"), Err(ReadError::Empty));
        let header_only = read("email\n");
        assert!(header_only.is_empty());
    }
}
