//! Bulk fixes in the review step: whole columns corrected at once, then re-checked.

use ferry_core::datetime::DateReading;
use ferry_core::fixes::{self, DateOrder};
use ferry_core::mapping::{FieldKind, Source};
use ferry_core::vendors::IDENTIFIER_FIELDS;
use leptos::prelude::*;

use crate::state::AppState;

/// Buttons for the fixes that fit the current mapping.
#[component]
pub fn BulkFixes() -> impl IntoView {
    let state = expect_context::<AppState>();
    let formatting = RwSignal::new(false);
    let name_fields = state.contract().name_fields();
    let message = RwSignal::new(None::<String>);
    let split_from = RwSignal::new(None::<usize>);
    // (label, column, kind) of every mapped column with a kind that has a fix.
    let columns = move || {
        let fields = state.fields();
        state.mapping.with(|m| {
            state.sheet.with(|s| {
                let headers = s.as_ref().map(|s| s.headers.clone()).unwrap_or_default();
                fields
                    .iter()
                    .filter(|f| matches!(f.kind, FieldKind::Email | FieldKind::Phone | FieldKind::DateTime))
                    .filter_map(|f| match m.get(f.key) {
                        Some(Source::Column(c)) => Some((headers.get(*c).cloned().unwrap_or_default(), *c, f.kind)),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    // Counting repeats reads every row (a million on a large sheet): done only while the
    // fixes are open, not whenever review is shown or a cell changes.
    let open = RwSignal::new(false);
    let identifier = move || {
        if !open.get() {
            return None;
        }
        state.mapping.with(|m| IDENTIFIER_FIELDS.iter().find_map(|k| m.column(k))).map(|c| {
            let name = state.sheet.with(|s| s.as_ref().and_then(|s| s.headers.get(c).cloned()).unwrap_or_default());
            let repeated = state.sheet.with(|s| s.as_ref().map_or(0, |s| fixes::duplicates(s, c).len()));
            (c, name, repeated)
        })
    };
    // A column's dates read in `order`, two-digit years in the century chosen for it.
    let reading = move |column: usize, order: DateOrder| DateReading { order: Some(order), century: state.mapping.with_untracked(|m| m.century(column)) };
    let apply = move |what: String, f: Box<dyn FnOnce(&mut ferry_core::sheet::Sheet) -> usize>| {
        let changed = state.change_sheet(f).unwrap_or(0);
        message.set(Some(format!("{what}: {changed} changed.")));
    };
    // Phones are read by the numbering plans, which the worker carries: the column goes
    // there and comes back as E.164 where the plans find a valid number.
    let format_phones = move |column: usize| {
        let cells: Vec<String> =
            state.sheet.with_untracked(|s| s.as_ref().map(|s| (0..s.len()).map(|r| s.cell(r, column).to_string()).collect()).unwrap_or_default());
        let region = state.mapping.with_untracked(|m| m.phone_region().to_string());
        let blanks = cells.iter().filter(|c| c.trim().is_empty()).count();
        formatting.set(true);
        message.set(Some("Phone numbers: reading them…".into()));
        leptos::task::spawn_local(async move {
            let answer = crate::phone_job::format_phones(cells, region.clone()).await;
            formatting.set(false);
            match answer {
                Ok(formatted) => {
                    let left = formatted.iter().filter(|f| f.is_none()).count().saturating_sub(blanks);
                    let mut each = formatted.into_iter();
                    apply("Phone numbers".into(), Box::new(move |s| s.update_column(column, |_| each.next().flatten())));
                    if left > 0 {
                        message.update(|m| {
                            if let Some(m) = m {
                                m.push_str(&format!(
                                    " {} not a valid number (in {} when written without a country code): left as written.",
                                    ferry_core::text::count(left, "cell is", "cells are"),
                                    ferry_core::phone::country_name(&region)
                                ));
                            }
                        });
                    }
                }
                Err(e) => message.set(Some(format!("Phone numbers: not changed ({e})."))),
            }
        });
    };
    view! {
        <details class="bulk-fixes" id="bulk-fixes" on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
            <summary>"Fix whole columns"</summary>
            <div class="actions">
                {move || columns().into_iter().map(|(name, column, kind)| match kind {
                    FieldKind::Email => view! {
                        <button type="button" on:click=move |_| apply("E-mails".into(), Box::new(move |s| fixes::lowercase(s, column)))>
                            {format!("Lowercase e-mails in \"{name}\"")}
                        </button>
                    }.into_any(),
                    FieldKind::Phone => view! {
                        <button type="button" disabled=move || formatting.get() on:click=move |_| format_phones(column)>
                            {format!("Phones in \"{name}\" to +E.164")}
                        </button>
                    }.into_any(),
                    _ => view! {
                        <button type="button" on:click=move |_| apply("Dates".into(), Box::new(move |s| fixes::dates_to_iso(s, column, reading(column, DateOrder::DayFirst))))>
                            {format!("Dates in \"{name}\" to ISO (day first)")}
                        </button>
                        <button type="button" on:click=move |_| apply("Dates".into(), Box::new(move |s| fixes::dates_to_iso(s, column, reading(column, DateOrder::MonthFirst))))>
                            {format!("Dates in \"{name}\" to ISO (month first)")}
                        </button>
                    }.into_any(),
                }).collect::<Vec<_>>()}
            </div>
            {move || (!columns().iter().all(|(_, _, k)| *k != FieldKind::Phone)).then(|| view! {
                <p class="hint" id="fix-phone-country">{move || format!(
                    "Phones without a country code are read as numbers of {}; choose another country in the columns step. Numbers not valid there are left as they are, and held back.",
                    ferry_core::phone::country_name(&state.mapping.with(|m| m.phone_region().to_string()))
                )}</p>
            })}
            {move || identifier().filter(|(_, _, n)| *n > 0).map(|(column, name, n)| view! {
                <p id="dedupe-count">{format!("{} a \"{name}\" seen on an earlier row.", ferry_core::text::count(n, "row repeats", "rows repeat"))}</p>
                <div class="actions">
                    <button type="button" id="dedupe-keep-first" on:click=move |_| apply("Repeated rows removed".into(), Box::new(move |s| fixes::remove_duplicates(s, column, true)))>"Keep the first of each"</button>
                    <button type="button" on:click=move |_| apply("Rows removed".into(), Box::new(move |s| fixes::remove_duplicates(s, column, false)))>"Drop every repeated one"</button>
                </div>
            })}
            {name_fields.map(|(given_key, family_key)| view! {
                <div class="actions">
                    <label for="split-name">"Split full names from"</label>
                    {move || if crate::steps::map::is_wide(&state) {
                        // Thousands of columns: typed by name, from the page's one list.
                        view! {
                            <input id="split-name" type="text" list=crate::steps::map::COLUMN_LIST autocomplete="off" placeholder="Type a column's name" on:change=move |ev| {
                                split_from.set(crate::steps::map::column_named(&state, &event_target_value(&ev)));
                            }/>
                        }.into_any()
                    } else {
                        view! {
                            <select id="split-name" on:change=move |ev| split_from.set(event_target_value(&ev).parse().ok())>
                                <option value="">"— choose a column —"</option>
                                {move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default()).into_iter().enumerate().map(|(i, h)| view! { <option value=i.to_string()>{h}</option> }).collect::<Vec<_>>()}
                            </select>
                        }.into_any()
                    }}
                    <button type="button" id="split-name-button" disabled=move || split_from.get().is_none() on:click=move |_| {
                        let Some(column) = split_from.get_untracked() else { return };
                        let new_columns = state.change_sheet(|s| fixes::split_full_name(s, column));
                        if let Some((given, family)) = new_columns {
                            state.mapping.update(|m| {
                                m.set(given_key, Some(Source::Column(given)));
                                m.set(family_key, Some(Source::Column(family)));
                            });
                            message.set(Some("Full names split into given and family names, and mapped.".into()));
                        }
                    }>"Split into given and family name"</button>
                </div>
            })}
            {move || message.get().map(|m| view! { <p class="notice ok" role="status">{m}</p> })}
        </details>
    }
}
