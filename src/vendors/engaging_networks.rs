//! Engaging Networks on the page: in the map step the import's settings, the saved
//! format's columns (typed, pasted, or taken from a sample file's header) and a source
//! for each column; its token at the send step; in review the one-click replacement of
//! risky characters and the files for a manual upload.

use ferry_core::issue::IssueKind;
use ferry_core::mapping::Source;
use ferry_core::vendors::engaging_networks::{self, ImportKind, Settings, COLUMN_PREFIX};
use ferry_core::vendors::PreparedRecord;
use leptos::prelude::*;

use super::{nothing, LoginFields, SettingsOf, VendorPage};
use crate::components::download::download_text;
use crate::components::text_field::TextField;
use crate::state::AppState;

/// Engaging Networks in the page's list.
pub const PAGE: VendorPage = VendorPage {
    id: "engaging-networks",
    settings: || view! { <EngagingNetworksSettings/><FormatMapping/> }.into_any(),
    login: || view! { <EngagingNetworksLogin/> }.into_any(),
    review_tools: || view! { <EnReviewTools/> }.into_any(),
    report_tools: nothing,
    view: None,
};

/// The private token.
#[component]
fn EngagingNetworksLogin() -> impl IntoView {
    view! {
        <legend>"Engaging Networks"</legend>
        <LoginFields/>
        <p class="hint">"The job status arrives by e-mail from Engaging Networks; Ferry shows the job numbers."</p>
    }
}

/// Server, import name, kind, format name, columns and segment.
#[component]
fn EngagingNetworksSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    let text = move |get: fn(&Settings) -> String| settings.text(get);
    let set = move |apply: fn(&mut Settings, String)| settings.setter(apply);
    let columns_text = RwSignal::new(settings.get_untracked().columns.join("\n"));
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
            match read.map(|b| js_sys::Uint8Array::new(&b).to_vec()).map(|bytes| engaging_networks::columns_of_sample(&bytes)) {
                Ok(Ok(columns)) => {
                    sample_error.set(None);
                    take_columns(columns);
                }
                Ok(Err(e)) => sample_error.set(Some(e)),
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
fn FormatMapping() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    let rows = move || settings.with(|s| s.columns.clone()).into_iter().map(|c| view! { <FormatColumnRow column=c/> }).collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>"Filled from"</legend>
            <p class="hint">"Each format column is filled from one of your file's columns; columns left empty are written blank."</p>
            <div class="table-wrap form-table" role="region" aria-label="The format columns and their sources" tabindex="0">
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
    let sample = move || {
        state.sheet.with(|s| s.as_ref().and_then(|s| state.mapping.with(|m| key.with_value(|k| m.value(s, 0, k).map(str::to_string)))).unwrap_or_default())
    };
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

/// Replace the characters that break uploads, and download the files Ferry would upload
/// (for a manual upload through the vendor's form).
#[component]
fn EnReviewTools() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    // From the findings (the worker's, for a large sheet), so showing the count never
    // prepares a million records on the page.
    let risky = move || state.findings.with(|f| f.as_ref().map_or(0, |f| f.issues.iter().filter(|i| i.kind == IssueKind::RiskyCharacters).count()));
    let replace = move |_| {
        let columns: Vec<usize> = state.mapping.with_untracked(|m| {
            m.fields
                .iter()
                .filter_map(|(_, s)| match s {
                    Source::Column(c) => Some(*c),
                    Source::Constant(_) => None,
                })
                .collect()
        });
        state.change_sheet(|s| {
            for &c in &columns {
                s.update_column(c, |cell| Some(engaging_networks::replace_risky(cell)));
            }
        });
    };
    // The files as they would be uploaded, made when asked for (a click), from the rows
    // the check found no error in.
    let files = move || async move {
        let plan = state.send_plan().await?;
        let s = settings.get_untracked();
        let all: Vec<usize> = (0..plan.records.len()).collect();
        let files = engaging_networks::plan_uploads(&plan.records, &s, &all)
            .into_iter()
            .map(|u| {
                let made = plan.records.take(&u.records);
                let records: Vec<&PreparedRecord> = made.iter().collect();
                (u.name, engaging_networks::csv_file(&s, &records))
            })
            .collect::<Vec<_>>();
        Some(files)
    };
    let download_all = move |_| {
        leptos::task::spawn_local(async move {
            for (name, csv) in files().await.unwrap_or_default() {
                let _ = download_text(&format!("{name}.csv"), "text/csv;charset=utf-8", &csv);
            }
        });
    };
    view! {
        <div class="actions">
            <Show when=move || risky() != 0>
                <button type="button" id="replace-risky" on:click=replace>
                    {move || format!("Replace them ({} cells with | \" \\ or !)", risky())}
                </button>
            </Show>
            <span class="spacer"></span>
            <button type="button" id="download-en-files" on:click=download_all>
                "Download the CSV files for a manual upload"
            </button>
        </div>
    }
}
