//! An accessible progress bar.

use ferry_core::text::thousands;
use leptos::prelude::*;

/// `done` of `total`, as a bar and in words.
#[component]
pub fn ProgressBar(
    /// Work finished.
    #[prop(into)]
    done: Signal<usize>,
    /// All the work.
    #[prop(into)]
    total: Signal<usize>,
    /// What is being counted, e.g. "records".
    unit: &'static str,
) -> impl IntoView {
    let percent = move || if total.get() == 0 { 0 } else { done.get() * 100 / total.get() };
    view! {
        <div
            class="progress"
            role="progressbar"
            aria-valuemin="0"
            aria-valuemax=move || total.get().to_string()
            aria-valuenow=move || done.get().to_string()
            aria-label=unit
        >
            <div style=move || format!("width: {}%", percent())></div>
        </div>
        <p class="progress-text" aria-live="polite">{move || format!("{} of {} {unit}", thousands(done.get()), thousands(total.get()))}</p>
    }
}
