//! Components and the core, in a real headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use ferry::state::{AppState, Step};
use ferry::steps::{map::MapStep, report::ReportStep};
use ferry_core::report::{Outcome, Report};
use ferry_core::sheet::read_csv;
use ferry_core::vendors::engage;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh element on the page to mount into.
fn host() -> web_sys::HtmlElement {
    let el: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

/// Settles until `done` holds (at most about ten seconds).
async fn until(done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        settle().await;
    }
}

/// Waits until `selector` is in `el`: a step draws its parts below the first screen in
/// turns of their own, a frame apart (`components::later::Later`).
async fn drawn(el: &web_sys::HtmlElement, selector: &str) {
    until(|| el.query_selector(selector).unwrap().is_some()).await;
    assert!(el.query_selector(selector).unwrap().is_some(), "{selector} was never drawn");
}

/// Lets scheduled reactive updates reach the DOM.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

const CSV: &str = "Participant ID;E-mail;First name\nP-1;anna@example.org;Anna\n;;Nobody\n";

#[wasm_bindgen_test]
fn core_reads_and_prepares_engage_records_in_wasm() {
    let sheet = read_csv(CSV.as_bytes()).unwrap();
    assert_eq!(sheet.headers, ["Participant ID", "E-mail", "First name"]);
    let mapping = ferry_core::mapping::suggest(&sheet.headers, engage::FIELDS, Some(engage::ANSWERS_PREFIX));
    let settings = engage::Settings { org_slug: "o".into(), activity_slug: "a".into(), ..Default::default() };
    let prepared = engage::prepare(&sheet, &mapping, &settings);
    assert_eq!(prepared.records.len(), 1);
    assert_eq!(prepared.records[0].json["participant"]["given_name"], "Anna");
    assert_eq!(prepared.issues[0].row, 3);
}

#[wasm_bindgen_test]
async fn report_step_shows_one_line_per_row_and_the_counts() {
    let el = host();
    let handle = leptos::mount::mount_to(el.clone(), || {
        let state = AppState::new();
        let mut report = Report::default();
        report.record(2, "P-1", Outcome::Sent { id: Some("P-1".into()) });
        report.record(3, "", Outcome::Skipped { reason: "No participant ID, national ID or email".into() });
        report.record(4, "x@y.lv", Outcome::Rejected { reason: "participant.email: value is not a valid email address".into() });
        state.report.set(Some(report));
        state.step.set(Step::Report);
        provide_context(state);
        view! { <ReportStep/> }
    });
    settle().await;
    let rows = el.query_selector_all("#report tbody tr").unwrap();
    assert_eq!(rows.length(), 3);
    let third = el.query_selector("tr[data-row='4']").unwrap().unwrap().text_content().unwrap();
    assert!(third.contains("rejected") && third.contains("not a valid email"), "{third}");
    let summary = el.query_selector("#report-summary").unwrap().unwrap().text_content().unwrap();
    assert!(summary.starts_with("1sent1rejected by the platform1skipped"), "{summary}");
    drop(handle);
}

