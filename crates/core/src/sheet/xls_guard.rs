//! A legacy `.xls` workbook checked before calamine reads it.
//!
//! calamine reads an `.xls` whole when it opens it: its own compound-file reader follows
//! the sector chains the file declares (a chain that loops never ends; damaged sector
//! tables panic), and each sheet becomes one dense grid from its first to its last cell,
//! pre-sized from the sheet's declared dimensions. So, before calamine sees the bytes:
//!
//! 1. the compound file is opened with the `cfb` crate, which validates the sector tables
//!    (a loop, a sector used twice, a chain out of the file: refused as damaged), and the
//!    workbook stream is taken out of it;
//! 2. the stream's records are walked the way calamine walks them (the globals, then each
//!    sheet from the position its BoundSheet record gives), refusing what calamine would
//!    index out of range on, and measuring each sheet's grid from its cell records and its
//!    declared dimensions: a grid larger than the file's bytes can describe is refused
//!    with the sheet and cell that make it so;
//! 3. calamine is handed a fresh compound file holding only that stream, written by
//!    `cfb`, so it never follows the original's sector tables.

use std::borrow::Cow;
use std::io::{Cursor, Read, Write};

use super::error::ReadError;

/// Cells a sheet's grid may span whatever the file's size.
const MIN_CELLS: usize = 1_000_000;
/// ...or this many per byte of the file. Every cell an `.xls` holds takes at least six
/// bytes (a MulRk entry), so a real sheet's grid is far below this; only a sheet that is
/// mostly gap reaches it.
const CELLS_PER_BYTE: usize = 4;

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;
/// Records holding one cell at (row u16, column u16): Number, Label, RString, BoolErr,
/// Rk, LabelSst.
const ONE_CELL: [u16; 6] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD];
/// Global records whose first two bytes calamine reads without checking their length:
/// FilePass, CodePage, DateMode, BOF, ExternSheet.
const TWO_BYTES_READ: [u16; 5] = [0x002F, 0x0042, 0x0022, BOF, 0x0017];
/// A defined name (Lbl): calamine reads 14 bytes of it, then its formula from the end.
const LBL: u16 = 0x0018;
/// Merged cells: a count, then eight bytes each.
const MERGE_CELLS: u16 = 0x00E5;
/// The shared strings.
const SST: u16 = 0x00FC;

fn damaged(detail: impl Into<String>) -> ReadError {
    ReadError::Damaged { format: ".xls", place: None, detail: detail.into() }
}

fn u16_at(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([data[at], data[at + 1]])
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// One record, with the Continue records after it appended (as calamine joins them).
struct Record<'a> {
    typ: u16,
    data: Cow<'a, [u8]>,
    /// The data of each Continue record after it (readers that cross them need the bounds).
    continued: Vec<&'a [u8]>,
}

/// A record's own data, before the Continue records appended to it.
fn first_part<'a>(record: &'a Record<'_>) -> &'a [u8] {
    let continued: usize = record.continued.iter().map(|c| c.len()).sum();
    &record.data[..record.data.len() - continued]
}

/// The records of `stream` from its start, as calamine's record reader yields them.
fn records(mut stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, ReadError>> {
    std::iter::from_fn(move || {
        if stream.is_empty() {
            return None;
        }
        if stream.len() < 4 {
            stream = &[];
            return Some(Err(damaged("a record is cut short")));
        }
        let typ = u16_at(stream, 0);
        let len = u16_at(stream, 2) as usize;
        if stream.len() < len + 4 {
            stream = &[];
            return Some(Err(damaged("a record is longer than the workbook stream")));
        }
        let (record, mut next) = stream.split_at(len + 4);
        let mut data = Cow::Borrowed(&record[4..]);
        let mut continued = Vec::new();
        while next.len() > 4 && u16_at(next, 0) == CONTINUE {
            let len = u16_at(next, 2) as usize;
            if next.len() < len + 4 {
                stream = &[];
                return Some(Err(damaged("a continued record is longer than the workbook stream")));
            }
            data.to_mut().extend_from_slice(&next[4..len + 4]);
            continued.push(&next[4..len + 4]);
            next = &next[len + 4..];
        }
        stream = next;
        Some(Ok(Record { typ, data, continued }))
    })
}

/// The span of a sheet's cells, as calamine's dense grid will be laid out.
#[derive(Default)]
struct Span {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
    /// The cell furthest out, for the message.
    far: (u32, u32),
}

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        let widen = |range: Option<(u32, u32)>, v: u32| Some(range.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        self.rows = widen(self.rows, row);
        self.cols = widen(self.cols, col);
        if (row, col) > self.far {
            self.far = (row, col);
        }
    }

    fn cells(&self) -> usize {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => ((r1 - r0) as usize + 1).saturating_mul((c1 - c0) as usize + 1),
            _ => 0,
        }
    }
}

