//! The user's path, measured: the release page a user meets, driven in headless Chromium
//! through choosing a 1,000,000-row CSV → the sheet shown → the columns step → review
//! complete (every row checked, the counts shown), for each of the four platforms, against
//! a PapaParse importer in a Web Worker that does the same checks (`bench/importer*.js`,
//! `bench/vendor-checks.js`), in the same browser, in alternating runs.
//!
//! Ferry's time is what the user waits, by the page's own clock: from the file input's
//! `change` to the sheet shown, plus from the click on "Next: choose columns" to the
//! columns step, plus from the click on "Next: review the rows" to review complete (the
//! driver's own time between the steps is not counted). The peer's is from its input's
//! `change` to its worker's answer. Both are given the file as a user gives it (the file
//! input), and both workers are started when their page loads.
//!
//! Then the user edits one cell in review's grid (an e-mail no platform takes) and the
//! counts follow: timed, not part of the ratio.
//!
//! Also measured: the longest main-thread stall during Ferry's runs, the edit included (a
//! 10 ms timer loop on the page), the renderer's peak memory over the file's size (Linux `VmHWM`, reset once
//! the page has loaded and again at the end of each stage, so each run tells which stage
//! peaked), and the page's first load (its own wasm and JS, gzip).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ferry_e2e::browser::Browser;
use ferry_e2e::StaticSite;
use serde_json::{json, Value};

use crate::bench::{median_of, peak, renderers, reset_peak};
use crate::{bench_data, root, Result};

/// Rows of the CSV.
const ROWS: usize = 1_000_000;
/// Each vendor's pair of runs is repeated this many times (`FERRY_BENCH_ROUNDS` to change).
const ROUNDS: usize = 3;
/// The four platforms, by their ids (the page's `target`, the peer's `?vendor=`).
const VENDORS: [&str; 4] = ["engage", "lumi-say", "participant-kit", "engaging-networks"];
/// The peer's files, from `bench/`.
const PEER_FILES: [&str; 4] = ["importer.html", "importer.js", "importer-worker.js", "vendor-checks.js"];

/// The site's settings: what each platform needs for review to open (no credentials).
fn site_config(target: &str) -> Value {
    json!({
        "target": target,
        "engage": { "org_slug": "bench-org", "activity_slug": "baseline" },
        "lumi_say": { "base_url": "https://lumi.bench.example", "project": "bench", "group_id": "101" },
        "participant_kit": { "base_url": "https://pk.bench.example/api", "study_id": "stu_bench" },
        "engaging_networks": { "import_name": "bench", "format_name": "bench-supporters", "columns": ["Email Address", "First Name", "Last Name", "Phone Number", "Notes"] },
    })
}

