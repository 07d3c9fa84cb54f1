//! A worker's messages, handled in the page's own short turns instead of as they arrive.
//!
//! Near the end of a read the import worker sends dozens of messages at once (the last
//! pieces of rows, the review's issues in messages of 1,000, the end). The browser runs
//! each message as its own task, back to back, ahead of the page's timers: traced on a
//! million-row file, the page's timers waited 89 ms behind such a run of tasks of 2–17 ms
//! each. Here a message only joins a queue when it arrives (a few microseconds), and the
//! queue is worked through in turns of about [`TURN_MS`] ms, each a timer task of its own,
//! so whatever else the page has to do (its timers, a frame) comes between them. The order
//! of the messages, and of a worker's failure after them, is kept. While the page is
//! hidden, its timers are held back by the browser, so the queue is worked through at once.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Worker;

/// How long one turn of the queue runs, in milliseconds, before it gives the page a turn.
/// A turn always handles at least one message.
pub const TURN_MS: f64 = 8.0;

/// The timer the page's own turns wait for, in milliseconds. Not 0: Chromium queues a
/// 0 ms timer at once, ahead of the page's other timers that come due while the current
/// task runs (those are queued only when it ends), so a run of 0 ms turns keeps them
/// waiting. A timer of 1 ms is queued as they are, in the order they came due.
pub const YIELD_MS: i32 = 1;

/// What came from the worker.
pub enum Arrival {
    /// A message: its data, and when it arrived (`Date.now()`).
    Message {
        /// The message's data.
        data: JsValue,
        /// When it arrived, in milliseconds since the epoch.
        at: f64,
    },
    /// The worker failed (its `error` event), after the messages before it.
    Failed,
}

/// The queue of one worker's arrivals and what handles them, in order.
pub struct Inbox {
    queue: RefCell<VecDeque<Arrival>>,
    /// A turn is due (a timer is set).
    due: Cell<bool>,
    handle: RefCell<Box<dyn FnMut(Arrival)>>,
}

impl Inbox {
    /// An inbox whose arrivals go to `handle`, one at a time, in the order they came.
    pub fn new(handle: impl FnMut(Arrival) + 'static) -> Rc<Inbox> {
        Rc::new(Inbox { queue: RefCell::new(VecDeque::new()), due: Cell::new(false), handle: RefCell::new(Box::new(handle)) })
    }

    /// An inbox for `worker`'s messages and failure, handled by `handle`.
    pub fn for_worker(worker: &Worker, handle: impl FnMut(Arrival) + 'static) -> Rc<Inbox> {
        let inbox = Inbox::new(handle);
        let (arrived, failed) = (inbox.clone(), inbox.clone());
        crate::worker_messages::listen(
            worker,
            move |data| arrived.push(Arrival::Message { data, at: js_sys::Date::now() }),
            move || failed.push(Arrival::Failed),
        );
        inbox
    }

    /// Queues `arrival`; its turn comes after the page's tasks already due. While the
    /// page is hidden nobody is looking, and its timers are held back (to one a second, or
    /// a minute): the queue is worked through at once, so a read never waits on them.
    pub fn push(self: &Rc<Self>, arrival: Arrival) {
        self.queue.borrow_mut().push_back(arrival);
        if crate::focus::page_hidden() && !self.due.get() {
            self.turn();
        } else {
            self.set_turn();
        }
    }

    /// The number of arrivals waiting.
    pub fn waiting(&self) -> usize {
        self.queue.borrow().len()
    }

    fn set_turn(self: &Rc<Self>) {
        if self.due.replace(true) {
            return;
        }
        let this = self.clone();
        let turn = Closure::once_into_js(move || this.turn());
        let scheduled = web_sys::window().and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(turn.unchecked_ref(), YIELD_MS).ok());
        if scheduled.is_none() {
            // No window (never the case on the page): handle at once.
            self.turn();
        }
    }

    /// Handles arrivals for about [`TURN_MS`] (all of them while the page is hidden),
    /// then sets the next turn if any wait.
    fn turn(self: &Rc<Self>) {
        self.due.set(false);
        let ends = (!crate::focus::page_hidden()).then(|| js_sys::Date::now() + TURN_MS);
        // A handler already running (never, as turns are tasks of their own) is not
        // entered again: what waits, waits for the next turn.
        while let Ok(mut handle) = self.handle.try_borrow_mut() {
            let Some(arrival) = self.queue.borrow_mut().pop_front() else { return };
            handle(arrival);
            if ends.is_some_and(|ends| js_sys::Date::now() >= ends) {
                break;
            }
        }
        if self.waiting() > 0 {
            self.set_turn();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    // The page's own tests run where it runs (the inbox's turns are the window's timers).
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    async fn sleep(ms: i32) {
        crate::send_driver::sleep_ms(ms).await;
    }

    /// A run of messages that take 3 ms each is handled in order, the failure after them,
    /// and a timer set after they arrived runs before the run is through.
    #[wasm_bindgen_test]
    async fn messages_keep_their_order_and_timers_come_between() {
        let seen = Rc::new(RefCell::new(Vec::<String>::new()));
        let into = seen.clone();
        let inbox = Inbox::new(move |arrival| {
            let began = js_sys::Date::now();
            while js_sys::Date::now() - began < 3.0 {}
            into.borrow_mut().push(match arrival {
                Arrival::Message { data, .. } => data.as_string().unwrap_or_default(),
                Arrival::Failed => "failed".into(),
            });
        });
        for i in 0..20 {
            inbox.push(Arrival::Message { data: JsValue::from_str(&i.to_string()), at: 0.0 });
        }
        inbox.push(Arrival::Failed);
        assert!(seen.borrow().is_empty(), "nothing is handled as it arrives");
        let timer = seen.clone();
        let mark = Closure::once_into_js(move || timer.borrow_mut().push("timer".into()));
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(mark.unchecked_ref(), YIELD_MS).unwrap();
        for _ in 0..200 {
            if seen.borrow().len() == 22 {
                break;
            }
            sleep(10).await;
        }
        let seen = seen.borrow().clone();
        assert_eq!(seen.len(), 22, "{seen:?}");
        let timer_at = seen.iter().position(|s| s == "timer").unwrap();
        assert!(timer_at > 0 && timer_at < 21, "the timer came between the turns: {seen:?}");
        let handled: Vec<String> = seen.into_iter().filter(|s| s != "timer").collect();
        let expected: Vec<String> = (0..20).map(|i| i.to_string()).chain(["failed".to_string()]).collect();
        assert_eq!(handled, expected);
        assert_eq!(inbox.waiting(), 0);
    }
}
