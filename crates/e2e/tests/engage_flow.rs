//! The whole Engage flow in headless Chromium, against the sandbox and the proxy running
//! as real processes on loopback.

mod common;

use common::{close_without_errors, example_file, screenshot, sign_in, stack};
use fantoccini::Locator;
use ferry_e2e::browser::Browser;
use ferry_e2e::{Stack, TempDir};
use serde_json::Value;

/// Opens the page, chooses the example file and walks to the send step (ticking
/// "bulk_upload" on the way when `upload` is set), reading its dates day first.
async fn to_send_step(browser: &Browser, stack: &Stack, upload: bool) {
    to_send_step_reading(browser, stack, upload, "day-first").await
}

/// [`to_send_step`], answering the date order question with `order` (`day-first` or
/// `month-first`): the example's dates (`02.09.2024`, `5/9/2024`) all read two ways.
async fn to_send_step_reading(browser: &Browser, stack: &Stack, upload: bool, order: &str) {
    browser.open(&stack.page_url).await.unwrap();
    browser.wait_for_text(".notice.info", "Sandbox mode").await.unwrap();
    browser.choose_file(&example_file()).await.unwrap();
    browser.wait_for_text("h3", "example-participants.csv: 8 rows").await.unwrap();
    screenshot(browser, "1-upload").await;
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#map-participant-email").await.unwrap();
    // "Visit date" is not a name Ferry guesses: the coordinator picks it for Created at.
    let created_at = browser.wait_for("#map-submission-created_at").await.unwrap();
    created_at.select_by_label("Visit date").await.unwrap();
    let question = browser.wait_for_text("#date-orders", "can be read two ways").await.unwrap();
    assert!(question.contains("\"02.09.2024 09:30\" could be 2 September or February 9 (row 3)"), "{question}");
    let next = browser.wait_for("button.primary").await.unwrap();
    assert_eq!(next.prop("disabled").await.unwrap().as_deref(), Some("true"), "nothing goes on until the order is chosen");
    browser.wait_for_text("#map-problems", "Choose the date order of column \"Visit date\"").await.unwrap();
    browser.wait_for(&format!("#date-order-5-{order}")).await.unwrap().click().await.unwrap();
    if upload {
        browser.wait_for("#bulk-upload").await.unwrap().click().await.unwrap();
    }
    screenshot(browser, "2-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for("#issues").await.unwrap();
    screenshot(browser, "3-review").await;
    browser.click_button("Next: send 6 records").await.unwrap();
    browser.wait_for("#username").await.unwrap();
}

fn by_id<'a>(participants: &'a [Value], id: &str) -> &'a Value {
    participants.iter().find(|p| p["participant_id"] == id).unwrap_or_else(|| panic!("participant {id} not in sandbox"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_file_arrives_in_engage_through_the_proxy() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step(&browser, &stack, false).await;

    sign_in(&browser, "sandbox-password").await;
    let client_id = browser.wait_for("#client-id").await.unwrap().prop("value").await.unwrap();
    assert_eq!(client_id.as_deref(), Some("demo-org"), "client id defaults to the organisation slug");
    browser.click_button("Send 6 records").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    screenshot(&browser, "5-report").await;
    assert!(summary.starts_with("6\nsent"), "{summary}");

    // The report has one line per source row, 2 to 9.
    let report = browser.wait_for("#report").await.unwrap();
    let lines = report.find_all(Locator::Css("tbody tr")).await.unwrap();
    let mut seen = Vec::new();
    for line in &lines {
        let row = line.attr("data-row").await.unwrap().unwrap_or_default();
        let text = line.text().await.unwrap_or_default();
        seen.push((row.parse::<usize>().unwrap(), text));
    }
    let rows: Vec<usize> = seen.iter().map(|(r, _)| *r).collect();
    assert_eq!(rows, [2, 3, 4, 5, 6, 7, 8, 9]);
    for (row, text) in &seen {
        let expected = if matches!(row, 6 | 7) { "skipped" } else { "sent" };
        assert!(text.contains(expected), "row {row}: {text}");
    }
    assert!(seen[4].1.contains("is not a valid e-mail address"), "{}", seen[4].1);
    assert!(seen[5].1.contains("No participant ID, national ID or email"), "{}", seen[5].1);

    // What arrived at the (emulated) vendor.
    let held = stack.engage_records("demo-org").await.unwrap();
    let participants = held["participants"].as_array().unwrap();
    let submissions = held["submissions"].as_array().unwrap();
    assert_eq!(participants.len(), 6, "{held:#}");
    assert_eq!(submissions.len(), 6);
    let anna = by_id(participants, "LV-1001");
    assert_eq!(anna["profile"]["email"], "anna.berzina@example.org");
    assert_eq!(anna["profile"]["given_name"], "Anna");
    assert_eq!(anna["profile"]["family_name"], "Bērziņa");
    assert_eq!(anna["profile"]["phone"], "+371 22222201");
    let peteris = by_id(participants, "LV-1004");
    assert!(peteris["profile"].get("email").is_none(), "no empty email sent");
    let marta = participants.iter().find(|p| p["profile"]["email"] == "marta.ozola@example.org").unwrap();
    assert!(marta["participant_id"].as_str().unwrap().starts_with("P-"), "Engage made an id: {marta}");
    let submission = |id: &str| submissions.iter().find(|s| s["participant_id"] == id).unwrap();
    assert_eq!(submission("LV-1001")["created_at"], "2024-09-01 10:10:00");
    assert_eq!(submission("LV-1001")["activity_slug"], "baseline-survey");
    assert_eq!(submission("LV-1001")["answers"], serde_json::json!({"sleep_hours": "7", "mood": "good"}));
    assert_eq!(submission("LV-1002")["created_at"], "2024-09-02 09:30:00");
    assert_eq!(submission("LV-1002")["answers"]["mood"], "tired, but fine");
    assert_eq!(submission("LV-1007")["created_at"], "2024-09-05 00:00:00");
    assert_eq!(submission("LV-1007")["answers"]["mood"], "said \"great\"");
    assert_eq!(submission("LV-1004")["answers"], serde_json::json!({"sleep_hours": "5"}));

    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_that_read_two_ways_arrive_in_the_order_the_user_chose() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step_reading(&browser, &stack, false, "month-first").await;
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 6 records").await.unwrap();
    browser.wait_for_text("#report-summary", "sent").await.unwrap();
    let held = stack.engage_records("demo-org").await.unwrap();
    let submissions = held["submissions"].as_array().unwrap();
    let created = |id: &str| submissions.iter().find(|s| s["participant_id"] == id).map(|s| s["created_at"].clone()).unwrap();
    // Month first, as chosen; the ISO dates need no order.
    assert_eq!(created("LV-1002"), "2024-02-09 09:30:00");
    assert_eq!(created("LV-1007"), "2024-05-09 00:00:00");
    assert_eq!(created("LV-1001"), "2024-09-01 10:10:00");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_digit_years_are_asked_about_and_arrive_in_the_century_chosen() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-years").unwrap();
    let file = dir.path().join("years.csv");
    std::fs::write(&file, "Participant ID,Email,Visit date\nP-1,a@example.org,25/12/67\nP-2,b@example.org,3/1/24 10:00\n").unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "years.csv: 2 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#map-submission-created_at").await.unwrap().select_by_label("Visit date").await.unwrap();
    let question = browser.wait_for_text("#date-orders", "written with two digits").await.unwrap();
    assert!(question.contains("e.g. \"25/12/67\" (row 2). Which years are they?"), "{question}");
    assert!(question.contains("Read as day/month/year"), "the order is still read from the cells: {question}");
    browser.wait_for_text("#map-problems", "Choose the century of the two-digit years of column \"Visit date\"").await.unwrap();
    let next = browser.wait_for("button.primary").await.unwrap();
    assert_eq!(next.prop("disabled").await.unwrap().as_deref(), Some("true"), "nothing goes on until the century is chosen");
    let not_after = browser.wait_for("#date-century-2-not-after").await.unwrap();
    let label = browser.wait_for("label[for='date-century-2-not-after']").await.unwrap().text().await.unwrap();
    assert!(label.contains("25/12/67 is 25 December 1967"), "{label}");
    not_after.click().await.unwrap();
    screenshot(&browser, "years-1-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text("#review-summary", "2\nready").await.unwrap();
    browser.click_button("Next: send 2 records").await.unwrap();
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 2 records").await.unwrap();
    browser.wait_for_text("#report-summary", "sent").await.unwrap();
    let held = stack.engage_records("demo-org").await.unwrap();
    let submissions = held["submissions"].as_array().unwrap();
    let created = |id: &str| submissions.iter().find(|s| s["participant_id"] == id).map(|s| s["created_at"].clone()).unwrap();
    assert_eq!(created("P-1"), "1967-12-25 00:00:00");
    assert_eq!(created("P-2"), "2024-01-03 10:00:00");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_named_and_nothing_is_sent() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step(&browser, &stack, false).await;
    sign_in(&browser, "not-the-password").await;
    browser.click_button("Send 6 records").await.unwrap();
    let message = browser.wait_for_text("#send-error", "Engage rejected the username or password").await.unwrap();
    screenshot(&browser, "4-wrong-password").await;
    assert!(message.contains("nothing was sent"), "{message}");
    let held = stack.engage_records("demo-org").await.unwrap();
    assert_eq!(held["participants"], serde_json::json!([]));
    assert_eq!((held["accepted_requests"].as_u64(), held["refused_requests"].as_u64()), (Some(0), Some(0)), "no import request at all");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_csv_gets_a_clear_message() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-files").unwrap();
    let hostile = dir.path().join("\"><img src=x onerror=alert(1)>.csv");
    std::fs::write(&hostile, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR binary").unwrap();
    browser.choose_file(&hostile).await.unwrap();
    let message = browser.wait_for_text("#read-error", "not a CSV file").await.unwrap();
    screenshot(&browser, "0-not-csv").await;
    assert!(message.contains("it looks like a PNG image"), "{message}");
    assert!(message.contains("<img src=x"), "the file name is shown as text: {message}");
    let images = browser.client.find_all(Locator::Css("main img")).await.unwrap();
    assert!(images.is_empty(), "the file name was not turned into markup");

    // A Windows-1252 file with accents is read as such, and can be read as UTF-8 on
    // request, which then names the row and column that is not UTF-8.
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"email;city\nanna@example.org;M\xfcnchen\n").unwrap();
    browser.choose_file(&latin1).await.unwrap();
    browser.wait_for_text("main table", "München").await.unwrap();
    browser.wait_for("#read-encoding").await.unwrap().select_by_value("UTF-8").await.unwrap();
    browser.wait_for_text("#read-error", "Row 2, column B is not UTF-8 text").await.unwrap();
    // After a failed read nothing stale stays: no table, no way on to the next step.
    assert!(browser.client.find_all(Locator::Css("main table")).await.unwrap().is_empty(), "the old table is gone");
    assert!(browser.client.find_all(Locator::XPath("//button[starts-with(., 'Next')]")).await.unwrap().is_empty(), "no Next");
    // The encoding chosen did not fit: one click reads the file as Ferry found it again.
    browser.wait_for("#read-auto-encoding").await.unwrap().click().await.unwrap();
    browser.wait_for_text("main table", "München").await.unwrap();
    assert!(browser.client.find_all(Locator::Css("#read-error")).await.unwrap().is_empty(), "the error went with the read that worked");

    // A stray quote that is never closed is named, not read as one giant cell; the user
    // can read quotes as plain text instead, and then every row is there.
    let stray = dir.path().join("stray-quote.csv");
    std::fs::write(&stray, "email,name\na@example.org,Anna\nb@example.org,\"Bob\nc@example.org,Cara\nd@example.org,Dan\n").unwrap();
    browser.choose_file(&stray).await.unwrap();
    let said = browser.wait_for_text("#read-error", "opens a quote").await.unwrap();
    assert!(said.contains("Row 3 opens a quote"), "{said}");
    screenshot(&browser, "0-stray-quote").await;
    browser.wait_for("#read-remedy").await.unwrap().click().await.unwrap();
    browser.wait_for_text("main h3", "4 rows").await.unwrap();
    browser.wait_for_text("main table", "\"Bob").await.unwrap();
    assert!(browser.client.find_all(Locator::Css("#read-error")).await.unwrap().is_empty(), "the error went with the read that worked");
    // The choice holds when the file is then read another way (here from another header
    // row): quotes are still read as text.
    // Typed over as a user does (the text selected, then typed over, Enter): one change, one read. (A
    // WebDriver clear() first would fire a change of its own and a read of the empty
    // field racing the one asked for.)
    browser.wait_for("#read-header-row").await.unwrap().click().await.unwrap();
    browser.client.execute("document.getElementById('read-header-row').select()", vec![]).await.unwrap();
    press(&browser, "2\u{E007}").await;
    browser.wait_for_text("main h3", "3 rows").await.unwrap();
    assert!(browser.client.find_all(Locator::Css("#read-error")).await.unwrap().is_empty(), "quotes still read as text");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_upload_sends_the_records_as_a_json_file() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    to_send_step(&browser, &stack, true).await;
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 6 records").await.unwrap();
    let summary = browser.wait_for_text("#report-summary", "sent").await.unwrap();
    assert!(summary.starts_with("6\nsent"), "{summary}");
    let held = stack.engage_records("demo-org").await.unwrap();
    assert_eq!(held["participants"].as_array().unwrap().len(), 6);
    assert_eq!(held["accepted_requests"], 1, "one batch of six");
    let anna = held["submissions"].as_array().unwrap().iter().find(|s| s["participant_id"] == "LV-1001").unwrap();
    assert_eq!(anna["answers"], serde_json::json!({"sleep_hours": "7", "mood": "good"}));
    // The same file again, after a complete send: nothing is offered as left to send.
    browser.click_button("Back to review").await.unwrap();
    browser.click_button("Next: send 6 records").await.unwrap();
    let offer = browser.wait_for_text("#resume-offer", "All 6 rows were sent").await.unwrap();
    assert!(offer.contains("nothing is left to send"), "{offer}");
    browser.wait_for_text("#send-button", "Nothing left to send").await.unwrap();
    // Forgetting the file's send history: the offer goes, and every row can be sent again.
    assert!(offer.contains("never a cell's value"), "{offer}");
    browser.wait_for("#forget-history").await.unwrap().click().await.unwrap();
    browser.wait_for_text("#send-button", "Send 6 records").await.unwrap();
    let gone: serde_json::Value = browser.client.execute("return document.querySelector('#resume-offer') === null", vec![]).await.unwrap();
    assert_eq!(gone, serde_json::json!(true), "the offer is gone once forgotten");
    browser.click_button("Back").await.unwrap();
    browser.click_button("Next: send 6 records").await.unwrap();
    browser.wait_for_text("#send-button", "Send 6 records").await.unwrap();
    // The journal is read from the browser's storage as the step opens.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let offered: serde_json::Value = browser.client.execute("return document.querySelector('#resume-offer') !== null", vec![]).await.unwrap();
    assert_eq!(offered, serde_json::json!(false), "nothing is remembered after forgetting");
    close_without_errors(browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_not_valid_in_the_default_country_is_flagged_not_sent_nor_rewritten() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-phones").unwrap();
    let file = dir.path().join("phones.csv");
    std::fs::write(&file, "Participant ID,Email,Phone\nP-1,a@example.org,0871234567\nP-2,b@example.org,22 222 202\nP-3,c@example.org,+353 87 123 4567\n")
        .unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "phones.csv: 3 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    // Numbers without a country code are read as Latvian unless the user says otherwise.
    let country = browser.wait_for("#phone-country").await.unwrap();
    assert_eq!(country.prop("value").await.unwrap().as_deref(), Some("LV"));
    screenshot(&browser, "phones-1-map").await;
    browser.click_button("Next: review the rows").await.unwrap();
    // The Irish mobile is no Latvian number: flagged, with what to do.
    let issues = browser.wait_for_text("#issues", "not a valid phone number").await.unwrap();
    assert!(issues.contains("\"0871234567\" is not a valid phone number in Latvia"), "{issues}");
    // "Phones to +E.164" writes what the plan reads and leaves the rest as written.
    browser.wait_for("#bulk-fixes summary").await.unwrap().click().await.unwrap();
    browser.click_button("Phones in \"Phone\" to +E.164").await.unwrap();
    let said = browser.wait_for_text("#bulk-fixes", "left as written").await.unwrap();
    assert!(said.contains("Phone numbers: 2 changed. 1 cell is not a valid number (in Latvia when written without a country code)"), "{said}");
    // Checked again after the fix: the Irish number is still held, as written.
    browser.wait_for_text("#issues", "\"0871234567\" is not a valid phone number in Latvia").await.unwrap();
    screenshot(&browser, "phones-2-review").await;
    browser.click_button("Next: send 2 records").await.unwrap();
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 2 records").await.unwrap();
    browser.wait_for_text("#report-summary", "sent").await.unwrap();
    let held = stack.engage_records("demo-org").await.unwrap();
    let participants = held["participants"].as_array().unwrap();
    let phones: Vec<(&str, &str)> =
        participants.iter().map(|p| (p["participant_id"].as_str().unwrap_or(""), p["profile"]["phone"].as_str().unwrap_or(""))).collect();
    assert_eq!(phones, [("P-2", "+37122222202"), ("P-3", "+353871234567")], "{held:#}");
    close_without_errors(browser).await;
}

/// The label of the element that has focus.
async fn focused(browser: &Browser) -> String {
    let label = browser.client.execute("return document.activeElement.getAttribute('aria-label') || document.activeElement.id", vec![]).await.unwrap();
    label.as_str().unwrap_or_default().to_string()
}

/// Keys typed where focus is, as a user types them (WebDriver actions: no element is
/// focused nor its caret moved first, as "send keys" to an element would).
async fn press(browser: &Browser, keys: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".to_string());
    for key in keys.chars() {
        actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    }
    browser.client.perform_actions(actions).await.unwrap();
}

const ARROW_DOWN: &str = "\u{E015}";
const ARROW_RIGHT: &str = "\u{E014}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_is_fixed_by_keyboard_alone_and_escape_keeps_what_was_there() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-keys").unwrap();
    let file = dir.path().join("keys.csv");
    std::fs::write(&file, "Participant ID,Email\nP-1,a@example.org\nP-2,not-an-email\nP-3,C@Example.ORG\n").unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "keys.csv: 3 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.click_button("Next: review the rows").await.unwrap();
    browser.wait_for_text("#issues", "not-an-email").await.unwrap();
    browser.wait_for("#data-grid").await.unwrap();
    browser.client.execute("document.getElementById('data-grid').focus()", vec![]).await.unwrap();
    // From the grid into its first cell, then right and down to the bad e-mail.
    press(&browser, ARROW_DOWN).await;
    assert_eq!(focused(&browser).await, "Row 2, column A");
    press(&browser, ARROW_RIGHT).await;
    press(&browser, ARROW_DOWN).await;
    assert_eq!(focused(&browser).await, "Row 3, column B");
    // Enter edits; what is typed then Escape leaves the cell as it was.
    press(&browser, ENTER).await;
    press(&browser, "zzz").await;
    press(&browser, ESCAPE).await;
    let cell = browser.wait_for("#data-grid input[aria-label='Row 3, column B']").await.unwrap();
    assert_eq!(cell.prop("value").await.unwrap().as_deref(), Some("not-an-email"));
    // Arrows move again after Escape; typing into a selected cell replaces it, Enter keeps it.
    press(&browser, ARROW_DOWN).await;
    assert_eq!(focused(&browser).await, "Row 4, column B");
    browser.client.execute("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowUp', bubbles: true}))", vec![]).await.unwrap();
    assert_eq!(focused(&browser).await, "Row 3, column B", "a synthetic ArrowUp moves too");
    press(&browser, "b@example.org").await;
    press(&browser, ENTER).await;
    let summary = browser.wait_for_text("#review-summary", "0\nwith problems").await.unwrap();
    assert!(summary.contains("3\nready"), "{summary}");
    assert_eq!(focused(&browser).await, "Row 3, column B", "focus stays on the cell kept");
    // An address with capitals is said where it is seen, with the fix beside it.
    let said = browser.wait_for_text("#email-case-1", "capital letters").await.unwrap();
    assert!(said.contains("\"Email\" has 1 address with capital letters, e.g. \"C@Example.ORG\" (row 4)"), "{said}");
    screenshot(&browser, "keys-1-review").await;
    browser.click_button("Lowercase e-mails in \"Email\"").await.unwrap();
    browser.wait_for_text("#email-case-done", "1 address lowercased").await.unwrap();
    assert!(browser.client.find(Locator::Css("#email-case-1")).await.is_err(), "said no more once fixed");
    browser.click_button("Next: send 3 records").await.unwrap();
    sign_in(&browser, "sandbox-password").await;
    browser.click_button("Send 3 records").await.unwrap();
    browser.wait_for_text("#report-summary", "sent").await.unwrap();
    let held = stack.engage_records("demo-org").await.unwrap();
    let emails: Vec<&str> = held["participants"].as_array().unwrap().iter().map(|p| p["profile"]["email"].as_str().unwrap_or("")).collect();
    assert_eq!(emails, ["a@example.org", "b@example.org", "c@example.org"], "{held:#}");
    close_without_errors(browser).await;
}

