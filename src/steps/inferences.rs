//! Every guess Ferry made about the file, in one place, each with a way to change it:
//! how the text was read (encoding, separator), the header row, each date column's order
//! and century, and the country of phone numbers without a country code.

use ferry_core::datetime::DateOrder;
use ferry_core::phone;
use ferry_core::sheet::{delimiter_name, FileKind};
use leptos::prelude::*;

use crate::focus::focus_soon;
use crate::state::{AppState, Step};

/// Where a "Change" button takes the user.
#[derive(Debug, Clone, PartialEq)]
enum Where {
    /// A control of the upload step (by CSS selector).
    Upload(String),
    /// A control further down this step.
    Here(String),
    /// Nothing to change.
    Nowhere,
}

/// One line: what was guessed, what Ferry took, and where to change it.
#[derive(Debug, Clone, PartialEq)]
struct Inference {
    id: String,
    what: String,
    taken: String,
    change: Where,
}

/// The list, on the columns step.
#[component]
pub fn Inferences() -> impl IntoView {
    let state = expect_context::<AppState>();
    let file_lines = move || {
        let mut lines = Vec::new();
        match state.file_kind.get() {
            Some(FileKind::Text(read)) => {
                lines.push(Inference {
                    id: "encoding".into(),
                    what: "Characters".into(),
                    taken: read.encoding.label().to_string(),
                    change: Where::Upload("#read-encoding".into()),
                });
                lines.push(Inference {
                    id: "delimiter".into(),
                    what: "Cells separated by".into(),
                    taken: delimiter_name(read.delimiter),
                    change: Where::Upload("#read-delimiter".into()),
                });
            }
            Some(FileKind::Workbook(book)) => {
                lines.push(Inference { id: "sheet".into(), what: "Sheet".into(), taken: book.chosen.clone(), change: Where::Upload("#read-sheet".into()) })
            }
            Some(FileKind::Json) => {
                lines.push(Inference { id: "format".into(), what: "Format".into(), taken: "JSON, one object per row".into(), change: Where::Nowhere })
            }
            None => {}
        }
        let header = state.sheet.with(|s| s.as_ref().filter(|s| !s.is_empty()).map(|s| s.number(0).saturating_sub(1)));
        if let Some(row) = header {
            lines.push(Inference {
                id: "header-row".into(),
                what: "Column names".into(),
                taken: format!("row {row}"),
                change: Where::Upload("#read-header-row".into()),
            });
        }
        lines
    };
    let date_lines = move || {
        state
            .date_columns()
            .into_iter()
            .flat_map(|c| {
                let order = c.order_taken().map(|taken| Inference {
                    id: format!("date-order-{}", c.column),
                    what: format!("Dates in \"{}\"", c.header),
                    taken,
                    change: Where::Here(format!("#date-order-{}-{}", c.column, c.chosen.unwrap_or(DateOrder::DayFirst).id())),
                });
                let century = c.century_taken().map(|taken| Inference {
                    id: format!("date-century-{}", c.column),
                    what: format!("Two-digit years in \"{}\"", c.header),
                    taken,
                    change: Where::Here(format!("#date-century-{}-{}", c.column, c.century.map_or("not-after", |y| y.id()))),
                });
                order.into_iter().chain(century)
            })
            .collect::<Vec<_>>()
    };
    let phone_line = move || {
        let contract = state.target.get().contract();
        let mapped = state.mapping.with(|m| state.settings.with(|s| !phone::phone_columns(contract, m, s).is_empty()));
        mapped.then(|| {
            let region = state.mapping.with(|m| m.phone_region().to_string());
            let chosen = region != phone::DEFAULT_REGION;
            Inference {
                id: "phone-country".into(),
                what: "Phones without a country code".into(),
                taken: format!("{}{}", phone::country_name(&region), if chosen { " (your choice)" } else { " (Ferry's default)" }),
                change: Where::Here("#phone-country".into()),
            }
        })
    };
    let line = move |i: Inference| {
        let Inference { id, what, taken, change } = i;
        let button = match change {
            Where::Nowhere => None,
            Where::Upload(selector) => Some(view! {
                <button type="button" class="link" id=format!("change-{id}") aria-label=format!("Change: {what}") on:click=move |_| {
                    state.focus_next.set_value(Some(selector.clone()));
                    state.step.set(Step::Upload);
                }>"Change"</button>
            }.into_any()),
            Where::Here(selector) => Some(view! {
                <button type="button" class="link" id=format!("change-{id}") aria-label=format!("Change: {what}") on:click=move |_| focus_soon(selector.clone())>"Change"</button>
            }.into_any()),
        };
        view! {
            <div class="inference" id=format!("inference-{id}")>
                <dt>{what.clone()}</dt>
                <dd>{taken}" "{button}</dd>
            </div>
        }
    };
    view! {
        <section class="inferences" id="inferences" aria-labelledby="inferences-title">
            <h3 id="inferences-title">"How Ferry read your file"</h3>
            <dl>
                {move || file_lines().into_iter().chain(date_lines()).chain(phone_line()).map(line).collect::<Vec<_>>()}
            </dl>
        </section>
    }
}
