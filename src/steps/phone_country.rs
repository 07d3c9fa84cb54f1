//! The country of phone numbers written without a country code, shown (and changeable)
//! wherever a phone field is mapped.

use ferry_core::phone::{self, COUNTRIES};
use leptos::prelude::*;

use crate::state::AppState;

/// A select of countries, when a phone field is mapped to a column.
#[component]
pub fn PhoneCountry() -> impl IntoView {
    let state = expect_context::<AppState>();
    let mapped = Memo::new(move |_| {
        let contract = state.target.get().contract();
        state.mapping.with(|m| state.settings.with(|s| !phone::phone_columns(contract, m, s).is_empty()))
    });
    let region = move || state.mapping.with(|m| m.phone_region().to_string());
    let choose = move |ev| {
        let chosen = event_target_value(&ev);
        state.mapping.update(|m| m.phone_region = (chosen != phone::DEFAULT_REGION).then_some(chosen));
    };
    move || {
        mapped.get().then(|| {
            let options = COUNTRIES
                .iter()
                .map(|c| {
                    let code = c.region;
                    view! { <option value=code selected=move || region() == code>{format!("{} (+{})", c.name, c.calling_code)}</option> }
                })
                .collect::<Vec<_>>();
            view! {
                <fieldset id="phone-country-choice">
                    <legend>"Phone numbers"</legend>
                    <label for="phone-country">"Numbers without a country code are numbers of"</label>
                    <select id="phone-country" aria-describedby="phone-country-hint" on:change=choose>{options}</select>
                    <p class="hint" id="phone-country-hint">
                        "Each is checked by that country's numbering plan; one that is not valid there is held back for you to correct, never given a guessed code. Numbers written with + or 00 keep their own country."
                    </p>
                </fieldset>
            }
        })
    }
}
