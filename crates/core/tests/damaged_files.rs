//! The regression corpus: every kind of file that once hung a reader, blew up its memory
//! or was read wrong without a word (`tests/damaged/`). Each is read whole and piece by
//! piece; both must give the same clear answer, and neither may allocate more than a
//! budget (counted by this test's allocator, not timed).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ferry_core::sheet::{read_file, read_in_pieces, ReadOptions};

/// Counts the bytes held and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time (tests run on several threads).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Most bytes any of these small files may make a reader hold at once.
const BUDGET: usize = 64 * 1024 * 1024;

/// Reads `name` from the corpus both ways; the answer (the error's words, or the sheet's
/// header count) and the most bytes held.
fn read(name: &str) -> (Result<usize, String>, usize) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/damaged").join(name)).unwrap();
    let options = ReadOptions::default();
    let base = HELD.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let whole = read_file(name, &bytes, &options).map(|(s, _)| s.headers.len()).map_err(|e| e.to_string());
    let pieces = read_in_pieces(name, bytes.len(), &options, |at, out| out.copy_from_slice(&bytes[at..at + out.len()]), |_| {})
        .map(|(s, _)| s.headers.len())
        .map_err(|e| e.to_string());
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(whole, pieces, "{name}: read whole and piece by piece, the answers differ");
    assert!(peak < BUDGET, "{name}: held {peak} bytes at once");
    (whole, peak)
}

fn refused(name: &str, words: &[&str]) {
    let (answer, _) = read(name);
    let message = answer.expect_err(name);
    for w in words {
        assert!(message.contains(w), "{name}: {message}");
    }
}

#[test]
fn an_ods_whose_sheet_never_ends() {
    refused("unclosed-table.ods", &["This .ods file is damaged", "never ends"]);
}

#[test]
fn an_xlsx_with_a_far_column_on_every_row() {
    refused("far-column-every-row.xlsx", &["This .xlsx file is damaged (sheet \"People\", cell XFD", "column XFD"]);
}

#[test]
fn an_xlsx_with_a_garbage_cell_reference() {
    refused("garbage-cell-reference.xlsx", &["This .xlsx file is damaged (sheet \"People\", cell AAAAAA1"]);
}

#[test]
fn an_xlsx_whose_shared_strings_declare_two_billion() {
    refused("shared-strings-count-lies.xlsx", &["This .xlsx file is damaged", "2000000000 entries"]);
}

#[test]
fn a_damaged_xls() {
    refused("damaged.xls", &["This .xls file is damaged"]);
}

#[test]
fn a_stray_quote_on_row_6() {
    refused("stray-quote-row-6.csv", &["Row 6 opens a quote"]);
}

#[test]
fn a_utf8_bom_then_latin1_bytes() {
    refused("bom-then-latin1.csv", &["Row 3, column B is not UTF-8 text"]);
}

#[test]
fn json_with_a_new_key_on_every_item() {
    refused("a-key-per-item.json", &["not a table"]);
}

#[test]
fn two_thousand_identical_header_names() {
    assert_eq!(read("repeated-headers.csv").0, Ok(2000));
}

#[test]
fn shared_strings_that_lie_under_a_name_in_other_letters() {
    // Found by `cargo xtask fuzz`: calamine finds `xl/sharedStrings.Xml` too.
    refused("shared-strings-renamed-case.xlsx", &["This .xlsx file is damaged", "2000000000 entries"]);
}

#[test]
fn an_xls_whose_sector_chain_loops() {
    refused("fat-chain-loop.xls", &["This .xls file is damaged"]);
}

#[test]
fn an_xls_with_a_cell_far_out() {
    refused("far-cells.xls", &["This .xls file is damaged (sheet \"People\", cell IQ65001)", "its cells span more cells than a file of its size"]);
}

#[test]
fn an_xls_whose_sheet_starts_beyond_its_end() {
    refused("sheet-beyond-the-end.xls", &["This .xls file is damaged", "beyond the end"]);
}

/// The same file undamaged (the fuzz's seed) reads as before, through the rewritten
/// compound file.
#[test]
fn an_intact_xls_reads() {
    let (answer, _) = read("intact.xls");
    assert!(answer.expect("an intact .xls reads") > 1);
}

#[test]
fn an_xls_with_a_defined_name_cut_short() {
    // Found by `cargo xtask fuzz`: calamine indexed past the record's end (a panic).
    refused("defined-name-cut-short.xls", &["This .xls file is damaged", "defined name"]);
}

#[test]
fn json_with_twenty_thousand_keys_in_each_object() {
    // Once quadratic in the keys (53.8 s for 100,000): read in one pass, as a wide table.
    assert_eq!(read("many-keys-one-object.json").0, Ok(20_000));
}

#[test]
fn an_xls_whose_shared_strings_are_cut_short() {
    // Found by `cargo xtask fuzz`: calamine read a string's options past the record's end.
    refused("shared-strings-cut-short.xls", &["This .xls file is damaged", "shared strings are cut short"]);
}

#[test]
fn an_ods_whose_sheet_never_ends_and_whose_mimetype_is_lost() {
    // Found by `cargo xtask fuzz`: told from an .xlsx by its mimetype entry, the file went
    // unchecked, and calamine (which tells them apart by content.xml) read it for ever.
    refused("unclosed-table-mimetype-lost.ods", &["This .ods file is damaged", "never ends"]);
}
