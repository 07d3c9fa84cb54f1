//! Step 1: choose a file, see its first rows.

use std::rc::Rc;

use ferry_core::sheet::{delimiter_name, ReadRemedy, TextEncoding, DELIMITERS};
use ferry_core::{FileKind, ReadOptions};
use js_sys::{Array, Uint8Array};
use leptos::prelude::*;
use web_sys::Blob;

use crate::components::file_drop::FileDrop;
use crate::components::sheet_preview::SheetPreview;
use crate::import::ImportJob;
use crate::state::{AppState, Step};

/// The example file shipped in `public/` (synthetic people).
pub const EXAMPLE_FILE: &str = "public/example-participants.csv";

/// A file being read: how far, and how to stop it.
#[derive(Clone, Copy)]
struct Reading {
    /// `(bytes read, bytes in all)`.
    progress: RwSignal<Option<(f64, f64)>>,
    /// The job, to cancel it.
    job: StoredValue<Option<Rc<ImportJob>>, LocalStorage>,
    /// Counts the reads begun: a read whose number is no longer the last one was
    /// superseded, and what it brings back is dropped.
    generation: StoredValue<u64>,
}

impl Reading {
    /// Whether the read numbered `generation` is still the last one begun.
    fn is_current(&self, generation: u64) -> bool {
        self.generation.get_value() == generation
    }
}

/// A file's worth of `bytes` (the example file, fetched).
fn blob_of(bytes: &[u8]) -> Option<Blob> {
    Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes))).ok()
}

/// Why the last read failed: its words, and a way to read the file anyway, if any.
#[derive(Clone)]
struct ReadFailure {
    message: String,
    remedy: Option<(ReadRemedy, ReadOptions, String, Blob)>,
}

/// Reads a newly chosen file into the shared state, or says why it cannot.
fn take_file(state: AppState, error: RwSignal<Option<ReadFailure>>, reading: Reading, name: String, file: Blob) {
    read_into(state, error, reading, name, file, &ReadOptions::default());
}

/// Reads (or reads again, with other choices) the file into the shared state, in the
/// import worker, showing progress. A cancelled read keeps what was there; a failed one
/// clears the table (so no step goes on with a table that is not this file's) and says
/// why, with a way to read the file anyway where there is one.
fn read_into(state: AppState, error: RwSignal<Option<ReadFailure>>, reading: Reading, name: String, file: Blob, options: &ReadOptions) {
    if let Some(previous) = reading.job.get_value() {
        previous.cancel();
    }
    let shown = ferry_core::text::excerpt(&name, 80);
    let progress = reading.progress;
    progress.set(Some((0.0, file.size())));
    // The worker checks the rows for the chosen target as it reads them, so review has
    // its findings at once when the mapping stays as suggested.
    let check = Some((state.target.get_untracked(), state.settings.get_untracked()));
    let job = Rc::new(ImportJob::start(file.clone(), &name, options, check, move |done, total| progress.set(Some((done, total)))));
    let options = options.clone();
    reading.job.set_value(Some(job.clone()));
    reading.generation.update_value(|g| *g += 1);
    let generation = reading.generation.get_value();
    leptos::task::spawn_local(async move {
        let result = job.finish().await;
        // A read begun since (another file chosen, or this one read again) owns the page
        // now: this one's result, even a finished one, must not replace that read's.
        if !reading.is_current(generation) {
            return;
        }
        reading.job.set_value(None);
        progress.set(None);
        match result {
            Ok(imported) if imported.sheet.is_empty() => {
                state.unload();
                let message = format!("{shown} has a header row but no participants below it. Choose a file (or sheet) with at least one data row.");
                error.set(Some(ReadFailure { message, remedy: None }));
            }
            Ok(imported) => {
                error.set(None);
                state.load_read(name, imported.sheet, imported.checked);
                // The file is kept for reading again with other choices; the fingerprint
                // (resume journal) follows the sheet.
                state.file.set(Some(file.clone()));
                state.fingerprint.set(None);
                state.file_kind.set(Some(imported.kind));
                if let Some(fingerprint) = job.fingerprinted().await {
                    // Only while the sheet shown is still this file's.
                    if state.file.with_untracked(|shown| shown.as_ref() == Some(&file)) {
                        state.fingerprint.set(Some(fingerprint));
                    }
                }
            }
            Err(e) if e == "Reading was cancelled." => {}
            Err(e) => {
                state.unload();
                let remedy = job.remedy().map(|r| (r, options, name, file));
                error.set(Some(ReadFailure { message: format!("{shown}: {e}"), remedy }));
            }
        }
    });
}

