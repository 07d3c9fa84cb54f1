//! Reading CSV (and other delimited text) into a [`Sheet`].

use super::decode::{decode, detect, TextEncoding};
use super::{build_sheet, ReadError, Row, Sheet};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads delimited text into a sheet, in the encoding detected (see [`detect`]).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    read_csv_as(bytes, None, None).map(|(sheet, _)| sheet)
}

/// Reads delimited text into a sheet: decoded from `encoding` (or the detected one), the
/// BOM dropped, the delimiter (`,` `;` tab `|`) sniffed, the first non-blank row the
/// header; quoted fields may hold delimiters, quotes and line breaks; rows with no text
/// at all are left out. Row numbers are the ones a spreadsheet program shows.
/// Returns the encoding used.
/// `header_row` (a spreadsheet row number) overrides the detected header row.
pub fn read_csv_as(bytes: &[u8], encoding: Option<TextEncoding>, header_row: Option<usize>) -> Result<(Sheet, TextEncoding), ReadError> {
    let encoding = encoding.unwrap_or_else(|| detect(bytes));
    let utf16 = matches!(encoding, TextEncoding::Utf16Le | TextEncoding::Utf16Be);
    if !utf16 {
        if let Some(what) = binary_kind(bytes) {
            return Err(ReadError::NotText { what });
        }
    }
    let (text, had_errors) = decode(bytes, encoding);
    let sheet = read_text(text.as_bytes(), header_row)?;
    if had_errors {
        if let Some((row, column)) = first_undecodable(&sheet) {
            return Err(ReadError::InvalidUtf8 { row, column });
        }
    }
    Ok((sheet, encoding))
}

/// Where the first character that could not be decoded (U+FFFD) sits.
fn first_undecodable(sheet: &Sheet) -> Option<(usize, usize)> {
    if let Some(c) = sheet.headers.iter().position(|h| h.contains('\u{FFFD}')) {
        return Some((1, c));
    }
    sheet.rows.iter().find_map(|r| r.cells.iter().position(|c| c.contains('\u{FFFD}')).map(|c| (r.number, c)))
}

fn read_text(bytes: &[u8], header_row: Option<usize>) -> Result<Sheet, ReadError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let delimiter = sniff_delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);

    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    // Spreadsheet row bookkeeping: csv skips blank lines, a spreadsheet counts them.
    let mut previous: Option<(u64, usize, usize)> = None; // (start byte, row number, newlines inside fields)
    loop {
        let row_number_hint = previous.map_or(1, |(_, n, _)| n + 1);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(ReadError::Malformed { row: row_number_hint, detail: e.to_string() });
            }
        }
        // The reader reports where it began reading, before the blank lines it skipped.
        let mut start = record.position().map_or(0, |p| p.byte());
        while matches!(bytes.get(start as usize), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let row_number = match previous {
            None => 1 + count_newlines(&bytes[..start as usize]),
            Some((prev_start, prev_number, inner)) => {
                let span = count_newlines(&bytes[prev_start as usize..start as usize]);
                prev_number + span.saturating_sub(inner).max(1)
            }
        };
        let inner_newlines = record.iter().map(count_newlines).sum();
        previous = Some((start, row_number, inner_newlines));

        let mut cells: Vec<String> = Vec::with_capacity(record.len());
        for (column, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => cells.push(text.trim().to_string()),
                Err(_) => return Err(ReadError::InvalidUtf8 { row: row_number, column }),
            }
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push(Row { number: row_number, cells });
    }
    build_sheet(rows, header_row)
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
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
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    if head.contains(&0) || control * 20 > head.len().max(1) {
        return Some("binary data");
    }
    None
}

