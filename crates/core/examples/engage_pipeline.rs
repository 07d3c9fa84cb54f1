//! The benchmark's native run: reads a file (UTF-8 CSV in 1 MB pieces, as the import
//! worker does), checks it for Engage and writes every batch body, then prints one JSON line with the totals and the milliseconds taken.
//! `cargo run --release -p ferry-core --example engage_pipeline -- FILE`

use std::time::Instant;

use ferry_core::bench_fixture;
use ferry_core::sheet::{read_file, utf8_stream_for, ReadOptions, Room, HEAD, PIECE};

fn main() {
    let path = std::env::args().nth(1).expect("usage: engage_pipeline FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let start = Instant::now();
    let head = &bytes[..bytes.len().min(HEAD)];
    if let Ok(Some(mut stream)) = utf8_stream_for(&path, head, &ReadOptions::default()) {
        // As the import worker does it: room judged from the first bytes, then pieces,
        // each piece's rows checked and their records written as they pass.
        let room = match utf8_stream_for(&path, head, &ReadOptions::default()) {
            Ok(Some(probe)) => Room::projected(probe, head, bytes.len()),
            _ => Room::default(),
        };
        let mut run = bench_fixture::StreamedRun::new(room.rows);
        for piece in bytes.chunks(PIECE) {
            stream.feed(piece).expect("UTF-8 CSV");
            run.push(&stream.take_rows());
        }
        run.push(&stream.finish_rows().expect("UTF-8 CSV"));
        let totals = run.finish();
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        println!("{}", serde_json::json!({ "ms": ms, "totals": totals }));
        return;
    }
    let (sheet, _) = match read_file(&path, &bytes, &ReadOptions::default()) {
        Ok(read) => read,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let read_ms = start.elapsed().as_secs_f64() * 1000.0;
    if std::env::var_os("FERRY_PHASES").is_some() {
        let mapping = bench_fixture::mapping(&sheet);
        let t = Instant::now();
        let checked = ferry_core::vendors::engage::check(&sheet, &mapping);
        eprintln!("check {:?}", t.elapsed());
        let settings = ferry_core::vendors::engage::Settings { activity_slug: "x".into(), ..Default::default() };
        let t = Instant::now();
        ferry_core::vendors::engage::each_batch_body(&sheet, &mapping, &settings, &checked, |_| {});
        eprintln!("bodies {:?}", t.elapsed());
    }
    let totals = bench_fixture::run(&sheet);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("{}", serde_json::json!({ "ms": ms, "read_ms": read_ms, "totals": totals }));
}