#[wasm_bindgen_test]
async fn map_step_suggests_columns_and_blocks_until_settings_are_complete() {
    let el = host();
    let state_slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let slot = state_slot.clone();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("people.csv".into(), "fingerprint".into(), read_csv(CSV.as_bytes()).unwrap());
        slot.set(Some(state));
        provide_context(state);
        view! { <MapStep/> }
    });
    drawn(&el, "#map-participant-email").await;
    let email: web_sys::HtmlSelectElement = el.query_selector("#map-participant-email").unwrap().unwrap().unchecked_into();
    assert_eq!(email.value(), "1", "E-mail column suggested");
    let next = || -> web_sys::HtmlButtonElement { el.query_selector("button.primary").unwrap().unwrap().unchecked_into() };
    assert!(next().disabled(), "organisation and activity are still empty");
    let problems = el.query_selector("#map-problems").unwrap().unwrap().text_content().unwrap();
    assert!(problems.contains("Organisation slug is empty"), "{problems}");

    let state = state_slot.take().unwrap();
    state.settings.update(|s| {
        s["org_slug"] = "demo-org".into();
        s["activity_slug"] = "baseline".into();
    });
    settle().await;
    assert!(!next().disabled(), "ready once the settings are complete");

    // Unmapping every identifier blocks again, with the vendor's rule in words.
    for id in ["map-participant-participant_id", "map-participant-email"] {
        let select: web_sys::HtmlSelectElement = el.query_selector(&format!("#{id}")).unwrap().unwrap().unchecked_into();
        select.set_value("");
        select.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    }
    settle().await;
    assert!(next().disabled());
    let problems = el.query_selector("#map-problems").unwrap().unwrap().text_content().unwrap();
    assert!(problems.contains("Map at least one of Participant ID, National ID or Email"), "{problems}");
    drop(handle);
}

/// The readers in wasm, on real-world samples (`tests/samples/`).
#[wasm_bindgen_test]
fn readers_handle_windows_1252_utf16_and_xlsx_in_wasm() {
    use ferry_core::sheet::{TextEncoding, TextRead};
    use ferry_core::{read_file, FileKind, ReadOptions};

    let (sheet, kind) = read_file("export.csv", include_bytes!("samples/semicolon-windows-1252.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(kind, FileKind::Text(TextRead { encoding: TextEncoding::Windows1252, delimiter: b';' }));
    assert_eq!(sheet.headers, ["Name", "City", "Email"]);
    assert_eq!(sheet.row(0), ["José", "München", "jose@example.org"]);
    assert_eq!(sheet.cell(1, 1), "Åre");

    let (sheet, kind) = read_file("unicode.txt", include_bytes!("samples/utf16-tab.txt"), &ReadOptions::default()).unwrap();
    assert_eq!(kind, FileKind::Text(TextRead { encoding: TextEncoding::Utf16Le, delimiter: b'\t' }));
    assert_eq!(sheet.row(1), ["janis@example.org", "Cēsis"]);

    let xlsx = include_bytes!("samples/participants.xlsx");
    let options = ReadOptions { sheet: Some("Participants".into()), ..Default::default() };
    let (sheet, kind) = read_file("people.xlsx", xlsx, &options).unwrap();
    let FileKind::Workbook(book) = kind else { panic!("a workbook") };
    assert_eq!(book.sheets, ["Notes", "Participants"]);
    assert_eq!(sheet.row(0), ["LV-001", "37122222222", "2024-09-01", "2024-09-01 10:10:00", "0.3", "00123"]);
}

/// The review step: a bulk fix and an in-place edit, each re-checked at once.
#[wasm_bindgen_test]
async fn review_step_fixes_columns_and_cells_and_rechecks() {
    use ferry::steps::review::ReviewStep;
    let el = host();
    let slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let keep = slot.clone();
    // The phone has its country code: one without would be checked in the worker (by the
    // numbering plans), which this page-only test has not.
    let csv = "Participant ID,E-mail,Phone\nP-1,ANNA@EXAMPLE.ORG,+371 22 222 222\nP-2,broken@,\nP-3,Jan@Example.org,\n";
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.settings.update(|s| {
            s["org_slug"] = "o".into();
            s["activity_slug"] = "a".into();
        });
        state.load("people.csv".into(), "f".into(), read_csv(csv.as_bytes()).unwrap());
        keep.set(Some(state));
        provide_context(state);
        view! { <ReviewStep/> }
    });
    drawn(&el, "#email-case-1").await;
    let state = slot.take().unwrap();
    let button = |text: &str| -> web_sys::HtmlElement {
        let all = el.query_selector_all("button").unwrap();
        (0..all.length())
            .filter_map(|i| all.item(i))
            .map(|n| n.unchecked_into::<web_sys::HtmlElement>())
            .find(|b| b.text_content().unwrap_or_default().contains(text))
            .unwrap_or_else(|| panic!("no button {text}"))
    };
    // Addresses with capitals are said in review, with the fix beside the words.
    let said = el.query_selector("#email-case-1").unwrap().expect("the e-mail case notice").text_content().unwrap();
    assert!(said.contains("\"E-mail\" has 2 addresses with capital letters, e.g. \"ANNA@EXAMPLE.ORG\" (row 2)"), "{said}");
    button("Lowercase e-mails").click();
    settle().await;
    assert_eq!(state.sheet.with_untracked(|s| s.as_ref().unwrap().cell(0, 1).to_string()), "anna@example.org");
    assert!(el.text_content().unwrap().contains("E-mails in \"E-mail\": 2 addresses lowercased."));
    assert!(el.query_selector("#email-case-1").unwrap().is_none(), "said no more once fixed");

    // The broken e-mail is listed; correcting it in place clears the issue.
    let summary = || el.query_selector("#review-summary").unwrap().unwrap().text_content().unwrap();
    assert!(summary().starts_with("2ready to send1with problems"), "{}", summary());
    let input: web_sys::HtmlInputElement = el.query_selector("#issues input").unwrap().unwrap().unchecked_into();
    input.set_value("broken@example.org");
    input.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    settle().await;
    assert!(summary().starts_with("3ready to send0with problems"), "{}", summary());

    // A large sheet's check that failed in the worker says why, as an alert.
    state.check_failed.set(Some("Ferry's checker stopped unexpectedly.".into()));
    settle().await;
    let alert = el.query_selector("#review-check-failed[role=alert]").unwrap().expect("an alert").text_content().unwrap();
    assert!(alert.contains("could not be checked: Ferry's checker stopped unexpectedly. Your edits are kept"), "{alert}");
    drop(handle);
}

