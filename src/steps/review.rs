//! Step 3: what the target would reject, fixable in place, and the exact payload.

use ferry_core::issue::{Issue, Severity};
use leptos::prelude::*;

use crate::components::data_grid::DataGrid;
use crate::components::later::Later;
use crate::state::{AppState, Step};
use crate::steps::bulk_fixes::BulkFixes;
use crate::steps::email_case::EmailCase;
use crate::vendors::page_of;

/// How many issues are listed at once: enough to fix the first ones in place, few enough
/// that the list (a table with a field a row) lays out quickly as review opens (200 took
/// the page about 60 ms in Chromium).
const LISTED: usize = 50;

/// Rows the payload preview is made from (a few may be held back for errors).
const PREVIEW_ROWS: usize = 200;
/// Records the payload preview is made from (each vendor shows its first few).
const PREVIEW_RECORDS: usize = 5;
/// Longest text of a record in the payload preview, in characters.
const PREVIEW_TEXT: usize = 200;
/// Bytes of each cell the preview's records are made from (a long e-mail address is 254,
/// a long web address 2,048).
const PREVIEW_CELL_BYTES: usize = 16_384;
/// Longest payload preview shown, in characters.
const PREVIEW_CHARS: usize = 20_000;

/// The review step.
#[component]
pub fn ReviewStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    // (ready, held, warnings): one pass over the issues however often they are shown.
    let counts = Memo::new(move |_| {
        state.findings.with(|f| {
            f.as_ref().map_or((0, 0, 0), |f| {
                let warnings = f.issues.iter().filter(|i| i.severity == Severity::Warning).count();
                (f.ready, f.held, warnings)
            })
        })
    });
    let counts = move || counts.get();
    // The issues listed (the first few) and how many there are: a large sheet's tens of
    // thousands are never copied to be shown. Listed rows are keyed by their issue, so an
    // edit adds and removes its own rows and leaves the others as they are.
    let listed = Memo::new(move |_| state.findings.with(|f| f.as_ref().map_or(Vec::new(), |f| f.issues.iter().take(LISTED).cloned().collect::<Vec<_>>())));
    let all = move || state.findings.with(|f| f.as_ref().map_or(0, |f| f.issues.len()));
    // The payload preview: from the first rows (so it never needs the records of every
    // row), their cells cut to a size no field rule looks past, so a cell of megabytes is
    // not copied, checked and written out to show its first words. A row the check of the
    // whole cells holds back is not shown as sent.
    let preview_source = Memo::new(move |_| {
        state.sheet.with(|s| {
            s.as_ref().map(|s| {
                let mut prepared = state.prepare(&s.head_cut(PREVIEW_ROWS, PREVIEW_CELL_BYTES));
                state.findings.with(|f| {
                    if let Some(f) = f {
                        prepared.records.retain(|r| !f.holds(r.row));
                    }
                });
                prepared.for_preview(PREVIEW_RECORDS, PREVIEW_TEXT)
            })
        })
    });
    let preview = move || {
        let contract = state.target.get().contract();
        let text = preview_source.with(|p| p.as_ref().map_or(String::new(), |p| state.settings.with(|s| contract.preview(s, p))));
        // A long cell would put megabytes in the page: the preview is cut (it only shows
        // the shape of what is sent).
        if text.chars().nth(PREVIEW_CHARS).is_some() {
            format!(
                "{}\n… (cut here: the preview shows the first {} characters)",
                ferry_core::text::excerpt(&text, PREVIEW_CHARS),
                ferry_core::text::thousands(PREVIEW_CHARS)
            )
        } else {
            text
        }
    };
    let vendor = move || state.target.get().vendor().name;
    view! {
        <section class="step" aria-labelledby="review-title">
            <h2 id="review-title">"Review the rows"</h2>
            <p class="lead">"Rows with a problem are not sent until fixed. Fix a cell here, or fix the file and choose it again."</p>
            {move || state.checking.get().then(|| {
                let rows = state.sheet.with(|s| s.as_ref().map_or(0, |s| s.len()));
                view! { <p class="notice" role="status" id="review-checking">{format!("Checking {} rows in the background; the page stays usable.", ferry_core::text::thousands(rows))}</p> }
            })}
            {move || state.check_failed.get().map(|reason| {
                let stop = if reason.ends_with('.') { "" } else { "." };
                view! {
                    <p class="notice error" role="alert" id="review-check-failed">
                        {format!("The rows could not be checked: {reason}{stop} Your edits are kept; edit a cell or go back to the mapping to check again.")}
                    </p>
                }
            })}
            <div class="summary" id="review-summary" data-full-checks=move || state.full_checks.get() aria-busy=move || state.rechecking.get().to_string()>
                <div><strong>{move || ferry_core::text::thousands(counts().0)}</strong>"ready to send"</div>
                <div><strong>{move || ferry_core::text::thousands(counts().1)}</strong>"with problems, not sent"</div>
                <div><strong>{move || ferry_core::text::thousands(counts().2)}</strong>"warnings"</div>
            </div>
            <Show when=move || { all() != 0 } fallback=|| view! { <p class="notice ok">"No problems found."</p> }>
                <div class="table-wrap" role="region" aria-label="Problems by row and column" tabindex="0">
                    <table id="issues">
                        <thead><tr><th scope="col">"Row"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th><th scope="col">"Fix the cell"</th></tr></thead>
                        <tbody>
                            <For each=move || listed.get() key=|i: &Issue| (i.row, i.column, i.severity, i.message.clone()) let:issue>
                                <IssueRow issue/>
                            </For>
                        </tbody>
                    </table>
                </div>
                {move || {
                    let more = all().saturating_sub(LISTED);
                    (more > 0).then(|| view! { <p class="hint">{format!("…and {} more. Fix the first ones, or correct the file and choose it again.", ferry_core::text::thousands(more))}</p> })
                }}
            </Show>
            // Below the first problems: drawn in turns of their own, one after the other
            // with a frame between (each `Later` waits for the one around it): the e-mail
            // notice (it reads up to 50,000 rows), the grid, then the fixes and the preview.
            <Later>
                <EmailCase/>
                <Later>
                    <h3>"All rows"</h3>
                    <DataGrid/>
                    <Later>
                        <BulkFixes/>
                        {move || (page_of(state.target.get()).review_tools)()}
                        <h3>{move || format!("What {} receives (first records)", vendor())}</h3>
                        <pre class="payload" id="payload-preview" role="region" tabindex="0" aria-label="Payload preview">{preview}</pre>
                    </Later>
                </Later>
            </Later>
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Map)>"Back"</button>
                <span class="spacer"></span>
                <button class="primary" type="button" disabled=move || counts().0 == 0 || state.rechecking.get() on:click=move |_| state.step.set(Step::Send)>
                    {move || format!("Next: send {}", ferry_core::text::count(counts().0, "record", "records"))}
                </button>
            </div>
        </section>
    }
}

