//! Parts of a step drawn in a turn of their own, just after the step: what the user reads
//! first (the heading, the counts, the first problems) is on screen without waiting for
//! what lies below it.
//!
//! Entering review on a million-row sheet was one task of the page: the step, its grid,
//! the e-mail notice and the payload preview. Drawn later, the grid and the rest are a
//! second task, and the browser can run its timers and a frame in between.

use leptos::prelude::*;

/// Draws `children` once the page has had a turn (a timer of [`crate::inbox::YIELD_MS`]
/// after this is drawn).
#[component]
pub fn Later(children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        crate::send_driver::sleep_ms(crate::inbox::YIELD_MS).await;
        // Gone meanwhile (the user moved on): nothing to draw.
        let _ = ready.try_set(true);
    });
    move || ready.get().then(|| children())
}
