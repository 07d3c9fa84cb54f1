//! The import worker (a Web Worker running `ferry-worker`): reads a file off the page's
//! thread, with progress, and hands the sheet back as plain buffers.
//!
//! Messages in: `{kind: "read", name, buffer: ArrayBuffer, encoding?, sheet?, header_row?,
//! bench?}`. Messages out: `ready`; `progress {done, total}`; `sizes {text, bounds, numbers}`;
//! `text|bounds|numbers {chunk}` (transferred, so nothing is held twice for long);
//! `done {headers, file_kind, fingerprint, read_ms, bench?, buffer}`; `error {message,
//! buffer}` (the file's bytes go back to the page either way).
//! Cancelling is the page terminating the worker.

use ferry_core::sheet::{read_in_pieces, ReadOptions, TextEncoding};
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Bytes per message when the sheet goes back to the page.
const CHUNK: usize = 8 << 20;

/// Starts listening for work (the worker binary's `main`).
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        if let Err(message) = handle(&replies, &data) {
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

fn field(message: &JsValue, name: &str) -> JsValue {
    Reflect::get(message, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn post(scope: &DedicatedWorkerGlobalScope, kind: &str, fields: &[(&str, JsValue)], transfer: Option<&JsValue>) {
    let message = Object::new();
    let _ = Reflect::set(&message, &"kind".into(), &kind.into());
    for (name, value) in fields {
        let _ = Reflect::set(&message, &JsValue::from_str(name), value);
    }
    let _ = match transfer {
        Some(buffer) => scope.post_message_with_transfer(&message, &Array::of1(buffer)),
        None => scope.post_message(&message),
    };
}

fn handle(scope: &DedicatedWorkerGlobalScope, message: &JsValue) -> Result<(), String> {
    if field(message, "kind").as_string().as_deref() != Some("read") {
        return Err("Ferry's reader got a message it does not know.".into());
    }
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
    let (sheet, kind, fingerprint) = read_in_pieces(&name, total, &options, fill, progress).map_err(|e| e.to_string())?;
    let read_ms = js_sys::Date::now() - started;
    // The benchmark's pipeline: check for Engage and write every batch body, here.
    let bench = field(message, "bench").is_truthy().then(|| {
        let started = js_sys::Date::now();
        let totals = ferry_core::bench_fixture::run(&sheet);
        (serde_json::to_string(&totals).unwrap_or_default(), js_sys::Date::now() - started)
    });
    let headers = serde_json::to_string(&sheet.headers).unwrap_or_default();
    let parts = sheet.into_parts();
    let sizes = [("text", parts.text.len()), ("bounds", parts.bounds.len()), ("numbers", parts.numbers.len())];
    post(scope, "sizes", &sizes.map(|(n, len)| (n, JsValue::from_f64(len as f64))), None);
    for piece in parts.text.chunks(CHUNK) {
        let chunk = Uint8Array::from(piece);
        post(scope, "text", &[("chunk", chunk.clone().into())], Some(&chunk.buffer()));
    }
    drop(parts.text);
    for (kind, values) in [("bounds", &parts.bounds), ("numbers", &parts.numbers)] {
        for piece in values.chunks(CHUNK / 4) {
            let chunk = Uint32Array::from(piece);
            post(scope, kind, &[("chunk", chunk.clone().into())], Some(&chunk.buffer()));
        }
    }
    let mut done = vec![
        ("headers", JsValue::from_str(&headers)),
        ("file_kind", JsValue::from_str(&serde_json::to_string(&kind).unwrap_or_default())),
        ("fingerprint", JsValue::from_str(&fingerprint)),
        ("read_ms", JsValue::from_f64(read_ms)),
    ];
    if let Some((totals, ms)) = bench {
        done.push(("bench", JsValue::from_str(&totals)));
        done.push(("bench_ms", JsValue::from_f64(ms)));
    }
    done.push(("buffer", buffer.clone().into()));
    post(scope, "done", &done, Some(&buffer));
    Ok(())
}
