//! Moving focus to where the user's next step is, once the page has rendered it: the new
//! step's heading, or the control a "Change" button points at; and the page's frames
//! that this waits for (whether there are any: a hidden page has none).

use wasm_bindgen::JsCast;

/// Runs `then` before the next repaint (after the reactive updates already scheduled).
pub fn next_frame(then: impl FnOnce() + 'static) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(then);
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}

/// Resolves at the next frame, before it is painted: awaited before a timer, it lets the
/// page paint what it has drawn before going on.
pub async fn frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Whether the page is hidden (another tab in front, a minimised window): it then has no
/// frames, and a wait for one would last until it is shown.
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// Takes focus off the element that has it (a "Next" button, say) before the part of the
/// page holding it is replaced. When the focused element is removed, Chromium restyles and
/// lays out the page on the spot, new step included: measured on a million-row sheet, the
/// removal of the map step's buttons took 34–43 ms of the click's task. Removed unfocused,
/// it takes under a millisecond, and the styling is left to the next frame, which does it
/// anyway. Focus then goes where [`focus_soon`] sends it.
pub fn let_go() {
    // (With nothing focused the body is the active element, and blurring it does nothing.)
    if let Some(active) = web_sys::window().and_then(|w| w.document()?.active_element()?.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = active.blur();
    }
}

/// Focuses the first element matching `selector` once it is in the page (trying for a
/// few frames), and scrolls it into view. A heading is made focusable first (`tabindex
/// -1`: focusable by script, not a stop for Tab).
pub fn focus_soon(selector: String) {
    attempt(selector, 6);
}

fn attempt(selector: String, frames_left: u8) {
    next_frame(move || {
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match found {
            Some(el) => {
                if el.tab_index() < 0 && !el.has_attribute("tabindex") {
                    let _ = el.set_attribute("tabindex", "-1");
                }
                let _ = el.focus();
                el.scroll_into_view_with_bool(true);
            }
            None if frames_left > 0 => attempt(selector, frames_left - 1),
            None => {}
        }
    });
}