/// Checks one sheet's records from `stream[start..]` as calamine reads them.
fn check_sheet(stream: &[u8], start: usize, name: &str, budget: usize) -> Result<(), ReadError> {
    let too_big = |what: &str, (row, col): (u32, u32)| ReadError::Damaged {
        format: ".xls",
        place: Some((name.to_string(), super::workbook::cell_name(row, col))),
        detail: format!("{what} more cells than a file of its size can hold"),
    };
    let mut cells = Span::default();
    let mut formulas = Span::default();
    let mut formula_at = (0, 0);
    let mut seen_bof = false;
    let mut depth = 0usize;
    for record in records(&stream[start..]) {
        let record = record?;
        let data = &record.data[..];
        if depth > 0 {
            match record.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match record.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => {
                let (first_row, last_row, last_col) = match data.len() {
                    10 => (u16_at(data, 0) as u32, u16_at(data, 2) as u32, u16_at(data, 6) as u32),
                    14 | 16 => (u32_at(data, 0), u32_at(data, 4), u16_at(data, 10) as u32),
                    _ => continue,
                };
                // calamine reserves room for every declared cell, counting the rows as
                // last - first (a last row at or before the first overflows).
                if last_row >= 1 && last_col >= 1 && last_row <= first_row {
                    return Err(damaged(format!("sheet \"{name}\" declares its last row before its first")));
                }
                let declared = (last_row.saturating_sub(first_row) as usize + 1).saturating_mul(last_col as usize + 1);
                if declared > budget {
                    return Err(too_big("its declared size spans", (last_row.saturating_sub(1), last_col.saturating_sub(1))));
                }
            }
            MUL_RK => {
                if data.len() < 6 {
                    continue;
                }
                let (row, first, last) = (u16_at(data, 0) as u32, u16_at(data, 2) as u32, u16_at(data, data.len() - 2) as u32);
                if last < first {
                    return Err(damaged(format!("sheet \"{name}\" has a run of numbers that ends before it starts")));
                }
                cells.add(row, first);
                cells.add(row, last);
            }
            FORMULA if data.len() >= 4 => {
                formula_at = (u16_at(data, 0) as u32, u16_at(data, 2) as u32);
                cells.add(formula_at.0, formula_at.1);
                formulas.add(formula_at.0, formula_at.1);
            }
            STRING => cells.add(formula_at.0, formula_at.1),
            MERGE_CELLS if data.len() < 2 || 2 + 8 * u16_at(data, 0) as usize > data.len() => {
                return Err(damaged(format!("sheet \"{name}\" lists more merged cells than it holds")));
            }
            typ if ONE_CELL.contains(&typ) && data.len() >= 4 => cells.add(u16_at(data, 0) as u32, u16_at(data, 2) as u32),
            _ => {}
        }
        for span in [&cells, &formulas] {
            if span.cells() > budget {
                return Err(too_big("its cells span", span.far));
            }
        }
    }
    Ok(())
}

