//! The import worker (a Web Worker running `ferry-worker`): reads a file off the page's
//! thread, with progress, and hands the sheet back as plain buffers.
//!
//! Messages in: `{kind: "read", name, file: Blob, encoding?, sheet?, header_row?, bench?}`,
//! then `{kind: "next", carrier}` for each piece the page has taken. The file is read
//! a piece at a time from the Blob the page was given (a file on disk stays there: the
//! page never holds more than two pieces of its bytes).
//!
//! A UTF-8 CSV file goes to the page as its rows, while it is read, so the sheet is only
//! ever held once: `rows-begin {total, room_text, room_cells, room_rows}` (the room the
//! rows will take, judged from the first bytes). The page then reads the file for this
//! worker, being idle meanwhile: `bytes {buffer, len}` (4 MB, the last fewer; `bytes {}`
//! when the browser cannot read it), each buffer handed back at once as `bytes-back
//! {buffer}`, two going round. For each piece: `progress` and `rows {carrier, text,
//! cells, rows, done, total}` (`done` of `total` bytes read: the page sets aside room for
//! the rest from them), two carriers going back and forth; then `done` and
//! `fingerprint` as below. When a later piece turns out not to be UTF-8: `rows-reset`,
//! and the file is read again, here, as Windows-1252 and sent as a sheet.
//!
//! Any other file is read whole and sent as a sheet.
//! Messages out: `ready`; `progress {done, total}`; `sizes {text, bounds, numbers}`;
//! `piece {part: "text"|"bounds"|"numbers", carrier, len}` (two carrier buffers go back and
//! forth, so the sheet is never held a third time and the page piles up no garbage);
//! `done {headers, file_kind, read_ms, bench?, bench_ms?}`; then `fingerprint {fingerprint}`
//! (SHA-256 for the resume journal, after the sheet so it never delays it);
//! `error {message}`.
//!
//! Checking a sheet for review (the page sends it back the same way): `{kind: "check",
//! target, mapping, settings, headers, text, bounds, numbers}` (sizes), then `piece {part,
//! carrier, len}` messages answered `next {carrier}`, then `pieces-done`; the answer is
//! `findings {findings}` (JSON: issues and counts) or `error {message}`.
//! Cancelling is the page terminating the worker.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_core::bench_fixture::StreamedRun;
use ferry_core::sheet::{read_in_pieces, utf8_stream_for, CsvStream, ReadError, ReadOptions, Room, RowsPiece, SheetAssembler, TextEncoding, HEAD};
use ferry_core::vendors::{find, Target};
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

use crate::blob_reader::{BufferFiller, READ_PIECE};
use crate::handoff::Handoff;
use crate::worker_protocol::{field, fill_carrier, message, piece_message, rows_message, take_piece, CHUNK, UNREADABLE};

/// A sheet on its way to the page.
struct Outgoing {
    text: Vec<u8>,
    bounds: Vec<u32>,
    numbers: Vec<u32>,
    /// Bytes of text, then elements of bounds, then of numbers, already sent.
    sent: [usize; 3],
    /// The fields of the `done` message.
    done: Vec<(&'static str, JsValue)>,
    /// The file, for its fingerprint.
    file: Blob,
}

/// A sheet arriving from the page, to be checked.
struct Incoming {
    sheet: SheetAssembler,
    headers: Vec<String>,
    target: Target,
    mapping: ferry_core::Mapping,
    settings: String,
}

/// A UTF-8 delimited text file being read and sent to the page as rows, piece by piece.
struct Reading {
    stream: CsvStream,
    file: Blob,
    name: String,
    options: ReadOptions,
    /// Bytes of the file read so far, of `total`.
    done: usize,
    total: usize,
    /// The end of the file was read (the last rows are out).
    ended: bool,
    /// The file's bytes, front to back, in buffers the page fills and sends (`bytes`),
    /// so this worker never waits on the browser's file store while the page is idle.
    bytes: Rc<Handoff>,
    /// The piece of the file in hand.
    piece: Vec<u8>,
    /// The benchmark's check and payload, run on each piece as it passes.
    bench: Option<StreamedRun>,
    read_ms: f64,
    bench_ms: f64,
}

/// Carrier buffers back from the page while rows are streamed, for the reading task.
#[derive(Default)]
struct Carriers {
    streaming: bool,
    free: Rc<Handoff>,
}

thread_local! {
    /// The file's bytes from the page while a file is streamed.
    static BYTES: RefCell<Rc<Handoff>> = RefCell::new(Rc::new(Handoff::default()));
    static CARRIERS: RefCell<Carriers> = RefCell::new(Carriers::default());
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
                let carrier: ArrayBuffer = field(&data, "carrier").unchecked_into();
                if CARRIERS.with(|c| c.borrow().streaming) {
                    give_carrier(carrier);
                } else {
                    send_next(&replies, carrier);
                }
                Ok(())
            }
            Some("bytes") => {
                BYTES.with(|b| b.borrow().give(data));
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
            post(&replies, "error", &[("message", JsValue::from_str(&message))], None);
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
    let file: Blob = field(message, "file").dyn_into().map_err(|_| "Ferry's reader got no file.".to_string())?;
    let options = ReadOptions {
        encoding: field(message, "encoding").as_string().and_then(|label| TextEncoding::ALL.into_iter().find(|e| e.label() == label)),
        sheet: field(message, "sheet").as_string(),
        header_row: field(message, "header_row").as_f64().map(|n| n as usize),
    };
    let total = file.size() as usize;
    let mut head = vec![0; total.min(HEAD)];
    read_slice(&file, 0, &mut head)?;
    if let Some(stream) = utf8_stream_for(&name, &head, &options).map_err(|e| e.to_string())?.filter(|_| total > 0) {
        // The room the rows will take, judged from the first bytes: the page sets it aside
        // at once (growing memory as pieces arrive would pause it each time).
        let room = utf8_stream_for(&name, &head, &options).ok().flatten().map_or(Room::default(), |probe| Room::projected(probe, &head, total));
        let bench = field(message, "bench").is_truthy().then(|| StreamedRun::new(room.rows));
        let bytes = Rc::new(Handoff::default());
        BYTES.with(|b| *b.borrow_mut() = bytes.clone());
        let reading = Reading {
            stream,
            file,
            name,
            options,
            done: 0,
            total,
            ended: false,
            bytes,
            piece: Vec::with_capacity(READ_PIECE),
            bench,
            read_ms: 0.0,
            bench_ms: 0.0,
        };
        let free = Rc::new(Handoff::default());
        for _ in 0..2 {
            free.give(ArrayBuffer::new(CHUNK).into());
        }
        CARRIERS.with(|c| *c.borrow_mut() = Carriers { streaming: true, free });
        let begin = [("total", total), ("room_text", room.text), ("room_cells", room.cells), ("room_rows", room.rows)];
        post(scope, "rows-begin", &begin.map(|(name, n)| (name, JsValue::from_f64(n as f64))), None);
        let scope = scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = stream_rows(&scope, reading).await;
            CARRIERS.with(|c| *c.borrow_mut() = Carriers::default());
            if let Err(message) = outcome {
                post(&scope, "error", &[("message", JsValue::from_str(&message))], None);
            }
        });
        return Ok(());
    }
    read_sheet(scope, message, name, options, file)
}

