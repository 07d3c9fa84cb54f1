//! Step 2: where to send (the target, the connection, the target's own settings) and
//! which column fills which field. The target's form comes from its page module.

use ferry_core::mapping::{FieldSpec, Source};
use ferry_core::vendors::Target;
use leptos::prelude::*;

use crate::components::text_field::TextField;
use crate::state::{AppState, Step};
use crate::steps::saved_mappings::SavedMappings;
use crate::vendors::page_of;

/// The map step.
#[component]
pub fn MapStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let problems = Memo::new(move |_| state.setup_problems());
    view! {
        <section class="step" aria-labelledby="map-title">
            <h2 id="map-title">"Target and columns"</h2>
            <TargetChoice/>
            <ConnectionSettings/>
            {move || (page_of(state.target.get()).settings)()}
            <SavedMappings/>
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

/// Proxy or direct.
#[component]
fn ConnectionSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <fieldset>
            <legend>"Connection"</legend>
            <TextField
                id="proxy-url"
                label="Ferry proxy URL"
                hint="Requests go through this proxy, which forwards them and keeps nothing. Leave empty to call the platform directly (only works where the platform allows this page)."
                kind="url"
                value=state.proxy_url
                on_input=move |v| state.proxy_url.set(v)
            />
        </fieldset>
    }
}

/// One select per vendor field: a column, a fixed value, or nothing.
#[component]
pub fn FieldMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let vendor = state.target.get_untracked().vendor();
    let rows = state.fields().iter().map(|spec| view! { <FieldRow spec=*spec/> }).collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>{format!("{} fields", vendor.name)}</legend>
            <p class="hint">"Ferry suggested these from your column names; change any of them."</p>
            <div class="table-wrap" role="region" aria-label="Fields and the columns that fill them" tabindex="0">
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
fn FieldRow(spec: FieldSpec) -> impl IntoView {
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
                <select id=select_id on:change=on_change>
                    <option value=NOT_SENT selected=move || source().is_none()>"— not sent —"</option>
                    {move || headers().into_iter().enumerate().map(|(i, h)| {
                        let chosen = move || source() == Some(Source::Column(i));
                        view! { <option value=i.to_string() selected=chosen>{h}</option> }
                    }).collect::<Vec<_>>()}
                    <option value=FIXED selected=move || matches!(source(), Some(Source::Constant(_)))>"A fixed value…"</option>
                </select>
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
    Some(view! {
        <fieldset>
            <legend>{vendor.dynamic_label}</legend>
            <p class="hint">{format!("Tick the columns to send as {} and give each its {}. Unticked columns never leave this page.", vendor.dynamic_label.to_lowercase(), vendor.dynamic_name.to_lowercase())}</p>
            <div class="table-wrap" role="region" aria-label="Columns to send as user-named fields" tabindex="0">
                <table>
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"Send"</th><th scope="col">{vendor.dynamic_name}</th></tr></thead>
                    <tbody>
                        {move || free_columns().into_iter().map(|(i, header)| view! { <DynamicRow column=i header=header prefix=prefix name=vendor.dynamic_name/> }).collect::<Vec<_>>()}
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
                if let Some(entry) = m.fields.iter_mut().find(|(k, _)| *k == old) {
                    entry.0 = format!("{prefix}{}", id.trim());
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
