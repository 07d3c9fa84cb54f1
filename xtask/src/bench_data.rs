//! Deterministic participant files for `cargo xtask bench`.
//!
//! The writer draws its rows from a seeded generator: `Participant ID`,
//! `Email`, `First name`, `Last name`, `Phone`, `Created at`, `Item ID`, `Q1`, `Q2`,
//! `Note`. Most rows are valid for Longenesis Engage; a few are not, in the ways real
//! files are not:
//!
//! - about 1 % invalid e-mail addresses (`anna at ex.lv`, `anna@@ex.lv`, `anna@ex`, ...);
//! - about 0.5 % blank e-mails and 0.5 % blank participant IDs (still valid: the other
//!   one identifies the participant), and 1 row in 2,000 with neither (an error);
//! - `Created at` mostly `2024-09-01 10:10`, some `01.09.2024 10:10`,
//!   `2024-09-01T10:10:05` or `1/9/2024`, 1 % blank, about 0.5 % unreadable
//!   (`31.02.2024`, `soon`);
//! - about 2 % of item IDs repeat an earlier one (a warning, not an error);
//! - names with letters beyond ASCII (Bērziņa, Žukovs, José, Müller), some cells with
//!   spaces around the text, notes with commas, doubled quotes and (1 %) line breaks.
//!
//! E-mails read `first.last{i}@ex.lv` (one per person, as in a real list of participants),
//! some with letters beyond ASCII (`zoë.müller7@ex.lv`, valid for Ferry).
//!
//! The CSV is UTF-8 without BOM, `\n` line ends, every field quoted; about 112 bytes a
//! row, so 1,000,000 rows make about 112 MB (0.5 s in a release build, 3.5 s in a debug
//! one); the same rows on every run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The header row, in column order.
pub const HEADERS: [&str; 10] = ["Participant ID", "Email", "First name", "Last name", "Phone", "Created at", "Item ID", "Q1", "Q2", "Note"];

const SEED: u64 = 0x00F3_2217_BE4C_D5A1;

/// Given names: (as written, as in an e-mail address).
const FIRST: &[(&str, &str)] = &[
    ("Anna", "anna"),
    ("Jānis", "janis"),
    ("José", "jose"),
    ("Līga", "liga"),
    ("Ilze", "ilze"),
    ("Eva", "eva"),
    ("Ivo", "ivo"),
    ("Ian", "ian"),
    ("Zoë", "zoë"),
    ("Inga", "inga"),
    ("Ēriks", "eriks"),
    ("Ada", "ada"),
];

/// Family names: (as written, as in an e-mail address).
const LAST: &[(&str, &str)] = &[
    ("Bērziņa", "berzina"),
    ("Žukovs", "zukovs"),
    ("Müller", "müller"),
    ("Ozols", "ozols"),
    ("Lee", "lee"),
    ("Lapa", "lapa"),
    ("Kalns", "kalns"),
    ("Roze", "roze"),
    ("Ose", "ose"),
    ("Vīks", "viks"),
];

const Q1: &[&str] = &["yes", "no", "maybe", "no", "yes", "often"];

/// Notes as cell values (a CSV writer doubles their quotes).
const NOTES: &[&str] =
    &["ok", "call later, evenings", "moved, new address", "said \"hi\"", "no", "SMS, not calls", "see file", "a, b, c", "fine", "late, again"];

/// Notes with a line break, used about 1 % of the time.
const NOTES_MULTILINE: &[&str] = &["first visit\nsecond visit", "moved,\nsee file"];

const EMAIL_DOMAIN: &str = "@ex.lv";

/// Unreadable `Created at` values.
const BAD_DATES: &[&str] = &["31.02.2024", "soon", "2024-13-01 10:10", "29.02.2023 10:00", "2024-09-01 25:10", "n/a"];