/// Copies the file's bytes at `at` into `out`.
fn read_slice(file: &Blob, at: usize, out: &mut [u8]) -> Result<(), String> {
    let piece = file.slice_with_f64_and_f64(at as f64, (at + out.len()) as f64).map_err(|_| UNREADABLE.to_string())?;
    let bytes = FileReaderSync::new().and_then(|r| r.read_as_array_buffer(&piece)).map_err(|_| UNREADABLE.to_string())?;
    let bytes = Uint8Array::new(&bytes);
    if bytes.length() as usize != out.len() {
        return Err(UNREADABLE.into());
    }
    bytes.copy_to(out);
    Ok(())
}

/// A carrier back from the page, for the reading task (woken if it waits for one).
fn give_carrier(carrier: ArrayBuffer) {
    CARRIERS.with(|c| c.borrow().free.give(carrier.into()));
}

/// The next carrier back from the page (waits for one when both are out).
async fn next_carrier() -> ArrayBuffer {
    let free = CARRIERS.with(|c| c.borrow().free.clone());
    // The handoff is never closed while rows are streamed.
    free.take().await.map_or_else(|| ArrayBuffer::new(CHUNK), |carrier| carrier.unchecked_into())
}

/// Reads the file piece after piece, sending each piece's rows as soon as a carrier is
/// free (so the worker reads ahead one piece at most); after the last, says `done` and
/// works out the file's fingerprint.
async fn stream_rows(scope: &DedicatedWorkerGlobalScope, mut reading: Reading) -> Result<(), String> {
    loop {
        let carrier = next_carrier().await;
        let started = js_sys::Date::now();
        let piece = match next_rows(&mut reading).await {
            Ok(piece) => piece,
            Err(Some(ReadError::InvalidUtf8 { .. })) if reading.options.encoding.is_none() => {
                // Not UTF-8 after all: the page drops the rows it has, and the file is read
                // again, whole, as Windows-1252.
                post(scope, "rows-reset", &[], None);
                // Bytes still on their way from the page are not needed any more.
                reading.bytes.close();
                let retry = ReadOptions { encoding: Some(TextEncoding::Windows1252), ..reading.options.clone() };
                let request = message("read", &[]);
                return read_sheet(scope, &request, reading.name, retry, reading.file);
            }
            Err(e) => return Err(e.map_or(UNREADABLE.to_string(), |e| e.to_string())),
        };
        reading.read_ms += js_sys::Date::now() - started;
        post(scope, "progress", &[("done", (reading.done as f64).into()), ("total", (reading.total as f64).into())], None);
        if let Some(run) = reading.bench.as_mut() {
            let started = js_sys::Date::now();
            run.push(&piece);
            reading.bench_ms += js_sys::Date::now() - started;
        }
        let (carrier, rows) = rows_message(carrier, &piece);
        let _ = js_sys::Reflect::set(&rows, &"done".into(), &(reading.done as f64).into());
        let _ = js_sys::Reflect::set(&rows, &"total".into(), &(reading.total as f64).into());
        drop(piece);
        let carrier: JsValue = carrier.into();
        let _ = scope.post_message_with_transfer(&rows, &Array::of1(&carrier));
        if !reading.ended {
            continue;
        }
        let Reading { file, bench, read_ms, bench_ms, .. } = reading;
        let mut done = vec![("read_ms", JsValue::from_f64(read_ms)), ("wasm_bytes", JsValue::from_f64(wasm_memory_bytes()))];
        if let Some(run) = bench {
            let started = js_sys::Date::now();
            let totals = run.finish();
            done.push(("bench", JsValue::from_str(&serde_json::to_string(&totals).unwrap_or_default())));
            done.push(("bench_ms", JsValue::from_f64(bench_ms + js_sys::Date::now() - started)));
        }
        done.push(("file_kind", JsValue::from_str(&serde_json::to_string(&ferry_core::sheet::FileKind::Text(TextEncoding::Utf8)).unwrap_or_default())));
        post(scope, "done", &done, None);
        send_fingerprint(scope, &file).await;
        return Ok(());
    }
}

