//! Runs a core send [`Engine`] in the browser: performs its requests (several at once),
//! feeds the answers back with the time, keeps the resume journal, and obeys the page's
//! pause and cancel. Vendor-agnostic: every rule is in the engine and the protocol.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use ferry_core::http::{HttpRequest, HttpResponse, TransportError};
use ferry_core::journal::{Journal, SaveGate};
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
    /// The hashed key (see `ferry_core::journal::journal_key`).
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

/// A journal save running beside the requests, and how it ended.
#[derive(Default)]
struct Saving {
    /// Set by the save's task when it ends.
    ended: Option<Result<(), String>>,
}

/// A request the engine started that waits for the journal naming its rows to be stored.
type Held = (Ticket, HttpRequest, Vec<usize>);

/// Drives `engine` to the end; calls `on_tick` after every step so the page can show
/// progress. Returns the finished engine (its report, its failure if any).
///
/// The journal is stored beside the requests, not before each one: the rows of the
/// batches due next are noted as pending, and their requests made, while the send waits
/// on the vendor ([`Engine::upcoming`], [`Engine::prepare_ahead`]), so when an answer
/// frees a request the next batch is stored already and leaves at once, and the answer's
/// outcomes are stored while it is out. No request leaves before a stored journal names
/// its rows ([`SaveGate`]): a reload always knows what may have arrived.
pub async fn drive<P: Protocol + 'static>(engine: Engine<P>, route: Route, controls: Controls, sink: JournalSink, on_tick: impl Fn(&Engine<P>)) -> Engine<P> {
    let mut driver = Driver::new(engine, route, sink);
    loop {
        let now = js_sys::Date::now();
        driver.take_saved();
        driver.obey(controls);
        driver.take_answers(now);
        driver.start_requests(now);
        if driver.release_held() {
            // Let the requests just started leave before anything else is done.
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL)).await;
        }
        driver.look_ahead(js_sys::Date::now());
        driver.save();
        on_tick(&driver.engine);
        if driver.finished() {
            break;
        }
        if driver.idle() {
            driver.waker.sleep_or_wake(TICK_MS).await;
        }
    }
    driver.engine
}

/// A send under way: the engine, its requests out, its journal and the saves of it.
struct Driver<P: Protocol> {
    engine: Engine<P>,
    route: Route,
    sink: JournalSink,
    inbox: Rc<RefCell<Vec<Answer>>>,
    saving: Rc<RefCell<Saving>>,
    waker: Waker,
    gate: SaveGate,
    /// Requests started by the engine, waiting for their rows to be stored as pending.
    held: Vec<Held>,
    /// Rows of the batches due next, noted as pending before their requests start.
    ahead: Vec<usize>,
    /// The journal changed since the last save began.
    dirty: bool,
    /// The next save drops the parts stored before and writes the whole journal.
    replace: bool,
    paused: bool,
    cancelled: bool,
}

