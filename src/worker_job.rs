//! One question put to a worker of its own (the spare one when it is there, see
//! [`crate::spare_worker`]), and its answer; the worker ends with the answer, so what it
//! took in memory goes with it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use crate::spare_worker::{self, Started};
use crate::worker_messages::{open, post, Attached, FromWorker, ToWorker};

/// How a job names itself in what it says when it goes wrong.
pub struct JobWords {
    /// Said when the worker stops before it answers (it died).
    pub stopped: &'static str,
    /// Said when no answer came (the page let the job go).
    pub cancelled: &'static str,
    /// Said, with the browser's reason, when the question could not be handed over.
    pub not_handed: &'static str,
}

struct Answer<T> {
    result: Option<Result<T, String>>,
    settle: Option<Function>,
}

/// Puts `request` (with `attached`, copied) to a worker and waits for the message `answer`
/// picks out (`Some`); a worker's error is the job's error. `Err` with `words` when no
/// worker starts, it stops, or the request cannot be handed over.
pub async fn ask<T: 'static>(request: ToWorker, attached: Option<JsValue>, answer: fn(FromWorker) -> Option<T>, words: JobWords) -> Result<T, String> {
    let Some(Started { worker, ready }) = spare_worker::take() else { return Err(crate::import::NO_WORKER.to_string()) };
    let state = Rc::new(RefCell::new(Answer { result: None, settle: None }));
    let settle_into = state.clone();
    let done = Promise::new(&mut |resolve, _| settle_into.borrow_mut().settle = Some(resolve));
    let question = Rc::new((request, attached, words.not_handed));
    let (on_ready, into) = ((worker.clone(), question.clone()), state.clone());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some((message, _)) = open::<FromWorker>(&event.data()) else { return };
        let result = match message {
            FromWorker::Ready => {
                put(&on_ready.0, &on_ready.1, &into);
                return;
            }
            FromWorker::Error { message, .. } => Err(message),
            other => match answer(other) {
                Some(value) => Ok(value),
                None => return,
            },
        };
        finish(&into, result);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let failed = state.clone();
    let stopped = words.stopped;
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| finish(&failed, Err(stopped.to_string())));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if ready {
        put(&worker, &question, &state);
    }
    let _ = JsFuture::from(done).await;
    worker.terminate();
    spare_worker::warm();
    drop((on_message, on_error));
    let result = state.borrow_mut().result.take();
    result.unwrap_or_else(|| Err(words.cancelled.to_string()))
}

fn put<T>(worker: &Worker, question: &(ToWorker, Option<JsValue>, &'static str), state: &Rc<RefCell<Answer<T>>>) {
    let (request, attached, not_handed) = question;
    let attached = attached.as_ref().map_or(Attached::None, Attached::Copy);
    if let Err(e) = post(worker, request, attached) {
        finish(state, Err(format!("{not_handed} ({e:?}).")));
    }
}

fn finish<T>(state: &Rc<RefCell<Answer<T>>>, result: Result<T, String>) {
    let settle = {
        let mut a = state.borrow_mut();
        if a.result.is_some() {
            return;
        }
        a.result = Some(result);
        a.settle.take()
    };
    if let Some(settle) = settle {
        let _ = settle.call0(&JsValue::NULL);
    }
}