/// Reads the file kept from the last read again, with its choices changed by `change`.
fn read_again(
    state: AppState,
    error: RwSignal<Option<ReadFailure>>,
    reading: Reading,
    options: RwSignal<ReadOptions>,
    change: Box<dyn FnOnce(&mut ReadOptions)>,
) {
    options.update(|o| change(o));
    if let (Some(file), Some(name)) = (state.file.get_untracked(), state.file_name.get_untracked()) {
        read_into(state, error, reading, name, file, &options.get_untracked());
    }
}

/// Progress of the file being read, with a way to stop.
#[component]
fn ReadingProgress(reading: Reading) -> impl IntoView {
    move || {
        reading.progress.get().map(|(done, total)| {
            let percent = if total > 0.0 { (done / total * 100.0).round() } else { 0.0 };
            let megabytes = |b: f64| format!("{:.1}", b / 1_048_576.0);
            view! {
                <div class="reading" role="status" id="read-progress">
                    <progress max="100" value=percent aria-label="Reading the file"></progress>
                    <span>{if done < total || total == 0.0 {
                        format!("Reading the file: {} of {} MB ({percent}%)", megabytes(done), megabytes(total))
                    } else {
                        format!("Read {} MB; laying out the rows…", megabytes(total))
                    }}</span>
                    <button type="button" id="read-cancel" on:click=move |_| {
                        if let Some(job) = reading.job.get_value() {
                            job.cancel();
                        }
                        reading.job.set_value(None);
                        reading.progress.set(None);
                    }>"Cancel"</button>
                </div>
            }
        })
    }
}

