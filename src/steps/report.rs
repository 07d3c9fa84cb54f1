//! Step 5: one line per source row, downloadable as CSV.

use ferry_core::report::RowOutcome;
use leptos::prelude::*;

use crate::components::download::download_text;
use crate::state::{AppState, Step};
use crate::vendors::page_of;

/// Report lines shown on the page; the download always has all of them.
const SHOWN: usize = 1000;
/// Rows that share one answer before it is said once, above the lines.
const SHARED_FROM: usize = 3;

/// The report step.
#[component]
pub fn ReportStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The report of a million-row send is large: read where it is, never copied to be
    // shown (only the lines on screen are), and counted once.
    let counts = Memo::new(move |_| state.report.with(|r| r.as_ref().map(|r| r.counts()).unwrap_or_default()));
    let download_error = RwSignal::new(None::<String>);
    let stem = move || {
        let name = state.file_name.get_untracked().unwrap_or_default();
        name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s).to_string()
    };
    let download = move |_| {
        let csv = state.report.with_untracked(|r| r.as_ref().map(|r| r.to_csv())).unwrap_or_default();
        let result = download_text(&format!("ferry-report-{}.csv", stem()), "text/csv;charset=utf-8", &csv);
        download_error.set(result.err());
    };
    let download_errors = move |_| {
        let csv =
            state.sheet.with_untracked(|s| state.report.with_untracked(|r| s.as_ref().zip(r.as_ref()).map(|(s, r)| r.errors_only_csv(s)))).unwrap_or_default();
        let result = download_text(&format!("{}-not-sent.csv", stem()), "text/csv;charset=utf-8", &csv);
        download_error.set(result.err());
    };
    let failed = move || counts.get().failed();
    // An answer on many rows (one platform error, one import job) is said once, above.
    let shared = Memo::new(move |_| state.report.with(|r| r.as_ref().map(|r| r.shared_details(SHARED_FROM)).unwrap_or_default()));
    view! {
        <section class="step" aria-labelledby="report-title">
            <h2 id="report-title">"Report"</h2>
            <div class="summary" id="report-summary">
                <div><strong>{move || ferry_core::text::thousands(counts.get().sent)}</strong>"sent"</div>
                <div><strong>{move || counts.get().rejected}</strong>"rejected by the platform"</div>
                <div><strong>{move || counts.get().skipped}</strong>"skipped (problems in the file)"</div>
                <div><strong>{move || counts.get().not_sent}</strong>"not sent"</div>
            </div>
            {move || {
                let shared = shared.get();
                (!shared.is_empty()).then(|| view! {
                    <section id="report-shared" aria-labelledby="report-shared-title">
                        <h3 id="report-shared-title">"The same answer on many rows"</h3>
                        <ul>{shared.into_iter().map(|d| view! {
                            <li><strong>{format!("{} {}", ferry_core::text::count(d.rows, "row", "rows"), d.label)}</strong>{format!(" (from row {}): {}", d.first_row, d.detail)}</li>
                        }).collect::<Vec<_>>()}</ul>
                    </section>
                })
            }}
            <div class="table-wrap" role="region" aria-label="One line per row" tabindex="0">
                <table id="report">
                    <thead><tr><th scope="col">"Row"</th><th scope="col">"Participant"</th><th scope="col">"Outcome"</th><th scope="col">"Platform ID or reason"</th></tr></thead>
                    <tbody>{move || {
                        let shared: std::collections::HashSet<String> = shared.with(|s| s.iter().map(|d| d.detail.clone()).collect());
                        let lines: Vec<RowOutcome> = state.report.with(|r| r.as_ref().map(|r| r.rows.iter().take(SHOWN).cloned().collect()).unwrap_or_default());
                        lines.into_iter().map(|line| report_line(line, &shared)).collect::<Vec<_>>()
                    }}</tbody>
                </table>
            </div>
            {move || state.report.with(|r| r.as_ref().is_some_and(|r| r.rows.len() > SHOWN)).then(|| view! { <p class="hint">{format!("The first {SHOWN} rows are shown; the download has all of them.")}</p> })}
            {move || download_error.get().map(|e| view! { <div class="notice error" role="alert">{e}</div> })}
            <RelayResults/>
            {move || (page_of(state.target.get()).report_tools)()}
            <EgressReceipt/>
            <div class="actions">
                <span class="spacer"></span>
                <Show when=move || failed() != 0>
                    <button type="button" id="download-errors" on:click=download_errors>
                        {move || format!("Download the {} not sent (original columns)", ferry_core::text::count(failed(), "row", "rows"))}
                    </button>
                </Show>
                <button class="primary" type="button" id="download-report" on:click=download>"Download the report (CSV)"</button>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Review)>"Back to review"</button>
                <button type="button" on:click=move |_| state.step.set(Step::Upload)>"Start with another file"</button>
            </div>
        </section>
    }
}

fn report_line(line: RowOutcome, shared: &std::collections::HashSet<String>) -> impl IntoView {
    let label = line.outcome.label();
    let detail = line.outcome.detail();
    let detail = if shared.contains(detail) { "As said above.".to_string() } else { detail.to_string() };
    view! {
        <tr data-row=line.row>
            <td class="num">{line.row}</td>
            <td>{line.identifier}</td>
            <td><span class=format!("badge {}", label.replace(' ', "-"))>{label}</span></td>
            <td>{detail}</td>
        </tr>
    }
}

/// Results the platform posted back through the proxy's relay, as its contract read them.
#[component]
fn RelayResults() -> impl IntoView {
    let state = expect_context::<AppState>();
    let waiting = move || state.relay.with(Option::is_some);
    let vendor = move || state.target.get().vendor().name;
    view! {
        <section id="import-results" aria-live="polite">
            <Show when=move || waiting() || state.callbacks.with(|c| !c.is_empty())>
                <h3>{move || format!("Import result from {}", vendor())}</h3>
            </Show>
            {move || state.callbacks.get().into_iter().map(|cb| {
                let class = if cb.ok { "notice ok" } else { "notice error" };
                view! { <p class=class>{cb.summary}</p> }
            }).collect::<Vec<_>>()}
            <Show when=waiting>
                <p class="hint">{move || format!("{} is importing; its result appears here when it arrives.", vendor())}</p>
            </Show>
        </section>
    }
}

/// Which fields went to which host, and which columns never left the page.
#[component]
fn EgressReceipt() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.receipt.get().map(|r| {
            let hosts = r.hosts.into_iter().map(|(host, what)| view! { <li><strong>{host}</strong>": "{what}</li> }).collect::<Vec<_>>();
            let fields = r.fields.into_iter().map(|(field, from)| view! { <li><code>{field}</code>" ← "{from}</li> }).collect::<Vec<_>>();
            let kept = if r.kept_columns.is_empty() { "none".to_string() } else { r.kept_columns.join(", ") };
            view! {
                <section class="receipt" id="egress-receipt" aria-labelledby="receipt-title">
                    <h3 id="receipt-title">"Where your data went"</h3>
                    <p id="receipt-counts">{format!("Send ended {} — {} this page, {} accepted.", r.when, ferry_core::text::count(r.rows_sent, "row left", "rows left"), ferry_core::text::thousands(r.accepted))}</p>
                    <ul>{hosts}</ul>
                    <details>
                        <summary>"Fields sent"</summary>
                        <ul>{fields}</ul>
                    </details>
                    <p id="kept-columns"><strong>"Never left this page: "</strong>{kept}</p>
                </section>
            }
        })
    }
}