/// Repeated identifiers are counted only once the column fixes are opened (counting reads
/// every row, a million on a large sheet), and then said in words.
#[wasm_bindgen_test]
async fn repeated_identifiers_are_counted_when_the_fixes_are_opened() {
    use ferry::steps::review::ReviewStep;
    let el = host();
    let csv = "Participant ID,E-mail\nP-1,a@example.org\nP-2,b@example.org\np-1,c@example.org\n";
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("people.csv".into(), "f".into(), read_csv(csv.as_bytes()).unwrap());
        provide_context(state);
        view! { <ReviewStep/> }
    });
    drawn(&el, "#bulk-fixes").await;
    assert!(el.query_selector("#dedupe-count").unwrap().is_none(), "counted while closed");
    el.query_selector("#bulk-fixes").unwrap().unwrap().set_attribute("open", "").unwrap();
    until(|| el.query_selector("#dedupe-count").unwrap().is_some()).await;
    let text = el.query_selector("#dedupe-count").unwrap().unwrap().text_content().unwrap();
    assert_eq!(text, "1 row repeats a \"Participant ID\" seen on an earlier row.");
    drop(handle);
}

/// A saved mapping keeps column names only, and is offered for a similar file.
#[wasm_bindgen_test]
async fn saved_mappings_keep_column_names_only_and_are_offered_again() {
    use ferry::steps::saved_mappings::STORAGE_KEY;
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    let el = host();
    let handle = leptos::mount::mount_to(el.clone(), || {
        let state = AppState::new();
        state.load(
            "people.csv".into(),
            "f".into(),
            read_csv("Participant ID;E-mail;First name\nP-1;secret.person@example.org;Secretname\n".as_bytes()).unwrap(),
        );
        provide_context(state);
        view! { <MapStep/> }
    });
    drawn(&el, "#save-mapping").await;
    let save: web_sys::HtmlElement = el.query_selector("#save-mapping").unwrap().unwrap().unchecked_into();
    save.click();
    settle().await;
    let stored = storage.get_item(STORAGE_KEY).unwrap().unwrap();
    assert!(stored.contains("E-mail") && stored.contains("participant.email"), "{stored}");
    assert!(!stored.contains("secret") && !stored.contains("Secretname") && !stored.contains("P-1"), "no cell value: {stored}");
    drop(handle);

    // A similar file, mapped differently at first, gets the saved mapping offered.
    let el = host();
    let slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let keep = slot.clone();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("next.csv".into(), "g".into(), read_csv("e-mail,Participant ID,First name,Extra\nx@example.org,P-9,X,1\n".as_bytes()).unwrap());
        state.mapping.set(Default::default());
        keep.set(Some(state));
        provide_context(state);
        view! { <MapStep/> }
    });
    drawn(&el, "#use-saved-mapping").await;
    let state = slot.take().unwrap();
    let use_it: web_sys::HtmlElement = el.query_selector("#use-saved-mapping").unwrap().expect("an offer").unchecked_into();
    use_it.click();
    settle().await;
    assert_eq!(state.mapping.with_untracked(|m| m.column("participant.email")), Some(0));
    storage.remove_item(STORAGE_KEY).unwrap();
    drop(handle);
}

