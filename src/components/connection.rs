//! The connection every view uses: the Ferry proxy (or none, to call the platform
//! directly). One setting, shown wherever requests leave the page.

use leptos::prelude::*;

use crate::components::text_field::TextField;
use crate::state::AppState;

/// The proxy URL field, bound to [`AppState::proxy_url`].
#[component]
pub fn Connection() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <fieldset>
            <legend>"Connection"</legend>
            <TextField
                id="proxy-url"
                label="Ferry proxy URL"
                hint="Requests go through this proxy, which forwards them and keeps nothing. Leave empty to call the platform directly (only works where the platform allows this page). The same setting is used in every view."
                kind="url"
                value=state.proxy_url
                on_input=move |v| state.proxy_url.set(v)
            />
        </fieldset>
    }
}
