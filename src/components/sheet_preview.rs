//! The first rows of a sheet, as a table.

use ferry_core::sheet::Sheet;
use leptos::prelude::*;

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
                let head = s.headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect::<Vec<_>>();
                let body = (0..s.len().min(rows))
                    .map(|r| {
                        let cells = s.row(r).into_iter().map(|c| view! { <td>{ferry_core::text::excerpt(c, 120)}</td> }).collect::<Vec<_>>();
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
                }
            })
        })
    }
}