/// The grid renders only the rows in view, scrolls through 100,000 rows, filters to rows
/// with problems and edits cells in place.
#[wasm_bindgen_test]
async fn the_grid_is_virtualised_filters_and_edits() {
    use ferry::components::data_grid::{DataGrid, ROW_HEIGHT};
    let mut csv = String::from("Participant ID,E-mail\n");
    for i in 0..100_000 {
        if i % 1000 == 0 {
            csv.push_str(&format!("P-{i},not-an-email\n"));
        } else {
            csv.push_str(&format!("P-{i},p{i}@example.org\n"));
        }
    }
    let el = host();
    let slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let keep = slot.clone();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("big.csv".into(), "f".into(), read_csv(csv.as_bytes()).unwrap());
        keep.set(Some(state));
        provide_context(state);
        view! { <DataGrid/> }
    });
    settle().await;
    let state = slot.take().unwrap();
    let rendered = || el.query_selector_all("#data-grid tbody tr").unwrap().length();
    assert!(rendered() > 5 && rendered() < 40, "only the rows in view: {}", rendered());
    let grid: web_sys::HtmlElement = el.query_selector("#data-grid").unwrap().unwrap().unchecked_into();
    grid.set_scroll_top((50_000 * ROW_HEIGHT) as i32);
    grid.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
    settle().await;
    let first = el.query_selector("#data-grid tbody tr").unwrap().unwrap().get_attribute("data-row").unwrap();
    let first: usize = first.parse().unwrap();
    assert!((49_990..=50_002).contains(&first), "scrolled to row {first}");
    assert!(rendered() < 40);

    let only: web_sys::HtmlInputElement = el.query_selector("#grid-only-issues").unwrap().unwrap().unchecked_into();
    // 100,000 rows are a large sheet: checked away from the page's own work (here, where
    // the test runner serves no worker, after the worker fails to start).
    until(|| state.findings.with_untracked(Option::is_some)).await;
    only.set_checked(true);
    only.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    settle().await;
    assert_eq!(el.query_selector("#grid-count").unwrap().unwrap().text_content().unwrap(), "100 rows");
    // The filtered list is shown from its top, not from where the whole sheet was scrolled.
    assert_eq!(grid.scroll_top(), 0, "the filtered rows start at the top");
    let bad = el.query_selector("#data-grid td.cell.error input").unwrap().expect("a highlighted cell");
    let bad: web_sys::HtmlInputElement = bad.unchecked_into();
    bad.set_value("fixed@example.org");
    bad.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    // The rows tied to the edit are being checked again: review's counts are about to change.
    assert!(state.rechecking.get_untracked(), "the edit's rows are rechecked");
    settle().await;
    assert_eq!(state.sheet.with_untracked(|s| s.as_ref().unwrap().cell(0, 1).to_string()), "fixed@example.org");
    let count = || el.query_selector("#grid-count").unwrap().unwrap().text_content().unwrap();
    until(|| count() == "99 rows").await;
    assert_eq!(count(), "99 rows", "checked again after the edit");
    assert!(!state.rechecking.get_untracked(), "the recheck is over");
    drop(handle);
}

