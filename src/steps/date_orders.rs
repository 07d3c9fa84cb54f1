//! The day/month order of each date column: what Ferry read from the column's own cells,
//! and the question it asks when they do not tell (nothing is sent until answered).

use ferry_core::date_columns::{inferred_orders, DateColumn};
use ferry_core::datetime::{read_date, DateOrder, OrderFinding};
use leptos::prelude::*;

use crate::state::AppState;

/// One group per mapped date column whose dates could be read two ways.
#[component]
pub fn DateOrders() -> impl IntoView {
    let state = expect_context::<AppState>();
    let columns = Memo::new(move |_| state.date_columns());
    // What the cells decide on their own goes into the mapping (shown below, changeable).
    Effect::new(move |_| {
        let inferred = columns.with(|c| inferred_orders(c));
        if !inferred.is_empty() {
            state.mapping.update(|m| inferred.into_iter().for_each(|(c, o)| m.set_date_order(c, Some(o))));
        }
    });
    move || {
        let shown: Vec<DateColumn> = columns.get().into_iter().filter(|c| c.finding() != OrderFinding::NotNeeded).collect();
        (!shown.is_empty()).then(|| {
            view! {
                <fieldset id="date-orders">
                    <legend>"Date order"</legend>
                    {shown.into_iter().map(|c| view! { <DateOrderChoice column=c/> }).collect::<Vec<_>>()}
                </fieldset>
            }
        })
    }
}

/// The question for one column: day first or month first.
#[component]
fn DateOrderChoice(column: DateColumn) -> impl IntoView {
    let state = expect_context::<AppState>();
    let index = column.column;
    let group = format!("date-order-{index}");
    let hint_id = format!("{group}-hint");
    let example = column.evidence.either.as_ref().map(|(_, text)| text.clone());
    let options = DateOrder::ALL
        .into_iter()
        .map(|order| {
            let id = format!("{group}-{}", order.id());
            let reading =
                example.as_deref().and_then(|text| read_date(text, Some(order)).ok().map(|d| format!(" — {text} is {}", ferry_core::datetime::spoken(&d))));
            let label_for = id.clone();
            view! {
                <label class="check" for=label_for>
                    <input
                        type="radio"
                        id=id
                        name=group.clone()
                        prop:checked=move || state.mapping.with(|m| m.date_order(index) == Some(order))
                        on:change=move |_| state.mapping.update(|m| m.set_date_order(index, Some(order)))
                    />
                    <span>{order.label()}{reading}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    let warn = column.needs_choice();
    let (name_id, labelled_by, described_by) = (format!("{group}-name"), format!("{group}-name"), hint_id.clone());
    view! {
        <div class="date-order" role="radiogroup" aria-labelledby=labelled_by aria-describedby=described_by id=group>
            <p id=name_id><strong>{format!("\"{}\"", column.header)}</strong>{format!(" ({})", column.label)}</p>
            <p class=if warn { "hint warn" } else { "hint" } id=hint_id>{column.explain()}</p>
            {options}
        </div>
    }
}
