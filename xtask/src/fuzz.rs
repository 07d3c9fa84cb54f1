//! `cargo xtask fuzz [SECONDS]` (default 60): a bounded mutation fuzz of Ferry's readers,
//! natively, on stable Rust. Not a test.
//!
//! Seeds are the regression corpus (`crates/core/tests/damaged/`), the example file, a
//! small .xls and .ods (`xtask/fuzz-seeds/`, written with Python's xlwt and zipfile) and a
//! few small files written here (CSV with quotes and line breaks, TSV, JSON, an .xlsx).
//! Each input is a seed with one to four mutations (bytes flipped, set to a byte readers
//! care about, inserted, deleted, repeated, or spliced from another seed), chosen by a
//! fixed-seed generator, so a run repeats. A release build of the `fuzz_child` example
//! reads each input whole and piece by piece; it must answer within 5 s, hold at most
//! 512 MiB, not panic (the release build aborts), and give the same answer both ways.
//! Inputs that fail are kept under `target/fuzz/findings/` by kind; the summary lines
//! come last.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::{root, run, Result};

/// Longest an input may take.
const PER_INPUT: Duration = Duration::from_secs(5);
/// Most memory an input may make the readers hold.
const HEAP_MIB: usize = 512;
/// Inputs kept per kind of finding.
const KEEP: usize = 20;

/// A fixed-seed xorshift generator: the same run every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The child process and the lines it answers.
struct Reader {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
}

impl Reader {
    fn start(bin: &Path) -> Result<Reader> {
        let mut child = Command::new(bin)
            .env("FERRY_FUZZ_HEAP_MIB", HEAP_MIB.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (send, answers) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Reader { child, stdin, answers })
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What reading one input came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Mismatch,
    Heap,
    Hang,
    Panic,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Mismatch => "mismatch",
            Outcome::Heap => "heap",
            Outcome::Hang => "hang",
            Outcome::Panic => "panic",
        }
    }
}

pub fn fuzz(seconds: u64) -> Result {
    run(Command::new("cargo").args(["build", "--release", "-p", "ferry-core", "--example", "fuzz_child"]))?;
    let bin = root().join("target/release/examples/fuzz_child");
    let dir = root().join("target/fuzz");
    let findings = dir.join("findings");
    let _ = std::fs::remove_dir_all(&findings);
    std::fs::create_dir_all(&findings).map_err(|e| e.to_string())?;
    let seeds = seeds(&dir)?;
    eprintln!("xtask: fuzzing the readers for {seconds} s from {} seeds", seeds.len());

    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    let mut reader = Reader::start(&bin)?;
    let mut counts = [0usize; 5];
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let (seed_name, seed) = &seeds[dice.below(seeds.len())];
        let other = &seeds[dice.below(seeds.len())].1;
        let input = mutate(seed, other, &mut dice);
        let ext = Path::new(seed_name).extension().map_or_else(|| "csv".to_string(), |e| e.to_string_lossy().into_owned());
        let path = dir.join(format!("input.{ext}"));
        std::fs::write(&path, &input).map_err(|e| e.to_string())?;
        let outcome = read_one(&mut reader, &path);
        counts[outcome as usize] += 1;
        if outcome != Outcome::Ok {
            let n = counts[outcome as usize];
            if n <= KEEP {
                let _ = std::fs::copy(&path, findings.join(format!("{}-{n}-from-{seed_name}", outcome.name())));
            }
            if matches!(outcome, Outcome::Heap | Outcome::Hang | Outcome::Panic) {
                reader = Reader::start(&bin)?;
            }
        }
    }
    let executions: usize = counts.iter().sum();
    let kept = std::fs::read_dir(&findings).map(|d| d.count()).unwrap_or(0);
    println!();
    println!("fuzz executions: {executions} in {} s ({:.0}/s)", started.elapsed().as_secs(), executions as f64 / started.elapsed().as_secs_f64());
    println!("fuzz panics: {}", counts[Outcome::Panic as usize]);
    println!("fuzz hangs over {} s: {}", PER_INPUT.as_secs(), counts[Outcome::Hang as usize]);
    println!("fuzz inputs over {HEAP_MIB} MiB: {}", counts[Outcome::Heap as usize]);
    println!("fuzz whole / piece-by-piece disagreements: {}", counts[Outcome::Mismatch as usize]);
    println!("fuzz inputs kept: {kept} in {}", findings.display());
    Ok(())
}