/// A key pressed where focus is (as the browser dispatches it, bubbling to the grid).
fn key(name: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(name);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    document().active_element().unwrap().dispatch_event(&event).unwrap();
}

/// The label of the element with focus.
fn focused() -> String {
    document().active_element().and_then(|e| e.get_attribute("aria-label")).unwrap_or_default()
}

/// Waits (up to about two seconds) for focus to be on the cell labelled `label`.
async fn focus_arrives(label: &str) {
    for _ in 0..100 {
        settle().await;
        if focused() == label {
            return;
        }
    }
}

/// Arrow keys move across a sheet of 100,000 rows far past the rows first rendered,
/// Enter edits and keeps, Escape restores.
#[wasm_bindgen_test]
async fn the_grid_is_driven_by_keyboard_past_the_rows_in_view() {
    use ferry::components::data_grid::DataGrid;
    let mut csv = String::from("Participant ID,E-mail,Name\n");
    for i in 0..100_000 {
        csv.push_str(&format!("P-{i},p{i}@example.org,N{i}\n"));
    }
    let el = host();
    let slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let keep = slot.clone();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("keys.csv".into(), "f".into(), read_csv(csv.as_bytes()).unwrap());
        keep.set(Some(state));
        provide_context(state);
        view! { <DataGrid/> }
    });
    settle().await;
    let state = slot.take().unwrap();
    let grid: web_sys::HtmlElement = el.query_selector("#data-grid").unwrap().unwrap().unchecked_into();
    grid.focus().unwrap();
    key("ArrowDown");
    assert_eq!(focused(), "Row 2, column A", "from the grid into its first cell");
    key("End");
    assert_eq!(focused(), "Row 2, column C");
    // Forty rows down is past every row rendered at first: the grid scrolls and follows
    // (each key waits for the focus to arrive, which takes a frame or more on a loaded
    // machine, as a user waits to see where the cursor is).
    for row in 3..=42 {
        key("ArrowDown");
        focus_arrives(&format!("Row {row}, column C")).await;
    }
    assert_eq!(focused(), "Row 42, column C");
    assert!(grid.scroll_top() > 0, "scrolled");
    key("PageDown");
    settle().await;
    let below = focused();
    assert!(below.starts_with("Row ") && below != "Row 42, column C", "{below}");
    key("ArrowUp");
    settle().await;
    key("Home");
    let here = focused();
    assert!(here.ends_with("column A"), "{here}");
    // Enter edits: a value typed and Escape leaves the cell as it was.
    let input: web_sys::HtmlInputElement = document().active_element().unwrap().unchecked_into();
    let index = input.get_attribute("data-cell").unwrap().split(':').next().unwrap().parse::<usize>().unwrap();
    let was = state.sheet.with_untracked(|s| s.as_ref().unwrap().cell(index, 0).to_string());
    key("Enter");
    assert!(input.has_attribute("data-editing"));
    input.set_value("typed");
    key("Escape");
    assert_eq!(input.value(), was);
    assert!(!input.has_attribute("data-editing"));
    assert_eq!(state.sheet.with_untracked(|s| s.as_ref().unwrap().cell(index, 0).to_string()), was, "nothing kept");
    // Enter, a value, Enter: kept (a few frames after the last move, as a person types).
    for _ in 0..5 {
        settle().await;
    }
    key("Enter");
    input.set_value("P-NEW");
    key("Enter");
    settle().await;
    assert_eq!(state.sheet.with_untracked(|s| s.as_ref().unwrap().cell(index, 0).to_string()), "P-NEW");
    assert!(!input.has_attribute("data-editing"), "back to moving");
    // The row is drawn again with its new text, and the focus stays on the cell.
    let label = input.get_attribute("aria-label").unwrap();
    focus_arrives(&label).await;
    assert_eq!(focused(), label, "the edited cell keeps the focus");
    assert!(!input.is_connected(), "drawn again");
    let again: web_sys::HtmlInputElement = document().active_element().unwrap().unchecked_into();
    assert_eq!(again.value(), "P-NEW");
    key("ArrowDown");
    let below = state.sheet.with_untracked(|s| s.as_ref().unwrap().number(index + 1));
    focus_arrives(&format!("Row {below}, column A")).await;
    assert_eq!(focused(), format!("Row {below}, column A"), "and the keys move on from it");
    // Typing into a cell while its row is drawn again (another of its cells changes, as
    // an edit's recheck can mark it): the focus and what was typed stay.
    for _ in 0..5 {
        settle().await;
    }
    key("Enter");
    let typing: web_sys::HtmlInputElement = document().active_element().unwrap().unchecked_into();
    typing.set_value("half ty");
    state.edit_cell(index + 1, 2, "Renamed");
    for _ in 0..5 {
        settle().await;
    }
    assert!(!typing.is_connected(), "the row was drawn again");
    assert_eq!(focused(), format!("Row {below}, column A"));
    let now: web_sys::HtmlInputElement = document().active_element().unwrap().unchecked_into();
    assert_eq!(now.value(), "half ty", "what was typed is still there");
    assert!(now.has_attribute("data-editing"), "and still being edited");
    drop(handle);
}

