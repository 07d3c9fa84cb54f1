//! Engaging Networks from the page, in headless Chromium, through the proxy.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{close_without_errors, screenshot, stack};
use ferry_core::text::{count, thousands};
use ferry_e2e::browser::Browser;
use ferry_e2e::{Stack, TempDir};
use serde_json::Value;

const TEMPLATE: &str = "Supporter ID\nSupporter Email\nCampaign ID\nTransaction Date\nTransaction Time\nAmount\nCurrency";

async fn jobs(stack: &Stack) -> Value {
    reqwest::get(format!("{}/_sandbox/engaging-networks", stack.sandbox_url)).await.unwrap().json::<Value>().await.unwrap()
}

/// Opens the page with `file` chosen and Engaging Networks as the target.
async fn to_map_step(browser: &Browser, stack: &Stack, file: &Path, rows: usize) {
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.choose_file(file).await.unwrap();
    // A 22 MB file takes a while in a debug build of the page: allow for a slow machine.
    browser.wait_for_text_within("h3", &format!(": {}", count(rows, "row", "rows")), Duration::from_secs(180)).await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#target-engaging-networks").await.unwrap().click().await.unwrap();
    browser.wait_for("#en-columns").await.unwrap();
}

/// Clicks the button labelled `label` and returns the files the page offers for download
/// (name, text), captured as the page makes them instead of saved to disk.
async fn downloaded(browser: &Browser, label: &str) -> Vec<(String, String)> {
    let capture = "window.__downloads = [];
        const create = URL.createObjectURL.bind(URL);
        URL.createObjectURL = blob => { const url = create(blob); window.__downloads.push({ url, blob }); return url; };
        HTMLAnchorElement.prototype.click = function () {
          const d = window.__downloads.find(x => x.url === this.href);
          if (d) d.name = this.download;
        };";
    browser.client.execute(capture, vec![]).await.unwrap();
    browser.click_button(label).await.unwrap();
    for _ in 0..200 {
        let files = browser
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 Promise.all(window.__downloads.filter(d => d.name).map(async d => [d.name, await d.blob.text()])).then(done);",
                vec![],
            )
            .await
            .unwrap();
        let files: Vec<(String, String)> = serde_json::from_value(files).unwrap();
        if !files.is_empty() {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no file was offered for download after clicking {label:?}");
}

async fn choose(browser: &Browser, select: &str, label: &str) {
    browser.wait_for(select).await.unwrap().select_by_label(label).await.unwrap();
}

async fn send(browser: &Browser, rows: usize) -> String {
    browser.click_button("Next: review the rows").await.unwrap();
    browser.click_button(&format!("Next: send {}", count(rows, "record", "records"))).await.unwrap();
    browser.fill("en-token", "sandbox-en-token").await.unwrap();
    browser.click_button(&format!("Send {}", count(rows, "record", "records"))).await.unwrap();
    browser.wait_for_text_within("#report-summary", "sent", Duration::from_secs(180)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supporters_with_a_segment_and_risky_characters_replaced() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-en").unwrap();
    let file = dir.path().join("supporters.csv");
    std::fs::write(
        &file,
        "First Name,Last Name,Email,PostCode,Opt in\nSam,One,sam@example.org,123ABC,Y\nOff,Line,,456DEF,N\nBad!,\"Pipe|Name\",x@example.org,789GHI,Y\n",
    )
    .unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    to_map_step(&browser, &stack, &file, 3).await;
    choose(&browser, "#en-map-emailaddress", "Email").await;
    choose(&browser, "#en-map-optin1", "Opt in").await;
    browser.fill("en-segment-id", "SEG-2024").await.unwrap();
    screenshot(&browser, "en-1-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text("#issues", "reported to break Engaging Networks uploads").await.unwrap();
    browser.click_button("Replace them").await.unwrap();
    browser.wait_for_text("#review-summary", "3\nready to send").await.unwrap();
    // The same rows as a file for a manual upload: the saved format's header, then the rows.
    let files = downloaded(&browser, "Download the CSV files for a manual upload").await;
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].0.ends_with(".csv"), "{files:?}");
    let lines: Vec<&str> = files[0].1.lines().collect();
    assert_eq!(
        lines,
        [
            "First Name,Last Name,Email Address,PostCode,OPT-IN #1",
            "Sam,One,sam@example.org,123ABC,Y",
            "Off,Line,,456DEF,N",
            "Bad.,Pipe/Name,x@example.org,789GHI,Y"
        ],
        "{files:?}"
    );
    browser.click_button("Next: send 3 records").await.unwrap();
    browser.fill("en-token", "sandbox-en-token").await.unwrap();
    browser.click_button("Send 3 records").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    assert!(summary.starts_with("3\nsent"), "{summary}");
    // One job for the three rows: said once, above the lines, not on each.
    let shared = browser.wait_for_text("#report-shared", "job 131878").await.unwrap();
    assert!(shared.contains("3 rows sent (from row 2)"), "{shared}");
    let report = browser.wait_for("#report").await.unwrap().text().await.unwrap();
    assert!(!report.contains("job 131878") && report.contains("As said above."), "{report}");
    let held = jobs(&stack).await;
    let job = &held["jobs"][0];
    assert_eq!(held["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(job["segment_id"], "SEG-2024");
    assert_eq!(job["format_name"], "ferry-supporters");
    assert_eq!(
        job["rows"],
        serde_json::json!([
            ["Sam", "One", "sam@example.org", "123ABC", "Y"],
            ["Off", "Line", "", "456DEF", "N"],
            ["Bad.", "Pipe/Name", "x@example.org", "789GHI", "Y"]
        ])
    );
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_for_two_campaigns_become_two_jobs() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-en-tx").unwrap();
    let file = dir.path().join("gifts.csv");
    std::fs::write(&file, "Supporter Email,Campaign ID,Date,Time,Amount,Currency\na@example.org,101,01.09.2024,9:05,10,EUR\nb@example.org,202,2024-09-02,10:00,20,EUR\nc@example.org,101,3/9/2024,,30,EUR\n").unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    to_map_step(&browser, &stack, &file, 3).await;
    browser.wait_for("#en-kind-transactions").await.unwrap().click().await.unwrap();
    let columns = browser.wait_for("#en-columns").await.unwrap();
    columns.clear().await.unwrap();
    columns.send_keys(TEMPLATE).await.unwrap();
    browser.wait_for("#en-name").await.unwrap().click().await.unwrap();
    choose(&browser, "#en-map-transactiondate", "Date").await;
    choose(&browser, "#en-map-transactiontime", "Time").await;
    // 01.09.2024 and 3/9/2024 read two ways: the page asks, and these gifts are day first.
    browser.wait_for_text("#date-orders", "can be read two ways").await.unwrap();
    browser.wait_for("#date-order-2-day-first").await.unwrap().click().await.unwrap();
    let summary = send(&browser, 3).await;
    screenshot(&browser, "en-2-transactions").await;
    assert!(summary.starts_with("3\nsent"), "{summary}");
    let held = jobs(&stack).await;
    let list = held["jobs"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{held:#}");
    assert_eq!(list[0]["format_name"], "importTransactions");
    assert_eq!(list[0]["name"], "Ferry demo - campaign 101");
    assert_eq!(
        list[0]["rows"],
        serde_json::json!([["", "a@example.org", "101", "2024-09-01", "09:05:00", "10", "EUR"], ["", "c@example.org", "101", "2024-09-03", "", "30", "EUR"]])
    );
    assert_eq!(list[1]["rows"].as_array().unwrap().len(), 1);
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_that_does_not_match_the_format_shows_the_vendors_words() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-en-mismatch").unwrap();
    let file = dir.path().join("short.csv");
    std::fs::write(&file, "First Name,Email Address\nSam,sam@example.org\n").unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    to_map_step(&browser, &stack, &file, 1).await;
    // The format's columns taken from a sample file's header (its first line only).
    let sample = dir.path().join("sample.csv");
    std::fs::write(&sample, "\u{FEFF}First Name;\"Email Address\"\r\nAnna;anna@example.org\r\n").unwrap();
    browser.wait_for("#en-columns-sample").await.unwrap().send_keys(&sample.display().to_string()).await.unwrap();
    let columns = browser.wait_for("#en-columns").await.unwrap();
    for _ in 0..50 {
        if columns.prop("value").await.unwrap().unwrap_or_default() == "First Name\nEmail Address" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(columns.prop("value").await.unwrap().unwrap_or_default(), "First Name\nEmail Address", "the sample's header");
    columns.clear().await.unwrap();
    columns.send_keys("First Name\nEmail Address").await.unwrap();
    browser.wait_for("#en-name").await.unwrap().click().await.unwrap();
    let summary = send(&browser, 1).await;
    assert!(summary.starts_with("0\nsent\n1\nrejected"), "{summary}");
    let report = browser.wait_for("#report").await.unwrap().text().await.unwrap();
    assert!(report.contains("Error: The format you selected does not match the first line of your upload file."), "{report}");
    assert_eq!(jobs(&stack).await["jobs"], serde_json::json!([]));
    // The platform received the file although it refused it: the receipt counts it, and
    // names the proxy it went through.
    let receipt = browser.wait_for("#egress-receipt").await.unwrap().text().await.unwrap();
    assert!(receipt.contains("1 row left this page, 0 accepted."), "{receipt}");
    assert!(receipt.contains("CSV files of 1 row"), "{receipt}");
    let proxy_host = stack.proxy_url.trim_start_matches("http://").to_string();
    assert!(receipt.contains(&format!("{proxy_host}: every request above")), "{receipt}");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_20_mb_becomes_several_jobs_with_no_row_lost() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-en-big").unwrap();
    let file = dir.path().join("big.csv");
    let rows = 480_000;
    let mut csv = String::from("First Name,Last Name,Email Address,PostCode,OPT-IN #1\n");
    for i in 0..rows {
        csv.push_str(&format!("Name{i},Family{i},person{i}@example.org,{i:06},Y\n"));
    }
    assert!(csv.len() > 21 * 1024 * 1024, "{}", csv.len());
    std::fs::write(&file, &csv).unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    to_map_step(&browser, &stack, &file, rows).await;
    let summary = send(&browser, rows).await;
    if !summary.starts_with(&format!("{}\nsent", thousands(rows))) {
        let report = browser.wait_for("#report").await.unwrap().text().await.unwrap_or_default();
        panic!("{summary}\n{}", report.chars().take(2000).collect::<String>());
    }
    let held = jobs(&stack).await;
    let list = held["jobs"].as_array().unwrap();
    assert!(list.len() >= 2, "split into several jobs: {}", list.len());
    let mut emails = std::collections::BTreeSet::new();
    for job in list {
        // "Files should not exceed 20MB": under 20,000,000 bytes, not 20 MiB.
        assert!(job["bytes"].as_u64().unwrap() <= 20_000_000, "{}", job["bytes"]);
        for row in job["rows"].as_array().unwrap() {
            assert!(emails.insert(row[2].as_str().unwrap().to_string()), "a row twice");
        }
    }
    assert_eq!(emails.len(), rows, "no row lost");
    close_without_errors(browser).await;
}