/// xorshift64*: tiny, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n small; the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 16) % n
    }

    /// True with probability `per_10000` / 10,000.
    fn chance(&mut self, per_10000: u64) -> bool {
        self.below(10_000) < per_10000
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One row's cells, as UTF-8 bytes, reused from row to row (no allocation once warm).
#[derive(Default)]
struct Row {
    participant_id: Vec<u8>,
    email: Vec<u8>,
    first: Vec<u8>,
    last: Vec<u8>,
    /// `None` for a blank phone.
    phone: Option<u64>,
    created: Vec<u8>,
    item: Vec<u8>,
    q1: &'static str,
    q2: Vec<u8>,
    note: &'static str,
}

/// Appends `n` in decimal, zero-padded to `width` digits.
/// `2024-MM-DD` + `separator` + `HH:MM`.
fn push_iso(out: &mut Vec<u8>, (month, day): (u64, u64), separator: u8, (hour, minute): (u64, u64)) {
    out.extend_from_slice(b"2024-");
    push_num(out, month, 2);
    out.push(b'-');
    push_num(out, day, 2);
    out.push(separator);
    push_num(out, hour, 2);
    out.push(b':');
    push_num(out, minute, 2);
}

fn push_num(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push(b'0');
    }
    out.extend(digits[..len].iter().rev());
}

