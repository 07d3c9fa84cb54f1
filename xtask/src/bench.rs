//! `cargo xtask bench`: Ferry's import (file → validated Engage payload) in headless
//! Chromium against JavaScript peers from npm and against Ferry's own core built natively,
//! on generated files. Prints figures and, last, the summary lines scripts read.
//!
//! What is timed:
//! - Ferry in the browser: from handing the file to the import worker until the sheet is
//!   rebuilt on the page, with the Engage check and every `bulk_post` body written in the
//!   worker on the way. The worker is started when the page loads, as the app does, so
//!   it is ready when the file arrives (the peers' start-up is not timed either).
//! - Five rounds in one page, each running every pipeline once (the native one first).
//!   The times shown are each pipeline's median run; each summary ratio is worked out
//!   within every round and the median of the five is printed (this machine's speed
//!   drifts by a fifth over minutes, and within a round both sides of a ratio see the
//!   same machine).
//! - Each peer: its whole pipeline (decode, parse, the same checks, the same JSON bodies)
//!   inside a worker, start-up excluded.
//! - Native: the same core functions in a release binary, run on its own (the browser
//!   idle) at the start of each round.
//! - Longest main-thread task: the longest gap a message loop on the page saw during
//!   Ferry's CSV import (and the Long Tasks API's longest entry, if any).
//! - Peak memory: the largest rise in the renderer process's peak resident memory (Linux
//!   `VmHWM`, reset before the import) over its resident memory just before, divided by
//!   the file's size. Ferry is handed the file as a Blob, as a page is handed a file the
//!   user chose, and reads it a piece at a time.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ferry_e2e::browser::Browser;
use ferry_e2e::StaticSite;
use serde_json::Value;

use crate::bench_data;
use crate::{root, run, Result};

/// Rows of the CSV and of the workbook.
const CSV_ROWS: usize = 1_000_000;
const XLSX_ROWS: usize = 100_000;
/// Each pipeline runs this many times; the median run is reported.
const ROUNDS: usize = 5;

/// npm packages the page loads, and where they land in the page's `vendor/`.
pub const PEERS: &[(&str, &str, &str)] = &[
    ("papaparse@5.5.3", "papaparse/papaparse.min.js", "papaparse.min.js"),
    ("udsv@0.7.3", "udsv/dist/uDSV.iife.min.js", "udsv.js"),
    ("xlsx@0.18.5", "xlsx/dist/xlsx.full.min.js", "xlsx.full.min.js"),
];

pub fn bench() -> Result {
    if std::env::var_os("FERRY_BENCH_PAGE_ONLY").is_some() {
        return crate::bench_page::page_stalls();
    }
    eprintln!("xtask: building the benchmark page (release)");
    let dist = root().join("target/bench/dist");
    run(Command::new("trunk").args(["build", "bench/index.html", "--release", "--dist"]).arg(&dist).env("PATH", crate::tool_path()))?;
    std::fs::create_dir_all(dist.join("vendor")).map_err(|e| e.to_string())?;
    for (_, from, to) in PEERS {
        std::fs::copy(root().join(".tools/node_modules").join(from), dist.join("vendor").join(to)).map_err(|e| format!("{from}: {e}"))?;
    }

    // Generated after the build (trunk empties its folder), next to the page.
    let data = dist.join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let csv = data.join("participants-1m.csv");
    let xlsx = data.join("participants-100k.xlsx");
    eprintln!("xtask: generating {CSV_ROWS} rows of CSV and {XLSX_ROWS} rows of XLSX");
    let csv_bytes = bench_data::write_csv(&csv, CSV_ROWS).map_err(|e| e.to_string())?;
    let xlsx_bytes = bench_data::write_xlsx(&xlsx, XLSX_ROWS)?;

    if std::env::var_os("FERRY_BENCH_QUICK").is_some() {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        return runtime.block_on(quick(&dist));
    }
    eprintln!("xtask: building the native run (release)");
    run(Command::new("cargo").args(["build", "--release", "-p", "ferry-core", "--example", "engage_pipeline"]))?;

    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let browser_figures = runtime.block_on(in_browser(&dist, &csv, &xlsx))?;
    report(csv_bytes, xlsx_bytes, &browser_figures)?;
    crate::bench_page::page_stalls()
}

