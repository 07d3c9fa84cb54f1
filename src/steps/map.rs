//! Step 2: where to send (the target, the connection, the target's own settings) and
//! which column fills which field. The target's form comes from its page module.

use ferry_core::mapping::{FieldSpec, Source};
use ferry_core::vendors::Target;
use leptos::prelude::*;

use crate::components::connection::Connection;
use crate::components::later::Later;
use crate::state::{AppState, Step};
use crate::steps::date_orders::DateOrders;
use crate::steps::inferences::Inferences;
use crate::steps::phone_country::PhoneCountry;
use crate::steps::saved_mappings::SavedMappings;
use crate::vendors::page_of;

/// The map step.
#[component]
pub fn MapStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let problems = Memo::new(move |_| state.setup_problems());
    view! {
        <section class="step" aria-labelledby="map-heading">
            <h2 id="map-heading">"Target and columns"</h2>
            <Inferences/>
            <TargetChoice/>
            // The forms and the columns: drawn in turns of their own, just after the step
            // (see `Later`): the connection and the platform's form with its columns, then
            // the dates, phones and saved mappings, so entering it on a large sheet is
            // three short tasks with a frame between each.
            <Later>
                <Connection/>
                {move || (page_of(state.target.get()).settings)()}
                <Later>
                    <DateOrders/>
                    <PhoneCountry/>
                    <SavedMappings/>
                </Later>
            </Later>
            {move || {
                let p = problems.get();
                (!p.is_empty()).then(|| view! {
                    <div class="notice warn" id="map-problems">
                        <p><strong>"Before you go on:"</strong></p>
                        <ul>{p.into_iter().map(|m| view! { <li>{m.text}</li> }).collect::<Vec<_>>()}</ul>
                    </div>
                })
            }}
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Upload)>"Back"</button>
                <span class="spacer"></span>
                <button
                    class="primary"
                    type="button"
                    disabled=move || problems.with(|p| p.iter().any(|p| p.blocking))
                    on:click=move |_| state.step.set(Step::Review)
                >
                    "Next: review the rows"
                </button>
            </div>
        </section>
    }
}

/// One radio button per vendor.
#[cfg(test)]
mod tests {
    use super::push_escaped;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn column_names_are_escaped_in_the_list_markup() {
        let mut out = String::new();
        push_escaped(&mut out, "<img src=x onerror=\"alert(1)\"> & 'q'");
        assert_eq!(out, "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;");
    }
}