/// Walks the shared strings (SST) as calamine reads them, string after string across the
/// Continue records, refusing where calamine would read past a piece's end: a string's
/// option fields cut off, or a string going on into a Continue record that is empty.
fn check_shared_strings(first: &[u8], continued: &[&[u8]]) -> Result<(), ReadError> {
    let cut = || damaged("its shared strings are cut short");
    if first.len() < 8 {
        return Ok(()); // calamine refuses it itself
    }
    let mut pieces = continued.iter().copied();
    let mut data = &first[8..];
    loop {
        if data.is_empty() {
            match pieces.next() {
                Some(next) => data = next,
                None => return Ok(()),
            }
            if data.is_empty() {
                continue; // calamine reads an empty string and goes on
            }
        }
        if data.len() < 3 {
            return Ok(()); // calamine refuses it itself
        }
        let mut chars = u16_at(data, 0) as usize;
        let flags = data[2];
        data = &data[3..];
        let mut runs = 0usize;
        let mut extra = 0usize;
        if flags & 0x8 != 0 {
            if data.len() < 2 {
                return Err(cut());
            }
            runs = u16_at(data, 0) as usize;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            if data.len() < 4 {
                return Err(cut());
            }
            extra = u32_at(data, 0) as i32 as usize;
            data = &data[4..];
        }
        let mut wide = flags & 0x1 != 0;
        while chars > 0 {
            let per = if wide { 2 } else { 1 };
            let taken = chars.min(data.len() / per);
            data = &data[taken * per..];
            chars -= taken;
            if chars > 0 {
                data = pieces.next().ok_or_else(cut)?;
                if data.is_empty() {
                    return Err(cut());
                }
                wide = data[0] & 0x1 != 0;
                data = &data[1..];
            }
        }
        for mut skip in [runs.saturating_mul(4), extra] {
            while skip > 0 {
                if data.is_empty() {
                    data = pieces.next().ok_or_else(cut)?;
                    continue;
                }
                let step = skip.min(data.len());
                data = &data[step..];
                skip -= step;
            }
        }
    }
}

/// Checks the workbook stream of an `.xls`: the globals, then every sheet.
fn check_stream(stream: &[u8], budget: usize) -> Result<(), ReadError> {
    let mut sheets = Vec::new();
    for record in records(stream) {
        let record = record?;
        let data = &record.data[..];
        match record.typ {
            typ if TWO_BYTES_READ.contains(&typ) && data.len() < 2 => return Err(damaged("a workbook setting is cut short")),
            LBL if data.len() < 14 || u16_at(data, 4) as usize > data.len() - 14 => return Err(damaged("a defined name is cut short")),
            BOUND_SHEET => {
                if data.len() < 6 {
                    return Err(damaged("a sheet's entry is cut short"));
                }
                let start = u32_at(data, 0) as usize;
                if start >= stream.len() {
                    return Err(damaged("a sheet starts beyond the end of the workbook"));
                }
                let name = String::from_utf8_lossy(data.get(8..).unwrap_or_default()).into_owned();
                sheets.push((start, name));
            }
            SST => check_shared_strings(first_part(&record), &record.continued)?,
            EOF => break,
            _ => {}
        }
    }
    for (start, name) in sheets {
        check_sheet(stream, start, &name, budget)?;
    }
    Ok(())
}