/// One run of the native pipeline on `file`: its answer.
fn native(file: &Path) -> Result<Value> {
    let out = Command::new(root().join("target/release/examples/engage_pipeline")).arg(file).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice::<Value>(&out.stdout).map_err(|e| e.to_string())
}

/// The median of `values`.
fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Every figure measured (the browser's and the native runs').
struct BrowserFigures {
    native_csv: Value,
    native_xlsx: Value,
    /// Each ratio worked out within each round, then the median of the rounds (this
    /// machine's speed drifts over minutes; within a round both sides see the same).
    ratios: Ratios,
    ferry_csv: Value,
    ferry_xlsx: Value,
    papaparse: Value,
    udsv: Value,
    sheetjs: Value,
    peak_rise: u64,
    /// The longest main-thread gap over every CSV import.
    longest_gap: f64,
}

/// The summary ratios.
struct Ratios {
    papaparse: f64,
    udsv: f64,
    native: f64,
    sheetjs: f64,
}

async fn in_browser(dist: &Path, csv: &Path, xlsx: &Path) -> Result<BrowserFigures> {
    let site = StaticSite::start(dist, Duration::from_secs(3600)).await?;
    let before: Vec<u32> = renderers();
    let browser = Browser::start().await?;
    browser.open(&format!("{}/index.html", site.url)).await?;
    let ours: Vec<u32> = renderers().into_iter().filter(|p| !before.contains(p)).collect();
    if ours.is_empty() {
        eprintln!("xtask: no renderer process found; peak memory will read 0");
    }

    if std::env::var_os("FERRY_BENCH_MEMORY_TRACE").is_some() {
        return memory_trace(browser, &ours).await;
    }
    let mut runs: Vec<[Value; 7]> = Vec::new();
    let mut peak_rise = 0;
    let mut longest_gap = 0f64;
    for round in 1..=ROUNDS {
        eprintln!("xtask: round {round} of {ROUNDS}");
        let native_csv = native(csv)?;
        let native_xlsx = native(xlsx)?;
        call(&browser, "benchLoad('data/participants-1m.csv')").await?;
        settle().await;
        let baseline: Vec<(u32, u64)> = ours.iter().map(|&p| (p, reset_peak(p))).collect();
        let ferry_csv = call(&browser, "benchFerry('data/participants-1m.csv', 'participants-1m.csv')").await?;
        if round == 1 {
            // Memory on the first import, in a page that has done nothing else yet.
            peak_rise = baseline.iter().map(|&(p, rss)| peak(p).saturating_sub(rss)).max().unwrap_or(0);
        }
        longest_gap = longest_gap.max(number(&ferry_csv, &["longest_gap_ms"])).max(number(&ferry_csv, &["longest_longtask_ms"]));
        let papaparse = call(&browser, "benchPeer('papaparse', 'data/participants-1m.csv')").await?;
        // Each peer takes its copy of the file into its worker: a fresh one for uDSV.
        call(&browser, "benchLoad('data/participants-1m.csv')").await?;
        let udsv = call(&browser, "benchPeer('udsv', 'data/participants-1m.csv')").await?;
        call(&browser, "benchLoad('data/participants-100k.xlsx')").await?;
        let ferry_xlsx = call(&browser, "benchFerry('data/participants-100k.xlsx', 'participants-100k.xlsx')").await?;
        let sheetjs = call(&browser, "benchPeer('sheetjs', 'data/participants-100k.xlsx')").await?;
        let ms = |v: &Value| number(v, &["ms"]);
        eprintln!(
            "xtask: round {round}: native CSV {:.0} ms, Ferry CSV {:.0} ms (worker: read {:.0}, check {:.0}), PapaParse {:.0}, uDSV {:.0}, Ferry XLSX {:.0} ms (read {:.0}), SheetJS {:.0}",
            ms(&native_csv),
            ms(&ferry_csv),
            number(&ferry_csv, &["read_ms"]),
            number(&ferry_csv, &["check_ms"]),
            ms(&papaparse),
            ms(&udsv),
            ms(&ferry_xlsx),
            number(&ferry_xlsx, &["read_ms"]),
            ms(&sheetjs)
        );
        runs.push([ferry_csv, ferry_xlsx, papaparse, udsv, sheetjs, native_csv, native_xlsx]);
    }
    let ratio = |f: &dyn Fn(&[Value; 7]) -> f64| median_of(runs.iter().map(f).collect());
    let ms = |v: &Value| number(v, &["ms"]);
    let worker_ms = |v: &Value| number(v, &["read_ms"]) + number(v, &["check_ms"]);
    let ratios = Ratios {
        papaparse: ratio(&|r| ms(&r[2]) / ms(&r[0])),
        udsv: ratio(&|r| ms(&r[3]) / ms(&r[0])),
        native: ratio(&|r| worker_ms(&r[0]) / ms(&r[5])),
        sheetjs: ratio(&|r| ms(&r[4]) / ms(&r[1])),
    };
    // The median run of each pipeline (by its time).
    let median = |i: usize| {
        let mut series: Vec<Value> = runs.iter().map(|r| r[i].clone()).collect();
        series.sort_by(|a, b| number(a, &["ms"]).total_cmp(&number(b, &["ms"])));
        series[series.len() / 2].clone()
    };
    let (ferry_csv, ferry_xlsx, papaparse, udsv, sheetjs) = (median(0), median(1), median(2), median(3), median(4));
    let (native_csv, native_xlsx) = (median(5), median(6));
    let errors = browser.errors().await;
    browser.close().await;
    if !errors.is_empty() {
        return Err(format!("the benchmark page reported errors: {errors:?}"));
    }
    Ok(BrowserFigures { native_csv, native_xlsx, ratios, ferry_csv, ferry_xlsx, papaparse, udsv, sheetjs, peak_rise, longest_gap })
}

