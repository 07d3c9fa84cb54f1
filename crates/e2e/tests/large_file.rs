//! A large file is read in the import worker: the page shows progress while it reads, a
//! read can be cancelled (the page keeps what it had), and every row arrives.

mod common;

use common::{close_without_errors, screenshot, stack};
use ferry_e2e::browser::Browser;
use ferry_e2e::TempDir;
use std::time::Duration;

/// Quoted CSV of `rows` participants (about 83 bytes a row).
fn large_csv(rows: usize) -> Vec<u8> {
    let mut out = String::from("\"Participant ID\",\"Email\",\"Note\"\n");
    for i in 1..=rows {
        out.push_str(&format!("\"P{i:07}\",\"person{i}@example.org\",\"said, \"\"hello\"\" on a long line of notes {i}\"\n"));
    }
    out.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_is_read_with_progress_and_can_be_cancelled() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-large").unwrap();
    let big = dir.path().join("participants-large.csv");
    let rows = 1_000_000;
    std::fs::write(&big, large_csv(rows)).unwrap();

    // The first read is cancelled while in progress: nothing is loaded, no error shown.
    browser.choose_file(&big).await.unwrap();
    let status = browser.wait_for_text("#read-progress", "Reading the file").await.unwrap();
    assert!(status.contains("MB"), "{status}");
    screenshot(&browser, "large-0-reading").await;
    browser.client.find(fantoccini::Locator::Css("#read-cancel")).await.unwrap().click().await.unwrap();
    for _ in 0..50 {
        if browser.client.find_all(fantoccini::Locator::Css("#read-progress")).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(browser.client.find_all(fantoccini::Locator::Css("#read-progress")).await.unwrap().is_empty(), "progress gone after cancel");
    assert!(browser.client.find_all(fantoccini::Locator::Css("#read-error")).await.unwrap().is_empty(), "a cancel is not an error");

    // Read again, to the end: progress moves, then every row is there.
    browser.choose_file(&big).await.unwrap();
    let mut seen_partial = false;
    for _ in 0..600 {
        let status = browser.client.find_all(fantoccini::Locator::Css("#read-progress")).await.unwrap();
        if let Some(el) = status.first() {
            let text = el.text().await.unwrap_or_default();
            seen_partial |= !text.contains("(0%)") && !text.contains("(100%)");
        }
        let heading = browser.client.find_all(fantoccini::Locator::Css("main h3")).await.unwrap();
        if let Some(h) = heading.first() {
            if h.text().await.unwrap_or_default().contains("rows") {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen_partial, "the page showed progress between the start and the end (it kept answering)");
    let heading = browser.wait_for_text("main h3", "rows").await.unwrap();
    assert!(heading.contains(&format!("{} rows", ferry_core::text::thousands(rows))), "{heading}");
    let table = browser.wait_for_text("main table", "P0000001").await.unwrap();
    assert!(table.contains("said, \"hello\" on a long line of notes 1"), "{table}");
    screenshot(&browser, "large-1-read").await;

    // Review: a million rows, checked in the worker as the file was read, then again
    // after an edit in the grid, with the page usable throughout.
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    let summary = browser.wait_for_text_within("#review-summary", "1,000,000", Duration::from_secs(180)).await.unwrap();
    assert!(summary.contains("1,000,000\nready to send"), "{summary}");
    browser.wait_for("#payload-preview").await.unwrap();
    screenshot(&browser, "large-2-review").await;
    // The grid scrolls to the millionth row with only the rows in view in the page.
    let took = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const grid = document.querySelector('#data-grid'); \
             const t0 = performance.now(); grid.scrollTop = grid.scrollHeight; grid.dispatchEvent(new Event('scroll')); \
             const wait = () => { if (document.querySelector('#data-grid tr[data-row=\"1000001\"]')) { requestAnimationFrame(() => done(performance.now() - t0)); } else { setTimeout(wait, 5); } }; wait();",
            vec![],
        )
        .await
        .unwrap();
    let rendered = browser.client.find_all(fantoccini::Locator::Css("#data-grid tbody tr")).await.unwrap().len();
    assert!(rendered < 40, "only the rows in view are in the page: {rendered}");
    eprintln!("grid: scrolled to row 1,000,001 of a 1,000,000-row sheet in {took} ms (debug build), {rendered} rows in the page");
    screenshot(&browser, "large-3-grid-end").await;
    browser
        .client
        .execute("const grid = document.querySelector('#data-grid'); grid.scrollTop = 0; grid.dispatchEvent(new Event('scroll'));", vec![])
        .await
        .unwrap();

    // Every row was checked once, by the import worker while it read the file (review
    // started no check of its own); an edit checks only the rows it can change (here the
    // edited row alone), on the page, and the counts follow.
    let full_checks = || async { browser.wait_for("#review-summary").await.unwrap().attr("data-full-checks").await.unwrap() };
    assert_eq!(full_checks().await.as_deref(), Some("0"), "the findings came with the file");
    // As a person does: into the cell, everything in it selected, a new value, Enter.
    let cell = browser.wait_for("#data-grid input[aria-label='Row 2, column B']").await.unwrap();
    cell.click().await.unwrap();
    cell.send_keys("\u{E009}a\u{E009}not-an-email\u{E007}").await.unwrap();
    let summary = browser.wait_for_text_within("#review-summary", "999,999", Duration::from_secs(180)).await.unwrap();
    assert!(summary.contains("1\nwith problems"), "{summary}");
    let issues = browser.wait_for_text("#issues", "not-an-email").await.unwrap();
    assert!(issues.contains("is not a valid e-mail address"), "{issues}");
    assert_eq!(full_checks().await.as_deref(), Some("0"), "the edit did not check every row again");
    let cell = browser.wait_for("#data-grid input[aria-label='Row 2, column B']").await.unwrap();
    cell.click().await.unwrap();
    cell.send_keys("\u{E009}a\u{E009}fixed@example.org\u{E007}").await.unwrap();
    let summary = browser.wait_for_text_within("#review-summary", "1,000,000\nready", Duration::from_secs(60)).await.unwrap();
    assert!(summary.contains("0\nwith problems"), "{summary}");
    assert_eq!(full_checks().await.as_deref(), Some("0"), "nor did the fix");
    // A change of mapping is a change for every row: checked in full again.
    browser.click_button("Back").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap().select_by_value("").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text_within("#review-summary", "1,000,000\nready", Duration::from_secs(180)).await.unwrap();
    assert_eq!(full_checks().await.as_deref(), Some("1"));
    close_without_errors(browser).await;
}

/// A file whose first megabytes are plain ASCII and whose last rows are Windows-1252
/// (a spreadsheet saved as "CSV" on an older Windows): its rows are already on their way
/// to the page when the first non-UTF-8 byte turns up, and it is read again, whole,
/// as Windows-1252, with nothing doubled and the accents right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_stops_being_utf8_after_a_few_megabytes_is_read_again_as_windows_1252() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-late-1252").unwrap();
    let path = dir.path().join("export-windows.csv");
    let rows = 30_000;
    let mut bytes = large_csv(rows - 1);
    assert!(bytes.len() > 2 << 20, "several pieces go to the page before the odd byte");
    // "José Müller" in Windows-1252: é is 0xE9, ü is 0xFC (neither is UTF-8 on its own).
    bytes.extend_from_slice(b"\"P9999999\",\"jos\xe9@example.org\",\"Jos\xe9 M\xfcller\"\n");
    std::fs::write(&path, bytes).unwrap();

    browser.choose_file(&path).await.unwrap();
    let heading = browser.wait_for_text_within("main h3", "rows", Duration::from_secs(60)).await.unwrap();
    assert!(heading.contains(&format!("{} rows", ferry_core::text::thousands(rows))), "{heading}");
    let encoding = browser.wait_for("#read-encoding").await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(encoding, "Windows-1252 / Latin-1");
    // The last row, at the end of the review grid.
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for("#data-grid").await.unwrap();
    browser
        .client
        .execute("const grid = document.querySelector('#data-grid'); grid.scrollTop = grid.scrollHeight; grid.dispatchEvent(new Event('scroll'));", vec![])
        .await
        .unwrap();
    browser.wait_for(&format!("#data-grid tr[data-row='{}']", rows + 1)).await.unwrap();
    let last = browser
        .client
        .execute(&format!("return [...document.querySelectorAll(\"#data-grid tr[data-row='{}'] input\")].map(i => i.value)", rows + 1), vec![])
        .await
        .unwrap();
    assert_eq!(last, serde_json::json!(["P9999999", "josé@example.org", "José Müller"]));
    screenshot(&browser, "large-4-late-windows-1252").await;
    close_without_errors(browser).await;
}
