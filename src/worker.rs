//! The import worker (a Web Worker running `ferry-worker`): reads a file off the page's
//! thread, with progress, and hands the sheet back as plain buffers.
//!
//! The messages each way are `crate::worker_messages::{ToWorker, FromWorker}`; here is
//! how they go.
//!
//! Reading: `Read` (the file attached as a Blob). The file is read a piece at a time
//! from the Blob the page was given (a file on disk stays there: the page never holds
//! more than two pieces of its bytes).
//!
//! A UTF-8 CSV file goes to the page as its rows, while it is read, so the sheet is only
//! ever held once: `RowsBegin {total, room}` (the room the rows will take, judged from the
//! first bytes). The page then reads the file for this worker, being idle meanwhile:
//! `Bytes {len}` with a 4 MB buffer attached (`len: None` when the browser cannot read
//! it), each buffer handed back at once as `BytesBack`, two going round. For each piece:
//! `Progress` and `Rows {text, cells, rows, done, total}` with a carrier attached (`done`
//! of `total` bytes read: the page sets aside room for the rest from them), two carriers
//! going back and forth (`Next` returns one); then `Done` and `Fingerprint`. When a later
//! piece turns out not to be UTF-8: `RowsReset`, and the file is read again, here, as
//! Windows-1252 and sent as a sheet.
//!
//! Any other file is read whole and sent as a sheet: `Progress`, `Sizes`, then `Piece
//! {part, len}` with a carrier attached, answered `Next` with it; then `Done {headers,
//! file_kind, ..}` and `Fingerprint` (SHA-256 for the resume journal, after the sheet so
//! it never delays it). Any failure: `Error {message}`.
//!
//! Checking a sheet for review (the page sends it the same way): `Check {target, mapping,
//! settings, headers, sizes}`, then `Piece` messages answered `Next`, then `PiecesDone`;
//! the answer is `Findings` or `Error`. Cancelling is the page terminating the worker.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_core::sheet::{
    read_in_pieces, utf8_stream_for, CsvStream, FileKind, ReadError, ReadOptions, ReadRemedy, Room, RowsPiece, SheetAssembler, TextEncoding, TextRead, HEAD,
};
use ferry_core::vendors::read_check::ReadCheck;
use ferry_core::vendors::{find, Target};
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

use crate::blob_reader::{BufferFiller, READ_PIECE};
use crate::handoff::Handoff;
use crate::worker_messages::{open, post, post_issues, Attached, FromWorker, Part, ToWorker};
use crate::worker_protocol::{fill_carrier, rows_into, take_piece, CHUNK, UNREADABLE};