/// Marks the moments of the user's path on the page's clock, and the longest stall.
const WATCH: &str = r#"
const rowsText = arguments[0], rowCount = arguments[1];
const f = window.__ferry = { longest: 0, longestRead: 0, longestEdit: 0, marks: {} };
// The edit's stall is watched until this long after its counts are shown (the issues
// and the grid are redrawn after them).
const EDIT_TAIL_MS = 500;
const m = f.marks;
let last = performance.now();
const tick = () => {
  const now = performance.now();
  if (m.chosen && !m.done) f.longest = Math.max(f.longest, now - last);
  if (m.chosen && !m.shown) f.longestRead = Math.max(f.longestRead, now - last);
  if (m.editStart && !m.editSettled) f.longestEdit = Math.max(f.longestEdit, now - last);
  last = now;
  if (m.editDone && !m.editSettled && now - m.editDone > EDIT_TAIL_MS) m.editSettled = now;
  f.ticking = !m.done || (m.editStart && !m.editSettled);
  if (f.ticking) setTimeout(tick, 10);
};
tick();
document.addEventListener('change', e => { if (e.target && e.target.id === 'file-input') m.chosen = performance.now(); }, true);
document.addEventListener('click', e => {
  const button = e.target && e.target.closest && e.target.closest('button');
  if (!button) return;
  if (button.textContent.includes('Next: choose columns')) m.mapClick = performance.now();
  if (button.textContent.includes('Next: review the rows')) m.reviewClick = performance.now();
}, true);
const count = el => Number((el ? el.textContent : '').replace(/[^0-9]/g, ''));
const check = () => {
  const now = performance.now();
  if (m.chosen && !m.shown) {
    const heading = document.querySelector('main h3');
    if (heading && heading.textContent.includes(rowsText)) m.shown = now;
  }
  if (m.mapClick && !m.mapShown && document.querySelector('#map-heading')) m.mapShown = now;
  if (m.reviewClick && !m.done && !document.querySelector('#review-checking')) {
    const cells = document.querySelectorAll('#review-summary strong');
    if (cells.length === 3 && count(cells[0]) + count(cells[1]) === rowCount) {
      m.done = now;
      f.counts = { ready: count(cells[0]), held: count(cells[1]), warnings: count(cells[2]) };
    }
  }
  if (m.editStart && !m.editDone) {
    const summary = document.querySelector('#review-summary');
    const cells = document.querySelectorAll('#review-summary strong');
    if (summary && summary.getAttribute('aria-busy') !== 'true' && cells.length === 3 && count(cells[1]) === f.counts.held + 1) m.editDone = now;
  }
};
// The user's edit: in the first row of the grid with no mark, the e-mail (column B, mapped
// for every platform) becomes one no platform takes, and the change is committed (as
// Enter or leaving the cell does). Done when the counts show one more row held back.
f.edit = () => {
  for (const row of document.querySelectorAll('#data-grid tbody tr[data-row]')) {
    if (row.querySelector('.error, .warn')) continue;
    const input = row.querySelector("input[aria-label$=', column B']");
    if (!input) continue;
    f.editedRow = row.dataset.row;
    m.editStart = performance.now();
    if (!f.ticking) { f.ticking = true; last = m.editStart; setTimeout(tick, 10); }
    input.value = 'not-an-email';
    input.dispatchEvent(new Event('change', { bubbles: true }));
    return true;
  }
  return false;
};
new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['aria-busy'] });
"#;

/// One of Ferry's runs.
#[derive(Debug, Clone)]
struct FerryRun {
    /// What the user waited, in ms.
    ms: f64,
    /// Of which: choosing → sheet shown, and → review complete.
    shown_ms: f64,
    review_ms: f64,
    counts: Value,
    longest_stall: f64,
    /// The longest stall while the file was read (until the sheet was shown).
    read_stall: f64,
    /// An edit of one cell in review's grid: from its change to the counts that follow.
    edit_ms: f64,
    /// The longest stall from the edit until half a second after its counts were shown.
    edit_stall: f64,
    /// The peak of each stage: reading (to the sheet shown), the columns step and review
    /// (to the grid drawn), the edit (to half a second after its counts).
    stage_peaks: [u64; 3],
}

/// One of the peer's runs.
#[derive(Debug, Clone)]
struct PeerRun {
    ms: f64,
    counts: Value,
}

