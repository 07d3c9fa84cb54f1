//! A labelled text input bound to a getter and a setter.

use leptos::prelude::*;

/// `<label>` + `<input>` + optional hint, with ids wired for screen readers.
#[component]
pub fn TextField(
    /// Unique id of the input.
    id: &'static str,
    /// The label text.
    label: &'static str,
    /// A line under the label.
    #[prop(optional)]
    hint: &'static str,
    /// `text`, `password`, `url` or `number`.
    #[prop(default = "text")]
    kind: &'static str,
    /// The current value.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the new value on every keystroke.
    on_input: impl Fn(String) + 'static,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {(!hint.is_empty()).then(|| view! { <span class="hint" id=hint_id.clone()>{hint}</span> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete="off"
                spellcheck="false"
                aria-describedby=(!hint.is_empty()).then_some(hint_id)
                prop:value=move || value.get()
                on:input=move |ev| on_input(event_target_value(&ev))
            />
        </div>
    }
}
