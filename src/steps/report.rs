//! Step 5: one line per source row, downloadable as CSV.

use ferry_core::report::{Outcome, RowOutcome};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::download::download_text;

/// Report lines shown on the page; the download always has all of them.
const SHOWN: usize = 1000;

/// The report step.
#[component]
pub fn ReportStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let report = move || state.report.get().unwrap_or_default();
    let download_error = RwSignal::new(None::<String>);
    let download = move |_| {
        let stem = state.file_name.get_untracked().unwrap_or_default();
        let stem = stem.rsplit_once('.').map_or(stem.as_str(), |(s, _)| s).to_string();
        let result = download_text(&format!("ferry-report-{stem}.csv"), "text/csv;charset=utf-8", &report().to_csv());
        download_error.set(result.err());
    };
    view! {
        <section class="step" aria-labelledby="report-title">
            <h2 id="report-title">"Report"</h2>
            <div class="summary" id="report-summary">
                <div><strong>{move || report().count("sent")}</strong>"sent"</div>
                <div><strong>{move || report().count("rejected")}</strong>"rejected by Engage"</div>
                <div><strong>{move || report().count("skipped")}</strong>"skipped (problems in the file)"</div>
                <div><strong>{move || report().count("not sent")}</strong>"not sent"</div>
            </div>
            <div class="table-wrap">
                <table id="report">
                    <thead><tr><th scope="col">"Row"</th><th scope="col">"Participant"</th><th scope="col">"Outcome"</th><th scope="col">"Engage ID or reason"</th></tr></thead>
                    <tbody>{move || report().rows.into_iter().take(SHOWN).map(report_line).collect::<Vec<_>>()}</tbody>
                </table>
            </div>
            {move || (report().rows.len() > SHOWN).then(|| view! { <p class="hint">{format!("The first {SHOWN} rows are shown; the download has all of them.")}</p> })}
            {move || download_error.get().map(|e| view! { <div class="notice error" role="alert">{e}</div> })}
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Review)>"Back to review"</button>
                <button type="button" on:click=move |_| state.step.set(Step::Upload)>"Start with another file"</button>
                <span class="spacer"></span>
                <button class="primary" type="button" id="download-report" on:click=download>"Download the report (CSV)"</button>
            </div>
        </section>
    }
}

fn report_line(line: RowOutcome) -> impl IntoView {
    let label = line.outcome.label();
    let detail = match &line.outcome {
        Outcome::Sent { id } => id.clone().unwrap_or_default(),
        other => other.message().to_string(),
    };
    view! {
        <tr data-row=line.row>
            <td class="num">{line.row}</td>
            <td>{line.identifier}</td>
            <td><span class=format!("badge {}", label.replace(' ', "-"))>{label}</span></td>
            <td>{detail}</td>
        </tr>
    }
}
