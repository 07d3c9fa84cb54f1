//! The send engine under a flaky network, in headless Chromium: a rate-limited vendor,
//! a proxy that dies mid-send, and a page reloaded mid-send and resumed.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{close_without_errors, screenshot, sign_in, stack_with};
use ferry_e2e::browser::Browser;
use ferry_e2e::{Stack, TempDir};

/// A file of `n` synthetic people with participant ids `E2E-0001`….
fn people(dir: &Path, n: usize) -> PathBuf {
    let mut csv = String::from("Participant ID,Email,First name,Last name\n");
    for i in 1..=n {
        csv.push_str(&format!("E2E-{i:04},person{i}@example.org,Given{i},Family{i}\n"));
    }
    let path = dir.join(format!("people-{n}.csv"));
    std::fs::write(&path, csv).unwrap();
    path
}

/// Opens the page, chooses `file`, sets the batch size and walks to the send step.
async fn to_send_step(browser: &Browser, stack: &Stack, file: &Path, rows: usize, batch_size: usize) {
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.choose_file(file).await.unwrap();
    browser.wait_for_text("h3", &format!("{rows} rows")).await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.fill("batch-size", &batch_size.to_string()).await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.click_button(&format!("Next: send {rows} records")).await.unwrap();
    browser.wait_for("#username").await.unwrap();
}

/// A stack whose sandbox takes `sandbox_args`, a file of `rows` people (in a folder kept
/// as long as the returned guard), and its send under way in batches of 2, signed in,
/// with at least `answered_at_least` records answered.
async fn sending(sandbox_args: &[&str], tag: &str, rows: usize, answered_at_least: usize) -> (Stack, TempDir, PathBuf, Browser) {
    let stack = stack_with(sandbox_args).await;
    let dir = TempDir::new(&format!("ferry-e2e-{tag}")).unwrap();
    let file = people(dir.path(), rows);
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step(&browser, &stack, &file, rows, 2).await;
    sign_in(&browser, "sandbox-password").await;
    browser.click_button(&format!("Send {rows} records")).await.unwrap();
    wait_until_answered(&browser, answered_at_least).await;
    (stack, dir, file, browser)
}

/// Records answered so far, from the progress line ("12 of 40 records answered").
async fn answered(browser: &Browser) -> usize {
    match browser.client.find(fantoccini::Locator::Css(".progress-text")).await {
        Ok(e) => e.text().await.unwrap_or_default().split(' ').next().and_then(|n| n.replace(',', "").parse().ok()).unwrap_or(0),
        Err(_) => 0,
    }
}

async fn wait_until_answered(browser: &Browser, at_least: usize) {
    for _ in 0..400 {
        if answered(browser).await >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the send never reached {at_least} answered records");
}

/// Everything the page keeps in the browser: the journal store's keys and values, and
/// local and session storage, as one JSON text.
async fn stored_in_browser(browser: &Browser) -> String {
    let stored = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const open = indexedDB.open('ferry');
             open.onerror = () => done('cannot open');
             open.onsuccess = () => {
               const db = open.result;
               const tx = db.transaction('journals');
               const values = tx.objectStore('journals').getAll();
               const keys = tx.objectStore('journals').getAllKeys();
               tx.oncomplete = () => done(JSON.stringify({keys: keys.result, values: values.result,
                 local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage)}));
             };",
            vec![],
        )
        .await
        .unwrap();
    stored.as_str().unwrap_or_default().to_string()
}

/// Submissions per participant id in the sandbox.
async fn submissions_per_participant(stack: &Stack) -> HashMap<String, usize> {
    let held = stack.engage_records("demo-org").await.unwrap();
    let mut counts = HashMap::new();
    for s in held["submissions"].as_array().unwrap() {
        *counts.entry(s["participant_id"].as_str().unwrap().to_string()).or_insert(0) += 1;
    }
    counts
}