/// Works out the file's fingerprint and sends it to the page (undefined when the browser
/// could not read the file again).
async fn send_fingerprint(scope: &DedicatedWorkerGlobalScope, file: &Blob) {
    let fingerprint = fingerprint_of(file).await.map_or(JsValue::UNDEFINED, |f| JsValue::from_str(&f));
    post(scope, "fingerprint", &[("fingerprint", fingerprint)], None);
}

/// The file's fingerprint (as [`ferry_core::fingerprint::file_fingerprint`]), read through
/// once more; `None` when the browser could not read it.
async fn fingerprint_of(file: &Blob) -> Option<String> {
    let mut filler = BufferFiller::new(file).ok()?;
    let mut fingerprint = ferry_core::fingerprint::Fingerprinter::default();
    // One JavaScript buffer, filled again and again, and one copy of it here.
    let mut buffer = ArrayBuffer::new(READ_PIECE as u32);
    let mut bytes = vec![0; READ_PIECE];
    while !filler.ended() {
        let (filled, n) = filler.fill(buffer).await.ok()?;
        Uint8Array::new_with_byte_offset_and_length(&filled, 0, n as u32).copy_to(&mut bytes[..n]);
        fingerprint.update(&bytes[..n]);
        buffer = filled;
    }
    Some(fingerprint.finish())
}

/// Reads the next piece of the file (or its end) and takes out the rows finished; the
/// error is `None` when the browser could not read the file.
async fn next_rows(reading: &mut Reading) -> Result<RowsPiece, Option<ReadError>> {
    if reading.done == reading.total {
        reading.ended = true;
        return reading.stream.finish_rows().map_err(Some);
    }
    // The next buffer of the file's bytes from the page; it goes back at once, to be
    // filled again while these are read.
    let bytes = reading.bytes.take().await.ok_or(None)?;
    let buffer: ArrayBuffer = field(&bytes, "buffer").dyn_into().map_err(|_| None)?;
    let n = field(&bytes, "len").as_f64().unwrap_or(0.0) as usize;
    if n == 0 || n > buffer.byte_length() as usize || reading.done + n > reading.total {
        return Err(None);
    }
    let mut piece = std::mem::take(&mut reading.piece);
    piece.resize(n, 0);
    Uint8Array::new_with_byte_offset_and_length(&buffer, 0, n as u32).copy_to(&mut piece);
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let buffer: JsValue = buffer.into();
    post(&scope, "bytes-back", &[("buffer", buffer.clone())], Some(&buffer));
    let fed = reading.stream.feed(&piece);
    reading.piece = piece;
    fed?;
    reading.done += n;
    Ok(reading.stream.take_rows())
}

/// Reads a file whole into a sheet (a workbook, JSON, text in another encoding) and
/// starts sending it to the page in carrier buffers.
fn read_sheet(scope: &DedicatedWorkerGlobalScope, message: &JsValue, name: String, options: ReadOptions, file: Blob) -> Result<(), String> {
    let total = file.size() as usize;
    let started = js_sys::Date::now();
    let unreadable = std::cell::Cell::new(false);
    let fill = |at: usize, out: &mut [u8]| unreadable.set(unreadable.get() | read_slice(&file, at, out).is_err());
    let progress = |done: usize| post(scope, "progress", &[("done", (done as f64).into()), ("total", (total as f64).into())], None);
    let read = read_in_pieces(&name, total, &options, fill, progress);
    if unreadable.get() {
        return Err(UNREADABLE.into());
    }
    let (sheet, kind) = read.map_err(|e| e.to_string())?;
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
    OUTGOING.with(|o| *o.borrow_mut() = Some(Outgoing { text: parts.text, bounds: parts.bounds, numbers: parts.numbers, sent: [0; 3], done, file }));
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
            let scope = scope.clone();
            wasm_bindgen_futures::spawn_local(async move { send_fingerprint(&scope, &file).await });
            // The other carrier, when it comes back, finds nothing left to send.
        }
    }
}