/// Builds the release page and the peer beside it, then measures; prints the summary.
pub fn user_path() -> Result {
    let dist = crate::bench_page::release_page()?;
    let site_dir = root().join("target/bench/user-path");
    let _ = std::fs::remove_dir_all(&site_dir);
    // One copy of the page per platform, each with its own ferry.config.json (a page
    // reading one rewritten file could be answered from the browser's cache).
    for vendor in VENDORS {
        copy_dir(&dist, &site_dir.join(vendor))?;
        std::fs::write(site_dir.join(vendor).join("ferry.config.json"), site_config(vendor).to_string()).map_err(|e| e.to_string())?;
    }
    let peer = site_dir.join("peer");
    std::fs::create_dir_all(peer.join("vendor")).map_err(|e| e.to_string())?;
    for file in PEER_FILES {
        std::fs::copy(root().join("bench").join(file), peer.join(file)).map_err(|e| format!("bench/{file}: {e}"))?;
    }
    std::fs::copy(root().join(".tools/node_modules/papaparse/papaparse.min.js"), peer.join("vendor/papaparse.min.js"))
        .map_err(|e| format!("papaparse: {e}"))?;

    let data = root().join("target/bench/page-data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let csv = data.join("participants-1m.csv");
    eprintln!("xtask: generating {ROWS} rows of CSV");
    let bytes = bench_data::write_csv(&csv, ROWS).map_err(|e| e.to_string())?;
    let first_load = first_load_gzip(&dist)?;

    let rounds = std::env::var("FERRY_BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS).max(1);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let runs = runtime.block_on(async {
        // Each copy served at the root of its own port (the page names its files from `/`).
        let mut sites = Vec::new();
        for vendor in VENDORS {
            sites.push(StaticSite::start(&site_dir.join(vendor), Duration::from_secs(3600)).await?);
        }
        let peer_site = StaticSite::start(&site_dir.join("peer"), Duration::from_secs(3600)).await?;
        let browser = Browser::start().await?;
        let mut runs: Vec<Vec<(FerryRun, PeerRun)>> = vec![Vec::new(); VENDORS.len()];
        // `FERRY_BENCH_VENDORS=lumi-say,engage`: only those (for trying a change).
        let only = std::env::var("FERRY_BENCH_VENDORS").unwrap_or_default();
        for round in 1..=rounds {
            for (v, vendor) in VENDORS.iter().enumerate().filter(|(_, v)| only.is_empty() || only.split(',').any(|o| o.trim() == **v)) {
                let ferry = ferry_run(&browser, &sites[v], &csv).await?;
                let peer = peer_run(&browser, &peer_site, vendor, &csv).await?;
                eprintln!(
                    "xtask: round {round}, {vendor}: Ferry {:.0} ms (sheet shown {:.0}, review {:.0}; stall {:.0} ms, {:.0} while reading; an edit {:.0} ms, stall {:.0} ms; memory's peak / file: reading {:.2}x, columns and review {:.2}x, edit {:.2}x) {}; PapaParse importer {:.0} ms {}",
                    ferry.ms,
                    ferry.shown_ms,
                    ferry.review_ms,
                    ferry.longest_stall,
                    ferry.read_stall,
                    ferry.edit_ms,
                    ferry.edit_stall,
                    ferry.stage_peaks[0] as f64 / bytes as f64,
                    ferry.stage_peaks[1] as f64 / bytes as f64,
                    ferry.stage_peaks[2] as f64 / bytes as f64,
                    ferry.counts,
                    peer.ms,
                    peer.counts
                );
                runs[v].push((ferry, peer));
            }
        }
        let errors = browser.errors().await;
        browser.close().await;
        if !errors.is_empty() {
            return Err(format!("the page reported errors: {errors:?}"));
        }
        Ok::<_, String>(runs)
    })?;
    let send = if std::env::var_os("FERRY_BENCH_NO_SEND").is_some() {
        None
    } else {
        crate::bench_send::build_stack()?;
        Some(runtime.block_on(crate::bench_send::send_efficiency(&dist, &csv, ROWS))?)
    };
    report(bytes, first_load, &runs, send.as_ref())
}