#[component]
fn TargetChoice() -> impl IntoView {
    let state = expect_context::<AppState>();
    let options = Target::all()
        .map(|target| {
            let vendor = target.vendor();
            let id = format!("target-{}", vendor.id);
            let label_for = id.clone();
            view! {
                <label class="check target-option" for=label_for>
                    <input
                        type="radio"
                        name="target"
                        id=id
                        prop:checked=move || state.target.get() == target
                        on:change=move |_| state.choose_target(target)
                    />
                    <span><strong>{vendor.name}</strong>" — "{vendor.summary}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>"Send to"</legend>
            {options}
        </fieldset>
    }
}

/// Columns above which a field is chosen by typing a column's name (a list to search)
/// instead of from a select of every column: thousands of options in each of twenty
/// selects would stop the page.
pub const WIDE_SHEET: usize = 200;
/// Most columns listed at once for user-named fields on a wide sheet.
const MAX_LISTED: usize = 50;
/// The id of the one list of column names the fields of a wide sheet search.
pub const COLUMN_LIST: &str = "sheet-columns";

/// Whether the loaded sheet is wide (tracked): its columns are then chosen by name.
pub fn is_wide(state: &AppState) -> bool {
    state.sheet.with(|s| s.as_ref().is_some_and(|s| s.headers.len() > WIDE_SHEET))
}

/// The one list of a wide sheet's column names, which every step's column choice
/// searches. It lives beside the steps (made once per sheet, not with each step), so
/// moving between steps neither builds nor tears down thousands of options.
#[component]
pub fn ColumnList() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Made again only when the names change (not at each cell edit).
    let names = Memo::new(move |_| state.sheet.with(|s| s.as_ref().filter(|s| s.headers.len() > WIDE_SHEET).map(|s| s.headers.clone())));
    // One string of markup for the browser to parse, not thousands of elements made one
    // by one from wasm (which stalled the page for a tenth of a second).
    let markup = move || {
        names.with(|names| {
            names.as_ref().map(|names| {
                let mut html = String::with_capacity(names.iter().map(|n| n.len() + 20).sum());
                for name in names {
                    html.push_str("<option value=\"");
                    push_escaped(&mut html, name);
                    html.push_str("\"></option>");
                }
                html
            })
        })
    };
    // Made when the map step first needs it, not in the same turn as the sheet itself
    // (the two together stalled the page for a fifth of a second).
    let wanted = Memo::new(move |_| state.step.get() != crate::state::Step::Upload);
    move || wanted.get().then(markup).flatten().map(|html| view! { <datalist id=COLUMN_LIST inner_html=html></datalist> })
}

/// `text` escaped for an HTML attribute value or text.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The index of the column named `typed` (exactly, else in other letters' case).
pub fn column_named(state: &AppState, typed: &str) -> Option<usize> {
    let typed = typed.trim();
    state.sheet.with_untracked(|s| {
        s.as_ref().and_then(|s| s.headers.iter().position(|h| h == typed).or_else(|| s.headers.iter().position(|h| h.eq_ignore_ascii_case(typed))))
    })
}

/// One select per vendor field: a column, a fixed value, or nothing.
#[component]
pub fn FieldMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let vendor = state.target.get_untracked().vendor();
    let wide = state.sheet.with_untracked(|s| s.as_ref().is_some_and(|s| s.headers.len() > WIDE_SHEET));
    let rows = state.fields().iter().map(|spec| view! { <FieldRow spec=*spec wide=wide/> }).collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>{format!("{} fields", vendor.name)}</legend>
            <p class="hint">
                "Ferry suggested these from your column names; change any of them."
                {wide.then(|| format!(" This file has {} columns: type part of a column's name to find it.", state.sheet.with_untracked(|s| s.as_ref().map_or(0, |s| s.headers.len()))))}
            </p>
            <div class="table-wrap form-table" role="region" aria-label="Fields and the columns that fill them" tabindex="0">
                <table>
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Filled from"</th><th scope="col">"First row"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </fieldset>
    }
}

const NOT_SENT: &str = "";
const FIXED: &str = "fixed";

#[component]
fn FieldRow(spec: FieldSpec, wide: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let key = spec.key;
    let select_id = format!("map-{}", key.replace('.', "-"));
    let source = move || state.mapping.with(|m| m.get(key).cloned());
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let on_change = move |ev| {
        let value = event_target_value(&ev);
        let new = match value.as_str() {
            NOT_SENT => None,
            FIXED => Some(Source::Constant(String::new())),
            v => v.parse().ok().map(Source::Column),
        };
        state.mapping.update(|m| m.set(key, new));
    };
    let sample = move || {
        state.sheet.with(|s| s.as_ref().and_then(|s| state.mapping.with(|m| m.value(s, 0, key).map(|v| ferry_core::text::excerpt(v, 60)))).unwrap_or_default())
    };
    view! {
        <tr>
            <td>
                <label for=select_id.clone()>{spec.label}</label>
                <span class="hint">{spec.help}</span>
            </td>
            <td>
                {if wide {
                    view! { <ColumnSearch key=key input_id=select_id/> }.into_any()
                } else {
                    view! {
                        <select id=select_id on:change=on_change>
                            <option value=NOT_SENT selected=move || source().is_none()>"— not sent —"</option>
                            {move || headers().into_iter().enumerate().map(|(i, h)| {
                                let chosen = move || source() == Some(Source::Column(i));
                                view! { <option value=i.to_string() selected=chosen>{h}</option> }
                            }).collect::<Vec<_>>()}
                            <option value=FIXED selected=move || matches!(source(), Some(Source::Constant(_)))>"A fixed value…"</option>
                        </select>
                    }.into_any()
                }}
                {move || match source() {
                    Some(Source::Constant(text)) => Some(view! {
                        <input
                            type="text"
                            aria-label=format!("Fixed value for {}", spec.label)
                            prop:value=text
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                state.mapping.update(|m| m.set(key, Some(Source::Constant(v))));
                            }
                        />
                    }),
                    _ => None,
                }}
            </td>
            <td class="sample">{sample}</td>
        </tr>
    }
}