/// One issue, with an input to correct the cell when one column is to blame.
#[component]
fn IssueRow(issue: Issue) -> impl IntoView {
    let state = expect_context::<AppState>();
    let severity = if issue.severity == Severity::Error { "error" } else { "warning" };
    let column_text = issue.column_name.clone().unwrap_or_else(|| "—".into());
    let fix = issue.column.map(|column| {
        let row = issue.row;
        let current = state.sheet.with_untracked(|s| s.as_ref().and_then(|s| s.index_of(row).map(|i| s.cell(i, column).to_string())).unwrap_or_default());
        let label = format!("New value for row {row}, column {}", issue.column_name.clone().unwrap_or_default());
        view! {
            <input
                type="text"
                aria-label=label
                value=current
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(i) = state.sheet.with_untracked(|s| s.as_ref().and_then(|s| s.index_of(row))) {
                        state.edit_cell(i, column, value.trim());
                    }
                }
            />
        }
    });
    view! {
        <tr class=if severity == "error" { "error" } else { "warn" }>
            <td class="num">{issue.row}</td>
            <td>{column_text}</td>
            <td><span class=format!("badge {severity}")>{severity}</span>" "{ferry_core::text::excerpt(&issue.message, 500)}</td>
            <td>{fix}</td>
        </tr>
    }
}