/// `FERRY_BENCH_QUICK=N cargo xtask bench`: Ferry's own imports only (CSV, then XLSX),
/// N times each (once when N is not a number), with everything the page answered (for trying a change; no peers, no
/// native run, no ratios).
async fn quick(dist: &Path) -> Result {
    let site = StaticSite::start(dist, Duration::from_secs(3600)).await?;
    let browser = Browser::start().await?;
    browser.open(&format!("{}/index.html", site.url)).await?;
    let rounds: usize = std::env::var("FERRY_BENCH_QUICK").ok().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let files = [("data/participants-1m.csv", "participants-1m.csv"), ("data/participants-100k.xlsx", "participants-100k.xlsx")];
    for (file, name) in files.iter().cycle().take(2 * rounds) {
        call(&browser, &format!("benchLoad('{file}')")).await?;
        settle().await;
        let mut answer = call(&browser, &format!("benchFerry('{file}', '{name}')")).await?;
        if let Some(answer) = answer.as_object_mut() {
            answer.remove("totals");
        }
        println!("{name}: {answer}");
    }
    let errors = browser.errors().await;
    browser.close().await;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("the benchmark page reported errors: {errors:?}"))
    }
}

/// `FERRY_BENCH_MEMORY_TRACE=1 cargo xtask bench`: one Ferry CSV import only, with the
/// renderer's resident memory above its level just before, every 50 ms (for finding
/// where memory goes; prints, then stops the bench).
async fn memory_trace(browser: Browser, ours: &[u32]) -> Result<BrowserFigures> {
    call(&browser, "benchLoad('data/participants-1m.csv')").await?;
    settle().await;
    let baseline: Vec<(u32, u64)> = ours.iter().map(|&p| (p, reset_peak(p))).collect();
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampling = running.clone();
    let sampler = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let mut trace = Vec::new();
        while sampling.load(std::sync::atomic::Ordering::Relaxed) {
            let rise: i64 = baseline.iter().map(|&(p, rss)| (status_kb(p, "VmRSS:") * 1024) as i64 - rss as i64).sum();
            trace.push((started.elapsed().as_millis(), rise / 1_000_000));
            std::thread::sleep(Duration::from_millis(50));
        }
        let peak: u64 = baseline.iter().map(|&(p, rss)| peak(p).saturating_sub(rss)).max().unwrap_or(0);
        (trace, peak)
    });
    let answer = call(&browser, "benchFerry('data/participants-1m.csv', 'participants-1m.csv')").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let (trace, peak) = sampler.join().map_err(|_| "the sampler stopped")?;
    browser.close().await;
    for (ms, mb) in trace {
        println!("{ms:>6} ms  {mb:>5} MB");
    }
    println!("peak rise {} MB; answer {answer}", peak / 1_000_000);
    std::process::exit(0);
}

