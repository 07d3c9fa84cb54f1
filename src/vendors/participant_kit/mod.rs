//! Participant Kit on the page: in the map step its API URL, token, what to create and
//! the study picked from the list the API returns; its token at the send step; and the
//! Browse view of its objects.

pub mod browse;
pub mod reader;

use ferry_core::vendors::participant_kit::{Credentials, Resource, Settings, WriteMode};
use leptos::prelude::*;

use super::{login_field, nothing, SettingsOf, VendorPage, VendorView};
use crate::components::text_field::TextField;
use crate::state::AppState;
use crate::steps::map::FieldMapping;
use reader::read_all;

/// Participant Kit in the page's list.
pub const PAGE: VendorPage = VendorPage {
    id: "participant-kit",
    settings: || view! { <ParticipantKitSettings/><ModeFields/> }.into_any(),
    login: || view! { <legend>"Participant Kit"</legend><super::LoginFields/> }.into_any(),
    review_tools: nothing,
    report_tools: nothing,
    view: Some(VendorView { button_id: "open-browse", label: "Browse Participant Kit", render: || view! { <browse::Browse/> }.into_any() }),
};

/// The field mapping, rebuilt when participants / data links switch (the fields differ).
#[component]
fn ModeFields() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    move || {
        let _ = settings.with(|s| s.mode);
        view! { <FieldMapping/> }
    }
}

/// The settings fieldset.
#[component]
pub fn ParticipantKitSettings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    let studies = RwSignal::new(Vec::<(String, String)>::new());
    let loading = RwSignal::new(false);
    let read = RwSignal::new(0usize);
    let error = RwSignal::new(None::<String>);
    let load = move |_| {
        loading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = read_all(
                &settings.get_untracked(),
                &Credentials::from_login(&state.login.get_untracked()),
                &state.route(),
                Resource::Studies,
                &[],
                read,
                RwSignal::new(false),
            )
            .await;
            match result {
                Ok(items) => studies.set(ferry_core::vendors::participant_kit::choices(&items)),
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
    let text = move |get: fn(&Settings) -> String| settings.text(get);
    let token = ferry_core::vendors::LoginField { id: "pk-token", hint: "Kept in this page's memory only.", ..ferry_core::vendors::participant_kit::LOGIN[0] };
    view! {
        <fieldset>
            <legend>"Participant Kit"</legend>
            <div class="field">
                {mode_option(WriteMode::Participants, "pk-mode-participants", "Create participants in a study (one request per row)")}
                {mode_option(WriteMode::DataLinks, "pk-mode-data-links", "Create data links (url, recorded_at, participant_id, title)")}
            </div>
            <div class="grid" style="margin-top: .9rem">
                <TextField id="pk-base" label="API base URL" kind="url" value=text(|s| s.base_url.clone()) on_input=move |v| settings.update(|s| s.base_url = v)/>
                {login_field(state, token)}
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