/// A wide sheet's field: the column typed by name (the browser offers the names that
/// match from one shared list), a fixed value, or nothing (left empty).
#[component]
fn ColumnSearch(key: &'static str, input_id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let source = move || state.mapping.with(|m| m.get(key).cloned());
    // What was typed that names no column.
    let unknown = RwSignal::new(None::<String>);
    let shown = move || {
        unknown.get().unwrap_or_else(|| match source() {
            Some(Source::Column(c)) => state.sheet.with(|s| s.as_ref().and_then(|s| s.headers.get(c).cloned()).unwrap_or_default()),
            _ => String::new(),
        })
    };
    let choose = move |ev| {
        let typed = event_target_value(&ev);
        let typed = typed.trim();
        if typed.is_empty() {
            unknown.set(None);
            state.mapping.update(|m| m.set(key, None));
            return;
        }
        match column_named(&state, typed) {
            Some(c) => {
                unknown.set(None);
                state.mapping.update(|m| m.set(key, Some(Source::Column(c))));
            }
            None => unknown.set(Some(typed.to_string())),
        }
    };
    let fixed = move || matches!(source(), Some(Source::Constant(_)));
    let error_id = format!("{input_id}-unknown");
    view! {
        <input
            type="text"
            id=input_id
            list=COLUMN_LIST
            autocomplete="off"
            placeholder=move || if fixed() { "A fixed value is sent" } else { "— not sent — (type a column's name)" }
            disabled=fixed
            aria-invalid=move || unknown.with(Option::is_some).to_string()
            aria-describedby=error_id.clone()
            prop:value=shown
            on:change=choose
        />
        <span class="field-error" id=error_id aria-live="polite">
            {move || unknown.get().map(|t| format!("No column is named \"{t}\"."))}
        </span>
        <button
            type="button"
            class="link"
            on:click=move |_| {
                unknown.set(None);
                let next = if fixed() { None } else { Some(Source::Constant(String::new())) };
                state.mapping.update(|m| m.set(key, next));
            }
        >
            {move || if fixed() { "Use a column instead" } else { "Use a fixed value instead" }}
        </button>
    }
}

