//! Step 2: where to send (connection and Engage settings) and which column fills which field.

use ferry_core::mapping::{FieldSpec, Source};
use ferry_core::vendors::engage::{Settings, UploadMode};
use ferry_core::vendors::{lumi_say, Target};
use leptos::prelude::*;

use crate::app::{AppState, Step};
use crate::components::text_field::TextField;
use crate::steps::en_format::{EngagingNetworksSettings, FormatMapping};
use crate::steps::pk_settings::ParticipantKitSettings;
use crate::steps::saved_mappings::SavedMappings;

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
            {move || match state.target.get() {
                Target::Engage => view! { <EngageSettings/><FieldMapping/><DynamicMapping/> }.into_any(),
                Target::LumiSay => view! { <LumiSaySettings/><FieldMapping/><DynamicMapping/> }.into_any(),
                Target::EngagingNetworks => view! { <EngagingNetworksSettings/><FormatMapping/> }.into_any(),
                Target::ParticipantKit => view! {
                    <ParticipantKitSettings/>
                    {move || {
                        // Rebuilt when participants / data links switch: the fields differ.
                        let _ = state.pk.with(|s| s.mode);
                        view! { <FieldMapping/> }
                    }}
                }.into_any(),
            }}
            <SavedMappings/>
            {move || {
                let p = problems.get();
                (!p.is_empty()).then(|| view! {
                    <div class="notice warn" id="map-problems">
                        <p><strong>"Before you go on:"</strong></p>
                        <ul>{p.into_iter().map(|m| view! { <li>{m}</li> }).collect::<Vec<_>>()}</ul>
                    </div>
                })
            }}
            <div class="actions">
                <button type="button" on:click=move |_| state.step.set(Step::Upload)>"Back"</button>
                <span class="spacer"></span>
                <button
                    class="primary"
                    type="button"
                    disabled=move || !problems.with(Vec::is_empty)
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
    let options = Target::ALL
        .into_iter()
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
                hint="Requests go through this proxy, which forwards them and keeps nothing. Leave empty to call Engage directly (only works where Engage allows this page)."
                kind="url"
                value=state.proxy_url
                on_input=move |v| state.proxy_url.set(v)
            />
        </fieldset>
    }
}

/// Engage's URLs, organisation, activity, batch size and endpoint.
#[component]
fn EngageSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = state.engage;
    let text = move |get: fn(&Settings) -> String| Signal::derive(move || settings.with(get));
    let set = move |apply: fn(&mut Settings, String)| move |v: String| settings.update(|s| apply(s, v));
    view! {
        <fieldset>
            <legend>"Longenesis Engage"</legend>
            <div class="grid">
                <TextField id="org-slug" label="Organisation slug" hint="Your organisation's short name in Engage."
                    value=text(|s| s.org_slug.clone()) on_input=set(|s, v| s.org_slug = v)/>
                <TextField id="activity-slug" label="Activity slug" hint="The Engage activity (survey) the submissions belong to."
                    value=text(|s| s.activity_slug.clone()) on_input=set(|s, v| s.activity_slug = v)/>
                <TextField id="batch-size" label="Records per request" kind="number"
                    value=text(|s| s.batch_size.to_string()) on_input=set(|s, v| s.batch_size = v.trim().parse().unwrap_or(0))/>
                <TextField id="auth-base" label="Auth service URL" kind="url"
                    value=text(|s| s.auth_base.clone()) on_input=set(|s, v| s.auth_base = v)/>
                <TextField id="realm" label="Realm"
                    value=text(|s| s.realm.clone()) on_input=set(|s, v| s.realm = v)/>
                <TextField id="api-base" label="Engage API URL" kind="url"
                    value=text(|s| s.api_base.clone()) on_input=set(|s, v| s.api_base = v)/>
            </div>
            <div class="field" style="margin-top: .9rem">
                <label class="check">
                    <input
                        type="checkbox"
                        id="bulk-upload"
                        prop:checked=move || settings.with(|s| s.mode == UploadMode::BulkUpload)
                        on:change=move |ev| {
                            let upload = event_target_checked(&ev);
                            settings.update(|s| s.mode = if upload { UploadMode::BulkUpload } else { UploadMode::BulkPost });
                        }
                    />
                    "Send each batch as an uploaded JSON file (bulk_upload) instead of a JSON body (bulk_post)"
                </label>
            </div>
        </fieldset>
    }
}