#[wasm_bindgen_test]
fn every_vendor_of_the_core_has_one_page_module() {
    let core: Vec<&str> = ferry_core::vendors::Target::all().map(|t| t.id()).collect();
    let page: Vec<&str> = ferry::vendors::PAGES.iter().map(|p| p.id).collect();
    assert_eq!(core, page, "the page's list and the core's list name the same vendors, in the same order");
}

#[wasm_bindgen_test]
async fn switching_target_shows_its_own_form_and_keeps_what_was_typed() {
    let el = host();
    let state_slot = std::rc::Rc::new(std::cell::Cell::new(None::<AppState>));
    let slot = state_slot.clone();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("people.csv".into(), "fingerprint".into(), read_csv(CSV.as_bytes()).unwrap());
        slot.set(Some(state));
        provide_context(state);
        view! { <MapStep/> }
    });
    drawn(&el, "#org-slug").await;
    let input = |id: &str| -> Option<web_sys::HtmlInputElement> { el.query_selector(&format!("#{id}")).unwrap().map(JsCast::unchecked_into) };
    let org = input("org-slug").expect("the first target's own form is shown");
    org.set_value("my-org");
    org.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    settle().await;

    input("target-lumi-say").unwrap().click();
    settle().await;
    assert!(input("org-slug").is_none(), "the other target's form is gone");
    assert!(input("lumi-group").is_some(), "the chosen target's form is shown");
    let problems = el.query_selector("#map-problems").unwrap().unwrap().text_content().unwrap();
    assert!(problems.contains("List ID is empty"), "the chosen target's rules: {problems}");

    input("target-engage").unwrap().click();
    settle().await;
    assert_eq!(input("org-slug").unwrap().value(), "my-org", "switching back keeps what was typed");
    let state = state_slot.take().unwrap();
    assert_eq!(state.settings.get_untracked()["org_slug"], "my-org");
    drop(handle);
}