/// Columns not used above can be sent as the vendor's user-named fields (survey answers,
/// sample fields), each under a name the user gives.
#[component]
pub fn DynamicMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let vendor = state.target.get_untracked().vendor();
    let prefix = vendor.dynamic_prefix?;
    let free_columns = move || {
        let headers = state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
        state.mapping.with(|m| {
            headers
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !m.fields.iter().any(|(k, s)| !k.starts_with(prefix) && *s == Source::Column(*i)))
                .collect::<Vec<_>>()
        })
    };
    let wide = state.sheet.with_untracked(|s| s.as_ref().is_some_and(|s| s.headers.len() > WIDE_SHEET));
    // Every column fills a field above: nothing to list (a wide sheet lists by search).
    let none_free = Memo::new(move |_| !wide && free_columns().is_empty());
    let search = RwSignal::new(String::new());
    // On a wide sheet: the columns ticked, then the first that match the search.
    let listed = move || {
        let columns = free_columns();
        if !wide {
            return (columns, 0);
        }
        let wanted = ferry_core::text::normalise_name(&search.get());
        let ticked = |i: usize| state.mapping.with(|m| m.fields.iter().any(|(k, s)| k.starts_with(prefix) && *s == Source::Column(i)));
        let matching: Vec<(usize, String)> =
            columns.into_iter().filter(|(i, h)| ticked(*i) || (!wanted.is_empty() && ferry_core::text::normalise_name(h).contains(&wanted))).collect();
        let total = matching.len();
        (matching.into_iter().take(MAX_LISTED).collect(), total)
    };
    Some(view! {
        <fieldset>
            <legend>{vendor.dynamic_label}</legend>
            <p class="hint">{format!("Tick the columns to send as {} and give each its {}. Unticked columns never leave this page.", vendor.dynamic_label.to_lowercase(), vendor.dynamic_name.to_lowercase())}</p>
            {wide.then(|| view! {
                <label for="dynamic-search">"Find columns to send"</label>
                <input type="search" id="dynamic-search" autocomplete="off" placeholder="Part of a column's name" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                <p class="hint" id="dynamic-search-count" aria-live="polite">{move || {
                    let (shown, total) = listed();
                    if search.with(String::is_empty) && total == 0 {
                        "Type part of a column's name: this file has too many columns to list them all.".to_string()
                    } else if total > shown.len() {
                        format!("Showing {} of {} matching columns: type more to narrow them.", shown.len(), total)
                    } else {
                        ferry_core::text::count(total, "column listed", "columns listed")
                    }
                }}</p>
            })}
            {(!wide).then(|| view! {
                <p class="hint" id="dynamic-none" hidden=move || !none_free.get()>
                    {format!("Every column of this file fills a field above, so none is left to send as {}. To send one, set that field to “— not sent —” above.", vendor.dynamic_label.to_lowercase())}
                </p>
            })}
            <div class="table-wrap form-table" id="dynamic-columns" role="region" aria-label="Columns to send as user-named fields" tabindex="0" hidden=move || none_free.get()>
                <table>
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"Send"</th><th scope="col">{vendor.dynamic_name}</th></tr></thead>
                    <tbody>
                        {move || listed().0.into_iter().map(|(i, header)| view! { <DynamicRow column=i header=header prefix=prefix name=vendor.dynamic_name/> }).collect::<Vec<_>>()}
                    </tbody>
                </table>
            </div>
        </fieldset>
    })
}

#[component]
fn DynamicRow(column: usize, header: String, prefix: &'static str, name: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    let key = move || state.mapping.with(|m| m.fields.iter().find(|(k, s)| k.starts_with(prefix) && *s == Source::Column(column)).map(|(k, _)| k.clone()));
    let contract = state.contract();
    let default_key = contract.dynamic_key(&header).unwrap_or_default();
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        state.mapping.update(|m| {
            m.fields.retain(|(k, s)| !(k.starts_with(prefix) && *s == Source::Column(column)));
            if on {
                m.set(&default_key, Some(Source::Column(column)));
            }
        });
    };
    let rename = move |ev| {
        let id = event_target_value(&ev);
        if let Some(old) = key() {
            state.mapping.update(|m| {
                if let (Some(entry), Some(named)) = (m.fields.iter_mut().find(|(k, _)| *k == old), contract.dynamic_key(&id)) {
                    entry.0 = named;
                }
            });
        }
    };
    let checkbox_id = format!("dynamic-{column}");
    view! {
        <tr>
            <td><label for=checkbox_id.clone()>{header.clone()}</label></td>
            <td><input type="checkbox" id=checkbox_id prop:checked=move || key().is_some() on:change=toggle/></td>
            <td>
                <input
                    type="text"
                    aria-label=format!("{name} for column {header}")
                    disabled=move || key().is_none()
                    prop:value=move || key().map(|k| k[prefix.len()..].to_string()).unwrap_or_default()
                    on:change=rename
                />
            </td>
        </tr>
    }
}