/// Ferry: the release page set for one platform (`site`), the file chosen, the columns step, review.
async fn ferry_run(browser: &Browser, site: &StaticSite, csv: &Path) -> Result<FerryRun> {
    browser.open_fresh(&format!("{}/", site.url)).await?;
    browser.wait_for("#file-input").await?;
    // The page has started its import worker; let it and the page settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows_text = format!("{} rows", ferry_core::text::thousands(ROWS));
    browser.client.execute(WATCH, vec![json!(rows_text), json!(ROWS)]).await.map_err(|e| e.to_string())?;
    // Every renderer is watched: the page may have taken over the spare renderer Chromium
    // keeps ready (one already there before it opened), and the others do not grow.
    let ours: Vec<u32> = renderers();
    let baseline: Vec<(u32, u64)> = ours.iter().map(|&p| (p, reset_peak(p))).collect();
    // The peak of each stage on its own: read when the stage ends, then reset.
    let mut stage_peaks = [0u64; 3];
    let mut stage_ended = |stage: usize| {
        stage_peaks[stage] = baseline.iter().map(|&(p, rss)| peak(p).saturating_sub(rss)).max().unwrap_or(0);
        for &(p, _) in &baseline {
            reset_peak(p);
        }
    };
    browser.choose_file(csv).await?;
    wait_mark(browser, "shown", Duration::from_secs(300)).await?;
    stage_ended(0);
    browser.click_button("Next: choose columns").await?;
    wait_mark(browser, "mapShown", Duration::from_secs(60)).await?;
    browser.click_button("Next: review the rows").await?;
    wait_mark(browser, "done", Duration::from_secs(120)).await?;
    // The edit, once review's grid is drawn (just after the counts).
    browser.wait_for("#data-grid tbody tr[data-row]").await?;
    // What review draws after the grid (the fixes, the payload preview) counts as review's.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stage_ended(1);
    let edited: Value = browser.client.execute("return window.__ferry.edit()", vec![]).await.map_err(|e| e.to_string())?;
    if edited != json!(true) {
        return Err("review's grid showed no row without a problem to edit".into());
    }
    wait_mark(browser, "editSettled", Duration::from_secs(60)).await?;
    stage_ended(2);
    let f: Value = browser
        .client
        .execute("const f = window.__ferry; f.fullChecks = document.querySelector('#review-summary').dataset.fullChecks; return f", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let mark = |name: &str| f["marks"][name].as_f64().unwrap_or(f64::NAN);
    let shown_ms = mark("shown") - mark("chosen");
    let map_ms = mark("mapShown") - mark("mapClick");
    let review_ms = mark("done") - mark("reviewClick");
    let edit_ms = mark("editDone") - mark("editStart");
    Ok(FerryRun {
        edit_ms,
        edit_stall: f["longestEdit"].as_f64().unwrap_or(f64::NAN),
        ms: shown_ms + map_ms + review_ms,
        shown_ms,
        review_ms,
        counts: json!({ "ready": f["counts"]["ready"], "held": f["counts"]["held"], "warnings": f["counts"]["warnings"], "full_checks": f["fullChecks"] }),
        longest_stall: f["longest"].as_f64().unwrap_or(f64::NAN),
        read_stall: f["longestRead"].as_f64().unwrap_or(f64::NAN),
        stage_peaks,
    })
}

/// Waits until the page has noted `mark` (polling, so no script timeout applies).
async fn wait_mark(browser: &Browser, mark: &str, limit: Duration) -> Result {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        let value: Value = browser.client.execute(&format!("return window.__ferry.marks.{mark} || null"), vec![]).await.map_err(|e| e.to_string())?;
        if !value.is_null() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text: Value = browser.client.execute("return document.querySelector('main').innerText", vec![]).await.unwrap_or_default();
    Err(format!("the page did not reach \"{mark}\" within {} s; it shows: {}", limit.as_secs(), text.as_str().unwrap_or_default()))
}

/// The PapaParse importer for `vendor`, given the same file.
async fn peer_run(browser: &Browser, site: &StaticSite, vendor: &str, csv: &Path) -> Result<PeerRun> {
    browser.open(&format!("{}/importer.html?vendor={vendor}", site.url)).await?;
    let input = browser.wait_for("#file").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    input.send_keys(&csv.display().to_string()).await.map_err(|e| e.to_string())?;
    for _ in 0..6000 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let value: Value = browser.client.execute("return window.__peer || null", vec![]).await.map_err(|e| e.to_string())?;
        if let Some(error) = value.get("error") {
            return Err(format!("the PapaParse importer ({vendor}): {error}"));
        }
        if let Some(ms) = value.get("ms").and_then(Value::as_f64) {
            return Ok(PeerRun { ms, counts: value["result"].clone() });
        }
    }
    Err(format!("the PapaParse importer ({vendor}) gave no answer within 10 minutes"))
}

