//! The benchmark's native run: reads a file, checks it for Engage and writes every batch
//! body, then prints one JSON line with the totals and the milliseconds taken.
//! `cargo run --release -p ferry-core --example engage_pipeline -- FILE`

use std::time::Instant;

use ferry_core::bench_fixture;
use ferry_core::sheet::{read_file, ReadOptions};

fn main() {
    let path = std::env::args().nth(1).expect("usage: engage_pipeline FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let start = Instant::now();
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
