//! The import worker (a Web Worker running `ferry-worker`): reads a file off the page's
//! thread, with progress, and hands the sheet back as plain buffers.
//!
//! Messages in: `{kind: "read", name, buffer: ArrayBuffer, encoding?, sheet?, header_row?,
//! bench?}`, then `{kind: "next", carrier}` for each piece the page has taken.
//! Messages out: `ready`; `progress {done, total}`; `sizes {text, bounds, numbers}`;
//! `piece {part: "text"|"bounds"|"numbers", carrier, len}` (two carrier buffers go back and
//! forth, so the sheet is never held a third time and the page piles up no garbage);
//! `done {headers, file_kind, read_ms, bench?, bench_ms?}`; then `fingerprint {fingerprint,
//! buffer}` (SHA-256 for the resume journal, after the sheet so it never delays it);
//! `error {message, buffer}` (the file's bytes go back to the page either way).
//!
//! Checking a sheet for review (the page sends it back the same way): `{kind: "check",
//! target, mapping, settings, headers, text, bounds, numbers}` (sizes), then `piece {part,
//! carrier, len}` messages answered `next {carrier}`, then `pieces-done`; the answer is
//! `findings {findings}` (JSON: issues and counts) or `error {message}`.
//! Cancelling is the page terminating the worker.

use std::cell::RefCell;

use ferry_core::sheet::{fingerprint_in_pieces, read_in_pieces, ReadOptions, SheetAssembler, TextEncoding};
use ferry_core::vendors::{find, Target};
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::worker_protocol::{field, fill_carrier, message, piece_message, take_piece, CHUNK};


/// A sheet on its way to the page.
struct Outgoing {
    text: Vec<u8>,
    bounds: Vec<u32>,
    numbers: Vec<u32>,
    /// Bytes of text, then elements of bounds, then of numbers, already sent.
    sent: [usize; 3],
    /// The fields of the `done` message.
    done: Vec<(&'static str, JsValue)>,
    /// The file, for its fingerprint, then back to the page.
    file: ArrayBuffer,
}

/// A sheet arriving from the page, to be checked.
struct Incoming {
    sheet: SheetAssembler,
    headers: Vec<String>,
    target: Target,
    mapping: ferry_core::Mapping,
    settings: String,
}

thread_local! {
    static OUTGOING: RefCell<Option<Outgoing>> = const { RefCell::new(None) };
    static INCOMING: RefCell<Option<Incoming>> = const { RefCell::new(None) };
}

/// Starts listening for work (the worker binary's `main`).
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let outcome = match field(&data, "kind").as_string().as_deref() {
            Some("read") => read(&replies, &data),
            Some("next") => {
                send_next(&replies, field(&data, "carrier").unchecked_into());
                Ok(())
            }
            Some("check") => begin_check(&data),
            Some("piece") => {
                take_incoming_piece(&data);
                let carrier = field(&data, "carrier");
                post(&replies, "next", &[("carrier", carrier.clone())], Some(&carrier));
                Ok(())
            }
            Some("pieces-done") => finish_check(&replies),
            _ => Err("Ferry's reader got a message it does not know.".into()),
        };
        if let Err(message) = outcome {
            // The file goes back with the message, so the page still has it.
            let buffer = field(&data, "buffer");
            let transfer = buffer.is_instance_of::<ArrayBuffer>().then_some(&buffer);
            post(&replies, "error", &[("message", JsValue::from_str(&message)), ("buffer", buffer.clone())], transfer);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, "ready", &[], None);
}

/// The size of this worker's wasm memory (it only grows): for the benchmark's memory figures.
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<ArrayBuffer>().byte_length() as f64
}

fn post(scope: &DedicatedWorkerGlobalScope, kind: &str, fields: &[(&str, JsValue)], transfer: Option<&JsValue>) {
    let message = message(kind, fields);
    let _ = match transfer {
        Some(buffer) => scope.post_message_with_transfer(&message, &Array::of1(buffer)),
        None => scope.post_message(&message),
    };
}

fn begin_check(message: &JsValue) -> Result<(), String> {
    let json = |name: &str| field(message, name).as_string().unwrap_or_default();
    let target = serde_json::from_str(&json("target")).map_err(|e| format!("target: {e}"))?;
    let mapping = serde_json::from_str(&json("mapping")).map_err(|e| format!("mapping: {e}"))?;
    let headers = serde_json::from_str(&json("headers")).map_err(|e| format!("headers: {e}"))?;
    let size = |name: &str| field(message, name).as_f64().unwrap_or(0.0) as usize;
    let mut sheet = SheetAssembler::default();
    sheet.reserve(size("text"), size("bounds"), size("numbers"));
    INCOMING.with(|i| *i.borrow_mut() = Some(Incoming { sheet, headers, target, mapping, settings: json("settings") }));
    Ok(())
}

