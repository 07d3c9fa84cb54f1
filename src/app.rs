//! The page frame: header, the view switch, the step indicator and the current step.

use leptos::prelude::*;

use crate::components::step_indicator::StepIndicator;
use crate::state::{AppState, Step, View};
use crate::steps::{
    map::{ColumnList, MapStep},
    report::ReportStep,
    review::ReviewStep,
    send::SendStep,
    upload::UploadStep,
};
use crate::vendors;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    leptos::task::spawn_local(async move {
        if let Some(config) = crate::page_config::load().await {
            state.apply_config(config);
        }
    });
    // A new step (or view) takes focus to its heading, so keyboard and screen reader
    // users start at its top; a "Change" button may point at a control instead. Setting
    // the step it is already on moves nothing.
    Effect::new(move |before: Option<(Step, View)>| {
        let now = (state.step.get(), state.view.get());
        if before.is_some_and(|b| b != now) {
            let to = state.focus_next.get_value();
            state.focus_next.set_value(None);
            crate::focus::focus_soon(to.unwrap_or_else(|| "main h2".to_string()));
        }
        now
    });
    let step_view = move || {
        let step = state.step.get();
        // The step going away may hold the focus (the button that was pressed).
        crate::focus::let_go();
        match step {
            Step::Upload => view! { <UploadStep/> }.into_any(),
            Step::Map => view! { <MapStep/> }.into_any(),
            Step::Review => view! { <ReviewStep/> }.into_any(),
            Step::Send => view! { <SendStep/> }.into_any(),
            Step::Report => view! { <ReportStep/> }.into_any(),
        }
    };
    let views = vendors::PAGES
        .iter()
        .filter_map(|page| page.view.map(|v| (page.id, v)))
        .map(|(id, extra)| {
            let open = View::Vendor(id);
            view! {
                <button type="button" id=extra.button_id class:active=move || state.view.get() == open aria-pressed=move || (state.view.get() == open).to_string() on:click=move |_| state.view.set(open)>
                    {extra.label}
                </button>
            }
        })
        .collect::<Vec<_>>();
    let current = move || match state.view.get() {
        View::Import => view! { <StepIndicator current=state.step/>{step_view} }.into_any(),
        View::Vendor(id) => vendors::page(id).and_then(|p| p.view).map_or_else(|| ().into_any(), |v| (v.render)()),
    };
    view! {
        <header class="top">
            <div class="inner">
                <h1>"Ferry"</h1>
                <p>"Move a participant spreadsheet into a research platform. Your file is read in this browser and goes only to the platform you choose."</p>
            </div>
        </header>
        <main>
            {move || state.notice.get().map(|n| view! { <p class="notice info">{n}</p> })}
            <nav class="views" aria-label="Ferry">
                <button type="button" class:active=move || state.view.get() == View::Import aria-pressed=move || (state.view.get() == View::Import).to_string() on:click=move |_| state.view.set(View::Import)>"Import a file"</button>
                {views}
            </nav>
            {current}
            <ColumnList/>
        </main>
        <footer>"Ferry keeps no copy of your participants' data, here or on a server of ours. This browser keeps only the mappings you save (column names) and, for each file you send, which row numbers went out (under a code made from the file, never a cell's value), so a send can resume; the send step offers to forget it."</footer>
    }
}