fn days_in_month(month: u64) -> u64 {
    match month {
        2 => 29, // 2024
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Generator {
    rng: Rng,
    row: Row,
}

impl Generator {
    fn new() -> Generator {
        Generator { rng: Rng(SEED), row: Row::default() }
    }

    /// Fills `self.row` with row `i` (1-based).
    fn next_row(&mut self, i: u64) {
        let rng = &mut self.rng;
        let row = &mut self.row;

        // 1 row in 2,000 has neither participant ID nor e-mail; a few more miss one of them.
        let orphan = rng.chance(5);
        let (first, first_mail) = rng.pick(FIRST);
        let (last, last_mail) = rng.pick(LAST);

        row.participant_id.clear();
        if !orphan && !rng.chance(50) {
            row.participant_id.push(b'P');
            push_num(&mut row.participant_id, i, 7);
        }

        row.email.clear();
        let email_kind = rng.below(10_000);
        if !orphan && email_kind >= 50 {
            if email_kind < 150 {
                // About 1 %: not an e-mail address.
                match rng.below(5) {
                    0 => {
                        row.email.extend_from_slice(first_mail.as_bytes());
                        row.email.extend_from_slice(b" at ex.lv");
                    }
                    1 => {
                        row.email.extend_from_slice(first_mail.as_bytes());
                        row.email.extend_from_slice(b"@@ex.lv");
                    }
                    2 => {
                        row.email.extend_from_slice(first_mail.as_bytes());
                        row.email.extend_from_slice(b"@ex");
                    }
                    3 => {
                        row.email.extend_from_slice(first_mail.as_bytes());
                        row.email.extend_from_slice(b"..");
                        row.email.extend_from_slice(last_mail.as_bytes());
                        row.email.extend_from_slice(EMAIL_DOMAIN.as_bytes());
                    }
                    _ => {
                        row.email.extend_from_slice(first_mail.as_bytes());
                        row.email.extend_from_slice(b"@ex.l1");
                    }
                }
            } else {
                row.email.extend_from_slice(first_mail.as_bytes());
                row.email.push(b'.');
                row.email.extend_from_slice(last_mail.as_bytes());
                push_num(&mut row.email, i, 0);
                row.email.extend_from_slice(EMAIL_DOMAIN.as_bytes());
                if rng.chance(30) {
                    row.email.push(b' ');
                }
            }
        } else if !orphan && rng.chance(3000) {
            row.email.extend_from_slice(b"  "); // blank, written as spaces
        }

        row.first.clear();
        if rng.chance(100) {
            row.first.push(b' ');
        }
        row.first.extend_from_slice(first.as_bytes());
        row.last.clear();
        row.last.extend_from_slice(last.as_bytes());
        if rng.chance(20) {
            row.last.extend_from_slice("\u{a0}".as_bytes());
        }

        row.phone = (!rng.chance(100)).then(|| 37_120_000_000 + rng.below(10_000_000));

        row.created.clear();
        let kind = rng.below(10_000);
        if kind < 50 {
            row.created.extend_from_slice(rng.pick(BAD_DATES).as_bytes());
        } else if kind >= 150 {
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(days_in_month(month));
            let hour = rng.below(24);
            let minute = rng.below(60);
            match kind {
                150..=1149 => {
                    // 01.09.2024 10:10
                    push_num(&mut row.created, day, 2);
                    row.created.push(b'.');
                    push_num(&mut row.created, month, 2);
                    row.created.extend_from_slice(b".2024 ");
                    push_num(&mut row.created, hour, 2);
                    row.created.push(b':');
                    push_num(&mut row.created, minute, 2);
                }
                1150..=1649 => {
                    // 2024-09-01T10:10:05
                    push_iso(&mut row.created, (month, day), b'T', (hour, minute));
                    row.created.push(b':');
                    push_num(&mut row.created, rng.below(60), 2);
                }
                1650..=1749 => {
                    // 1/9/2024 (day first)
                    push_num(&mut row.created, day, 0);
                    row.created.push(b'/');
                    push_num(&mut row.created, month, 0);
                    row.created.extend_from_slice(b"/2024");
                }
                _ => {
                    // 2024-09-01 10:10
                    push_iso(&mut row.created, (month, day), b' ', (hour, minute));
                }
            }
        } // 50..150: blank (Engage uses the time of the upload)

        row.item.clear();
        row.item.push(b'I');
        let item = if i > 1 && rng.chance(200) { 1 + rng.below(i - 1) } else { i };
        push_num(&mut row.item, item, 0);

        row.q1 = if rng.chance(300) { "" } else { rng.pick(Q1) };
        row.q2.clear();
        if !rng.chance(300) {
            push_num(&mut row.q2, rng.below(11), 0);
        }

        let note = rng.below(10_000);
        row.note = if note < 100 {
            rng.pick(NOTES_MULTILINE)
        } else if note < 5_500 {
            ""
        } else {
            rng.pick(NOTES)
        };
    }
}

/// Writes `value` as a quoted CSV field, doubling its quotes.
fn put_field(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b'"');
    let mut rest = value;
    while let Some(q) = rest.iter().position(|&b| b == b'"') {
        out.extend_from_slice(&rest[..=q]);
        out.push(b'"');
        rest = &rest[q + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Writes a CSV of `rows` data rows (plus the header) to `path`; returns its size in bytes.
pub fn write_csv(path: &Path, rows: usize) -> std::io::Result<u64> {
    let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut line: Vec<u8> = Vec::with_capacity(512);
    for (c, header) in HEADERS.iter().enumerate() {
        if c > 0 {
            line.push(b',');
        }
        put_field(&mut line, header.as_bytes());
    }
    line.push(b'\n');
    file.write_all(&line)?;
    let mut size = line.len() as u64;

    let mut generator = Generator::new();
    let mut phone = Vec::with_capacity(16);
    for i in 1..=rows as u64 {
        generator.next_row(i);
        let r = &generator.row;
        phone.clear();
        if let Some(p) = r.phone {
            phone.push(b'+');
            push_num(&mut phone, p, 0);
        }
        line.clear();
        let cells: [&[u8]; 10] = [&r.participant_id, &r.email, &r.first, &r.last, &phone, &r.created, &r.item, r.q1.as_bytes(), &r.q2, r.note.as_bytes()];
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                line.push(b',');
            }
            put_field(&mut line, cell);
        }
        line.push(b'\n');
        file.write_all(&line)?;
        size += line.len() as u64;
    }
    file.flush()?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ferry-bench-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// A minimal reader for the quoted CSV the writer makes: every field quoted.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            assert_eq!(c, '"', "every field starts with a quote");
            loop {
                match chars.next().expect("closing quote") {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    other => field.push(other),
                }
            }
            row.push(std::mem::take(&mut field));
            match chars.next() {
                Some(',') => {}
                Some('\n') => rows.push(std::mem::take(&mut row)),
                other => panic!("unexpected {other:?} after a field"),
            }
        }
        assert!(row.is_empty(), "the file ends with a line end");
        rows
    }

    fn share(rows: &[Vec<String>], test: impl Fn(&[String]) -> bool) -> f64 {
        rows.iter().filter(|r| test(r)).count() as f64 / rows.len() as f64
    }

    #[test]
    fn header_quoting_and_shape() {
        let path = temp("shape.csv");
        let size = write_csv(&path, 200).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(size, bytes.len() as u64);
        assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
        assert!(!bytes.contains(&b'\r'), "\\n line ends");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\"Participant ID\",\"Email\",\"First name\",\"Last name\",\"Phone\",\"Created at\",\"Item ID\",\"Q1\",\"Q2\",\"Note\"\n"));
        let rows = parse(&text);
        assert_eq!(rows.len(), 201);
        assert!(rows.iter().all(|r| r.len() == 10));
        assert_eq!(rows[0], HEADERS);
        assert_eq!(rows[1][0], "P0000001");
        assert!(rows[1..].iter().all(|r| r[6].starts_with('I')));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn deterministic() {
        let (a, b) = (temp("a.csv"), temp("b.csv"));
        write_csv(&a, 3000).unwrap();
        write_csv(&b, 3000).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        // A shorter file is a prefix of a longer one.
        write_csv(&b, 1000).unwrap();
        assert!(std::fs::read(&a).unwrap().starts_with(&std::fs::read(&b).unwrap()));
        for p in [a, b] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn about_a_hundred_bytes_a_row() {
        let path = temp("size.csv");
        let size = write_csv(&path, 20_000).unwrap();
        let per_row = size as f64 / 20_000.0;
        assert!((100.0..=118.0).contains(&per_row), "{per_row} bytes a row");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn shares_of_problems() {
        let path = temp("shares.csv");
        write_csv(&path, 40_000).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let rows = parse(&text);
        let data = &rows[1..];
        let blank = |s: &str| s.trim().is_empty();
        let bad_email = |s: &str| {
            let s = s.trim();
            !s.is_empty() && (s.matches('@').count() != 1 || s.contains(' ') || s.contains("..") || !s.ends_with(".lv"))
        };
        let invalid = share(data, |r| bad_email(&r[1]));
        assert!((0.007..0.013).contains(&invalid), "invalid e-mails {invalid}");
        let no_email = share(data, |r| blank(&r[1]) && !blank(&r[0]));
        assert!((0.003..0.008).contains(&no_email), "blank e-mails {no_email}");
        let orphans = share(data, |r| blank(&r[0]) && blank(&r[1]));
        assert!((0.0002..0.0009).contains(&orphans), "rows without identifier {orphans}");
        let unreadable = share(data, |r| {
            let c = r[5].trim();
            BAD_DATES.contains(&c)
        });
        assert!((0.003..0.008).contains(&unreadable), "unreadable dates {unreadable}");
        let iso = share(data, |r| r[5].len() == 16 && r[5].starts_with("2024-"));
        assert!(iso > 0.75, "mostly 2024-09-01 10:10: {iso}");
        assert!(share(data, |r| r[5].contains('T')) > 0.02);
        assert!(share(data, |r| r[5].contains('.') && r[5].contains(':')) > 0.05);
        let mut seen = std::collections::HashSet::new();
        let repeats = data.iter().filter(|r| !seen.insert(r[6].clone())).count() as f64 / data.len() as f64;
        assert!((0.01..0.03).contains(&repeats), "repeated item IDs {repeats}");
        let multiline = share(data, |r| r[9].contains('\n'));
        assert!((0.005..0.015).contains(&multiline), "notes with line breaks {multiline}");
        assert!(share(data, |r| r[9].contains("\"hi\"")) > 0.01);
        assert!(share(data, |r| r[9].contains(',')) > 0.1);
        assert!(data.iter().any(|r| r[3] == "Bērziņa") && data.iter().any(|r| r[3] == "Žukovs"));
        assert!(data.iter().any(|r| r[2] == "José") && data.iter().any(|r| r[3] == "Müller"));
        assert!(share(data, |r| r[4].starts_with("+3712") && r[4].len() == 12) > 0.98);
        std::fs::remove_file(&path).unwrap();
    }
}
