//! Engaging Networks in the map step: the import's settings, the saved format's columns
//! (typed, pasted, or taken from a sample file's header), and a source for each column.

use ferry_core::mapping::Source;
use ferry_core::sheet::read_csv;
use ferry_core::vendors::engaging_networks::{self, ImportKind, Settings, COLUMN_PREFIX};
use leptos::prelude::*;

use crate::app::AppState;
use crate::components::text_field::TextField;

/// Server, import name, kind, format name, columns and segment.
#[component]
pub fn EngagingNetworksSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = state.en;
    let text = move |get: fn(&Settings) -> String| Signal::derive(move || settings.with(get));
    let set = move |apply: fn(&mut Settings, String)| move |v: String| settings.update(|s| apply(s, v));
    let columns_text = RwSignal::new(settings.with_untracked(|s| s.columns.join("\n")));
    let sample_error = RwSignal::new(None::<String>);
    let take_columns = move |columns: Vec<String>| {
        columns_text.set(columns.join("\n"));
        settings.update(|s| s.columns = columns);
        state.suggest_mapping();
    };
    let from_sample = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
            match read.map(|b| js_sys::Uint8Array::new(&b).to_vec()).map(|bytes| read_csv(&bytes)) {
                Ok(Ok(sheet)) => {
                    sample_error.set(None);
                    take_columns(sheet.headers);
                }
                Ok(Err(e)) => sample_error.set(Some(e.to_string())),
                Err(_) => sample_error.set(Some("The browser could not read that file.".into())),
            }
        });
    };
    let kind_option = move |kind: ImportKind, id: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="en-kind" id=id prop:checked=move || settings.with(|s| s.kind == kind) on:change=move |_| settings.update(|s| s.kind = kind)/>
                {label}
            </label>
        }
    };
    view! {
        <fieldset>
            <legend>"Engaging Networks"</legend>
            <div class="field">
                {kind_option(ImportKind::Supporters, "en-kind-supporters", "Supporter data, in a saved import format")}
                {kind_option(ImportKind::Transactions, "en-kind-transactions", "Transactional data (formatName importTransactions; one file per campaign)")}
            </div>
            <div class="grid" style="margin-top: .9rem">
                <TextField id="en-server" label="Server" hint="ca, us, or the address of another host (e.g. an older e-activist.com one)."
                    value=text(|s| s.server.clone()) on_input=set(|s, v| s.server = v)/>
                <TextField id="en-name" label="Import name" hint="A reference name for this import."
                    value=text(|s| s.import_name.clone()) on_input=set(|s, v| s.import_name = v)/>
                <Show when=move || settings.with(|s| s.kind == ImportKind::Supporters)>
                    <TextField id="en-format" label="Saved format name" hint="The format saved when you imported by hand in the dashboard."
                        value=text(|s| s.format_name.clone()) on_input=set(|s, v| s.format_name = v)/>
                </Show>
                <TextField id="en-segment-id" label="CRM segment ID" hint="Optional: puts these supporters in an external CRM segment."
                    value=text(|s| s.segment_id.clone()) on_input=set(|s, v| s.segment_id = v)/>
                <TextField id="en-segment-name" label="CRM segment name" hint="Optional: the segment ID is used when empty."
                    value=text(|s| s.segment_name.clone()) on_input=set(|s, v| s.segment_name = v)/>
            </div>
            <div class="field" style="margin-top: .9rem">
                <label for="en-columns">"The format's columns, in order"</label>
                <span class="hint" id="en-columns-hint">"One per line (or comma separated), exactly as in the format: the uploaded file's header is written from these."</span>
                <textarea
                    id="en-columns"
                    rows="5"
                    aria-describedby="en-columns-hint"
                    prop:value=move || columns_text.get()
                    on:change=move |ev| take_columns(engaging_networks::parse_columns(&event_target_value(&ev)))
                ></textarea>
                <label for="en-columns-sample" class="hint">"…or take them from a sample file's header: "</label>
                <input id="en-columns-sample" type="file" accept=".csv,text/csv" on:change=from_sample/>
                {move || sample_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            </div>
        </fieldset>
    }
}

/// One select per format column.
#[component]
pub fn FormatMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || state.en.with(|s| s.columns.clone()).into_iter().map(|c| view! { <FormatColumnRow column=c/> }).collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>"Filled from"</legend>
            <p class="hint">"Each format column is filled from one of your file's columns; columns left empty are written blank."</p>
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Format column"</th><th scope="col">"Filled from"</th><th scope="col">"First row"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </fieldset>
    }
}

#[component]
fn FormatColumnRow(column: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let key = StoredValue::new(format!("{COLUMN_PREFIX}{column}"));
    let id = format!("en-map-{}", ferry_core::text::normalise_name(&column));
    let source = move || state.mapping.with(|m| key.with_value(|k| m.column(k)));
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let sample = move || state.sheet.with(|s| s.as_ref().and_then(|s| state.mapping.with(|m| key.with_value(|k| m.value(s, 0, k).map(str::to_string)))).unwrap_or_default());
    view! {
        <tr>
            <td><label for=id.clone()>{column.clone()}</label></td>
            <td>
                <select id=id on:change=move |ev| {
                    let chosen = event_target_value(&ev).parse().ok().map(Source::Column);
                    key.with_value(|k| state.mapping.update(|m| m.set(k, chosen)));
                }>
                    <option value="" selected=move || source().is_none()>"— blank —"</option>
                    {move || headers().into_iter().enumerate().map(|(i, h)| view! { <option value=i.to_string() selected=move || source() == Some(i)>{h}</option> }).collect::<Vec<_>>()}
                </select>
            </td>
            <td class="sample">{sample}</td>
        </tr>
    }
}