/// Lumi Say's instance, project, list and import options.
#[component]
fn LumiSaySettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = state.lumi;
    let text = move |get: fn(&lumi_say::Settings) -> String| Signal::derive(move || settings.with(get));
    let set = move |apply: fn(&mut lumi_say::Settings, String)| move |v: String| settings.update(|s| apply(s, v));
    let check = move |id: &'static str, label: &'static str, get: fn(&lumi_say::Settings) -> bool, put: fn(&mut lumi_say::Settings, bool)| {
        view! {
            <label class="check">
                <input type="checkbox" id=id prop:checked=move || settings.with(get) on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    settings.update(|s| put(s, on));
                }/>
                {label}
            </label>
        }
    };
    view! {
        <fieldset>
            <legend>"Lumi Say"</legend>
            <div class="grid">
                <TextField id="lumi-base" label="Instance URL" hint="e.g. https://yourbrand.lumisay.com — Lumi Say runs under other names too." kind="url"
                    value=text(|s| s.base_url.clone()) on_input=set(|s, v| s.base_url = v)/>
                <TextField id="lumi-project" label="Project name" hint="The <project_name> in your Lumi Say address."
                    value=text(|s| s.project.clone()) on_input=set(|s, v| s.project = v)/>
                <TextField id="lumi-group" label="List ID (group_id)" hint="The list the respondents are added to."
                    value=text(|s| s.group_id.clone()) on_input=set(|s, v| s.group_id = v)/>
                <TextField id="lumi-company" label="Company ID" hint="Only if your user has access to more than one company."
                    value=text(|s| s.company_id.clone()) on_input=set(|s, v| s.company_id = v)/>
                <TextField id="lumi-batch" label="Respondents per call" kind="number"
                    value=text(|s| s.batch_size.to_string()) on_input=set(|s, v| s.batch_size = v.trim().parse().unwrap_or(0))/>
                <TextField id="lumi-preview-max" label="Preview group maximum" hint="Only for a preview list: its maximum size. Leave empty otherwise." kind="number"
                    value=text(|s| s.preview_max.map(|n| n.to_string()).unwrap_or_default()) on_input=set(|s, v| s.preview_max = v.trim().parse().ok())/>
            </div>
            <div class="field" style="margin-top: .9rem">
                {check("lumi-no-password", "Respondents may set a password (no_password)", |s| s.no_password, |s, v| s.no_password = v)}
                {check("lumi-overwrite", "Overwrite respondents that already exist (overwrite)", |s| s.overwrite, |s, v| s.overwrite = v)}
            </div>
        </fieldset>
    }
}

/// One select per vendor field: a column, a fixed value, or nothing.
#[component]
fn FieldMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let vendor = state.target.get_untracked().vendor();
    let rows = state.fields().iter().map(|spec| view! { <FieldRow spec=*spec/> }).collect::<Vec<_>>();
    view! {
        <fieldset>
            <legend>{format!("{} fields", vendor.name)}</legend>
            <p class="hint">"Ferry suggested these from your column names; change any of them."</p>
            <div class="table-wrap">
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
        state.sheet.with(|s| {
            s.as_ref()
                .and_then(|s| state.mapping.with(|m| m.value(s, 0, key).map(|v| ferry_core::text::excerpt(v, 60))))
                .unwrap_or_default()
        })
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
fn DynamicMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let vendor = state.target.get_untracked().vendor();
    let Some(prefix) = vendor.dynamic_prefix else { return None };
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
            <div class="table-wrap">
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
    let key = move || {
        state.mapping.with(|m| {
            m.fields
                .iter()
                .find(|(k, s)| k.starts_with(prefix) && *s == Source::Column(column))
                .map(|(k, _)| k.clone())
        })
    };
    let default_id = header.strip_prefix(prefix).unwrap_or(&header).trim().to_string();
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        state.mapping.update(|m| {
            m.fields.retain(|(k, s)| !(k.starts_with(prefix) && *s == Source::Column(column)));
            if on {
                m.set(&format!("{prefix}{default_id}"), Some(Source::Column(column)));
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
