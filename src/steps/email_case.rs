//! E-mail addresses written with capital letters, said where they are seen (review), with
//! the fix beside the words: a platform may keep an address as written, and then
//! `Anna@Example.org` and `anna@example.org` are two people.

use ferry_core::fixes;
use ferry_core::mapping::FieldKind;
use leptos::prelude::*;

use crate::state::AppState;

/// A mapped e-mail column with capitals: its column, header, count and first example.
#[derive(Debug, Clone, PartialEq)]
struct Capitalised {
    column: usize,
    header: String,
    count: usize,
    first: (usize, String),
}

/// One notice per mapped e-mail column that has addresses with capital letters.
#[component]
pub fn EmailCase() -> impl IntoView {
    let state = expect_context::<AppState>();
    let done = RwSignal::new(None::<String>);
    let found = Memo::new(move |_| {
        let contract = state.target.get().contract();
        let columns = state.mapping.with(|m| state.settings.with(|s| contract.columns_of_kind(m, s, FieldKind::Email)));
        state.sheet.with(|s| {
            let Some(s) = s else { return Vec::new() };
            columns
                .into_iter()
                .filter_map(|column| {
                    let (count, first) = fixes::capitalised_emails(s, column);
                    let header = s.headers.get(column).cloned().unwrap_or_default();
                    first.map(|first| Capitalised { column, header, count, first })
                })
                .collect::<Vec<_>>()
        })
    });
    let vendor = move || state.target.get().vendor().name;
    view! {
        {move || found.get().into_iter().map(|c| {
            let Capitalised { column, header, count, first: (row, text) } = c;
            let rows = state.sheet.with_untracked(|s| s.as_ref().map_or(0, |s| s.len()));
            let lower = text.to_lowercase();
            let button_header = header.clone();
            let lowercase = move |_| {
                let changed = state.change_sheet(|s| fixes::lowercase(s, column)).unwrap_or(0);
                done.set(Some(format!("E-mails in \"{button_header}\": {} lowercased.", ferry_core::text::count(changed, "address", "addresses"))));
            };
            view! {
                <div class="notice warn" id=format!("email-case-{column}")>
                    <p>
                        {format!(
                            "\"{header}\" has {} with capital letters{}, e.g. \"{text}\" (row {}). {} may keep an address as written, so \"{text}\" and \"{lower}\" could be two people.",
                            ferry_core::text::count(count, "address", "addresses"),
                            if rows > fixes::EMAIL_CASE_ROWS { format!(" in its first {} rows", ferry_core::text::thousands(fixes::EMAIL_CASE_ROWS)) } else { String::new() },
                            ferry_core::text::thousands(row),
                            vendor()
                        )}
                    </p>
                    <button type="button" on:click=lowercase>{format!("Lowercase e-mails in \"{header}\"")}</button>
                </div>
            }
        }).collect::<Vec<_>>()}
        {move || done.get().map(|m| view! { <p class="notice ok" role="status" id="email-case-done">{m}</p> })}
    }
}
