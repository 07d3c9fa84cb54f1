//! Buffers passed back and forth between the page and the import worker, and the task
//! on one side that waits for the next one to come back.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Values handed over one at a time to the one task that awaits them (a single
/// consumer: a second task waiting at the same time would not be woken).
#[derive(Default)]
pub struct Handoff {
    items: RefCell<VecDeque<JsValue>>,
    wake: RefCell<Option<Function>>,
    closed: Cell<bool>,
}

impl Handoff {
    /// Hands over `item` (waking the task waiting for one); dropped once closed.
    pub fn give(&self, item: JsValue) {
        if self.closed.get() {
            return;
        }
        self.items.borrow_mut().push_back(item);
        self.wake_up();
    }

    /// Ends the handoff: a task waiting now, or later, gets `None`; items not taken are
    /// dropped.
    pub fn close(&self) {
        self.closed.set(true);
        self.items.borrow_mut().clear();
        self.wake_up();
    }

    /// Whether [`Handoff::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    fn wake_up(&self) {
        let wake = self.wake.borrow_mut().take();
        if let Some(wake) = wake {
            let _ = wake.call0(&JsValue::NULL);
        }
    }

    /// The next item, in the order given; waits for one. `None` once closed.
    pub async fn take(&self) -> Option<JsValue> {
        loop {
            if self.closed.get() {
                return None;
            }
            if let Some(item) = self.items.borrow_mut().pop_front() {
                return Some(item);
            }
            let given = Promise::new(&mut |resolve, _| *self.wake.borrow_mut() = Some(resolve));
            let _ = JsFuture::from(given).await;
        }
    }
}
