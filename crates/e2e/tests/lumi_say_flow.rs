//! Lumi Say from the page, in headless Chromium, through the proxy and its relay.

mod common;

use common::{close_without_errors, screenshot, stack};
use ferry_e2e::browser::Browser;
use ferry_e2e::TempDir;
use serde_json::json;

const FILE: &str = "Username,Phone,Email,age,site\n\
anna.b,+37122222201,anna@example.org,34,Riga\n\
jan,,jan@example.org,29,Cesis\n\
bad user,+37122222203,,40,Riga\n\
nocontact,,,50,Riga\n\
liga,+371 2222 2205,,45,Valmiera\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn respondents_import_with_sample_fields_then_move_between_lists() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-lumi").unwrap();
    let file = dir.path().join("respondents.csv");
    std::fs::write(&file, FILE).unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "respondents.csv: 5 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#target-lumi-say").await.unwrap().click().await.unwrap();
    let group = browser.wait_for("#lumi-group").await.unwrap().prop("value").await.unwrap();
    assert_eq!(group.as_deref(), Some("101"));
    // An http:// instance is refused (the dashboard password would travel in clear); the
    // sandbox on this computer is the one exception.
    let base = browser.wait_for("#lumi-base").await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    browser.fill("lumi-base", "http://acme.lumisay.example").await.unwrap();
    let problems = browser.wait_for_text("#map-problems", "must start with https://").await.unwrap();
    assert!(problems.contains("unencrypted"), "{problems}");
    browser.fill("lumi-base", &base).await.unwrap();
    for column in [3, 4] {
        browser.wait_for(&format!("#dynamic-{column}")).await.unwrap().click().await.unwrap();
    }
    screenshot(&browser, "lumi-1-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    let issues = browser.wait_for_text("#issues", "Import failed").await.unwrap();
    for words in [
        "Import failed, Respondent ID must use only characters 'A-Z a-z 0-9 ._-@'",
        "Import failed, Either phone number or e-mail must be specified!",
        "Import failed, Phone number not valid. (Use only 0-9 and +).",
    ] {
        assert!(issues.contains(words), "{words} missing from:\n{issues}");
    }
    let payload = browser.wait_for("#payload-preview").await.unwrap().text().await.unwrap();
    assert!(payload.contains("\"alias\": \"age\""), "{payload}");
    screenshot(&browser, "lumi-2-review").await;
    browser.click_button("Next: send 2 records").await.unwrap();
    browser.fill("username", "coordinator").await.unwrap();
    browser.fill("password", "sandbox-password").await.unwrap();
    browser.wait_for("#callback-relay").await.unwrap().click().await.unwrap();
    browser.click_button("Send 2 records").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    assert!(summary.starts_with("2\nsent"), "{summary}");
    browser.wait_for_text("#import-results", "2 of 2 respondents imported.").await.unwrap();

    browser.fill("list-group", "102").await.unwrap();
    browser.click_button("Copy 2 respondents").await.unwrap();
    browser.wait_for_text("#list-result", "Respondents copied to list 102").await.unwrap();
    browser.wait_for("#list-action").await.unwrap().select_by_value("remove").await.unwrap();
    browser.fill("list-group", "101").await.unwrap();
    browser.click_button("Remove 2 respondents").await.unwrap();
    browser.wait_for_text("#list-result", "Respondents removed from list 101").await.unwrap();
    screenshot(&browser, "lumi-3-report").await;

    // The list services on their own: usernames pasted (a copied column, one repeated).
    browser.wait_for("#open-lumi-lists").await.unwrap().click().await.unwrap();
    let base_here = browser.wait_for("#lumi-base").await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(base_here, base, "the instance of the map step");
    browser.wait_for("#list-source").await.unwrap();
    browser.fill("list-usernames", "Username\njan\nanna.b\njan\n").await.unwrap();
    browser.fill("list-group", "103").await.unwrap();
    browser.click_button("Copy 2 respondents").await.unwrap();
    browser.wait_for_text("#list-result", "Respondents copied to list 103").await.unwrap();
    screenshot(&browser, "lumi-4-lists").await;

    let held = reqwest::get(format!("{}/_sandbox/lumi-say/demo-project", stack.sandbox_url)).await.unwrap().json::<serde_json::Value>().await.unwrap();
    let respondents = held["respondents"].as_object().unwrap();
    let names: Vec<&String> = respondents.keys().collect();
    assert_eq!(names, ["anna.b", "jan"], "exactly the valid rows");
    assert_eq!(held["respondents"]["anna.b"]["lists"], json!(["102", "103"]));
    assert_eq!(held["respondents"]["jan"]["lists"], json!(["102", "103"]));
    assert_eq!(held["respondents"]["anna.b"]["sample_fields"], json!({"age": "34", "site": "Riga"}));
    assert_eq!(held["respondents"]["jan"]["email"], "jan@example.org");
    assert_eq!(held["callbacks"].as_array().unwrap().len(), 1);
    assert!(held["callbacks"][0]["delivered"].as_str().unwrap().contains("Ok(200)"), "{}", held["callbacks"][0]);
    close_without_errors(browser).await;
}
