//! Step 3: what Engage would reject, fixable in place, and the exact payload.

use ferry_core::issue::{Issue, Severity};
use ferry_core::vendors::{engage, engaging_networks, lumi_say, PreparedRecord, Target};
use leptos::prelude::*;

use crate::app::{AppState, Step, LARGE_SHEET};
use crate::components::data_grid::DataGrid;
use crate::components::download::download_text;
use crate::steps::bulk_fixes::BulkFixes;

/// How many issues are listed at once.
const LISTED: usize = 200;

/// The review step.
#[component]
pub fn ReviewStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let counts = move || {
        state.findings.with(|f| {
            f.as_ref().map_or((0, 0, 0), |f| {
                let warnings = f.issues.iter().filter(|i| i.severity == Severity::Warning).count();
                (f.ready, f.held, warnings)
            })
        })
    };
    let issues = move || state.findings.with(|f| f.as_ref().map(|f| f.issues.clone()).unwrap_or_default());
    // The payload preview: from every row for small sheets, from the first rows of a large
    // one (so it never needs the records of a million rows).
    let preview_source = Memo::new(move |_| {
        let large = state.sheet.with(|s| s.as_ref().is_some_and(|s| s.len() >= LARGE_SHEET));
        if large {
            state.sheet.with(|s| s.as_ref().map(|s| state.prepare(&s.head(200))))
        } else {
            state.prepared.get()
        }
    });
    let preview = move || {
        preview_source.with(|p| {
            p.as_ref().map_or(String::new(), |p| {
                let first: Vec<&PreparedRecord> = p.records.iter().take(2).collect();
                let document = match state.target.get() {
                    Target::Engage => engage::payload(&first),
                    Target::LumiSay => state.lumi.with(|s| lumi_say::respondents_json(s, &first)),
                    Target::ParticipantKit => serde_json::Value::Array(first.iter().map(|r| r.json.clone()).collect()),
                    Target::EngagingNetworks => {
                        let lines: Vec<&PreparedRecord> = p.records.iter().take(5).collect();
                        return state.en.with(|s| engaging_networks::csv_file(s, &lines));
                    }
                };
                serde_json::to_string_pretty(&document).unwrap_or_default()
            })
        })
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
            <div class="summary" id="review-summary">
                <div><strong>{move || ferry_core::text::thousands(counts().0)}</strong>"ready to send"</div>
                <div><strong>{move || counts().1}</strong>"with problems, not sent"</div>
                <div><strong>{move || counts().2}</strong>"warnings"</div>
            </div>
            {move || {
                let all = issues();
                if all.is_empty() {
                    return view! { <p class="notice ok">"No problems found."</p> }.into_any();
                }
                let more = all.len().saturating_sub(LISTED);
                view! {
                    <div class="table-wrap">
                        <table id="issues">
                            <thead><tr><th scope="col">"Row"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th><th scope="col">"Fix the cell"</th></tr></thead>
                            <tbody>{all.into_iter().take(LISTED).map(|i| view! { <IssueRow issue=i/> }).collect::<Vec<_>>()}</tbody>
                        </table>
                    </div>
                    {(more > 0).then(|| view! { <p class="hint">{format!("…and {more} more. Fix the first ones, or correct the file and choose it again.")}</p> })}
                }
                .into_any()
            }}
            <h3>"All rows"</h3>
            <DataGrid/>
            <BulkFixes/>
            <Show when=move || state.target.get() == Target::EngagingNetworks>
                <EnReviewTools/>
            </Show>
            <h3>{move || format!("What {} receives (first records)", vendor())}</h3>
            <pre class="payload" id="payload-preview" tabindex="0" aria-label="Payload preview">{preview}</pre>
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Map)>"Back"</button>
                <span class="spacer"></span>
                <button class="primary" type="button" disabled=move || counts().0 == 0 on:click=move |_| state.step.set(Step::Send)>
                    {move || format!("Next: send {} records", ferry_core::text::thousands(counts().0))}
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
        let current = state.sheet.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| s.index_of(row).map(|i| s.cell(i, column).to_string()))
                .unwrap_or_default()
        });
        let label = format!("New value for row {row}, column {}", issue.column_name.clone().unwrap_or_default());
        view! {
            <input
                type="text"
                aria-label=label
                value=current
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    state.sheet.update(|s| {
                        if let Some(s) = s.as_mut() {
                            if let Some(i) = s.index_of(row) {
                                s.set_cell(i, column, value.trim());
                            }
                        }
                    });
                }
            />
        }
    });
    view! {
        <tr class=if severity == "error" { "error" } else { "warn" }>
            <td class="num">{issue.row}</td>
            <td>{column_text}</td>
            <td><span class=format!("badge {severity}")>{severity}</span>" "{issue.message.clone()}</td>
            <td>{fix}</td>
        </tr>
    }
}

/// Engaging Networks: replace the characters that break uploads, and download the files
/// Ferry would upload (for a manual upload through the vendor's form).
#[component]
fn EnReviewTools() -> impl IntoView {
    let state = expect_context::<AppState>();
    // From the findings (the worker's, for a large sheet), so showing the count never
    // prepares a million records on the page.
    let risky = move || state.findings.with(|f| f.as_ref().map_or(0, |f| f.issues.iter().filter(|i| i.message.contains(engaging_networks::RISKY_MARKER)).count()));
    let replace = move |_| {
        let columns: Vec<usize> = state.mapping.with_untracked(|m| m.fields.iter().filter_map(|(_, s)| match s {
            ferry_core::mapping::Source::Column(c) => Some(*c),
            _ => None,
        }).collect());
        state.sheet.update(|s| {
            if let Some(s) = s {
                for &c in &columns {
                    s.update_column(c, |cell| Some(engaging_networks::replace_risky(cell)));
                }
            }
        });
    };
    let files = move || {
        state.prepared.with(|p| {
            p.as_ref().map(|p| {
                state.en.with(|s| {
                    let all: Vec<usize> = (0..p.records.len()).collect();
                    engaging_networks::plan_uploads(p, s, &all)
                        .into_iter()
                        .map(|u| {
                            let records: Vec<&PreparedRecord> = u.records.iter().map(|&i| &p.records[i]).collect();
                            (u.name, u.records.len(), engaging_networks::csv_file(s, &records))
                        })
                        .collect::<Vec<_>>()
                })
            })
        })
    };
    let download_all = move |_| {
        for (name, _, csv) in files().unwrap_or_default() {
            let _ = download_text(&format!("{name}.csv"), "text/csv;charset=utf-8", &csv);
        }
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
                {move || format!("Download the {} CSV files for a manual upload", files().map_or(0, |f| f.len()))}
            </button>
        </div>
    }
}