/// How the file was read, with the choice to read it another way. `options` are the
/// ones the file was last read with (kept by the upload step, so a remedy chosen after
/// a failed read, such as reading quotes as text, still holds when the encoding or the
/// header row is changed next).
#[component]
fn ReadChoices(error: RwSignal<Option<ReadFailure>>, reading: Reading, options: RwSignal<ReadOptions>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let again = move |change: Box<dyn FnOnce(&mut ReadOptions)>| read_again(state, error, reading, options, change);
    // One input for the life of the step, its value following the sheet: re-rendered
    // after each read, it would drop what is being typed into it while a read finishes.
    let first = move || state.sheet.with(|s| s.as_ref().filter(|s| !s.is_empty()).map(|s| s.number(0).saturating_sub(1)).unwrap_or(1)).to_string();
    let header_row = {
        view! {
            <div class="field read-choice">
                <label for="read-header-row">"Header row"</label>
                <span class="hint">"The row holding the column names; Ferry skips a title line above it."</span>
                <input id="read-header-row" type="number" min="1" prop:value=first on:change=move |ev| {
                    let row = event_target_value(&ev).trim().parse::<usize>().ok().filter(|n| *n > 0);
                    again(Box::new(move |o| o.header_row = row));
                }/>
            </div>
        }
    };
    let kind = move || {
        match state.file_kind.get() {
        Some(FileKind::Text(read)) => Some(view! {
            <div class="field read-choice">
                <label for="read-encoding">"Characters read as"</label>
                <span class="hint">"If accents look wrong in the preview, choose another encoding."</span>
                <select id="read-encoding" on:change=move |ev| {
                    let chosen = TextEncoding::ALL.into_iter().find(|e| e.label() == event_target_value(&ev));
                    again(Box::new(move |o| o.encoding = chosen));
                }>
                    {TextEncoding::ALL.into_iter().map(|e| view! { <option value=e.label() selected=e == read.encoding>{e.label()}</option> }).collect::<Vec<_>>()}
                </select>
            </div>
            <div class="field read-choice">
                <label for="read-delimiter">"Cells separated by"</label>
                <span class="hint">"If the columns look wrong in the preview, choose another separator."</span>
                <select id="read-delimiter" on:change=move |ev| {
                    let chosen = event_target_value(&ev).parse::<u8>().ok();
                    again(Box::new(move |o| o.delimiter = chosen));
                }>
                    {DELIMITERS.into_iter().map(|d| view! { <option value=d.to_string() selected=d == read.delimiter>{delimiter_name(d)}</option> }).collect::<Vec<_>>()}
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
    }
    };
    view! { <div class="grid">{kind}{header_row}</div> }
}

/// The upload step.
#[component]
pub fn UploadStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let error = RwSignal::new(None::<ReadFailure>);
    let reading = Reading { progress: RwSignal::new(None), job: StoredValue::new_local(None), generation: StoredValue::new(0) };
    // How the current file is read: the defaults for each new file.
    let options = RwSignal::new(ReadOptions::default());
    let example = move |_| {
        leptos::task::spawn_local(async move {
            let fetched = async {
                let response = gloo_net::http::Request::get(EXAMPLE_FILE).send().await.ok()?;
                response.ok().then_some(())?;
                blob_of(&response.binary().await.ok()?)
            };
            match fetched.await {
                Some(file) => {
                    options.set(ReadOptions::default());
                    take_file(state, error, reading, "example-participants.csv".into(), file)
                }
                None => error.set(Some(ReadFailure { message: "The example file could not be loaded from this site.".into(), remedy: None })),
            }
        });
    };
    let loaded = move || state.sheet.with(Option::is_some);
    view! {
        <section class="step" aria-labelledby="upload-title">
            <h2 id="upload-title">"Choose your file"</h2>
            <p class="lead">"One participant per row, with a header row: CSV, Excel (.xlsx, .xls), OpenDocument (.ods) or JSON. The file is read here, in your browser."</p>
            <FileDrop
                on_file=move |name, buffer| {
                    options.set(ReadOptions::default());
                    take_file(state, error, reading, name, buffer)
                }
                on_error=move |message| error.set(Some(ReadFailure { message, remedy: None }))
            />
            <p><button class="link" type="button" on:click=example>"No file at hand? Try the example file"</button></p>
            <ReadingProgress reading=reading/>
            {move || error.get().map(|failure| {
                let remedy = failure.remedy.map(|(remedy, options_then, name, file)| {
                    let read_anyway = move |_| {
                        let mut remedied = options_then.clone();
                        remedy.apply(&mut remedied);
                        options.set(remedied.clone());
                        read_into(state, error, reading, name.clone(), file.clone(), &remedied);
                    };
                    view! { <button type="button" id="read-remedy" on:click=read_anyway>{remedy.label()}</button> }
                });
                // An encoding the user chose that did not fit: a way back to the one Ferry
                // tells from the file (the choices themselves go with the sheet).
                let chosen_encoding = options.with_untracked(|o| o.encoding.is_some()) && state.file.with_untracked(Option::is_some);
                let auto_encoding = chosen_encoding.then(|| {
                    let auto = move |_| read_again(state, error, reading, options, Box::new(|o| o.encoding = None));
                    view! { <button type="button" id="read-auto-encoding" on:click=auto>"Read it with the encoding Ferry finds"</button> }
                });
                view! { <div class="notice error" role="alert" id="read-error"><p>{failure.message}</p>{remedy}{auto_encoding}</div> }
            })}
            <Show when=loaded>
                <h3>
                    {move || {
                        let rows = state.sheet.with(|s| s.as_ref().map_or(0, |s| s.len()));
                        let name = state.file_name.get().map(|n| ferry_core::text::excerpt(&n, 80)).unwrap_or_default();
                        format!("{name}: {}", ferry_core::text::count(rows, "row", "rows"))
                    }}
                </h3>
                <ReadChoices error=error reading=reading options=options/>
                <SheetPreview sheet=state.sheet/>
                <div class="actions">
                    <span class="spacer"></span>
                    <button class="primary" type="button" on:click=move |_| state.step.set(Step::Map)>"Next: choose columns"</button>
                </div>
            </Show>
        </section>
    }
}
