//! Participant Kit in the map step: API URL, token, what to create, and the study picked
//! from the list the API returns.

use ferry_core::vendors::participant_kit::{Resource, Settings, WriteMode};
use leptos::prelude::*;

use crate::app::AppState;
use crate::components::text_field::TextField;
use crate::pk_reader::read_all;

/// The settings fieldset.
#[component]
pub fn ParticipantKitSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = state.pk;
    let studies = RwSignal::new(Vec::<(String, String)>::new());
    let loading = RwSignal::new(false);
    let read = RwSignal::new(0usize);
    let error = RwSignal::new(None::<String>);
    let load = move |_| {
        loading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = read_all(&settings.get_untracked(), &state.pk_login.get_untracked(), &state.route(), Resource::Studies, &[], read, RwSignal::new(false)).await;
            match result {
                Ok(items) => studies.set(
                    items
                        .iter()
                        .map(|s| (s["id"].as_str().unwrap_or_default().to_string(), s["name"].as_str().unwrap_or_default().to_string()))
                        .collect(),
                ),
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    let mode_option = move |mode: WriteMode, id: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="pk-mode" id=id prop:checked=move || settings.with(|s| s.mode == mode) on:change=move |_| {
                    settings.update(|s| s.mode = mode);
                    state.suggest_mapping();
                }/>
                {label}
            </label>
        }
    };
    let text = move |get: fn(&Settings) -> String| Signal::derive(move || settings.with(get));
    view! {
        <fieldset>
            <legend>"Participant Kit"</legend>
            <div class="field">
                {mode_option(WriteMode::Participants, "pk-mode-participants", "Create participants in a study (one request per row)")}
                {mode_option(WriteMode::DataLinks, "pk-mode-data-links", "Create data links (url, recorded_at, participant_id, title)")}
            </div>
            <div class="grid" style="margin-top: .9rem">
                <TextField id="pk-base" label="API base URL" kind="url" value=text(|s| s.base_url.clone()) on_input=move |v| settings.update(|s| s.base_url = v)/>
                <TextField id="pk-token" label="OAuth2 token" hint="Kept in this page's memory only." kind="password"
                    value=Signal::derive(move || state.pk_login.with(|l| l.token.clone())) on_input=move |v| state.pk_login.update(|l| l.token = v)/>
                <TextField id="pk-concurrency" label="Requests at once" kind="number" value=text(|s| s.concurrency.to_string()) on_input=move |v| settings.update(|s| s.concurrency = v.trim().parse().unwrap_or(0))/>
            </div>
            <Show when=move || settings.with(|s| s.mode == WriteMode::Participants)>
                <div class="field" style="margin-top: .9rem">
                    <label for="pk-study">"Study (event_id)"</label>
                    <div class="actions" style="margin-top: 0">
                        <select id="pk-study" on:change=move |ev| settings.update(|s| s.study_id = event_target_value(&ev))>
                            <option value="" selected=move || settings.with(|s| s.study_id.is_empty())>"— choose a study —"</option>
                            {move || {
                                let mut list = studies.get();
                                let current = settings.with(|s| s.study_id.clone());
                                if !current.is_empty() && !list.iter().any(|(id, _)| *id == current) {
                                    list.push((current.clone(), current.clone()));
                                }
                                list.into_iter().map(|(id, name)| {
                                    let selected = id.clone();
                                    view! { <option value=id.clone() selected=move || settings.with(|s| s.study_id == selected)>{format!("{name} ({id})")}</option> }
                                }).collect::<Vec<_>>()
                            }}
                        </select>
                        <button type="button" id="pk-load-studies" disabled=move || loading.get() on:click=load>
                            {move || if loading.get() { format!("Reading studies… {}", read.get()) } else { "Load studies".to_string() }}
                        </button>
                    </div>
                    {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                </div>
            </Show>
        </fieldset>
    }
}