/// Picks the delimiter of delimited text: of `,` `;` tab and `|`, the one that appears
/// (outside quotes) on the header line and the same number of times on most of the
/// following lines. A file with none of them is one column, read with `,`.
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let lines = logical_lines(bytes, 30);
    let Some(first) = lines.first() else { return b',' };
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent lines, header count)
    for &d in &CANDIDATES {
        let header_count = first.iter().filter(|&&b| b == d).count();
        if header_count == 0 {
            continue;
        }
        let consistent = lines
            .iter()
            .skip(1)
            .filter(|l| l.iter().filter(|&&b| b == d).count() == header_count)
            .count();
        if (consistent, header_count) > (best.1, best.2) {
            best = (d, consistent, header_count);
        }
    }
    best.0
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
    fn quoted_fields_with_commas_quotes_and_newlines() {
        let sheet = read("name,note,email\n\"Bērziņa, Anna\",\"said \"\"hi\"\"\nthen left\",a@b.lv\nJo,x,j@b.lv\n");
        assert_eq!(sheet.headers, ["name", "note", "email"]);
        assert_eq!(sheet.rows[0].cells, ["Bērziņa, Anna", "said \"hi\"\nthen left", "a@b.lv"]);
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(sheet.rows[1].number, 3, "a record spanning two lines is still one spreadsheet row");
    }

    #[test]
    fn bom_is_stripped_and_semicolons_sniffed() {
        let sheet = read("\u{FEFF}email;given_name\r\nanna@example.org;Anna\r\n");
        assert_eq!(sheet.headers, ["email", "given_name"]);
        assert_eq!(sheet.rows[0].cells, ["anna@example.org", "Anna"]);
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
        assert_eq!(sheet.rows[1].cells, ["Roe, Jane", "Cēsis"]);
    }

    #[test]
    fn blank_and_empty_rows_are_skipped_but_counted() {
        let sheet = read("email\n\na@b.lv\n,\nc@d.lv\n\n\n");
        let numbers: Vec<usize> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [3, 5]);
    }

    #[test]
    fn ragged_rows_are_padded_and_extra_text_kept() {
        let sheet = read("a,b\n1\n2,3,4\n");
        assert_eq!(sheet.headers, ["a", "b", "Column C"]);
        assert_eq!(sheet.rows[0].cells, ["1", "", ""]);
        assert_eq!(sheet.rows[1].cells, ["2", "3", "4"]);
    }

    #[test]
    fn a_title_above_the_header_is_skipped_and_the_header_row_can_be_chosen() {
        let text = "Participant export,,\nCreated 2024-09-01,,\n\nemail,name,city\na@b.lv,Anna,Riga\nc@d.lv,Jan,Cesis\n";
        let sheet = read(text);
        assert_eq!(sheet.headers, ["email", "name", "city"]);
        assert_eq!(sheet.rows[0].number, 5);
        let (chosen, _) = read_csv_as(text.as_bytes(), None, Some(5)).unwrap();
        assert_eq!(chosen.headers, ["a@b.lv", "Anna", "Riga"]);
        assert_eq!(chosen.rows.len(), 1);
    }

    #[test]
    fn empty_columns_are_dropped() {
        let sheet = read("a,,b,\n1,,2,\n3,,,\n");
        assert_eq!(sheet.headers, ["a", "b"]);
        assert_eq!(sheet.rows[0].cells, ["1", "2"]);
    }

    #[test]
    fn a_huge_cell_and_thousands_of_columns_are_read() {
        let big = "x".repeat(10 * 1024 * 1024);
        let sheet = read(&format!("note,email\n\"{big}\",a@b.lv\n"));
        assert_eq!(sheet.rows[0].cells[0].len(), big.len());
        let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
        let row: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        let wide = read(&format!("{}\n{}\n", header.join(","), row.join(",")));
        assert_eq!(wide.headers.len(), 5000);
        assert_eq!(wide.rows[0].cells[4999], "4999");
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
        let (sheet, encoding) = read_csv_as(bytes, None, None).unwrap();
        assert_eq!(encoding, TextEncoding::Windows1252);
        assert_eq!(sheet.rows[1].cells, ["José", "München"]);
        let err = read_csv_as(bytes, Some(TextEncoding::Utf8), None).unwrap_err();
        assert_eq!(err, ReadError::InvalidUtf8 { row: 2, column: 1 });
        assert!(err.to_string().starts_with("Row 2, column B"));
    }

    #[test]
    fn utf16_files_are_read() {
        let bytes: Vec<u8> = "\u{FEFF}email\tcity\r\nanna@example.org\tRīga\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (sheet, encoding) = read_csv_as(&bytes, None, None).unwrap();
        assert_eq!(encoding, TextEncoding::Utf16Le);
        assert_eq!(sheet.rows[0].cells, ["anna@example.org", "Rīga"]);
    }

    #[test]
    fn empty_files() {
        assert_eq!(read_csv(b""), Err(ReadError::Empty));
        assert_eq!(read_csv(b"\n\n ,\n"), Err(ReadError::Empty));
        let header_only = read("email\n");
        assert!(header_only.rows.is_empty());
    }
}