impl<P: Protocol + 'static> Driver<P> {
    fn new(engine: Engine<P>, route: Route, mut sink: JournalSink) -> Driver<P> {
        // The first save stores the whole journal anew in one part (dropping the parts an
        // earlier send left); each later one only what its step changed.
        sink.journal.mark_all_changed();
        Driver {
            engine,
            route,
            sink,
            inbox: Rc::default(),
            saving: Rc::default(),
            waker: Waker::default(),
            gate: SaveGate::default(),
            held: Vec::new(),
            ahead: Vec::new(),
            dirty: true,
            replace: true,
            paused: false,
            cancelled: false,
        }
    }

    /// Takes the end of the save under way, if it ended.
    fn take_saved(&mut self) {
        let Some(ended) = self.saving.borrow_mut().ended.take() else { return };
        match ended {
            Ok(()) => self.gate.stored(),
            Err(e) => {
                self.gate.failed();
                self.sink.warning.set(Some(format!("Progress cannot be kept in this browser ({e}): if the page closes, this send cannot be resumed.")));
                // The changes taken for that save are lost with it: the whole journal is
                // stored at the next one (not at once: storage that keeps failing must
                // not keep the send from ending).
                self.sink.journal.mark_all_changed();
                self.replace = true;
            }
        }
    }

    /// Pause and cancel, before the outcomes are read: a cancel settles the queued rows.
    fn obey(&mut self, controls: Controls) {
        if controls.cancel.get_untracked() && !self.cancelled {
            self.engine.cancel();
            self.cancelled = true;
        }
        self.paused = controls.pause.get_untracked();
        if self.paused {
            self.engine.pause();
        } else {
            self.engine.resume();
        }
    }

    /// Hands the answers in to the engine and notes the outcomes in the journal.
    fn take_answers(&mut self, now: f64) {
        let answers: Vec<_> = self.inbox.borrow_mut().drain(..).collect();
        for (ticket, answer) in answers {
            self.engine.handle(ticket, answer, now);
        }
        for (record, outcome) in self.engine.take_fresh_outcomes() {
            let (row, identifier) = self.engine.protocol().row_of(record);
            self.sink.journal.note_outcome(row, &outcome, &[identifier.as_str()]);
            self.dirty = true;
        }
    }

    /// Takes the requests the engine starts now, their rows noted as pending.
    fn start_requests(&mut self, now: f64) {
        for (ticket, request) in self.engine.poll(now) {
            let rows: Vec<usize> = self.engine.records_of(ticket).iter().map(|&r| self.engine.protocol().row(r)).collect();
            self.dirty |= self.sink.journal.note_pending(rows.iter().copied());
            self.held.push((ticket, request, rows));
        }
    }

    /// Sends the held requests whose rows are stored as pending; whether any left.
    fn release_held(&mut self) -> bool {
        let (go, wait): (Vec<Held>, Vec<Held>) = self.held.drain(..).partition(|(_, _, rows)| self.gate.allows(rows.iter().copied()));
        self.held = wait;
        let any = !go.is_empty();
        for (ticket, request, _) in go {
            let (inbox, route, waker) = (self.inbox.clone(), self.route.clone(), self.waker.clone());
            leptos::task::spawn_local(async move {
                let answer = transport::perform(&request, &route).await;
                inbox.borrow_mut().push((ticket, answer));
                waker.wake();
            });
        }
        any
    }

    /// Notes the batches due next as pending and makes their requests; while paused,
    /// takes the rows noted ahead that have not left out of pending again.
    fn look_ahead(&mut self, now: f64) {
        let (engine, journal) = (&mut self.engine, &mut self.sink.journal);
        if self.paused {
            if self.ahead.is_empty() {
                return;
            }
            let out: HashSet<usize> = engine.in_flight_records().into_iter().map(|r| engine.protocol().row(r)).collect();
            self.dirty |= journal.withdraw(self.ahead.drain(..).filter(|row| !out.contains(row)));
            return;
        }
        let batches = engine.concurrency();
        self.ahead = engine.upcoming(batches, now).into_iter().map(|r| engine.protocol().row(r)).collect();
        self.dirty |= journal.note_pending(self.ahead.iter().copied());
        engine.prepare_ahead(batches, now);
    }

    /// Starts storing the journal when it changed and no save is under way.
    fn save(&mut self) {
        if !self.dirty || self.gate.saving() {
            return;
        }
        self.gate.issued(&self.sink.journal);
        let (key, state, part) = (self.sink.key.clone(), self.sink.journal.state_json(), self.sink.journal.take_changes());
        let (saving, waker, replace) = (self.saving.clone(), self.waker.clone(), self.replace);
        leptos::task::spawn_local(async move {
            let saved = journal_store::save(&key, &state, part.as_deref(), replace).await;
            saving.borrow_mut().ended = Some(saved);
            waker.wake();
        });
        self.replace = false;
        self.dirty = false;
    }

    /// Every record has its outcome, and the journal saying so is stored.
    fn finished(&self) -> bool {
        let stored = !self.dirty && !self.gate.saving() && self.held.is_empty();
        self.engine.state() == State::Finished && self.inbox.borrow().is_empty() && stored
    }

    /// Nothing to do until an answer comes, a save ends, or a tick passes.
    fn idle(&self) -> bool {
        self.inbox.borrow().is_empty() && self.saving.borrow().ended.is_none()
    }
}