/// The id of the element that has focus.
async fn focused_id(browser: &Browser) -> String {
    let id = browser.client.execute("return document.activeElement.id", vec![]).await.unwrap();
    id.as_str().unwrap_or_default().to_string()
}

/// Waits (up to five seconds) for the element with id `id` to have focus, and says
/// which has it then.
async fn until_focused(browser: &Browser, id: &str) -> String {
    for _ in 0..50 {
        if focused_id(browser).await == id {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    focused_id(browser).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guess_is_listed_in_one_place_and_each_can_be_changed() {
    let stack = stack().await;
    let dir = TempDir::new("ferry-e2e-guesses").unwrap();
    let file = dir.path().join("guesses.csv");
    std::fs::write(&file, "Participant ID;Email;Phone;Visit date\nP-1;a@example.org;22 222 201;25/06/2024\nP-2;b@example.org;22 222 202;03/07/2024\n").unwrap();
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    browser.choose_file(&file).await.unwrap();
    browser.wait_for_text("h3", "guesses.csv: 2 rows").await.unwrap();
    browser.click_button("Next: choose columns").await.unwrap();
    browser.wait_for("#inferences").await.unwrap();
    // The new step's heading has focus, so a keyboard user starts at its top.
    assert_eq!(until_focused(&browser, "map-heading").await, "map-heading");
    browser.wait_for("#map-submission-created_at").await.unwrap().select_by_label("Visit date").await.unwrap();
    let listed = browser.wait_for_text("#inferences", "Dates in").await.unwrap();
    for line in [
        "Characters\nUTF-8",
        "Cells separated by\nsemicolon (;)",
        "Column names\nrow 1",
        "Dates in \"Visit date\"\nday/month/year, read from \"25/06/2024\" (row 2)",
        "Phones without a country code\nLatvia (Ferry's default)",
    ] {
        assert!(listed.contains(line), "{line:?} missing from:\n{listed}");
    }
    screenshot(&browser, "guesses-1-map").await;
    // A guess on this step: its control, focused.
    browser.wait_for("#change-phone-country").await.unwrap().click().await.unwrap();
    assert_eq!(until_focused(&browser, "phone-country").await, "phone-country");
    // A guess about reading the file: the upload step, its control focused; another
    // separator reads the file again.
    browser.wait_for("#change-delimiter").await.unwrap().click().await.unwrap();
    browser.wait_for("#read-delimiter").await.unwrap();
    assert_eq!(until_focused(&browser, "read-delimiter").await, "read-delimiter", "the control, not the heading");
    browser.wait_for("#read-delimiter").await.unwrap().select_by_value("44").await.unwrap();
    let preview = browser.wait_for_text(".table-wrap table", "Participant ID;Email;Phone;Visit date").await.unwrap();
    assert!(preview.contains("P-1;a@example.org"), "read with commas, one column: {preview}");
    screenshot(&browser, "guesses-2-upload").await;
    browser.wait_for("#read-delimiter").await.unwrap().select_by_value("59").await.unwrap();
    // Read again with semicolons: four columns (and the row numbers) in the preview.
    let columns = || async {
        let n = browser.client.execute("return document.querySelectorAll('.table-wrap table thead th').length", vec![]).await.unwrap();
        n.as_u64().unwrap_or(0)
    };
    for _ in 0..100 {
        if columns().await == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(columns().await, 5);
    browser.click_button("Next: choose columns").await.unwrap();
    let listed = browser.wait_for_text("#inferences", "Cells separated by").await.unwrap();
    assert!(listed.contains("semicolon (;)"), "{listed}");
    close_without_errors(browser).await;
}

/// A file chosen while another is still being read replaces it: what the first read
/// brings back, even when it finishes, never takes the page. And a file whose every column
/// fills a field of its own says so where the survey answers would be listed, instead of
/// an empty table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_chosen_last_is_the_one_shown_and_a_fully_mapped_file_says_no_answers_are_left() {
    let stack = stack().await;
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&stack.page_url).await.unwrap();
    let dir = TempDir::new("ferry-e2e-files").unwrap();
    let first = dir.path().join("first.csv");
    let mut text = String::from("Email,Mood\n");
    for n in 0..20_000 {
        text.push_str(&format!("p{n}@example.org,fine\n"));
    }
    std::fs::write(&first, text).unwrap();
    let last = dir.path().join("last.csv");
    std::fs::write(&last, "Email,Participant ID,First name\nanna@example.org,P-1,Anna\nbob@example.org,P-2,Bob\n").unwrap();
    browser.choose_file(&first).await.unwrap();
    browser.choose_file(&last).await.unwrap();
    browser.wait_for_text("main h3", "last.csv: 2 rows").await.unwrap();
    // Long enough for the first read to have come back, had it not been dropped.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let heading = browser.wait_for("main h3").await.unwrap().text().await.unwrap();
    assert!(heading.contains("last.csv: 2 rows"), "the last file chosen stays: {heading}");

    browser.click_button("Next: choose columns").await.unwrap();
    let hint = browser.wait_for_text("#dynamic-none", "Every column of this file fills a field above").await.unwrap();
    assert!(hint.contains("survey answers"), "{hint}");
    let table = browser.wait_for("#dynamic-columns").await.unwrap().is_displayed().await.unwrap();
    assert!(!table, "no empty table of answers is shown");
    // Setting a field to "not sent" frees its column, which is then offered as an answer.
    browser.wait_for("#map-participant-given_name").await.unwrap().select_by_label("— not sent —").await.unwrap();
    browser.wait_for_text("#dynamic-columns", "First name").await.unwrap();
    let shown = browser.wait_for("#dynamic-none").await.unwrap().is_displayed().await.unwrap();
    assert!(!shown, "the hint goes once a column is free");
    close_without_errors(browser).await;
}
