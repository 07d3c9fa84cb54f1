//! The row of step names at the top, with the current one marked.

use leptos::prelude::*;

use crate::state::Step;

/// Shows every step; the current one has `aria-current="step"`.
#[component]
pub fn StepIndicator(
    /// The step the user is on.
    current: RwSignal<Step>,
) -> impl IntoView {
    let items = Step::ALL
        .iter()
        .enumerate()
        .map(|(i, &step)| {
            view! {
                <li
                    class:done=move || step < current.get()
                    aria-current=move || (step == current.get()).then_some("step")
                >
                    {format!("{}. {}", i + 1, step.label())}
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! { <nav aria-label="Steps"><ol class="steps">{items}</ol></nav> }
}
