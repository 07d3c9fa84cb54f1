//! How long each vendor's check takes on a file read piece by piece, as the import worker
//! reads it, and what it finds:
//! `cargo run --release -p ferry-core --example vendor_checks -- FILE.csv [ferry.config.json]`.
//!
//! With a site configuration (the page's `ferry.config.json`), each vendor is checked
//! with the settings the site gives it, as the page would be; the mapping suggested and
//! the counts review shows (ready, with problems, warnings) are printed for each.

use std::time::Instant;

use ferry_core::issue::Severity;
use ferry_core::sheet::{utf8_stream_for, Cells, ReadOptions, HEAD, PIECE};
use ferry_core::vendors::read_check::ReadCheck;
use ferry_core::vendors::Target;
use serde_json::Value;

fn main() {
    let path = std::env::args().nth(1).expect("usage: vendor_checks FILE.csv [ferry.config.json]");
    let config: Value =
        std::env::args().nth(2).map(|c| serde_json::from_slice(&std::fs::read(&c).expect("readable config")).expect("a JSON config")).unwrap_or(Value::Null);
    let bytes = std::fs::read(&path).expect("readable file");
    let head = &bytes[..bytes.len().min(HEAD)];
    let read_only = {
        let start = Instant::now();
        let mut stream = utf8_stream_for(&path, head, &ReadOptions::default()).expect("readable").expect("a CSV");
        let mut rows = 0;
        for piece in bytes.chunks(PIECE) {
            stream.feed(piece).expect("UTF-8 CSV");
            rows += stream.take_rows().len();
        }
        rows += stream.finish_rows().expect("UTF-8 CSV").len();
        println!("read only: {rows} rows in {:.0} ms", start.elapsed().as_secs_f64() * 1000.0);
        start.elapsed()
    };
    for target in Target::all() {
        let contract = target.contract();
        let site = config.get(target.id()).or_else(|| config.get(target.id().replace('-', "_")));
        let settings = site.map_or_else(|| contract.default_settings(), |s| contract.normalise_settings(s));
        let start = Instant::now();
        let mut stream = utf8_stream_for(&path, head, &ReadOptions::default()).expect("readable").expect("a CSV");
        let mut check = ReadCheck::new(target, settings);
        for piece in bytes.chunks(PIECE) {
            stream.feed(piece).expect("UTF-8 CSV");
            check.push(&stream.take_rows());
        }
        check.push(&stream.finish_rows().expect("UTF-8 CSV"));
        let checked = check.finish().expect("findings");
        let took = start.elapsed();
        let warnings = checked.findings.issues.iter().filter(|i| i.severity == Severity::Warning).count();
        println!(
            "{:<20} ready {:>8} held {:>7} warnings {:>6} issues {:>7}: {:.0} ms (check {:.0} ms)",
            target.vendor().name,
            checked.findings.ready,
            checked.findings.held,
            warnings,
            checked.findings.issues.len(),
            took.as_secs_f64() * 1000.0,
            (took.saturating_sub(read_only)).as_secs_f64() * 1000.0
        );
        if site.is_some() {
            println!("  mapping: {}", serde_json::to_string(&checked.mapping).unwrap_or_default());
        }
    }
}
