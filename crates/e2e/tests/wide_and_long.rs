//! Large but legal files through upload, map and review: a sheet of 5,000 columns and a
//! cell of 10 MB. The page keeps only what is in view: the preview and the grid render
//! the columns in view, a wide sheet's fields are chosen from a searchable list, and a
//! long cell is cut in the grid with a way to read it whole. The page's longest stall
//! (a timer loop on the page) is printed, not asserted: tests never assert on timings.

mod common;

use common::{close_without_errors, screenshot, stack};
use fantoccini::Locator;
use ferry_e2e::browser::Browser;
use ferry_e2e::TempDir;
use std::time::Duration;

/// Starts a timer loop on the page that keeps the longest gap between its turns.
const STALL_WATCH: &str = "window.__longest = 0; let last = performance.now(); \
    const tick = () => { const now = performance.now(); window.__longest = Math.max(window.__longest, now - last); last = now; setTimeout(tick, 10); }; tick();";

async fn longest_stall(browser: &Browser) -> f64 {
    browser.client.execute("return window.__longest", vec![]).await.unwrap().as_f64().unwrap_or(f64::NAN)
}

async fn count(browser: &Browser, css: &str) -> usize {
    browser.client.find_all(Locator::Css(css)).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_of_five_thousand_columns_renders_only_the_columns_in_view() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-wide").unwrap();
    let path = dir.path().join("survey-wide.csv");
    let columns = 5_000;
    let mut text = String::from("Participant ID,Email");
    // One hostile column name: it must stay text in the page's list of names.
    text.push_str(",<img src=x onerror=alert(1)>");
    for q in 4..=columns {
        text.push_str(&format!(",Q{q:04}"));
    }
    text.push('\n');
    for row in 1..=40 {
        text.push_str(&format!("P-{row},p{row}@example.org"));
        for q in 3..=columns {
            text.push_str(&format!(",{}", (row * q) % 7));
        }
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    browser.client.execute(STALL_WATCH, vec![]).await.unwrap();

    browser.choose_file(&path).await.unwrap();
    browser.wait_for_text_within("main h3", "40 rows", Duration::from_secs(60)).await.unwrap();
    let more = browser.wait_for_text("#preview-more-columns", "5,000 columns").await.unwrap();
    assert!(more.contains("The first 30 of 5,000 columns"), "{more}");
    assert!(count(&browser, "main table thead th").await <= 31, "the preview shows the first columns only");
    let after_upload = longest_stall(&browser).await;

    // Map: the fields are chosen by typing a column's name, from one shared list.
    browser.click_button("Next: choose columns").await.unwrap();
    let email = browser.wait_for("#map-participant-email").await.unwrap();
    assert_eq!(email.prop("value").await.unwrap().as_deref(), Some("Email"), "suggested from the header");
    assert_eq!(email.attr("list").await.unwrap().as_deref(), Some("sheet-columns"));
    assert_eq!(count(&browser, "#sheet-columns option").await, columns, "one list of every column");
    assert!(count(&browser, "select option").await < 200, "no select of every column per field");
    assert_eq!(count(&browser, "img[src='x']").await, 0, "a column's name is never markup");
    let third = browser.client.execute("return document.querySelectorAll('#sheet-columns option')[2].value", vec![]).await.unwrap();
    assert_eq!(third, "<img src=x onerror=alert(1)>");
    email.clear().await.unwrap();
    email.send_keys("Q9999\u{E004}").await.unwrap();
    let unknown = browser.wait_for_text("#map-participant-email-unknown", "No column").await.unwrap();
    assert_eq!(unknown, "No column is named \"Q9999\".");
    let email = browser.wait_for("#map-participant-email").await.unwrap();
    email.clear().await.unwrap();
    email.send_keys("email\u{E004}").await.unwrap();
    browser.wait_for("#map-participant-email[aria-invalid='false']").await.unwrap();
    // Survey answers: searched, never listed five thousand at once.
    assert!(count(&browser, "input[id^='dynamic-']").await < 60);
    browser.fill("dynamic-search", "Q4321").await.unwrap();
    browser.wait_for_text("#dynamic-search-count", "1 column listed").await.unwrap();
    let listed = browser.wait_for("label[for='dynamic-4320']").await.unwrap().text().await.unwrap();
    assert_eq!(listed, "Q4321");
    screenshot(&browser, "wide-1-map").await;
    let after_map = longest_stall(&browser).await;

    // Review: the grid holds the columns in view, also when scrolled to the far end.
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text_within("#review-summary", "40", Duration::from_secs(60)).await.unwrap();
    // The step's lower part (grid, fixes, preview) is drawn just after its counts.
    browser.wait_for("#payload-preview").await.unwrap();
    // The step holds no element per column (the one list of names aside), and full
    // names are split from a column typed by name.
    let elements = browser
        .client
        .execute("return [...document.querySelectorAll('main *')].filter(e => !e.closest('datalist')).length", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(elements < 2_000, "review holds {elements} elements");
    let split = browser.wait_for("#split-name").await.unwrap();
    assert_eq!(split.attr("list").await.unwrap().as_deref(), Some("sheet-columns"));
    let headers = count(&browser, "#data-grid thead th").await;
    assert!(headers < 20, "only the columns in view are in the page: {headers}");
    assert!(count(&browser, "#data-grid tbody tr[data-row='2'] td").await < 20);
    browser
        .client
        .execute("const grid = document.querySelector('#data-grid'); grid.scrollLeft = grid.scrollWidth; grid.dispatchEvent(new Event('scroll'));", vec![])
        .await
        .unwrap();
    browser.wait_for_text("#data-grid thead", "Q5000").await.unwrap();
    let cell = browser.wait_for("#data-grid input[aria-label='Row 2, column GJH']").await.unwrap();
    assert_eq!(cell.prop("value").await.unwrap().as_deref(), Some("2"), "the last column's cell (5,000 × 1 mod 7)");
    assert!(count(&browser, "#data-grid thead th").await < 20);
    screenshot(&browser, "wide-2-review-far-right").await;
    let after_review = longest_stall(&browser).await;
    eprintln!("5,000 columns: longest main-thread stall after upload {after_upload:.0} ms, map {after_map:.0} ms, review {after_review:.0} ms (debug build)");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_megabyte_cell_is_cut_in_the_grid_and_can_be_read_whole() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-long").unwrap();
    let path = dir.path().join("notes-long.csv");
    let long: String = (0..10 * 1_048_576).map(|i| if i % 100 == 99 { ' ' } else { (b'a' + (i % 26) as u8) as char }).collect();
    std::fs::write(&path, format!("Participant ID,Email,Notes\nP-1,a@example.org,\"{long}\"\nP-2,b@example.org,short note\n")).unwrap();
    browser.client.execute(STALL_WATCH, vec![]).await.unwrap();

    browser.choose_file(&path).await.unwrap();
    browser.wait_for_text_within("main h3", "2 rows", Duration::from_secs(60)).await.unwrap();
    let after_upload = longest_stall(&browser).await;
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap();
    let after_map = longest_stall(&browser).await;
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text_within("#review-summary", "2", Duration::from_secs(60)).await.unwrap();
    browser.wait_for("#payload-preview").await.unwrap();
    let after_review = longest_stall(&browser).await;

    // In the grid the long cell is a short excerpt on a button; the short one an input.
    let longest_in_page: i64 = browser
        .client
        .execute("return Math.max(...[...document.querySelectorAll('main input, main td, main button, main textarea, main pre')].map(e => (e.value || e.textContent || '').length))", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(longest_in_page < 25_000, "no element holds the long cell whole: {longest_in_page}");
    let button = browser.wait_for("#data-grid tr[data-row='2'] button.long-cell").await.unwrap();
    let label = button.attr("aria-label").await.unwrap().unwrap_or_default();
    let shown = button.text().await.unwrap();
    assert!(shown.starts_with("abcdefghij") && shown.chars().count() <= 41, "{shown}");
    // Its name starts with what it shows (WCAG 2.5.3), then says what it is.
    assert_eq!(label, format!("{shown} (Row 2, column C: 10,485,760 characters, shown cut; show it whole)"));
    let short = browser.wait_for("#data-grid input[aria-label='Row 3, column C']").await.unwrap();
    assert_eq!(short.prop("value").await.unwrap().as_deref(), Some("short note"));

    // Shown whole, a part at a time.
    button.click().await.unwrap();
    let size = browser.wait_for_text("#long-cell-size", "characters").await.unwrap();
    assert!(size.starts_with("10,485,760 characters."), "{size}");
    let first = browser.wait_for("#long-cell-text").await.unwrap().text().await.unwrap();
    assert!(first.starts_with("abcdefghij") && first.chars().count() <= 10_000, "{}", first.len());
    browser.wait_for_text(".dialog", "Part 1 of 1,049").await.unwrap();
    browser.client.find(Locator::Css("#long-cell-next")).await.unwrap().click().await.unwrap();
    browser.wait_for_text(".dialog", "Part 2 of 1,049").await.unwrap();
    let second = browser.wait_for("#long-cell-text").await.unwrap().text().await.unwrap();
    assert_eq!(second.chars().next(), long.chars().nth(10_000), "part 2 starts where part 1 ended");
    screenshot(&browser, "long-1-cell-whole").await;
    // Escape closes it; focus was on the dialog's button.
    let focused = browser.client.active_element().await.unwrap();
    focused.send_keys("\u{E00C}").await.unwrap();
    for _ in 0..50 {
        if count(&browser, ".dialog").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count(&browser, ".dialog").await, 0, "Escape closes the dialog");
    let stall = longest_stall(&browser).await;
    eprintln!("10 MB cell: longest main-thread stall after upload {after_upload:.0} ms, map {after_map:.0} ms, review {after_review:.0} ms, the dialog {stall:.0} ms (debug build)");
    close_without_errors(browser).await;
}