#[wasm_bindgen_test]
fn a_site_can_choose_the_platform_the_page_opens_with() {
    let config: ferry::page_config::PageConfig =
        serde_json::from_str(r#"{"target": "lumi_say", "lumi-say": {"group_id": "g-7"}, "proxy_url": "http://127.0.0.1:1"}"#).unwrap();
    let state = AppState::new();
    state.apply_config(config);
    assert_eq!(state.target.get_untracked().id(), "lumi-say");
    assert_eq!(state.settings.get_untracked()["group_id"], "g-7", "with the site's settings for it");
    let unknown: ferry::page_config::PageConfig = serde_json::from_str(r#"{"target": "nobody"}"#).unwrap();
    let state = AppState::new();
    state.apply_config(unknown);
    assert_eq!(state.target.get_untracked().id(), "engage", "an unknown id leaves the first");
}

/// The readers live in the import worker only (so the page loads small): where no worker
/// can start (here, the test runner serves none), the page says why and reads nothing.
#[wasm_bindgen_test]
async fn without_a_worker_the_page_says_why_and_reads_nothing() {
    let bytes = js_sys::Uint8Array::from(&b"Participant ID,Email\nP-1,a@example.org\n"[..]);
    let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&bytes)).unwrap();
    let job = ferry::import::ImportJob::start(blob, "people.csv", &ferry_core::sheet::ReadOptions::default(), None, |_, _| {});
    match job.finish().await {
        Err(message) => assert_eq!(message, ferry::import::NO_WORKER),
        Ok(_) => panic!("read without a worker"),
    }
}

/// The send journal in IndexedDB: the rows in flight under its key, what each step
/// changed (rows sent, vendor-made ids) in parts beside it, read back whole; a new
/// send's first save replaces the parts; forgetting drops them all.
#[wasm_bindgen_test]
async fn the_journal_is_stored_in_parts_and_read_back_whole() {
    use ferry::journal_store;
    use ferry_core::journal::Journal;
    let key = "ferry-journal-test-parts";
    let mut journal = Journal::default();
    journal.note_pending(2..=4);
    journal.note_outcome(2, &Outcome::Sent { id: Some("P-1".into()) }, &[]);
    let part = journal.take_changes();
    journal_store::save(key, &journal.state_json(), part.as_deref(), true).await.unwrap();
    journal.note_outcome(3, &Outcome::Sent { id: Some("P-2".into()) }, &[]);
    let part = journal.take_changes();
    journal_store::save(key, &journal.state_json(), part.as_deref(), false).await.unwrap();
    // A step that sent nothing and made no id writes no part.
    journal.note_outcome(4, &Outcome::Rejected { reason: "no".into() }, &[]);
    let part = journal.take_changes();
    assert_eq!(part, None);
    journal_store::save(key, &journal.state_json(), part.as_deref(), false).await.unwrap();
    let (state, parts) = journal_store::load(key).await.unwrap().unwrap();
    assert_eq!(parts.len(), 2);
    assert!(!state.contains("P-1") && !state.contains("sent"), "{state}");
    assert_eq!(Journal::from_parts(&state, &parts), journal);
    journal.mark_all_changed();
    let part = journal.take_changes();
    journal_store::save(key, &journal.state_json(), part.as_deref(), true).await.unwrap();
    let (state, parts) = journal_store::load(key).await.unwrap().unwrap();
    assert_eq!(parts.len(), 1, "replaced by one part holding the whole journal");
    assert_eq!(Journal::from_parts(&state, &parts), journal);
    journal_store::forget(key).await.unwrap();
    assert_eq!(journal_store::load(key).await.unwrap(), None);
    journal_store::save(key, &journal.state_json(), None, false).await.unwrap();
    assert_eq!(journal_store::load(key).await.unwrap().unwrap().1.len(), 0, "forgetting dropped the parts too");
    journal_store::forget(key).await.unwrap();
}