/// A sheet on its way to the page.
struct Outgoing {
    text: Vec<u8>,
    bounds: Vec<u32>,
    numbers: Vec<u32>,
    /// Bytes of text, then elements of bounds, then of numbers, already sent.
    sent: [usize; 3],
    /// The `done` message, sent after the last piece.
    done: FromWorker,
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
    /// The review's check, run on each piece as it passes.
    check: Option<ReadCheck>,
    read_ms: f64,
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

/// Said when a message that needs a file came without one.
const NO_FILE: &str = "Ferry's reader got no file.";

/// Starts listening for work (the worker binary's `main`).
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let outcome = match open::<ToWorker>(&data) {
            Some((ToWorker::Read { name, encoding, delimiter, sheet, header_row, quotes_as_text, check }, file)) => {
                // A header row chosen by hand is not looked for: such a sheet is checked after.
                let check = check.filter(|_| header_row.is_none()).map(|(target, settings)| ReadCheck::new(target, settings));
                let encoding = encoding.and_then(|label| TextEncoding::ALL.into_iter().find(|e| e.label() == label));
                let options = ReadOptions { encoding, delimiter, sheet, header_row, quotes_as_text };
                read(&replies, name, options, check, file)
            }
            Some((ToWorker::Next, carrier)) => {
                let carrier: ArrayBuffer = carrier.unchecked_into();
                if CARRIERS.with(|c| c.borrow().streaming) {
                    give_carrier(carrier);
                } else {
                    send_next(&replies, carrier);
                }
                Ok(())
            }
            Some((ToWorker::Bytes { len }, buffer)) => {
                BYTES.with(|b| b.borrow().give(Array::of2(&buffer, &len.map_or(JsValue::UNDEFINED, |n| JsValue::from_f64(n as f64))).into()));
                Ok(())
            }
            Some((ToWorker::Check { target, mapping, settings, headers, text, bounds, numbers }, _)) => {
                let mut sheet = SheetAssembler::default();
                sheet.reserve(text, bounds, numbers);
                INCOMING.with(|i| *i.borrow_mut() = Some(Incoming { sheet, headers, target, mapping, settings }));
                Ok(())
            }
            Some((ToWorker::Piece { part, len }, carrier)) => {
                take_incoming_piece(part, len, &carrier);
                send(&replies, &FromWorker::Next, Attached::Transfer(&carrier));
                Ok(())
            }
            Some((ToWorker::PiecesDone, _)) => finish_check(&replies).map_err(Failure::from),
            Some((ToWorker::Fingerprint, file)) => match file.dyn_into::<Blob>() {
                Ok(file) => {
                    let scope = replies.clone();
                    wasm_bindgen_futures::spawn_local(async move { send_fingerprint(&scope, &file).await });
                    Ok(())
                }
                Err(_) => Err(Failure::from(NO_FILE.to_string())),
            },
            Some((ToWorker::FormatPhones { cells, region }, _)) => {
                let cells = cells.iter().map(|c| ferry_core::phone::e164(c, &region)).collect();
                send(&replies, &FromWorker::PhonesFormatted { cells }, Attached::None);
                Ok(())
            }
            None => Err(Failure::from("Ferry's reader got a message it does not know.".to_string())),
        };
        if let Err(Failure { message, remedy }) = outcome {
            send(&replies, &FromWorker::Error { message, remedy }, Attached::None);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    send(&scope, &FromWorker::Ready, Attached::None);
}

/// Tells the page `message` (a refused post has nobody to tell).
fn send(scope: &DedicatedWorkerGlobalScope, message: &FromWorker, attached: Attached<'_>) {
    let _ = post(scope, message, attached);
}

fn take_incoming_piece(part: Part, len: usize, carrier: &JsValue) {
    INCOMING.with(|i| {
        if let Some(incoming) = i.borrow_mut().as_mut() {
            take_piece(&mut incoming.sheet, part, len, carrier);
        }
    });
}

fn finish_check(scope: &DedicatedWorkerGlobalScope) -> Result<(), String> {
    let incoming = INCOMING.with(|i| i.borrow_mut().take()).ok_or("Ferry's checker got no sheet.")?;
    let sheet = incoming.sheet.finish(incoming.headers).map_err(|_| "The sheet did not arrive whole. Ferry checks it again on the next change.".to_string())?;
    let mut findings = find(incoming.target, &sheet, &incoming.mapping, &incoming.settings)?;
    let _ = post_issues(scope, std::mem::take(&mut findings.issues));
    send(scope, &FromWorker::Findings { findings }, Attached::None);
    Ok(())
}

/// Why reading stopped: the words, and a choice that would read the file anyway.
struct Failure {
    message: String,
    remedy: Option<ReadRemedy>,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, remedy: None }
    }
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Failure {
        Failure { message: e.to_string(), remedy: e.remedy() }
    }
}

fn read(scope: &DedicatedWorkerGlobalScope, name: String, options: ReadOptions, mut check: Option<ReadCheck>, file: JsValue) -> Result<(), Failure> {
    let file: Blob = file.dyn_into().map_err(|_| NO_FILE.to_string())?;
    let total = file.size() as usize;
    let mut head = vec![0; total.min(HEAD)];
    read_slice(&file, 0, &mut head)?;
    if let Some(stream) = utf8_stream_for(&name, &head, &options)?.filter(|_| total > 0) {
        // The room the rows will take, judged from the first bytes: the page sets it aside
        // at once (growing memory as pieces arrive would pause it each time).
        let room = utf8_stream_for(&name, &head, &options).ok().flatten().map_or(Room::default(), |probe| Room::projected(probe, &head, total));
        if let Some(check) = check.as_mut() {
            check.expect_rows(room.rows);
        }
        let bytes = Rc::new(Handoff::default());
        BYTES.with(|b| *b.borrow_mut() = bytes.clone());
        let reading = Reading { stream, file, name, options, done: 0, total, ended: false, bytes, piece: Vec::with_capacity(READ_PIECE), check, read_ms: 0.0 };
        let free = Rc::new(Handoff::default());
        for _ in 0..2 {
            free.give(ArrayBuffer::new(CHUNK).into());
        }
        CARRIERS.with(|c| *c.borrow_mut() = Carriers { streaming: true, free });
        send(scope, &FromWorker::RowsBegin { total, room }, Attached::None);
        let scope = scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = stream_rows(&scope, reading).await;
            CARRIERS.with(|c| *c.borrow_mut() = Carriers::default());
            if let Err(Failure { message, remedy }) = outcome {
                send(&scope, &FromWorker::Error { message, remedy }, Attached::None);
            }
        });
        return Ok(());
    }
    read_sheet(scope, name, options, file)
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
async fn stream_rows(scope: &DedicatedWorkerGlobalScope, mut reading: Reading) -> Result<(), Failure> {
    loop {
        let carrier = next_carrier().await;
        let started = js_sys::Date::now();
        let piece = match next_rows(&mut reading).await {
            Ok(piece) => piece,
            Err(Some(ReadError::InvalidUtf8 { .. })) if reading.options.encoding.is_none() && !reading.stream.began_with_bom() => {
                // Not UTF-8 after all: the page drops the rows it has, and the file is read
                // again, whole, as Windows-1252.
                send(scope, &FromWorker::RowsReset, Attached::None);
                // Bytes still on their way from the page are not needed any more.
                reading.bytes.close();
                let retry = ReadOptions { encoding: Some(TextEncoding::Windows1252), ..reading.options.clone() };
                return read_sheet(scope, reading.name, retry, reading.file);
            }
            Err(e) => return Err(e.map_or_else(|| Failure::from(UNREADABLE.to_string()), Failure::from)),
        };
        reading.read_ms += js_sys::Date::now() - started;
        send(scope, &FromWorker::Progress { done: reading.done, total: reading.total }, Attached::None);
        // The rows go to the page first, so it puts them in its sheet while they are
        // checked here.
        let (carrier, [text, cells, rows]) = rows_into(carrier, &piece);
        let carrier: JsValue = carrier.into();
        send(scope, &FromWorker::Rows { text, cells, rows, done: reading.done, total: reading.total }, Attached::Transfer(&carrier));
        if let Some(check) = reading.check.as_mut() {
            check.push(&piece);
        }
        drop(piece);
        if !reading.ended {
            continue;
        }
        let delimiter = reading.stream.delimiter();
        let Reading { check, read_ms, .. } = reading;
        let mut checked = check.and_then(ReadCheck::finish);
        if let Some(checked) = checked.as_mut() {
            let _ = post_issues(scope, std::mem::take(&mut checked.findings.issues));
        }
        let done = FromWorker::Done { headers: vec![], file_kind: FileKind::Text(TextRead { encoding: TextEncoding::Utf8, delimiter }), read_ms, checked };
        send(scope, &done, Attached::None);
        return Ok(());
    }
}

