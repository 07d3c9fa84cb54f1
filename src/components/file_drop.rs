//! The place to drop or choose a file.

use std::rc::Rc;

use leptos::prelude::*;

/// Files larger than this are refused before reading (the page would run out of memory).
pub const MAX_FILE_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// A labelled drop zone wrapping a (visually hidden, keyboard reachable) file input.
/// Calls `on_file` with the file's name and the file itself (its bytes are read later, a
/// piece at a time), or `on_error` with a message.
#[component]
pub fn FileDrop(
    /// Gets `(file name, file)`.
    on_file: impl Fn(String, web_sys::Blob) + 'static,
    /// Gets a message when the file cannot be read at all.
    on_error: impl Fn(String) + 'static,
) -> impl IntoView {
    let hover = RwSignal::new(false);
    let on_file = Rc::new(on_file);
    let on_error = Rc::new(on_error);
    let take = {
        let (on_file, on_error) = (on_file.clone(), on_error.clone());
        Rc::new(move |file: web_sys::File| {
            let (on_file, on_error) = (on_file.clone(), on_error.clone());
            if file.size() > MAX_FILE_BYTES {
                on_error(format!("This file is {} MB; Ferry reads files up to 512 MB. Split it and try again.", (file.size() / 1_048_576.0).round()));
                return;
            }
            on_file(file.name(), file.into());
        })
    };
    let take_change = take.clone();
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            take_change(file);
        }
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        hover.set(false);
        let file = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0));
        if let Some(file) = file {
            take(file);
        }
    };
    view! {
        <label
            class="drop-zone"
            class:hover=move || hover.get()
            for="file-input"
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                hover.set(true);
            }
            on:dragleave=move |_| hover.set(false)
            on:drop=on_drop
        >
            <strong>"Drop a file here, or choose one"</strong>
            <span class="hint">"CSV (any separator, UTF-8, UTF-16 or Windows-1252), Excel, OpenDocument or JSON, with a header row."</span>
            <input
                id="file-input"
                class="visually-hidden"
                type="file"
                accept=".csv,.tsv,.txt,.xlsx,.xls,.ods,.json,text/csv,text/plain,application/json"
                on:change=on_change
            />
        </label>
    }
}
