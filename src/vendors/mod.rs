//! The page's side of each vendor: its settings form, its login form and any tools of
//! its own, one module per vendor, listed once in [`PAGES`]. The steps ask this list
//! for the chosen target's forms and never name a vendor themselves.

pub mod engage;
pub mod engaging_networks;
pub mod lumi_say;
pub mod participant_kit;

use std::marker::PhantomData;

use ferry_core::vendors::{LoginField, Target};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::components::text_field::TextField;
use crate::state::AppState;

/// A view of a vendor's own beside the import wizard (e.g. browsing its objects).
#[derive(Clone, Copy)]
pub struct VendorView {
    /// The id of the button that opens it.
    pub button_id: &'static str,
    /// The button's text.
    pub label: &'static str,
    /// The view.
    pub render: fn() -> AnyView,
}

/// What the page shows for one vendor.
#[derive(Clone, Copy)]
pub struct VendorPage {
    /// The vendor's id in the core's registry.
    pub id: &'static str,
    /// The map step's settings and mapping for this vendor.
    pub settings: fn() -> AnyView,
    /// The send step's login (and any choice about the send itself).
    pub login: fn() -> AnyView,
    /// Extra tools under the review step's grid (may show nothing).
    pub review_tools: fn() -> AnyView,
    /// Extra sections in the report step (may show nothing).
    pub report_tools: fn() -> AnyView,
    /// A view of its own, if any.
    pub view: Option<VendorView>,
}

/// Every vendor's page module, one line each.
pub static PAGES: [VendorPage; 4] = [engage::PAGE, lumi_say::PAGE, participant_kit::PAGE, engaging_networks::PAGE];

/// The page module of the vendor with this id.
pub fn page(id: &str) -> Option<&'static VendorPage> {
    PAGES.iter().find(|p| p.id == id)
}

/// The page module of `target`; every target in the core's registry has one (a test
/// holds the two lists to each other).
pub fn page_of(target: Target) -> &'static VendorPage {
    page(target.id()).unwrap_or(&PAGES[0])
}

/// Shows nothing (for a vendor without review or report tools).
pub fn nothing() -> AnyView {
    ().into_any()
}

/// One vendor's settings, typed, over the page's JSON settings for that vendor: what the
/// vendor's forms read and write.
pub struct SettingsOf<S> {
    state: AppState,
    target: Target,
    kind: PhantomData<fn() -> S>,
}

impl<S> Clone for SettingsOf<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SettingsOf<S> {}

impl<S: Serialize + DeserializeOwned + Default + 'static> SettingsOf<S> {
    /// The settings of the vendor with `id` (which must be in the core's registry).
    pub fn new(id: &str) -> SettingsOf<S> {
        let state = expect_context::<AppState>();
        let target = Target::from_id(id).unwrap_or_else(Target::first);
        SettingsOf { state, target, kind: PhantomData }
    }

    /// The settings (tracked).
    pub fn get(&self) -> S {
        S::deserialize(&self.state.settings_of(self.target)).unwrap_or_default()
    }

    /// The settings (not tracked).
    pub fn get_untracked(&self) -> S {
        untrack(|| self.get())
    }

    /// Reads one value of the settings (tracked).
    pub fn with<R>(&self, read: impl FnOnce(&S) -> R) -> R {
        read(&self.get())
    }

    /// Changes the settings.
    pub fn update(&self, change: impl FnOnce(&mut S)) {
        let mut settings = self.get_untracked();
        change(&mut settings);
        if let Ok(value) = serde_json::to_value(&settings) {
            self.state.set_settings_of(self.target, value);
        }
    }

    /// One text of the settings, as a signal for a [`TextField`].
    pub fn text(self, read: fn(&S) -> String) -> Signal<String> {
        Signal::derive(move || self.with(read))
    }

    /// A setter for a [`TextField`].
    pub fn setter(self, write: fn(&mut S, String)) -> impl Fn(String) + Copy + 'static {
        move |v| self.update(|s| write(s, v))
    }

    /// A labelled checkbox bound to one flag of the settings.
    pub fn checkbox(self, id: &'static str, label: &'static str, read: fn(&S) -> bool, write: fn(&mut S, bool)) -> impl IntoView {
        view! {
            <label class="check">
                <input type="checkbox" id=id prop:checked=move || self.with(read) on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    self.update(|s| write(s, on));
                }/>
                {label}
            </label>
        }
    }
}

/// The chosen target's login fields, as its contract lists them (kept in memory only).
#[component]
pub fn LoginFields() -> impl IntoView {
    let state = expect_context::<AppState>();
    let contract = state.contract();
    state.settings.with_untracked(|s| {
        let mut login = state.login.get_untracked();
        contract.login_defaults(s, &mut login);
        state.login.set(login);
    });
    let fields = contract.login_fields().iter().map(|f| login_field(state, *f)).collect::<Vec<_>>();
    view! { <div class="grid">{fields}</div> }
}

/// One input of the login, bound to `field` of [`AppState::login`].
pub fn login_field(state: AppState, field: LoginField) -> impl IntoView {
    let key = field.key;
    view! {
        <TextField id=field.id label=field.label hint=field.hint kind=if field.secret { "password" } else { "text" }
            value=Signal::derive(move || state.login.with(|l| l.get(key).to_string())) on_input=move |v| state.login.update(|l| l.set(key, v))/>
    }
}