/// Waits for the page to settle after loading a file (the browser frees what it used
/// for loading), so the memory baseline is not taken in the middle of that.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// Runs `expression` (a Promise) on the page and waits for its value, polling so that no
/// WebDriver script timeout applies.
async fn call(browser: &Browser, expression: &str) -> Result<Value> {
    let start =
        format!("window.__bench = undefined; Promise.resolve({expression}).then(v => window.__bench = {{ok: v}}, e => window.__bench = {{error: String(e)}});");
    browser.client.execute(&start, vec![]).await.map_err(|e| e.to_string())?;
    for _ in 0..3600 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let value = browser.client.execute("return window.__bench === undefined ? null : window.__bench", vec![]).await.map_err(|e| e.to_string())?;
        if let Some(error) = value.get("error") {
            return Err(format!("{expression}: {error}"));
        }
        if let Some(ok) = value.get("ok") {
            if let Some(error) = ok.get("error") {
                return Err(format!("{expression}: {error}"));
            }
            return Ok(ok.clone());
        }
    }
    Err(format!("{expression}: no answer within 15 minutes"))
}

/// Chromium renderer processes on this machine.
fn renderers() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return vec![] };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.windows(15).any(|w| w == b"--type=renderer")))
        .collect()
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// Resets the process's peak resident memory to its current one; returns that, in bytes.
fn reset_peak(pid: u32) -> u64 {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    status_kb(pid, "VmRSS:") * 1024
}

/// The process's peak resident memory since the reset, in bytes.
fn peak(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:") * 1024
}