fn assert_each_once(counts: &HashMap<String, usize>) {
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_vendor_slows_the_send_down_without_failing_it() {
    let stack = stack_with(&["--rate-limit", "2"]).await;
    let dir = TempDir::new("ferry-e2e-rate").unwrap();
    let file = people(dir.path(), 40);
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step(&browser, &stack, &file, 40, 4).await;
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 40 records").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    assert!(summary.starts_with("40\nsent"), "{summary}");
    let held = stack.engage_records("demo-org").await.unwrap();
    assert!(held["throttled_requests"].as_u64().unwrap() > 0, "the limit was hit: {}", held["throttled_requests"]);
    let counts = submissions_per_participant(&stack).await;
    assert_eq!(counts.len(), 40);
    assert_each_once(&counts);
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_killed_mid_send_and_restarted_loses_nothing() {
    let (mut stack, _dir, _file, browser) = sending(&["--latency-ms", "600"], "proxy", 40, 6).await;
    // The proxy dies while requests wait in the sandbox (it takes each request when it
    // arrives and answers 600 ms later), just after an answer came back.
    let before = answered(&browser).await;
    for _ in 0..400 {
        if answered(&browser).await > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stack.stop_proxy();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let stalled = answered(&browser).await;
    assert!(stalled < 40, "the send waited for the proxy");
    stack.start_proxy().unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    screenshot(&browser, "6-after-proxy-restart").await;
    assert!(summary.starts_with("40\nsent"), "{summary}");
    let counts = submissions_per_participant(&stack).await;
    assert_eq!(counts.len(), 40, "every row arrived");
    // A request the proxy had passed on when it died may still have been stored by the
    // vendor, and the page cannot know: it sends that batch again. At most the batches in
    // flight then (2 requests of 2 rows) arrive twice; every other row arrives once.
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.len() <= 4 && twice.iter().all(|(_, n)| **n == 2), "more than the rows in flight arrived twice: {twice:?}");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reloaded_page_resumes_without_sending_a_row_twice_and_stores_nothing_personal() {
    let (stack, _dir, file, browser) = sending(&["--latency-ms", "300"], "reload", 30, 6).await;

    // What the page keeps in the browser while sending: no cell value, no credential.
    let stored = stored_in_browser(&browser).await;
    // Rows as ranges: `{"sent":[[2,10]],"pending":[[10,14]]}`, stored as a string.
    assert!(stored.contains(r#"\"sent\":[["#), "the journal is there: {stored}");
    for secret in ["E2E-0", "example.org", "Given", "Family", "sandbox-password", "sandbox-secret", "coordinator", "people-30"] {
        assert!(!stored.contains(secret), "{secret} found in browser storage: {stored}");
    }

    // Reload mid-send, choose the same file again, resume.
    browser.open(&stack.page_url).await.unwrap();
    let before = submissions_per_participant(&stack).await.len();
    to_send_step(&browser, &stack, &file, 30, 2).await;
    let offer = browser.wait_for_text("#resume-offer", "already sent").await.unwrap();
    screenshot(&browser, "7-resume-offer").await;
    let already: usize = offer
        .split("Resume: ")
        .nth(1)
        .and_then(|s| s.split(" of 30 rows already sent").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{offer}"));
    assert!(already >= 6, "{offer}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let landed_before_resume = submissions_per_participant(&stack).await.len();
    assert!(landed_before_resume >= before);
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    screenshot(&browser, "8-resumed-report").await;

    let counts = submissions_per_participant(&stack).await;
    assert_each_once(&counts);
    let report = browser.wait_for("#report").await.unwrap().text().await.unwrap();
    // Said on each line, or once above them when three rows or more share it.
    let mut unknown = report.matches("when the page closed: the vendor may already have it").count();
    for item in browser.client.find_all(fantoccini::Locator::Css("#report-shared li")).await.unwrap() {
        let text = item.text().await.unwrap_or_default();
        if text.contains("when the page closed: the vendor may already have it") {
            unknown += text.split_whitespace().next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
        }
    }
    // Every row is in Engage or reported as unknown. An unknown row may be in Engage too
    // (its request was taken, its answer lost with the page), so the two can overlap; the
    // unknown rows are at most those of the requests in flight and the batches noted
    // ahead of them (2 requests at once and 2 batches ahead, 2 rows each).
    assert!(counts.len() + unknown >= 30, "every row is in Engage or reported as unknown:\n{summary}\n{report}");
    assert!(unknown <= 8, "more rows unknown than were in flight or about to be:\n{summary}\n{report}");
    close_without_errors(browser).await;
}

/// The journal notes the batches due next as pending before their requests start (so
/// they can leave the moment a request is free); a pause takes those that have not left
/// out again, so a page closed while paused reports no row as "may have been sent" that
/// never left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_send_keeps_no_row_pending_that_has_not_left_and_resumes_to_the_end() {
    let (stack, _dir, _file, browser) = sending(&["--latency-ms", "300"], "pause", 30, 4).await;
    browser.click_button("Pause").await.unwrap();
    // The requests out when the pause came are answered; nothing new leaves.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let paused_at = answered(&browser).await;
    assert!(paused_at < 30, "the send paused before its end");
    let stored = stored_in_browser(&browser).await;
    assert!(stored.contains(r#"\"pending\":[]"#), "no row is pending while paused with nothing out: {stored}");
    assert!(stored.contains(r#"\"sent\":[["#), "the rows answered are stored as sent: {stored}");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(answered(&browser).await, paused_at, "nothing leaves while paused");
    assert_eq!(submissions_per_participant(&stack).await.len(), paused_at, "the sandbox holds what was answered, no more");
    screenshot(&browser, "9-paused").await;
    browser.click_button("Resume sending").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    assert!(summary.starts_with("30\nsent"), "{summary}");
    let counts = submissions_per_participant(&stack).await;
    assert_eq!(counts.len(), 30, "every row arrived");
    assert_each_once(&counts);
    close_without_errors(browser).await;
}