/// Hands `path` to the reader and waits for its answer.
fn read_one(reader: &mut Reader, path: &Path) -> Outcome {
    if writeln!(reader.stdin, "{}", path.display()).and_then(|()| reader.stdin.flush()).is_err() {
        return Outcome::Panic;
    }
    match reader.answers.recv_timeout(PER_INPUT) {
        Ok(line) if line == "ok" => Outcome::Ok,
        Ok(line) if line == "mismatch" => Outcome::Mismatch,
        Ok(line) if line == "heap" => Outcome::Heap,
        Ok(_) => Outcome::Panic,
        Err(RecvTimeoutError::Timeout) => Outcome::Hang,
        Err(RecvTimeoutError::Disconnected) => Outcome::Panic,
    }
}

/// `seed` changed one to four times (`other` for splices).
fn mutate(seed: &[u8], other: &[u8], dice: &mut Dice) -> Vec<u8> {
    const SPECIAL: &[u8] = b"\",;\t\n\r<>/=\"\0\xff\xef\xbb\xbfPK0123456789";
    let mut out = seed.to_vec();
    for _ in 0..1 + dice.below(4) {
        if out.is_empty() {
            out.push(SPECIAL[dice.below(SPECIAL.len())]);
            continue;
        }
        let at = dice.below(out.len());
        match dice.below(7) {
            0 => out[at] ^= 1 << dice.below(8),
            1 => out[at] = SPECIAL[dice.below(SPECIAL.len())],
            2 => {
                let n = 1 + dice.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| SPECIAL[dice.below(SPECIAL.len())]).collect();
                out.splice(at..at, bytes);
            }
            3 => {
                let end = (at + 1 + dice.below(64)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + 1 + dice.below(256)).min(out.len());
                let piece = out[at..end].to_vec();
                for _ in 0..1 + dice.below(8) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            5 if !other.is_empty() => {
                let from = dice.below(other.len());
                let end = (from + 1 + dice.below(512)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                // A number made large: declared counts, cell references, sizes.
                out.splice(at..at, b"99999999".iter().copied());
            }
        }
    }
    out
}

/// The seed files, as (name, bytes).
fn seeds(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut seeds = Vec::new();
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(root().join("crates/core/tests/damaged")).map_err(|e| e.to_string())?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.push(root().join("public/example-participants.csv"));
    // Whole workbooks of the two formats calamine reads without a zip directory of ours.
    paths.push(root().join("xtask/fuzz-seeds/seed.xls"));
    paths.push(root().join("xtask/fuzz-seeds/seed.ods"));
    paths.sort();
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        seeds.push((name, std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?));
    }
    seeds.push(("quoted.csv".into(), b"id;name;note\n1;\"Anna \"\"A\"\"\";\"two\nlines\"\n2;Bob;\n".to_vec()));
    seeds.push(("people.tsv".into(), b"email\tage\na@example.org\t34\nb@example.org\t\n".to_vec()));
    seeds.push(("people.json".into(), br#"{"data":[{"email":"a@example.org","age":34,"tags":["x"]},{"email":"b@example.org","phone":null}]}"#.to_vec()));
    let xlsx = dir.join("seed.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [["email", "age", "joined"], ["a@example.org", "34", "2024-01-02"], ["b@example.org", "", "2024-02-03"]].iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write(r as u32, c as u16, *text).map_err(|e| e.to_string())?;
        }
    }
    book.save(&xlsx).map_err(|e| e.to_string())?;
    seeds.push(("seed.xlsx".into(), std::fs::read(&xlsx).map_err(|e| e.to_string())?));
    Ok(seeds)
}
