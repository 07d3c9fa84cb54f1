//! A virtualised grid of the whole sheet: only the rows in view are in the page, so a
//! million rows scroll as smoothly as ten. Cells with issues are highlighted (the message
//! is the cell's title) and every cell can be edited in place.

use std::collections::HashMap;

use ferry_core::issue::{Issue, Severity};
use leptos::prelude::*;

use crate::state::AppState;

/// The column key of a problem with a whole row (its row number is marked).
const WHOLE_ROW: usize = usize::MAX;
/// Height of one row, in CSS pixels (fixed, so positions are computed, not measured).
pub const ROW_HEIGHT: usize = 34;
/// Height of the scrolling area, in CSS pixels.
const VIEW_HEIGHT: usize = 420;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 6;
/// Tallest scrolling area made, in CSS pixels: browsers stop laying out far beyond this
/// (Firefox near 17.9 million, Chromium near 33.5 million pixels), and a million rows of
/// 34 px would need 34 million. Beyond it, scrolling is scaled.
const MAX_SPACER: usize = 8_000_000;

/// The scrolling area's height for `rows` rows, and where (in unscaled pixels) the view
/// starts when scrolled to `scroll_top`.
fn scaled(rows: usize, scroll_top: usize) -> (usize, usize) {
    let total = (rows + 1) * ROW_HEIGHT;
    let spacer = total.min(MAX_SPACER);
    if spacer == total || spacer <= VIEW_HEIGHT {
        return (spacer, scroll_top);
    }
    let (room, true_room) = (spacer - VIEW_HEIGHT, total - VIEW_HEIGHT);
    (spacer, (scroll_top.min(room) as f64 * true_room as f64 / room as f64) as usize)
}

/// The grid, over the shared sheet, with the issues of the current target.
#[component]
pub fn DataGrid() -> impl IntoView {
    let state = expect_context::<AppState>();
    let only_issues = RwSignal::new(false);
    let scroll_top = RwSignal::new(0usize);
    // (row number, column) → (severity, message), for highlighting.
    let marks = Memo::new(move |_| {
        state.findings.with(|f| {
            let mut map: HashMap<(usize, usize), (Severity, String)> = HashMap::new();
            for Issue { row, column, severity, message, .. } in f.iter().flat_map(|f| f.issues.iter()) {
                // A problem with the row as a whole marks its row number.
                map.entry((*row, column.unwrap_or(WHOLE_ROW))).or_insert((*severity, message.clone()));
            }
            map
        })
    });
    let problem_rows = Memo::new(move |_| {
        state.findings.with(|f| f.as_ref().map(|f| f.issues.iter().map(|i| i.row).collect::<std::collections::BTreeSet<_>>()).unwrap_or_default())
    });
    // Indices into the sheet's rows that the grid shows.
    let shown = Memo::new(move |_| {
        let filter = only_issues.get();
        problem_rows.with(|problems| {
            state
                .sheet
                .with(|s| s.as_ref().map_or_else(Vec::new, |s| (0..s.len()).filter(|&i| !filter || problems.contains(&s.number(i))).collect::<Vec<usize>>()))
        })
    });
    // (where the table sits in the scrolling area, the rows it shows)
    let window = move || {
        let top = scroll_top.get();
        shown.with(|rows| {
            let (_, view_px) = scaled(rows.len(), top);
            let first = (view_px / ROW_HEIGHT).saturating_sub(OVERSCAN);
            let count = VIEW_HEIGHT / ROW_HEIGHT + 2 * OVERSCAN;
            let at = (top + first * ROW_HEIGHT).saturating_sub(view_px);
            (at, rows.iter().skip(first).take(count).copied().collect::<Vec<_>>())
        })
    };
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let edit = move |index: usize, column: usize, value: String| state.edit_cell(index, column, value.trim());
    view! {
        <div class="grid-tools">
            <label class="check">
                <input type="checkbox" id="grid-only-issues" prop:checked=only_issues on:change=move |ev| {
                    only_issues.set(event_target_checked(&ev));
                    scroll_top.set(0);
                }/>
                "Only rows with problems"
            </label>
            <span class="hint" id="grid-count">{move || ferry_core::text::count(shown.with(Vec::len), "row", "rows")}</span>
        </div>
        <div
            class="data-grid"
            id="data-grid"
            role="region"
            aria-label="All rows of the file"
            tabindex="0"
            style=move || format!("height: {}px; overflow: auto", VIEW_HEIGHT.min((shown.with(Vec::len) + 1) * ROW_HEIGHT + 24))
            on:scroll=move |ev| {
                let el: web_sys::Element = event_target(&ev);
                scroll_top.set(el.scroll_top().max(0) as usize);
            }
        >
            // `overflow: clip`: near the end of a scaled area the table may reach past it; clip
            // it without making a scroll container (the header row stays sticky).
            <div style=move || format!("height: {}px; position: relative; overflow: clip", scaled(shown.with(Vec::len), 0).0)>
                // Placed with `top`, not a transform, so the sticky header row follows it.
                <table style=move || format!("position: absolute; top: {}px", window().0)>
                    <thead><tr><th scope="col">"Row"</th>{move || headers().into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect::<Vec<_>>()}</tr></thead>
                    <tbody>
                        {move || {
                            marks.track();
                            let (_, rows) = window();
                            rows.into_iter().map(|index| {
                                let (number, cells) = state.sheet.with_untracked(|s| s.as_ref().filter(|s| index < s.len()).map(|s| (s.number(index), s.row(index).into_iter().map(str::to_string).collect::<Vec<_>>())).unwrap_or_default());
                                let tds = cells.into_iter().enumerate().map(|(column, value)| {
                                    let mark = marks.with_untracked(|m| m.get(&(number, column)).cloned());
                                    let class = match &mark {
                                        Some((Severity::Error, _)) => "cell error",
                                        Some((Severity::Warning, _)) => "cell warn",
                                        None => "cell",
                                    };
                                    let title = mark.map(|(_, m)| m).unwrap_or_default();
                                    view! {
                                        <td class=class title=title.clone()>
                                            <input
                                                type="text"
                                                aria-label=format!("Row {number}, column {}", ferry_core::text::column_letter(column))
                                                aria-invalid=(!title.is_empty()).to_string()
                                                value=value
                                                on:change=move |ev| edit(index, column, event_target_value(&ev))
                                            />
                                        </td>
                                    }
                                }).collect::<Vec<_>>();
                                let row_mark = marks.with_untracked(|m| m.get(&(number, WHOLE_ROW)).cloned());
                                let row_class = match &row_mark {
                                    Some((Severity::Error, _)) => "num error",
                                    Some((Severity::Warning, _)) => "num warn",
                                    None => "num",
                                };
                                let row_title = row_mark.map(|(_, m)| m).unwrap_or_default();
                                view! { <tr data-row=number style=format!("height: {ROW_HEIGHT}px")><td class=row_class title=row_title>{number}</td>{tds}</tr> }
                            }).collect::<Vec<_>>()
                        }}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
