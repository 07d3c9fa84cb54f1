//! Checking a large sheet for review in the import worker (see [`crate::worker`]), so an
//! edit to a million-row file never stops the page: the sheet goes over in pieces (two
//! carrier buffers going back and forth, each piece its own short task), the worker checks
//! every row for the target and sends back the findings (issues and counts, small).
//! Where no worker can start, the check runs on the page instead.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_core::vendors::{find, Findings, Target};
use ferry_core::{Mapping, Sheet};
use js_sys::{ArrayBuffer, Function, Promise};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Worker;

use crate::inbox::{Arrival, Inbox};
use crate::spare_worker;
use crate::worker_messages::{open, post, Attached, FromWorker, ToWorker};
use crate::worker_protocol::{fill_carrier, CHUNK};

/// What to check.
#[derive(Clone)]
pub struct CheckRequest {
    /// The target.
    pub target: Target,
    /// The mapping.
    pub mapping: Mapping,
    /// The target's settings, as JSON.
    pub settings: String,
}

#[derive(Default)]
struct Progress {
    /// Bytes of text, then elements of bounds and numbers, already sent.
    sent: [usize; 3],
    finished_sending: bool,
    result: Option<Result<Findings, String>>,
    settle: Option<Function>,
    /// The issues, as they arrive (before `findings`).
    issues: Vec<ferry_core::issue::Issue>,
}

/// One check under way; [`CheckJob::cancel`] stops it.
pub struct CheckJob {
    worker: Option<Worker>,
    state: Rc<RefCell<Progress>>,
    done: Promise,
}

impl CheckJob {
    /// Starts checking the sheet held in `sheet` (it must not change while this runs: a
    /// change cancels this job and starts another).
    pub fn start(sheet: RwSignal<Option<Sheet>>, request: CheckRequest) -> CheckJob {
        let state = Rc::new(RefCell::new(Progress::default()));
        let settle_into = state.clone();
        let done = Promise::new(&mut |resolve, _| settle_into.borrow_mut().settle = Some(resolve));
        let started_worker = spare_worker::take();
        let job = CheckJob { worker: started_worker.as_ref().map(|s| s.worker.clone()), state: state.clone(), done };
        let Some(spare_worker::Started { worker, ready }) = started_worker else {
            check_here(&state, sheet, &request);
            return job;
        };
        let started = Rc::new(RefCell::new(ready));
        let request_now = ready.then(|| request.clone());
        let (this_worker, started_here, request_here) = (worker.clone(), started.clone(), request.clone());
        let handle = move |data: JsValue| {
            let Some((message, attached)) = open::<FromWorker>(&data) else { return };
            match message {
                FromWorker::Ready => {
                    *started_here.borrow_mut() = true;
                    begin(&this_worker, &state, sheet, &request_here);
                }
                FromWorker::Next => send_next(&this_worker, &state, sheet, attached.unchecked_into()),
                FromWorker::Issues { issues } => state.borrow_mut().issues.extend(issues),
                FromWorker::Findings { mut findings } => {
                    this_worker.terminate();
                    spare_worker::warm();
                    findings.issues = std::mem::take(&mut state.borrow_mut().issues);
                    settle(&state, Ok(findings));
                }
                FromWorker::Error { message, .. } => {
                    this_worker.terminate();
                    spare_worker::warm();
                    settle(&state, Err(message));
                }
                _ => {}
            }
        };
        let fallback = job.state.clone();
        let on_error = move || {
            if *started.borrow() {
                settle(&fallback, Err("Ferry's checker stopped unexpectedly (the file may be too large for this browser's memory).".into()));
            } else {
                check_here(&fallback, sheet, &request);
            }
        };
        // Handled in the page's own turns, in the order they came (see `inbox`).
        Inbox::for_worker(&worker, move |arrival| match arrival {
            Arrival::Message { data, .. } => handle(data),
            Arrival::Failed => on_error(),
        });
        if let Some(request) = request_now {
            // A spare worker that is ready already.
            begin(&worker, &job.state, sheet, &request);
        }
        job
    }

    /// Waits for the findings (or why there are none).
    pub async fn finish(&self) -> Result<Findings, String> {
        let _ = JsFuture::from(self.done.clone()).await;
        self.state.borrow_mut().result.take().unwrap_or_else(|| Err("The check was cancelled.".into()))
    }

    /// Stops the check at once.
    pub fn cancel(&self) {
        if let Some(worker) = &self.worker {
            worker.terminate();
            spare_worker::warm();
        }
        settle(&self.state, Err("The check was cancelled.".into()));
    }
}

/// Sends the worker what to check and the sheet's first two pieces.
fn begin(worker: &Worker, state: &Rc<RefCell<Progress>>, sheet: RwSignal<Option<Sheet>>, request: &CheckRequest) {
    // Untracked: writing the sheet's edits into its buffers changes no cell.
    let begin = sheet
        .try_update_untracked(|s| {
            let s = s.as_mut()?;
            let headers = s.headers.clone();
            let (text, bounds, numbers) = s.parts_ref();
            Some(ToWorker::Check {
                target: request.target,
                mapping: request.mapping.clone(),
                settings: request.settings.clone(),
                headers,
                text: text.len(),
                bounds: bounds.len(),
                numbers: numbers.len(),
            })
        })
        .flatten();
    match begin {
        Some(begin) => {
            let _ = post(worker, &begin, Attached::None);
            send_next(worker, state, sheet, ArrayBuffer::new(CHUNK));
            send_next(worker, state, sheet, ArrayBuffer::new(CHUNK));
        }
        None => settle(state, Err("There is no sheet to check.".into())),
    }
}

/// Fills `carrier` with the next piece of the sheet and sends it; once everything is sent,
/// says so (once).
fn send_next(worker: &Worker, state: &Rc<RefCell<Progress>>, sheet: RwSignal<Option<Sheet>>, carrier: ArrayBuffer) {
    let mut p = state.borrow_mut();
    let sent = &mut p.sent;
    let piece = sheet.try_update_untracked(|s| fill_carrier(&carrier, sent, s.as_mut()?.parts_ref())).flatten();
    match piece {
        Some((part, len)) => {
            let carrier: JsValue = carrier.into();
            let _ = post(worker, &ToWorker::Piece { part, len }, Attached::Transfer(&carrier));
        }
        None if !p.finished_sending => {
            p.finished_sending = true;
            let _ = post(worker, &ToWorker::PiecesDone, Attached::None);
        }
        None => {}
    }
}

fn settle(state: &Rc<RefCell<Progress>>, result: Result<Findings, String>) {
    let mut p = state.borrow_mut();
    if let Some(resolve) = p.settle.take() {
        p.result = Some(result);
        drop(p);
        let _ = resolve.call0(&JsValue::NULL);
    }
}

/// Checks on the page itself (no worker available).
fn check_here(state: &Rc<RefCell<Progress>>, sheet: RwSignal<Option<Sheet>>, request: &CheckRequest) {
    let result = sheet.with_untracked(|s| match s {
        Some(s) => find(request.target, s, &request.mapping, &request.settings),
        None => Err("There is no sheet to check.".into()),
    });
    settle(state, result);
}
