//! Runs a core send [`Engine`] in the browser: performs its requests (several at once),
//! feeds the answers back with the time, keeps the resume journal, and obeys the page's
//! pause and cancel. Vendor-agnostic: every rule is in the engine and the protocol.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_core::http::{HttpResponse, TransportError};
use ferry_core::journal::Journal;
use ferry_core::send::{Engine, Protocol, State, Ticket};
use leptos::prelude::*;

use crate::journal_store;
use crate::transport::{self, Route};

/// How often the driver looks at the controls and the engine's timers, in milliseconds,
/// when no answer wakes it sooner.
const TICK_MS: i32 = 50;

/// What the page can do to a running send.
#[derive(Clone, Copy)]
pub struct Controls {
    /// Set to stop; queued rows are reported as not sent.
    pub cancel: RwSignal<bool>,
    /// While set, no new request starts.
    pub pause: RwSignal<bool>,
}

/// The journal a send keeps, and where.
pub struct JournalSink {
    /// The hashed key (see `engage::journal_key`).
    pub key: String,
    /// The journal so far (resumed or empty).
    pub journal: Journal,
    /// Set when storing failed (resume after reload will not be possible).
    pub warning: RwSignal<Option<String>>,
}

/// A request's answer (or why none came), by the ticket the engine gave it.
type Answer = (Ticket, Result<HttpResponse, TransportError>);

/// Wakes the driver's loop when an answer arrives (so the next request leaves at once,
/// not at the next tick).
#[derive(Clone, Default)]
struct Waker(Rc<RefCell<Option<js_sys::Function>>>);

impl Waker {
    fn wake(&self) {
        if let Some(resolve) = self.0.borrow_mut().take() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    }

    /// Waits `ms` milliseconds, or until [`Waker::wake`], whichever comes first.
    async fn sleep_or_wake(&self, ms: i32) {
        let slot = self.0.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
            *slot.borrow_mut() = Some(resolve);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        self.0.borrow_mut().take();
    }
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Drives `engine` to the end; calls `on_tick` after every step so the page can show
/// progress. Returns the finished engine (its report, its failure if any).
pub async fn drive<P: Protocol + 'static>(
    engine: Engine<P>,
    route: Route,
    controls: Controls,
    mut sink: JournalSink,
    on_tick: impl Fn(&Engine<P>),
) -> Engine<P> {
    let mut engine = engine;
    let inbox: Rc<RefCell<Vec<Answer>>> = Rc::default();
    let waker = Waker::default();
    let mut cancelled = false;
    // The first save stores every id anew (dropping the parts an earlier send left);
    // each later one only the ids its step added.
    sink.journal.mark_all_ids_changed();
    let mut first_save = true;
    loop {
        let now = js_sys::Date::now();
        let answers: Vec<_> = inbox.borrow_mut().drain(..).collect();
        let mut dirty = false;
        {
            let e = &mut engine;
            for (ticket, answer) in answers {
                e.handle(ticket, answer, now);
            }
            for (record, outcome) in e.take_fresh_outcomes() {
                let (row, identifier) = e.protocol().row_of(record);
                sink.journal.note_outcome(row, &outcome, &[identifier.as_str()]);
                dirty = true;
            }
            if controls.cancel.get_untracked() && !cancelled {
                e.cancel();
                cancelled = true;
            }
            if controls.pause.get_untracked() {
                e.pause();
            } else {
                e.resume();
            }
        }
        let started = engine.poll(now);
        if !started.is_empty() {
            let e = &engine;
            let rows = e.in_flight_records().into_iter().map(|r| e.protocol().row_of(r).0);
            sink.journal.note_pending(rows);
            dirty = true;
        }
        if dirty || first_save {
            // Durable before the requests leave: a reload then knows they may have arrived.
            let ids = sink.journal.take_id_changes();
            let saved = journal_store::save(&sink.key, &sink.journal.state_json(), ids.as_deref(), first_save).await;
            first_save = false;
            if let Err(e) = saved {
                sink.warning.set(Some(format!("Progress cannot be kept in this browser ({e}): if the page closes, this send cannot be resumed.")));
                // The ids taken for this save are stored whole at the next one.
                sink.journal.mark_all_ids_changed();
                first_save = true;
            }
        }
        for (ticket, request) in started {
            let (inbox, route, waker) = (inbox.clone(), route.clone(), waker.clone());
            leptos::task::spawn_local(async move {
                let answer = transport::perform(&request, &route).await;
                inbox.borrow_mut().push((ticket, answer));
                waker.wake();
            });
        }
        on_tick(&engine);
        if engine.state() == State::Finished && inbox.borrow().is_empty() {
            break;
        }
        if inbox.borrow().is_empty() {
            waker.sleep_or_wake(TICK_MS).await;
        }
    }
    engine
}
