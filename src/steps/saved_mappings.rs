//! Saving a mapping for similar files, and offering the best saved one. Stored in the
//! browser's localStorage: column names and field keys only, never a cell value.

use ferry_core::saved_mapping::{self, SavedMapping};
use leptos::prelude::*;

use crate::state::AppState;

/// The localStorage key.
pub const STORAGE_KEY: &str = "ferry.saved-mappings";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved mappings (an unreadable store counts as empty).
pub fn load() -> Vec<SavedMapping> {
    storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()).and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default()
}

fn store(list: &[SavedMapping]) -> Result<(), String> {
    let s = storage().ok_or("this browser keeps no local storage")?;
    let text = serde_json::to_string(list).map_err(|e| e.to_string())?;
    s.set_item(STORAGE_KEY, &text).map_err(|_| "the browser refused to store it".to_string())
}

/// The offer and the save button.
#[component]
pub fn SavedMappings() -> impl IntoView {
    let state = expect_context::<AppState>();
    let saved = RwSignal::new(load());
    let message = RwSignal::new(None::<String>);
    let headers = move || state.sheet.with(|s| s.as_ref().map(|s| s.headers.clone()).unwrap_or_default());
    let offer = move || {
        let target = state.target.get().vendor().id;
        let headers = headers();
        saved.with(|list| saved_mapping::best(list, target, &headers).cloned()).filter(|best| state.mapping.with(|m| best.apply(&headers) != *m))
    };
    let save = move |_| {
        let entry = state.mapping.with_untracked(|m| SavedMapping::new(state.target.get_untracked().vendor().id, &headers(), m));
        let list = saved_mapping::remember(saved.get_untracked(), entry);
        match store(&list) {
            Ok(()) => {
                saved.set(list);
                message.set(Some("Saved: the next file with these columns gets this mapping offered.".into()));
            }
            Err(e) => message.set(Some(format!("Not saved: {e}."))),
        }
    };
    view! {
        {move || offer().map(|best| {
            let count = best.fields.len();
            view! {
                <div class="notice info" id="saved-mapping-offer">
                    <p>{format!("A mapping you saved fits this file ({count} columns).")}</p>
                    <button type="button" id="use-saved-mapping" on:click=move |_| {
                        let mapping = best.apply(&headers());
                        state.mapping.set(mapping);
                    }>"Use it"</button>
                </div>
            }
        })}
        <div class="actions">
            <button type="button" id="save-mapping" on:click=save>"Save this mapping for similar files"</button>
            {move || message.get().map(|m| view! { <span role="status" class="hint">{m}</span> })}
        </div>
    }
}
