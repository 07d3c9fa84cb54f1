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
    let names: Vec<&String> = respondents.iter().filter(|(_, r)| r["company"] == "1").map(|(name, _)| name).collect();
    assert_eq!(names, ["anna.b", "jan"], "exactly the valid rows");
    assert_eq!(held["respondents"]["anna.b"]["lists"], json!(["102", "103"]));
    assert_eq!(held["respondents"]["jan"]["lists"], json!(["102", "103"]));
    assert_eq!(held["respondents"]["anna.b"]["sample_fields"], json!({"age": "34", "site": "Riga"}));
    assert_eq!(held["respondents"]["jan"]["email"], "jan@example.org");
    assert_eq!(held["callbacks"].as_array().unwrap().len(), 1);
    assert!(held["callbacks"][0]["delivered"].as_str().unwrap().contains("Ok(200)"), "{}", held["callbacks"][0]);
    close_without_errors(browser).await;
}

/// Respondents for a user of two companies; one username belongs to the other company.
const CLASH: &str = "Username,Email,site\n\
new.one,new@example.org,Riga\n\
taken.elsewhere,t@example.org,Riga\n\
last.one,last@example.org,Riga\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_of_two_companies_is_told_to_name_one_and_an_import_that_stops_says_so() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-lumi-clash").unwrap();
    let file = dir.path().join("clash.csv");
    std::fs::write(&file, CLASH).unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "clash.csv: 3 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#target-lumi-say").await.unwrap().click().await.unwrap();
    browser.wait_for("#dynamic-2").await.unwrap().click().await.unwrap();
    browser.wait_for("#lumi-overwrite").await.unwrap().click().await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.click_button("Next: send 3 records").await.unwrap();
    browser.fill("username", "two-companies").await.unwrap();
    browser.fill("password", "sandbox-password").await.unwrap();
    browser.wait_for("#callback-relay").await.unwrap().click().await.unwrap();
    browser.click_button("Send 3 records").await.unwrap();
    // No company named: Lumi Say refuses the login, and the page says what may be missing.
    let message = browser.wait_for_text("#send-error", "Authentication failure.").await.unwrap();
    assert!(message.contains("give the Company ID too"), "{message}");
    browser.click_button("Back").await.unwrap();
    browser.click_button("Back").await.unwrap();
    browser.fill("lumi-company", "1").await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.click_button("Next: send 3 records").await.unwrap();
    browser.wait_for("#callback-relay").await.unwrap().click().await.unwrap();
    browser.click_button("Send 3 records").await.unwrap();
    // Lumi Say started the import, then stopped at the other company's username.
    let result = browser.wait_for_text_within("#import-results", "The import stopped", std::time::Duration::from_secs(60)).await.unwrap();
    assert!(result.contains("Could not overwrite respondent taken.elsewhere, import stopped."), "{result}");
    assert!(result.contains("the respondents after it did not arrive"), "{result}");
    screenshot(&browser, "lumi-5-import-stopped").await;
    let held = reqwest::get(format!("{}/_sandbox/lumi-say/demo-project", stack.sandbox_url)).await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_eq!(held["respondents"]["new.one"]["company"], "1", "the company named was sent");
    assert!(held["respondents"].get("last.one").is_none(), "nothing after the stop");
    assert_eq!(held["respondents"]["taken.elsewhere"]["email"], "taken@example.org", "the other company's respondent is untouched");
    close_without_errors(browser).await;
}
