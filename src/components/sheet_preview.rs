//! The first rows of a sheet, as a table.

use ferry_core::sheet::Sheet;
use leptos::prelude::*;

/// Columns shown at most (a sheet may have thousands).
pub const COLUMNS: usize = 30;

/// Shows the header and the first `rows` data rows, with their spreadsheet row numbers.
#[component]
pub fn SheetPreview(
    /// The sheet to show.
    #[prop(into)]
    sheet: Signal<Option<Sheet>>,
    /// How many rows.
    #[prop(default = 5)]
    rows: usize,
) -> impl IntoView {
    move || {
        sheet.with(|s| {
            s.as_ref().map(|s| {
                let width = s.headers.len().min(COLUMNS);
                let head = s.headers[..width].iter().map(|h| view! { <th scope="col">{ferry_core::text::excerpt(h, 60)}</th> }).collect::<Vec<_>>();
                let more = (s.headers.len() > width).then(|| {
                    let all = ferry_core::text::count(s.headers.len(), "column", "columns");
                    view! { <p class="hint" id="preview-more-columns">{format!("The first {width} of {all} are shown here; the next steps show them all.")}</p> }
                });
                let body = (0..s.len().min(rows))
                    .map(|r| {
                        let cells = (0..width).map(|c| view! { <td>{ferry_core::text::excerpt(s.cell(r, c), 120)}</td> }).collect::<Vec<_>>();
                        view! { <tr><td class="num">{s.number(r)}</td>{cells}</tr> }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <div class="table-wrap" role="region" aria-label="The first rows of the file" tabindex="0">
                        <table>
                            <caption class="visually-hidden">"First rows of the file"</caption>
                            <thead><tr><th scope="col">"Row"</th>{head}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                    {more}
                }
            })
        })
    }
}
