//! How each date column is read: its day/month order, which Ferry reads from the column's
//! own cells, and the century of two-digit years. Ferry asks what the cells do not tell
//! (nothing is sent until answered).

use ferry_core::date_columns::{inferred_orders, DateColumn};
use ferry_core::datetime::{read_date, Century, DateOrder, DateReading, OrderFinding};
use leptos::prelude::*;

use crate::state::AppState;

/// One group per mapped date column whose dates could be read two ways or have two-digit
/// years.
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
        let shown: Vec<DateColumn> =
            columns.get().into_iter().filter(|c| c.finding() != OrderFinding::NotNeeded || c.evidence.two_digit_year.is_some()).collect();
        (!shown.is_empty()).then(|| {
            view! {
                <fieldset id="date-orders">
                    <legend>"Dates"</legend>
                    {shown.into_iter().map(|c| view! { <DateColumnChoices column=c/> }).collect::<Vec<_>>()}
                </fieldset>
            }
        })
    }
}

/// The questions for one column: day first or month first, and the century.
#[component]
fn DateColumnChoices(column: DateColumn) -> impl IntoView {
    let group = format!("date-order-{}", column.column);
    let name_id = format!("{group}-name");
    let order = (column.finding() != OrderFinding::NotNeeded).then(|| view! { <OrderChoice column=column.clone() name_id=name_id.clone()/> });
    let century = column.evidence.two_digit_year.is_some().then(|| view! { <CenturyChoice column=column.clone() name_id=name_id.clone()/> });
    view! {
        <div class="date-order" id=group>
            <p id=name_id><strong>{format!("\"{}\"", column.header)}</strong>{format!(" ({})", column.label)}</p>
            {order}
            {century}
        </div>
    }
}

/// A radio button of a choice group: `id`, its `label`, whether it is `checked`, and
/// what choosing it does.
fn radio(id: String, group: String, label: String, checked: impl Fn() -> bool + Send + Sync + 'static, choose: impl Fn() + 'static) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class="check" for=label_for>
            <input type="radio" id=id name=group prop:checked=checked on:change=move |_| choose()/>
            <span>{label}</span>
        </label>
    }
}

/// Day first or month first, with what the column's cells said.
#[component]
fn OrderChoice(column: DateColumn, name_id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let index = column.column;
    let group = format!("date-order-{index}");
    let hint_id = format!("{group}-hint");
    let century = column.century.or(column.evidence.two_digit_year.as_ref().map(|_| Century::C2000));
    let example = column.evidence.either.as_ref().map(|(_, text)| text.clone());
    let options = DateOrder::ALL
        .into_iter()
        .map(|order| {
            let reading = example.as_deref().and_then(|text| {
                read_date(text, DateReading { order: Some(order), century }).ok().map(|d| format!(" — {text} is {}", ferry_core::datetime::spoken(&d)))
            });
            radio(
                format!("{group}-{}", order.id()),
                group.clone(),
                format!("{}{}", order.label(), reading.unwrap_or_default()),
                move || state.mapping.with(|m| m.date_order(index) == Some(order)),
                move || state.mapping.update(|m| m.set_date_order(index, Some(order))),
            )
        })
        .collect::<Vec<_>>();
    let class = if column.needs_order() { "hint warn" } else { "hint" };
    let described_by = hint_id.clone();
    view! {
        <div role="radiogroup" aria-labelledby=name_id aria-describedby=described_by>
            <p class=class id=hint_id>{column.explain()}</p>
            {options}
        </div>
    }
}

/// The century of the column's two-digit years.
#[component]
fn CenturyChoice(column: DateColumn, name_id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let index = column.column;
    let group = format!("date-century-{index}");
    let hint_id = format!("{group}-hint");
    let this_year = js_sys::Date::new_0().get_full_year() as u16;
    let example = column.evidence.two_digit_year.as_ref().map(|(_, text)| text.clone()).unwrap_or_default();
    let order = column.chosen.unwrap_or(DateOrder::DayFirst);
    let options = Century::options(this_year)
        .into_iter()
        .map(|century| {
            let reading = read_date(&example, DateReading { order: Some(order), century: Some(century) })
                .ok()
                .map(|d| format!(" — {example} is {}", ferry_core::datetime::spoken(&d)));
            radio(
                format!("{group}-{}", century.id()),
                group.clone(),
                format!("{}{}", century.label(), reading.unwrap_or_default()),
                move || state.mapping.with(|m| m.century(index) == Some(century)),
                move || state.mapping.update(|m| m.set_century(index, Some(century))),
            )
        })
        .collect::<Vec<_>>();
    let class = if column.needs_century() { "hint warn" } else { "hint" };
    let described_by = hint_id.clone();
    view! {
        <div role="radiogroup" aria-labelledby=name_id aria-describedby=described_by>
            <p class=class id=hint_id>{column.explain_century()}</p>
            {options}
        </div>
    }
}
