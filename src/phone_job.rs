//! Phone numbers written as E.164 by the numbering plans, in a worker: the plans are
//! large, so only the worker carries them (see [`ferry_core::phone`]).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use crate::spare_worker::{self, Started};
use crate::worker_messages::{open, post, Attached, FromWorker, ToWorker};

#[derive(Default)]
struct Answer {
    result: Option<Result<Vec<Option<String>>, String>>,
    settle: Option<Function>,
}

/// Each of `cells` as E.164 (`None` where the plans find no valid number), numbers without
/// a country code read as numbers of `region`.
pub async fn format_phones(cells: Vec<String>, region: String) -> Result<Vec<Option<String>>, String> {
    let Some(Started { worker, ready }) = spare_worker::take() else { return Err(crate::import::NO_WORKER.to_string()) };
    let answer = Rc::new(RefCell::new(Answer::default()));
    let settle_into = answer.clone();
    let done = Promise::new(&mut |resolve, _| settle_into.borrow_mut().settle = Some(resolve));
    let request = ToWorker::FormatPhones { cells, region };
    let (on_ready, into) = ((worker.clone(), request.clone()), answer.clone());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some((message, _)) = open::<FromWorker>(&event.data()) else { return };
        let result = match message {
            FromWorker::Ready => {
                ask(&on_ready.0, &on_ready.1, &into);
                return;
            }
            FromWorker::PhonesFormatted { cells } => Ok(cells),
            FromWorker::Error { message, .. } => Err(message),
            _ => return,
        };
        finish(&into, result);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let failed = answer.clone();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| finish(&failed, Err("Ferry's phone check stopped unexpectedly.".into())));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if ready {
        ask(&worker, &request, &answer);
    }
    let _ = JsFuture::from(done).await;
    worker.terminate();
    spare_worker::warm();
    drop((on_message, on_error));
    let result = answer.borrow_mut().result.take();
    result.unwrap_or_else(|| Err("The phone check was cancelled.".into()))
}

fn ask(worker: &Worker, request: &ToWorker, answer: &Rc<RefCell<Answer>>) {
    if let Err(e) = post(worker, request, Attached::None) {
        finish(answer, Err(format!("Ferry could not hand the phones to its worker ({e:?}).")));
    }
}

fn finish(answer: &Rc<RefCell<Answer>>, result: Result<Vec<Option<String>>, String>) {
    let settle = {
        let mut a = answer.borrow_mut();
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