/// The page's own wasm and JS (not the import worker's), gzip-compressed, in bytes.
fn first_load_gzip(dist: &Path) -> Result<u64> {
    let index = std::fs::read_to_string(dist.join("index.html")).map_err(|e| e.to_string())?;
    let mut total = 0;
    for entry in std::fs::read_dir(dist).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let page_file = (name.ends_with(".js") || name.ends_with(".wasm")) && !name.starts_with("ferry-worker");
        // The page's files are the ones its index names (its JS, which loads its wasm).
        let named = index.contains(&name) || index.contains(name.trim_end_matches("_bg.wasm"));
        if page_file && named {
            total += gzip_size(&path)?;
        }
    }
    Ok(total)
}

/// `gzip -9`'s output size for `path`.
fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").arg("-9c").arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {}: {}", path.display(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout.len() as u64)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn report(bytes: u64, first_load: u64, runs: &[Vec<(FerryRun, PeerRun)>], send: Option<&crate::bench_send::SendFigures>) -> Result {
    let mut out = std::io::stdout().lock();
    let mb = bytes as f64 / 1_000_000.0;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "The user's path, release page (choose a {ROWS}-row CSV of {mb:.1} MB -> sheet shown -> review complete), median of {} runs:",
        runs.iter().map(Vec::len).max().unwrap_or(0)
    );
    let mut ratios = Vec::new();
    for (vendor, pairs) in VENDORS.iter().zip(runs) {
        if pairs.is_empty() {
            continue;
        }
        let ferry = median_of(pairs.iter().map(|(f, _)| f.ms).collect());
        let shown = median_of(pairs.iter().map(|(f, _)| f.shown_ms).collect());
        let review = median_of(pairs.iter().map(|(f, _)| f.review_ms).collect());
        let peer = median_of(pairs.iter().map(|(_, p)| p.ms).collect());
        let _ = writeln!(out, "  {vendor:<18} Ferry {ferry:>6.0} ms (sheet shown {shown:.0}, review {review:.0})   PapaParse importer {peer:>6.0} ms");
        let (f, p) = (&pairs[0].0.counts, &pairs[0].1.counts);
        let _ = writeln!(
            out,
            "  {:<18} same work? Ferry: {} ready, {} with problems, {} warnings; PapaParse: {} ready, {} with problems, {} warnings",
            "", f["ready"], f["held"], f["warnings"], p["ready"], p["held"], p["warnings"]
        );
        if f["ready"] != p["ready"] || f["held"] != p["held"] || f["warnings"] != p["warnings"] {
            return Err(format!("{vendor}: Ferry and the PapaParse importer disagree ({f} against {p}): the checks are not the same work"));
        }
        // Worked out within each pair (both sides saw the same machine), then the median.
        ratios.push((vendor, median_of(pairs.iter().map(|(f, p)| p.ms / f.ms).collect())));
    }
    let all: Vec<&FerryRun> = runs.iter().flatten().map(|(f, _)| f).collect();
    let stall = all.iter().map(|f| f.longest_stall.max(f.edit_stall)).fold(0.0, f64::max);
    let edit = median_of(all.iter().map(|f| f.edit_ms).collect());
    let edit_stall = all.iter().map(|f| f.edit_stall).fold(0.0, f64::max);
    let peak = all.iter().flat_map(|f| f.stage_peaks).max().unwrap_or(0);
    let _ = writeln!(out);
    for (vendor, ratio) in &ratios {
        let _ = writeln!(out, "user path vs papaparse importer ({}): {ratio:.1}x", vendor.replace('-', " "));
    }
    let _ = writeln!(out, "an edit in review (one cell, counts shown): {edit:.0} ms at the median, longest stall {edit_stall:.0} ms");
    let _ = writeln!(out, "longest main-thread stall: {stall:.0} ms");
    let _ = writeln!(out, "peak memory / file size: {:.1}x", peak as f64 / bytes as f64);
    let _ = writeln!(out, "first load (page wasm + js, gzip): {} KB", first_load / 1000);
    if let Some(send) = send {
        let _ = writeln!(
            out,
            "send: {} records to Engage through the proxy, {:.0} records/s, longest main-thread stall {:.0} ms",
            send.records, send.rate, send.stall
        );
        let _ = writeln!(out, "{}", crate::bench_send::efficiency_line(send));
    }
    Ok(())
}