/// The `.xls` in `bytes` checked and rewritten as a fresh compound file holding only its
/// workbook stream, for calamine to read; or why it is damaged.
pub fn checked_xls(bytes: &[u8]) -> Result<Vec<u8>, ReadError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| damaged(e.to_string()))?;
    let name = ["/Workbook", "/Book"].into_iter().find(|n| file.is_stream(n)).ok_or_else(|| damaged("it holds no workbook stream"))?;
    let mut stream = Vec::new();
    file.open_stream(name).and_then(|s| s.take(bytes.len() as u64).read_to_end(&mut stream)).map_err(|e| damaged(e.to_string()))?;
    check_stream(&stream, MIN_CELLS.max(bytes.len().saturating_mul(CELLS_PER_BYTE)))?;
    let mut fresh =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::with_capacity(stream.len() + 4096))).map_err(|e| damaged(e.to_string()))?;
    fresh.create_stream(name).and_then(|mut s| s.write_all(&stream)).and_then(|_| fresh.flush()).map_err(|e| damaged(e.to_string()))?;
    Ok(fresh.into_inner().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BIFF8 record.
    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    /// A workbook stream of one sheet named "S" holding `cells` (records), behind a
    /// globals substream that points at it.
    fn stream(cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = record(BOF, &[0, 6, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let bound_len = 4 + 8 + 1;
        let globals_len = bof.len() + bound_len + 4;
        let mut bound = (globals_len as u32).to_le_bytes().to_vec();
        bound.extend_from_slice(&[0, 0, 1, 0, b'S']);
        let mut out = bof.clone();
        out.extend(record(BOUND_SHEET, &bound));
        out.extend(record(EOF, &[]));
        assert_eq!(out.len(), globals_len);
        out.extend(record(BOF, &[0, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        for c in cells {
            out.extend_from_slice(c);
        }
        out.extend(record(EOF, &[]));
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&[0; 10]);
        record(0x0203, &data)
    }

    #[test]
    fn cells_far_apart_in_a_small_file_are_refused_with_their_place() {
        let ok = stream(&[number(0, 0), number(500, 200)]);
        assert!(check_stream(&ok, MIN_CELLS).is_ok());
        let far = stream(&[number(0, 0), number(65_000, 250)]);
        match check_stream(&far, MIN_CELLS) {
            Err(ReadError::Damaged { format: ".xls", place: Some((sheet, cell)), .. }) => assert_eq!((sheet.as_str(), cell.as_str()), ("S", "IQ65001")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declared_dimensions_and_backward_runs_are_refused() {
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend_from_slice(&65_536u32.to_le_bytes());
        dims.extend_from_slice(&[0, 0, 0, 1, 0, 0]);
        assert!(matches!(check_stream(&stream(&[record(DIMENSIONS, &dims)]), MIN_CELLS), Err(ReadError::Damaged { place: Some(_), .. })));
        let mut run = 3u16.to_le_bytes().to_vec();
        run.extend_from_slice(&9u16.to_le_bytes());
        run.extend_from_slice(&[0; 6]);
        run.extend_from_slice(&2u16.to_le_bytes());
        assert!(check_stream(&stream(&[record(MUL_RK, &run)]), MIN_CELLS).unwrap_err().to_string().contains("ends before it starts"));
    }

    #[test]
    fn entries_calamine_would_index_past_are_refused() {
        let mut s = stream(&[]);
        // The sheet's position pointed past the stream's end.
        let at = 20 + 4;
        s[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(check_stream(&s, MIN_CELLS).unwrap_err().to_string().contains("beyond the end"));
        let short = [record(BOF, &[0; 16]), record(0x0042, &[1]), record(EOF, &[])].concat();
        assert!(check_stream(&short, MIN_CELLS).unwrap_err().to_string().contains("cut short"));
        assert!(check_stream(&[9, 0, 200, 0, 1], MIN_CELLS).unwrap_err().to_string().contains("longer than"));
        let name = [record(BOF, &[0; 16]), record(LBL, &[0; 13]), record(EOF, &[])].concat();
        assert!(check_stream(&name, MIN_CELLS).unwrap_err().to_string().contains("defined name"));
        let merged = stream(&[record(MERGE_CELLS, &[3, 0, 1, 2, 3, 4, 5, 6, 7, 8])]);
        assert!(check_stream(&merged, MIN_CELLS).unwrap_err().to_string().contains("merged cells"));
    }

    #[test]
    fn the_rewritten_file_is_one_calamine_reads() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/damaged/intact.xls")).unwrap();
        let fresh = checked_xls(&bytes).unwrap();
        let book = <calamine::Xls<_> as calamine::Reader<_>>::new(Cursor::new(fresh));
        assert!(book.is_ok(), "{:?}", book.err());
    }

    #[test]
    fn a_compound_file_that_is_not_one_is_damaged() {
        let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        bytes.resize(2048, 0xFF);
        assert!(matches!(checked_xls(&bytes), Err(ReadError::Damaged { format: ".xls", .. })));
    }
}
