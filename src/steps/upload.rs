//! Step 1: choose a file, see its first rows.

use std::sync::Arc;

use ferry_core::sheet::TextEncoding;
use ferry_core::{read_file, FileKind, ReadOptions};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::file_drop::FileDrop;
use crate::components::sheet_preview::SheetPreview;

/// The example file shipped in `public/` (synthetic people).
pub const EXAMPLE_FILE: &str = "public/example-participants.csv";

/// Reads `bytes` into the shared state, or says why it cannot.
fn take_file(state: AppState, error: RwSignal<Option<String>>, name: String, bytes: Vec<u8>) {
    read_into(state, error, name, Arc::new(bytes), &ReadOptions::default());
}

/// Reads (or reads again, with other choices) the file into the shared state.
fn read_into(state: AppState, error: RwSignal<Option<String>>, name: String, bytes: Arc<Vec<u8>>, options: &ReadOptions) {
    let shown = ferry_core::text::excerpt(&name, 80);
    match read_file(&name, &bytes, options) {
        Ok((sheet, _)) if sheet.is_empty() => {
            error.set(Some(format!("{shown} has a header row but no participants below it. Choose a file (or sheet) with at least one data row.")));
        }
        Ok((sheet, kind)) => {
            error.set(None);
            state.load(name, ferry_core::journal::file_fingerprint(&bytes), sheet);
            state.file_kind.set(Some(kind));
            state.file_bytes.set(Some(bytes));
        }
        Err(e) => error.set(Some(format!("{shown}: {e}"))),
    }
}

/// How the file was read, with the choice to read it another way.
#[component]
fn ReadChoices(error: RwSignal<Option<String>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let options = RwSignal::new(ReadOptions::default());
    let again = move |change: Box<dyn FnOnce(&mut ReadOptions)>| {
        options.update(|o| change(o));
        if let (Some(bytes), Some(name)) = (state.file_bytes.get_untracked(), state.file_name.get_untracked()) {
            read_into(state, error, name, bytes, &options.get_untracked());
        }
    };
    let header_row = move || {
        let first = state.sheet.with(|s| s.as_ref().filter(|s| !s.is_empty()).map(|s| s.number(0).saturating_sub(1)).unwrap_or(1));
        view! {
            <div class="field read-choice">
                <label for="read-header-row">"Header row"</label>
                <span class="hint">"The row holding the column names; Ferry skips a title line above it."</span>
                <input id="read-header-row" type="number" min="1" prop:value=first.to_string() on:change=move |ev| {
                    let row = event_target_value(&ev).trim().parse::<usize>().ok().filter(|n| *n > 0);
                    again(Box::new(move |o| o.header_row = row));
                }/>
            </div>
        }
    };
    let kind = move || match state.file_kind.get() {
        Some(FileKind::Text(current)) => Some(view! {
            <div class="field read-choice">
                <label for="read-encoding">"Characters read as"</label>
                <span class="hint">"If accents look wrong in the preview, choose another encoding."</span>
                <select id="read-encoding" on:change=move |ev| {
                    let chosen = TextEncoding::ALL.into_iter().find(|e| e.label() == event_target_value(&ev));
                    again(Box::new(move |o| o.encoding = chosen));
                }>
                    {TextEncoding::ALL.into_iter().map(|e| view! { <option value=e.label() selected=e == current>{e.label()}</option> }).collect::<Vec<_>>()}
                </select>
            </div>
        }.into_any()),
        Some(FileKind::Workbook(book)) => Some(view! {
            <div class="field read-choice">
                <label for="read-sheet">"Sheet"</label>
                <select id="read-sheet" on:change=move |ev| {
                    let sheet = event_target_value(&ev);
                    again(Box::new(move |o| {
                        o.sheet = Some(sheet);
                        o.header_row = None;
                    }));
                }>
                    {book.sheets.iter().map(|s| view! { <option value=s.clone() selected=*s == book.chosen>{s.clone()}</option> }).collect::<Vec<_>>()}
                </select>
            </div>
        }.into_any()),
        _ => None,
    };
    view! { <div class="grid">{kind}{header_row}</div> }
}

/// The upload step.
#[component]
pub fn UploadStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let error = RwSignal::new(None::<String>);
    let example = move |_| {
        leptos::task::spawn_local(async move {
            let fetched = async {
                let response = gloo_net::http::Request::get(EXAMPLE_FILE).send().await.ok()?;
                response.ok().then_some(())?;
                response.binary().await.ok()
            };
            match fetched.await {
                Some(bytes) => take_file(state, error, "example-participants.csv".into(), bytes),
                None => error.set(Some("The example file could not be loaded from this site.".into())),
            }
        });
    };
    let loaded = move || state.sheet.with(Option::is_some);
    view! {
        <section class="step" aria-labelledby="upload-title">
            <h2 id="upload-title">"Choose your file"</h2>
            <p class="lead">"One participant per row, with a header row: CSV, Excel (.xlsx, .xls), OpenDocument (.ods) or JSON. The file is read here, in your browser."</p>
            <FileDrop
                on_file=move |name, bytes| take_file(state, error, name, bytes)
                on_error=move |message| error.set(Some(message))
            />
            <p><button class="link" type="button" on:click=example>"No file at hand? Try the example file"</button></p>
            {move || error.get().map(|e| view! { <div class="notice error" role="alert" id="read-error">{e}</div> })}
            <Show when=loaded>
                <h3>
                    {move || {
                        let rows = state.sheet.with(|s| s.as_ref().map_or(0, |s| s.len()));
                        let name = state.file_name.get().map(|n| ferry_core::text::excerpt(&n, 80)).unwrap_or_default();
                        format!("{name}: {rows} rows")
                    }}
                </h3>
                <ReadChoices error=error/>
                <SheetPreview sheet=state.sheet/>
                <div class="actions">
                    <span class="spacer"></span>
                    <button class="primary" type="button" on:click=move |_| state.step.set(Step::Map)>"Next: choose columns"</button>
                </div>
            </Show>
        </section>
    }
}