/// What the import worker found of a date column as it read the file is what the page
/// shows, without reading the column's rows again; once a cell changes, the page reads
/// them itself.
#[wasm_bindgen_test]
fn date_columns_take_what_the_read_found_until_a_cell_changes() {
    use ferry_core::datetime::OrderEvidence;
    use ferry_core::vendors::read_check::CheckedAtRead;

    let owner = Owner::new();
    owner.with(|| {
        let state = AppState::new();
        let sheet = read_csv("Participant ID,Email,Created at\nP-1,a@example.lv,14.09.2024\nP-2,c@example.lv,01.09.2024\n".as_bytes()).unwrap();
        let (target, settings) = (state.target.get_untracked(), state.settings.get_untracked());
        let contract = target.contract();
        let mapping = ferry_core::date_columns::suggest(contract, &sheet, &sheet.headers, &settings);
        // Evidence no cell of this sheet gives: only the read can have said it.
        let from_read = OrderEvidence { month_first: Some((99, "09/14/2024".into())), ..OrderEvidence::default() };
        let checked = CheckedAtRead {
            target,
            settings: settings.clone(),
            headers: sheet.headers.clone(),
            findings: contract.findings(&sheet, &mapping, &settings),
            mapping,
            dates: vec![(2, from_read.clone())],
        };
        state.load_read("participants.csv".into(), sheet, Some(checked));
        let evidence = || state.date_columns().into_iter().find(|c| c.column == 2).map(|c| c.evidence);
        assert_eq!(evidence(), Some(from_read), "taken from the read, not read again");
        state.edit_cell(1, 1, "changed@example.lv");
        let read_here = evidence().unwrap();
        assert_eq!(read_here.day_first, Some((2, "14.09.2024".into())), "read from the cells once one changed");
        assert_eq!(read_here.month_first, None);
    });
}

/// The buffers the page reads a CSV file into for the worker grow fourfold from 256 KB
/// to 4 MB, but hold no more than half a million cells' worth of the file: a piece of a
/// 5,000-column survey is taken by the page in one task like any other.
#[wasm_bindgen_test]
fn read_pieces_grow_but_hold_a_bounded_number_of_cells() {
    use ferry::import::{next_read_piece, PIECE_CELLS};
    const MB: usize = 1 << 20;
    // Nothing read yet, and a ten-column file (about 0.09 cells a byte): 4x, up to 4 MB.
    assert_eq!(next_read_piece(MB / 4, 0.0), MB);
    assert_eq!(next_read_piece(MB, 0.09), 4 * MB);
    assert_eq!(next_read_piece(4 * MB, 0.09), 4 * MB);
    // A 5,000-column survey (about 0.5 cells a byte): about a million bytes a piece.
    let wide = next_read_piece(4 * MB, 0.5);
    assert!(wide as f64 * 0.5 <= PIECE_CELLS && wide > MB / 2, "{wide}");
    // Never below the first buffers' size, however dense the file.
    assert_eq!(next_read_piece(MB / 4, 1000.0), MB / 4);
}

/// Participant Kit asks for the full name: a column of first names mapped to it while
/// the file has last names is said in the columns step, as a warning.
#[wasm_bindgen_test]
async fn a_first_name_mapped_to_participant_kits_full_name_is_said() {
    let el = host();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        let state = AppState::new();
        state.load("people.csv".into(), "f".into(), read_csv("E-mail,First name,Last name\nanna@example.org,Anna,Bērziņa\n".as_bytes()).unwrap());
        provide_context(state);
        view! { <MapStep/> }
    });
    drawn(&el, "#target-participant-kit").await;
    let choice: web_sys::HtmlInputElement = el.query_selector("#target-participant-kit").unwrap().unwrap().unchecked_into();
    choice.click();
    let problems = || el.query_selector("#map-problems").unwrap().map(|p| p.text_content().unwrap()).unwrap_or_default();
    until(|| problems().contains("Name comes from")).await;
    let said = problems();
    assert!(
        said.contains("Name comes from \"First name\" alone, but Participant Kit asks for the participant's full name: \"Last name\" would not be sent."),
        "{said}"
    );
    drop(handle);
}
