//! The benchmark page's entry point (`cargo xtask bench` builds it from bench/index.html):
//! puts `window.ferryImport(file, name)` on the page (`file` a Blob, as a chosen file is), which reads the file the way the
//! app does (in the import worker, sheet rebuilt on the page) and also runs the
//! benchmark's Engage check and payload in the worker. Resolves to a JSON string.

use ferry::import::ImportJob;
use ferry_core::sheet::ReadOptions;
use wasm_bindgen::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    // As the app does: a worker ready before the file is chosen.
    ferry::spare_worker::warm();
    let import = Closure::<dyn Fn(web_sys::Blob, String) -> js_sys::Promise>::new(|file: web_sys::Blob, name: String| {
        wasm_bindgen_futures::future_to_promise(async move {
            let job = ImportJob::start(file, &name, &ReadOptions::default(), true, None, |_, _| {});
            let imported = job.finish().await.map_err(|e| JsValue::from_str(&e))?;
            let sheet_ready_ms = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
            // The page then gets the fingerprint; wait for it so the next run starts clean.
            let _ = job.fingerprinted().await;
            let figures = imported.bench.unwrap_or_default();
            let answer = serde_json::json!({
                "rows": imported.sheet.len(),
                "sheet_ready_at": sheet_ready_ms,
                "sheet_bytes": imported.sheet.heap_bytes(),
                "worker_wasm_bytes": figures.worker_wasm_bytes,
                "page_wasm_bytes": wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length(),
                "read_ms": imported.read_ms,
                "longest_message_ms": figures.longest_message.0,
                "longest_message": figures.longest_message.1,
                "check_ms": figures.check_ms,
                "totals": serde_json::from_str::<serde_json::Value>(&figures.totals).unwrap_or_default(),
            });
            Ok(JsValue::from_str(&answer.to_string()))
        })
    });
    let window = web_sys::window().expect("a page");
    let _ = js_sys::Reflect::set(&window, &"ferryImport".into(), import.as_ref());
    import.forget();
    let _ = js_sys::Reflect::set(&window, &"ferryReady".into(), &JsValue::TRUE);
}
