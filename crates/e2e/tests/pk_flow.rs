//! Participant Kit from the page, in headless Chromium, through the proxy.

mod common;

use std::time::Duration;

use common::{close_without_errors, screenshot, stack, stack_with};
use fantoccini::Locator;
use ferry_e2e::browser::Browser;
use ferry_e2e::{Stack, TempDir};
use serde_json::Value;

async fn held(stack: &Stack) -> Value {
    reqwest::get(format!("{}/_sandbox/participant-kit", stack.sandbox_url)).await.unwrap().json::<Value>().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_fifty_participants_arrive_once_each_under_a_rate_limit() {
    let stack = stack_with(&["--rate-limit", "20"]).await;
    let dir = TempDir::new("ferry-e2e-pk").unwrap();
    let file = dir.path().join("participants.csv");
    let mut csv = String::from("Full name,Email\n");
    for i in 1..=250 {
        csv.push_str(&format!("Person {i},person{i}@example.org\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "participants.csv: 250 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#target-participant-kit").await.unwrap().click().await.unwrap();
    browser.fill("pk-token", "sandbox-pk-token").await.unwrap();
    browser.click_button("Load studies").await.unwrap();
    browser.wait_for_text("#pk-study", "Demo study (stu_demo)").await.unwrap();
    browser.wait_for("#pk-study").await.unwrap().select_by_value("stu_demo").await.unwrap();
    screenshot(&browser, "pk-1-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    browser.click_button("Next: send 250 records").await.unwrap();
    browser.click_button("Send 250 records").await.unwrap();
    let summary = browser.wait_for_text_within("#report-summary", "250\nsent", Duration::from_secs(120)).await.unwrap();
    screenshot(&browser, "pk-2-report").await;
    assert!(summary.starts_with("250\nsent"), "{summary}");
    let h = held(&stack).await;
    let participants = h["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 250, "exactly 250 new participants");
    let emails: std::collections::BTreeSet<&str> = participants.iter().map(|p| p["email"].as_str().unwrap()).collect();
    assert_eq!(emails.len(), 250, "none twice");
    assert!(participants.iter().all(|p| p["study"]["id"] == "stu_demo"));
    assert!(h["throttled"].as_u64().unwrap() > 0, "the rate limit was hit and honoured");
    // Created with include=pii: the report names whom each id is.
    let first = participants.iter().find(|p| p["email"] == "person1@example.org").unwrap();
    let first_id = first["id"].as_str().unwrap().to_string();
    let report = browser.wait_for_text("#report", &first_id).await.unwrap();
    assert!(report.contains(&format!("{first_id} https://app.participantkit.example/participants/{first_id} (Person, person1@example.org)")), "{report}");

    // The browse view reads that participant by its id, names and e-mail included, through
    // the proxy set in the view itself.
    browser.wait_for("#open-browse").await.unwrap().click().await.unwrap();
    assert_eq!(browser.wait_for("#proxy-url").await.unwrap().prop("value").await.unwrap().as_deref(), Some(stack.proxy_url.as_str()));
    browser.fill("proxy-url", &stack.proxy_url).await.unwrap();
    browser.wait_for("#browse-resource").await.unwrap().select_by_value("participants").await.unwrap();
    browser.wait_for("#browse-pii").await.unwrap().click().await.unwrap();
    browser.fill("browse-id", &first_id).await.unwrap();
    browser.click_button("Read by ID").await.unwrap();
    let one = browser.wait_for_text("#browse-table", "person1@example.org").await.unwrap();
    assert!(one.contains(&first_id), "{one}");
    browser.wait_for_text("#browse-count", "1 participants").await.unwrap();
    // An id Participant Kit does not know is said in words.
    browser.fill("browse-id", "par_nobody").await.unwrap();
    browser.click_button("Read by ID").await.unwrap();
    browser.wait_for_text("#browse-error", "404").await.unwrap();
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panellists_are_read_across_pages_with_properties_under_field_titles() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.wait_for("#open-browse").await.unwrap().click().await.unwrap();
    browser.fill("browse-token", "sandbox-pk-token").await.unwrap();
    browser.wait_for("#browse-resource").await.unwrap().select_by_value("panellists").await.unwrap();
    browser.fill("browse-panel", "pan_demo").await.unwrap();
    browser.click_button("Read all").await.unwrap();
    browser.wait_for_text("#browse-count", "150 panellists").await.unwrap();
    screenshot(&browser, "pk-3-browse").await;
    let table = browser.wait_for("#browse-table").await.unwrap();
    let headers: Vec<String> = {
        let mut out = Vec::new();
        for th in table.find_all(Locator::Css("thead th")).await.unwrap() {
            out.push(th.text().await.unwrap());
        }
        out
    };
    for title in ["Date of birth", "Interests", "Region"] {
        assert!(headers.iter().any(|h| h == title), "{title} missing from {headers:?}");
    }
    assert!(!headers.iter().any(|h| h == "f_dob" || h == "email"), "ids resolved, no pii unless asked: {headers:?}");
    let text = table.text().await.unwrap();
    assert!(text.contains("ppl_0150") && text.contains("cycling; running"), "last page read, multiple options listed");

    // Create a study, then delete it after confirming.
    browser.fill("study-project", "prj_demo").await.unwrap();
    browser.fill("study-name", "Wave 2").await.unwrap();
    browser.click_button("Create study").await.unwrap();
    let created = browser.wait_for_text("#tools-result", "Study created").await.unwrap();
    let id = created.split('(').nth(1).and_then(|s| s.split(')').next()).unwrap().to_string();
    assert_eq!(held(&stack).await["studies"].as_array().unwrap().len(), 2);
    browser.fill("delete-id", &id).await.unwrap();
    browser.click_button("Delete…").await.unwrap();
    browser.click_button("Yes, delete").await.unwrap();
    browser.wait_for_text("#tools-result", &format!("Deleted {id}")).await.unwrap();
    assert_eq!(held(&stack).await["studies"].as_array().unwrap().len(), 1);
    close_without_errors(browser).await;
}
