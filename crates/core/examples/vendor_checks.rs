//! How long each vendor's check takes on a file read piece by piece, as the import worker
//! reads it: `cargo run --release -p ferry-core --example vendor_checks -- FILE.csv`.

use std::time::Instant;

use ferry_core::sheet::{utf8_stream_for, Cells, ReadOptions, HEAD, PIECE};
use ferry_core::vendors::read_check::ReadCheck;
use ferry_core::vendors::Target;

fn main() {
    let path = std::env::args().nth(1).expect("usage: vendor_checks FILE.csv");
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
        let start = Instant::now();
        let mut stream = utf8_stream_for(&path, head, &ReadOptions::default()).expect("readable").expect("a CSV");
        let mut check = ReadCheck::new(target, target.contract().default_settings());
        for piece in bytes.chunks(PIECE) {
            stream.feed(piece).expect("UTF-8 CSV");
            check.push(&stream.take_rows());
        }
        check.push(&stream.finish_rows().expect("UTF-8 CSV"));
        let checked = check.finish().expect("findings");
        let took = start.elapsed();
        println!(
            "{:<20} ready {:>8} held {:>7} issues {:>7}: {:.0} ms (check {:.0} ms)",
            target.vendor().name,
            checked.findings.ready,
            checked.findings.held,
            checked.findings.issues.len(),
            took.as_secs_f64() * 1000.0,
            (took.saturating_sub(read_only)).as_secs_f64() * 1000.0
        );
    }
}