fn number(v: &Value, path: &[&str]) -> f64 {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn totals(v: &Value) -> String {
    let t = v.get("totals").or_else(|| v.get("result")).cloned().unwrap_or_default();
    format!("{} rows, {} valid, {} skipped, {} warnings, {} payload bytes", t["rows"], t["valid"], t["skipped"], t["warnings"], t["payload_bytes"])
}

fn report(csv_bytes: u64, xlsx_bytes: u64, b: &BrowserFigures) -> Result {
    let (native_csv, native_xlsx) = (&b.native_csv, &b.native_xlsx);
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    let rate = |bytes: u64, ms: f64| format!("{:.1} MB/s", mb(bytes) / (ms / 1000.0));
    let ferry_csv_ms = number(&b.ferry_csv, &["ms"]);
    let ferry_csv_worker_ms = number(&b.ferry_csv, &["read_ms"]) + number(&b.ferry_csv, &["check_ms"]);
    let ferry_xlsx_ms = number(&b.ferry_xlsx, &["ms"]);
    let papa_ms = number(&b.papaparse, &["ms"]);
    let udsv_ms = number(&b.udsv, &["ms"]);
    let sheetjs_ms = number(&b.sheetjs, &["ms"]);
    let native_ms = number(native_csv, &["ms"]);
    println!();
    println!("Ferry benchmark: file -> validated Engage payload (check + every bulk_post body); median of {ROUNDS} runs");
    println!("  CSV  {CSV_ROWS} rows x 10 columns, quoted: {:.1} MB", mb(csv_bytes));
    println!("  XLSX {XLSX_ROWS} rows x 10 columns: {:.1} MB", mb(xlsx_bytes));
    println!();
    println!("  Ferry (wasm, import worker -> page) CSV : {ferry_csv_ms:>8.0} ms  {}", rate(csv_bytes, ferry_csv_ms));
    println!(
        "    of which in the worker: read {:.0} ms, check + payload {:.0} ms (in-worker speedup vs PapaParse {:.1}x)",
        number(&b.ferry_csv, &["read_ms"]),
        number(&b.ferry_csv, &["check_ms"]),
        papa_ms / ferry_csv_worker_ms
    );
    println!("  Ferry native (release) CSV            : {native_ms:>8.0} ms  {}", rate(csv_bytes, native_ms));
    println!("  PapaParse {:<6} + JS checks, CSV      : {papa_ms:>8.0} ms  {}", "5.5.3", rate(csv_bytes, papa_ms));
    println!("  uDSV {:<6} + JS checks, CSV           : {udsv_ms:>8.0} ms  {}", "0.7.3", rate(csv_bytes, udsv_ms));
    println!("  Ferry (wasm) XLSX                      : {ferry_xlsx_ms:>8.0} ms  {}", rate(xlsx_bytes, ferry_xlsx_ms));
    println!("  Ferry native (release) XLSX           : {:>8.0} ms", number(native_xlsx, &["ms"]));
    println!("  SheetJS {:<6} + JS checks, XLSX       : {sheetjs_ms:>8.0} ms  {}", "0.18.5", rate(xlsx_bytes, sheetjs_ms));
    println!();
    println!("  Same work? Ferry CSV  : {}", totals(&b.ferry_csv));
    println!("             native CSV : {}", totals(native_csv));
    println!("             PapaParse  : {}", totals(&b.papaparse));
    println!("             uDSV       : {}", totals(&b.udsv));
    println!("             Ferry XLSX : {}", totals(&b.ferry_xlsx));
    println!("             SheetJS    : {}", totals(&b.sheetjs));
    println!(
        "  Main thread during Ferry's CSV imports: longest gap {:.0} ms (median run: gap {:.0} ms, longest Long Task entry {:.0} ms)",
        b.longest_gap,
        number(&b.ferry_csv, &["longest_gap_ms"]),
        number(&b.ferry_csv, &["longest_longtask_ms"])
    );
    println!(
        "  Peak memory rise during Ferry's CSV import: {:.1} MB (sheet itself: {:.1} MB; wasm memory: worker {:.1} MB, page {:.1} MB)",
        mb(b.peak_rise),
        number(&b.ferry_csv, &["sheet_bytes"]) / 1e6,
        number(&b.ferry_csv, &["worker_wasm_bytes"]) / 1e6,
        number(&b.ferry_csv, &["page_wasm_bytes"]) / 1e6
    );
    println!();
    let longest = b.longest_gap;
    println!("speedup vs papaparse pipeline: {:.1}x", b.ratios.papaparse);
    println!("speedup vs udsv pipeline: {:.1}x", b.ratios.udsv);
    println!("wasm vs native: {:.1}x", b.ratios.native);
    println!("speedup vs sheetjs xlsx: {:.1}x", b.ratios.sheetjs);
    println!("longest main-thread task: {longest:.0} ms");
    println!("peak memory / file size: {:.1}x", b.peak_rise as f64 / csv_bytes as f64);
    Ok(())
}