fn take_incoming_piece(message: &JsValue) {
    INCOMING.with(|i| {
        if let Some(incoming) = i.borrow_mut().as_mut() {
            take_piece(&mut incoming.sheet, message);
        }
    });
}

fn finish_check(scope: &DedicatedWorkerGlobalScope) -> Result<(), String> {
    let incoming = INCOMING.with(|i| i.borrow_mut().take()).ok_or("Ferry's checker got no sheet.")?;
    let sheet = incoming.sheet.finish(incoming.headers).map_err(|_| "The sheet did not arrive whole. Ferry checks it again on the next change.".to_string())?;
    let findings = find(incoming.target, &sheet, &incoming.mapping, &incoming.settings)?;
    post(scope, "findings", &[("findings", JsValue::from_str(&serde_json::to_string(&findings).unwrap_or_default()))], None);
    Ok(())
}

fn read(scope: &DedicatedWorkerGlobalScope, message: &JsValue) -> Result<(), String> {
    let name = field(message, "name").as_string().unwrap_or_default();
    let buffer: ArrayBuffer = field(message, "buffer").dyn_into().map_err(|_| "Ferry's reader got no file.".to_string())?;
    let options = ReadOptions {
        encoding: field(message, "encoding").as_string().and_then(|label| TextEncoding::ALL.into_iter().find(|e| e.label() == label)),
        sheet: field(message, "sheet").as_string(),
        header_row: field(message, "header_row").as_f64().map(|n| n as usize),
    };
    let bytes = Uint8Array::new(&buffer);
    let total = bytes.length() as usize;
    let started = js_sys::Date::now();
    let fill = |at: usize, out: &mut [u8]| bytes.subarray(at as u32, (at + out.len()) as u32).copy_to(out);
    let progress = |done: usize| post(scope, "progress", &[("done", (done as f64).into()), ("total", (total as f64).into())], None);
    let (sheet, kind) = read_in_pieces(&name, total, &options, fill, progress).map_err(|e| e.to_string())?;
    let read_ms = js_sys::Date::now() - started;
    let mut done = vec![("read_ms", JsValue::from_f64(read_ms))];
    // The benchmark's pipeline: check for Engage and write every batch body, here.
    if field(message, "bench").is_truthy() {
        let started = js_sys::Date::now();
        let totals = ferry_core::bench_fixture::run(&sheet);
        done.push(("bench", JsValue::from_str(&serde_json::to_string(&totals).unwrap_or_default())));
        done.push(("bench_ms", JsValue::from_f64(js_sys::Date::now() - started)));
    }
    done.push(("headers", JsValue::from_str(&serde_json::to_string(&sheet.headers).unwrap_or_default())));
    done.push(("wasm_bytes", JsValue::from_f64(wasm_memory_bytes())));
    done.push(("file_kind", JsValue::from_str(&serde_json::to_string(&kind).unwrap_or_default())));
    let parts = sheet.into_parts();
    let sizes = [("text", parts.text.len()), ("bounds", parts.bounds.len()), ("numbers", parts.numbers.len())];
    post(scope, "sizes", &sizes.map(|(n, len)| (n, JsValue::from_f64(len as f64))), None);
    OUTGOING.with(|o| *o.borrow_mut() = Some(Outgoing { text: parts.text, bounds: parts.bounds, numbers: parts.numbers, sent: [0; 3], done, file: buffer }));
    send_next(scope, ArrayBuffer::new(CHUNK));
    send_next(scope, ArrayBuffer::new(CHUNK));
    Ok(())
}

/// Fills `carrier` with the next piece of the sheet and sends it; after the last piece,
/// says `done`, then works out the file's fingerprint.
fn send_next(scope: &DedicatedWorkerGlobalScope, carrier: ArrayBuffer) {
    let Some(mut out) = OUTGOING.with(|o| o.borrow_mut().take()) else { return };
    let piece = fill_carrier(&carrier, &mut out.sent, (&out.text, &out.bounds, &out.numbers));
    match piece {
        Some((part, len)) => {
            let carrier: JsValue = carrier.into();
            let _ = scope.post_message_with_transfer(&piece_message(part, len, &carrier), &Array::of1(&carrier));
            OUTGOING.with(|o| *o.borrow_mut() = Some(out));
        }
        None => {
            let Outgoing { text, bounds, numbers, done, file, .. } = out;
            drop((text, bounds, numbers));
            post(scope, "done", &done, None);
            let bytes = Uint8Array::new(&file);
            let fingerprint = fingerprint_in_pieces(bytes.length() as usize, |at, buf| bytes.subarray(at as u32, (at + buf.len()) as u32).copy_to(buf));
            let file: JsValue = file.into();
            post(scope, "fingerprint", &[("fingerprint", JsValue::from_str(&fingerprint)), ("buffer", file.clone())], Some(&file));
            // The other carrier, when it comes back, finds nothing left to send.
        }
    }
}
