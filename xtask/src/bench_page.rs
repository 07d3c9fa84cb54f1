//! The page a user meets, with large but legal files: the release build of the app served
//! on loopback, driven through upload, map and review in headless Chromium with a timer
//! loop on the page, for a CSV of 5,000 columns and a CSV with one 10 MB cell. Prints the
//! page's longest main-thread stall for each (a turn of the timer loop that came late).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ferry_e2e::browser::Browser;
use ferry_e2e::StaticSite;
use serde_json::Value;

use crate::{root, run, Result};

/// Columns of the wide file.
const WIDE_COLUMNS: usize = 5_000;
/// Rows of the wide file.
const WIDE_ROWS: usize = 1_000;
/// Characters of the long cell.
const LONG_CELL: usize = 10 * 1_048_576;

/// Keeps the longest gap between turns of a 10 ms timer loop on the page.
const STALL_WATCH: &str = "window.__longest = 0; let last = performance.now(); \
    const tick = () => { const now = performance.now(); window.__longest = Math.max(window.__longest, now - last); last = now; setTimeout(tick, 10); }; tick();";

fn wide_csv(path: &Path) -> std::io::Result<()> {
    let mut text = String::from("Participant ID,Email");
    for q in 3..=WIDE_COLUMNS {
        text.push_str(&format!(",Question {q}"));
    }
    text.push('\n');
    for row in 1..=WIDE_ROWS {
        text.push_str(&format!("P-{row},p{row}@example.org"));
        for q in 3..=WIDE_COLUMNS {
            text.push_str(&format!(",{}", (row * q) % 7));
        }
        text.push('\n');
    }
    std::fs::write(path, text)
}

fn long_cell_csv(path: &Path) -> std::io::Result<()> {
    let long: String = (0..LONG_CELL).map(|i| if i % 80 == 79 { ' ' } else { (b'a' + (i % 26) as u8) as char }).collect();
    std::fs::write(path, format!("Participant ID,Email,Notes\nP-1,a@example.org,\"{long}\"\nP-2,b@example.org,short note\n"))
}

async fn longest(browser: &Browser) -> Result<f64> {
    let value: Value = browser.client.execute("return window.__longest", vec![]).await.map_err(|e| e.to_string())?;
    Ok(value.as_f64().unwrap_or(f64::NAN))
}

/// Upload, map and review of `file` on a fresh page; the longest stall after each step.
async fn walk(site: &StaticSite, file: &Path, rows: &str, long_cell: bool) -> Result<Vec<(&'static str, f64)>> {
    let browser = Browser::start().await?;
    browser.open(&site.url).await?;
    browser.wait_for("#file-input").await?;
    browser.client.execute(STALL_WATCH, vec![]).await.map_err(|e| e.to_string())?;
    let mut figures = Vec::new();
    browser.choose_file(file).await?;
    browser.wait_for_text_within("main h3", rows, Duration::from_secs(120)).await?;
    figures.push(("upload", longest(&browser).await?));
    browser.click_button("Next: choose columns").await?;
    browser.wait_for("#map-participant-email").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    figures.push(("map", longest(&browser).await?));
    browser.click_button("Next: review the rows").await?;
    browser.wait_for("#data-grid tbody tr").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    figures.push(("review", longest(&browser).await?));
    if long_cell {
        let button = browser.wait_for("#data-grid button.long-cell").await?;
        button.click().await.map_err(|e| e.to_string())?;
        browser.wait_for("#long-cell-text").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        figures.push(("shown whole", longest(&browser).await?));
    } else {
        browser
            .client
            .execute("const grid = document.querySelector('#data-grid'); grid.scrollLeft = grid.scrollWidth; grid.dispatchEvent(new Event('scroll'));", vec![])
            .await
            .map_err(|e| e.to_string())?;
        browser.wait_for_text("#data-grid thead", &format!("Question {WIDE_COLUMNS}")).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        figures.push(("scrolled right", longest(&browser).await?));
    }
    browser.close().await;
    Ok(figures)
}

/// Builds the app's page as `cargo xtask serve` does (release) into `target/bench/app-dist`.
pub fn release_page() -> Result<std::path::PathBuf> {
    eprintln!("xtask: building the app's page (release)");
    let dist = root().join("target/bench/app-dist");
    run(Command::new("trunk").args(["build", "--release", "--dist"]).arg(&dist).env("PATH", crate::tool_path()))?;
    Ok(dist)
}

/// Builds the release page and prints the longest stall for both files.
pub fn page_stalls() -> Result {
    let dist = release_page()?;
    // The site's settings, so the map step has what Engage needs and review opens.
    let config = serde_json::json!({ "engage": { "org_slug": "bench-org", "activity_slug": "baseline" } });
    std::fs::write(dist.join("ferry.config.json"), config.to_string()).map_err(|e| e.to_string())?;
    let data = root().join("target/bench/page-data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let (wide, long) = (data.join("survey-5000-columns.csv"), data.join("notes-10mb-cell.csv"));
    wide_csv(&wide).map_err(|e| e.to_string())?;
    long_cell_csv(&long).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let (wide_figures, long_figures) = runtime.block_on(async {
        let site = StaticSite::start(&dist, Duration::from_secs(600)).await?;
        let wide = walk(&site, &wide, &format!("{},{:03} rows", WIDE_ROWS / 1000, WIDE_ROWS % 1000), false).await?;
        let long = walk(&site, &long, "2 rows", true).await?;
        Ok::<_, String>((wide, long))
    })?;
    let line = |figures: &[(&str, f64)]| figures.iter().map(|(step, ms)| format!("{step} {ms:.0} ms")).collect::<Vec<_>>().join(", ");
    let worst = |figures: &[(&str, f64)]| figures.iter().map(|(_, ms)| *ms).fold(0.0, f64::max);
    println!();
    println!("The page (release) with large files, longest main-thread stall so far after each step:");
    println!("  {WIDE_COLUMNS} columns x {WIDE_ROWS} rows ({:.1} MB): {}", file_mb(&wide), line(&wide_figures));
    println!("  one 10 MB cell ({:.1} MB): {}", file_mb(&long), line(&long_figures));
    println!("longest main-thread stall, {WIDE_COLUMNS}-column file: {:.0} ms", worst(&wide_figures));
    println!("longest main-thread stall, 10 MB cell: {:.0} ms", worst(&long_figures));
    Ok(())
}

fn file_mb(path: &Path) -> f64 {
    path.metadata().map_or(0.0, |m| m.len() as f64 / 1_000_000.0)
}
