//! Parts of a step drawn in a turn of their own, just after the step: what the user reads
//! first (the heading, the counts, the first problems) is on screen without waiting for
//! what lies below it.
//!
//! Entering review on a million-row sheet was one task of the page: the step, its grid,
//! the e-mail notice and the payload preview. Drawn later, the grid and the rest are
//! tasks of their own, and the browser can run its timers and a frame in between. A
//! `Later` waits for the frame that paints what is drawn now, then a timer: two `Later`s
//! side by side would come due in the same frame and run back to back, so parts drawn
//! one after the other are nested, each `Later` in the one before.

use leptos::prelude::*;

/// Draws `children` once the page has painted what is drawn now (the next frame) and had
/// a turn after it (a timer of [`crate::inbox::YIELD_MS`]).
#[component]
pub fn Later(children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        // (A hidden page has no frames: it goes on at once.)
        if !crate::focus::page_hidden() {
            crate::focus::frame().await;
        }
        crate::send_driver::sleep_ms(crate::inbox::YIELD_MS).await;
        // Gone meanwhile (the user moved on): nothing to draw.
        let _ = ready.try_set(true);
    });
    move || ready.get().then(|| children())
}