/// Works out the file's fingerprint and sends it to the page (undefined when the browser
/// could not read the file again).
async fn send_fingerprint(scope: &DedicatedWorkerGlobalScope, file: &Blob) {
    let fingerprint = fingerprint_of(file).await;
    send(scope, &FromWorker::Fingerprint { fingerprint }, Attached::None);
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
    let bytes: Array = reading.bytes.take().await.ok_or(None)?.unchecked_into();
    let buffer: ArrayBuffer = bytes.get(0).dyn_into().map_err(|_| None)?;
    let n = bytes.get(1).as_f64().unwrap_or(0.0) as usize;
    if n == 0 || n > buffer.byte_length() as usize || reading.done + n > reading.total {
        return Err(None);
    }
    let mut piece = std::mem::take(&mut reading.piece);
    piece.resize(n, 0);
    Uint8Array::new_with_byte_offset_and_length(&buffer, 0, n as u32).copy_to(&mut piece);
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let buffer: JsValue = buffer.into();
    send(&scope, &FromWorker::BytesBack, Attached::Transfer(&buffer));
    let fed = reading.stream.feed(&piece);
    reading.piece = piece;
    fed?;
    reading.done += n;
    Ok(reading.stream.take_rows())
}

/// Reads a file whole into a sheet (a workbook, JSON, text in another encoding) and
/// starts sending it to the page in carrier buffers.
fn read_sheet(scope: &DedicatedWorkerGlobalScope, name: String, options: ReadOptions, file: Blob) -> Result<(), Failure> {
    let total = file.size() as usize;
    let started = js_sys::Date::now();
    let unreadable = std::cell::Cell::new(false);
    let fill = |at: usize, out: &mut [u8]| unreadable.set(unreadable.get() | read_slice(&file, at, out).is_err());
    let progress = |done: usize| send(scope, &FromWorker::Progress { done, total }, Attached::None);
    let read = read_in_pieces(&name, total, &options, fill, progress);
    if unreadable.get() {
        return Err(Failure::from(UNREADABLE.to_string()));
    }
    let (sheet, kind) = read?;
    let read_ms = js_sys::Date::now() - started;
    let done = FromWorker::Done { headers: sheet.headers.clone(), file_kind: kind, read_ms, checked: None };
    let parts = sheet.into_parts();
    send(scope, &FromWorker::Sizes { text: parts.text.len(), bounds: parts.bounds.len(), numbers: parts.numbers.len() }, Attached::None);
    OUTGOING.with(|o| *o.borrow_mut() = Some(Outgoing { text: parts.text, bounds: parts.bounds, numbers: parts.numbers, sent: [0; 3], done }));
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
            send(scope, &FromWorker::Piece { part, len }, Attached::Transfer(&carrier));
            OUTGOING.with(|o| *o.borrow_mut() = Some(out));
        }
        None => {
            let Outgoing { text, bounds, numbers, done, .. } = out;
            drop((text, bounds, numbers));
            send(scope, &done, Attached::None);
            // The other carrier, when it comes back, finds nothing left to send.
        }
    }
}
