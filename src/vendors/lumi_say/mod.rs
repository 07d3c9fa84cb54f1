//! Lumi Say on the page: its settings form, its dashboard login with the choice of how
//! the import's result comes back, and the list tools (after a send, and on their own).

pub mod lists;

use ferry_core::vendors::lumi_say::{ResultRoute, Settings};
use leptos::prelude::*;

use super::{nothing, LoginFields, SettingsOf, VendorPage, VendorView};
use crate::components::text_field::TextField;
use crate::steps::map::{DynamicMapping, FieldMapping};

/// Lumi Say in the page's list.
pub const PAGE: VendorPage = VendorPage {
    id: "lumi-say",
    settings: || view! { <LumiSaySettings/><FieldMapping/><DynamicMapping/> }.into_any(),
    login: || view! { <LumiSayLogin/><ResultChoice/> }.into_any(),
    review_tools: nothing,
    report_tools: || {
        let login = expect_context::<crate::state::AppState>().login;
        view! { <lists::LumiSayLists login=login/> }.into_any()
    },
    view: Some(VendorView { button_id: "open-lumi-lists", label: "Lumi Say lists", render: || view! { <lists::ListsView/> }.into_any() }),
};

/// Lumi Say's instance, project, list and import options.
#[component]
fn LumiSaySettings() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    view! {
        <fieldset>
            <legend>"Lumi Say"</legend>
            <div class="grid">
                <InstanceFields/>
                <TextField id="lumi-group" label="List ID (group_id)" hint="The list the respondents are added to."
                    value=settings.text(|s| s.group_id.clone()) on_input=settings.setter(|s, v| s.group_id = v)/>
                <TextField id="lumi-batch" label="Respondents per call" kind="number"
                    value=settings.text(|s| s.batch_size.to_string()) on_input=settings.setter(|s, v| s.batch_size = v.trim().parse().unwrap_or(0))/>
                <TextField id="lumi-preview-max" label="Preview group maximum" hint="Only for a preview list: its maximum size. Leave empty otherwise." kind="number"
                    value=settings.text(|s| s.preview_max.map(|n| n.to_string()).unwrap_or_default()) on_input=settings.setter(|s, v| s.preview_max = v.trim().parse().ok())/>
            </div>
            <div class="field" style="margin-top: .9rem">
                {settings.checkbox("lumi-no-password", "Respondents may set a password (no_password)", |s| s.no_password, |s, v| s.no_password = v)}
                {settings.checkbox("lumi-overwrite", "Overwrite respondents that already exist (overwrite)", |s| s.overwrite, |s, v| s.overwrite = v)}
            </div>
        </fieldset>
    }
}

/// The instance every Lumi Say call goes to: its URL, project and company (in the
/// settings form and in the lists view; never on one screen together).
#[component]
pub fn InstanceFields() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    view! {
        <TextField id="lumi-base" label="Instance URL" hint="e.g. https://yourbrand.lumisay.com — Lumi Say runs under other names too." kind="url"
            value=settings.text(|s| s.base_url.clone()) on_input=settings.setter(|s, v| s.base_url = v)/>
        <TextField id="lumi-project" label="Project name" hint="The <project_name> in your Lumi Say address."
            value=settings.text(|s| s.project.clone()) on_input=settings.setter(|s, v| s.project = v)/>
        <TextField id="lumi-company" label="Company ID" hint="Only if your user has access to more than one company."
            value=settings.text(|s| s.company_id.clone()) on_input=settings.setter(|s, v| s.company_id = v)/>
    }
}

/// Lumi Say's dashboard login.
#[component]
fn LumiSayLogin() -> impl IntoView {
    view! {
        <legend>"Lumi Say dashboard account"</legend>
        <p class="hint">"The respondent APIs sign in with your dashboard login; this may end your open dashboard session."</p>
        <LoginFields/>
    }
}

/// How the asynchronous import result comes back.
#[component]
fn ResultChoice() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    let option = move |value: ResultRoute, id: &'static str, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="callback" id=id prop:checked=move || settings.with(|s| s.result_route == value) on:change=move |_| settings.update(|s| s.result_route = value)/>
                {label}
            </label>
        }
    };
    view! {
        <div class="field" style="margin-top: 1rem">
            <span class="hint">"Lumi Say imports in the background: its answer only means the import started. The final result (\"X of Y respondents imported\") is sent to a callback URL."</span>
            {option(ResultRoute::None, "callback-none", "No callback: check the result in Lumi Say")}
            {option(ResultRoute::OwnUrl, "callback-own", "Send the result to my own URL")}
            <Show when=move || settings.with(|s| s.result_route == ResultRoute::OwnUrl)>
                <TextField id="callback-url" label="Callback URL" kind="url" value=settings.text(|s| s.callback_url.clone()) on_input=settings.setter(|s, v| s.callback_url = v)/>
            </Show>
            {option(ResultRoute::Relay, "callback-relay", "Show the result here, through the Ferry proxy's relay (it keeps only the result, for at most 15 minutes)")}
        </div>
    }
}
