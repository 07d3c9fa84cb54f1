//! Reading a file in the import worker (see [`crate::worker`]), from the page: progress,
//! cancel, and the sheet rebuilt here piece by piece, each piece its own short task, so
//! the page never stops answering. The readers live only in the worker (the page loads
//! small); where no worker can start (a host that blocks them), the page says why.

use std::cell::RefCell;
use std::rc::Rc;

use ferry_core::sheet::{FileKind, ReadOptions, ReadRemedy, RowsAssembler, Sheet, SheetAssembler};
use js_sys::{ArrayBuffer, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Worker};

use ferry_core::vendors::read_check::CheckedAtRead;
use ferry_core::vendors::Target;
use serde_json::Value;

use crate::blob_reader::{BufferFiller, READ_PIECE};
use crate::handoff::Handoff;
use crate::inbox::{Arrival, Inbox};
use crate::read_watchdog::{died_message, stalled_message, Watchdog};
use crate::spare_worker;
use crate::worker_job::JobWords;
use crate::worker_messages::{open, post, Attached, FromWorker, ToWorker};
use crate::worker_protocol::{take_piece, take_rows};

/// What the page says when the pieces of a sheet from the worker do not fit together.
const BAD_PIECES: &str = "Ferry's reader sent back a sheet that does not fit together. Choose the file again.";

/// A file read into a sheet.
pub struct Imported {
    /// The sheet.
    pub sheet: Sheet,
    /// How the file was read.
    pub kind: FileKind,
    /// Milliseconds the worker spent reading.
    pub read_ms: f64,
    /// The review's findings, worked out by the worker while it read (see
    /// `vendors::read_check`), when it could.
    pub checked: Option<CheckedAtRead>,
}

/// The file's SHA-256 (for the resume journal).
pub type Fingerprinted = String;

#[derive(Default)]
struct Assembly {
    sheet: SheetAssembler,
    /// The rows of a CSV file, arriving while it is read (instead of `sheet`).
    rows: Option<RowsAssembler>,
    /// A piece of rows did not fit.
    bad_rows: bool,
    /// Buffers for the file's bytes, back from the worker, while a CSV file is streamed.
    feeding: Option<Rc<Handoff>>,
    /// The most cells a byte of the file has made in a piece of rows so far.
    cells_per_byte: f64,
    result: Option<Result<Imported, String>>,
    settle: Option<Function>,
    fingerprinted: Option<Fingerprinted>,
    settle_fingerprint: Option<Function>,
    /// The issues of the check while reading, as they arrive (before `done`).
    issues: Vec<ferry_core::issue::Issue>,
    /// When reading failed: a choice that would read the file anyway.
    remedy: Option<ReadRemedy>,
}

/// One file being read; dropping it does not stop it, [`ImportJob::cancel`] does.
pub struct ImportJob {
    worker: Option<Worker>,
    state: Rc<RefCell<Assembly>>,
    done: Promise,
    fingerprinted: Promise,
}

impl ImportJob {
    /// Starts reading `file` (named `name`) with `options`; `on_progress(done, total)` is
    /// called as bytes are read. The worker reads the file a piece at a time, so a file on
    /// disk is never held whole in the page.
    /// `check` asks the worker to check the rows for review as it reads them, for a target
    /// with its settings.
    pub fn start(file: Blob, name: &str, options: &ReadOptions, check: Option<(Target, Value)>, on_progress: impl Fn(f64, f64) + 'static) -> ImportJob {
        let state = Rc::new(RefCell::new(Assembly::default()));
        let settle_into = state.clone();
        let done = Promise::new(&mut |resolve, _| settle_into.borrow_mut().settle = Some(resolve));
        let fingerprinted = Promise::new(&mut |resolve, _| settle_into.borrow_mut().settle_fingerprint = Some(resolve));
        let request = ToWorker::Read {
            name: name.to_string(),
            encoding: options.encoding.map(|e| e.label().to_string()),
            delimiter: options.delimiter,
            sheet: options.sheet.clone(),
            header_row: options.header_row,
            quotes_as_text: options.quotes_as_text,
            check,
        };
        let file_value: JsValue = file.clone().into();
        let started_worker = spare_worker::take();
        let job = ImportJob { worker: started_worker.as_ref().map(|s| s.worker.clone()), state: state.clone(), done, fingerprinted };
        let Some(spare_worker::Started { worker, ready }) = started_worker else {
            no_worker(&state);
            return job;
        };
        let on_progress = Rc::new(on_progress);
        let (fallback_state, fallback_name) = (state.clone(), name.to_string());
        let feed_file = file.clone();
        let fingerprint_file = file.clone();
        let header_row = options.header_row;
        let started = Rc::new(RefCell::new(ready));
        let started_here = started.clone();
        let this_worker = worker.clone();
        let first_request = ready.then(|| request.clone());
        let first_file = file_value.clone();
        let state_for_watch = state.clone();
        let watchdog = Rc::new(RefCell::new(Watchdog::new(js_sys::Date::now(), file.size())));
        let heard = watchdog.clone();
        let handle = move |message: FromWorker, attached: JsValue| {
            let mut s = state.borrow_mut();
            match message {
                FromWorker::Ready => {
                    *started_here.borrow_mut() = true;
                    let _ = post(&this_worker, &request, Attached::Copy(&file_value));
                }
                FromWorker::Progress { done, total } => on_progress(done as f64, total as f64),
                FromWorker::RowsBegin { room, .. } => {
                    let mut rows = RowsAssembler::default();
                    rows.reserve(room);
                    s.rows = Some(rows);
                    // The page reads the file for the worker (it is idle meanwhile), one
                    // buffer ahead of it.
                    let free = Rc::new(Handoff::default());
                    for _ in 0..2 {
                        free.give(ArrayBuffer::new(FIRST_READ_PIECE as u32).into());
                    }
                    s.feeding = Some(free.clone());
                    wasm_bindgen_futures::spawn_local(feed_worker(this_worker.clone(), feed_file.clone(), free));
                    s.bad_rows = false;
                }
                FromWorker::RowsReset => {
                    s.rows = None;
                    stop_feeding(&mut s);
                }
                // The answer of another job, not a read's.
                FromWorker::PhonesFormatted { .. } => {}
                FromWorker::BytesBack => {
                    if let Some(free) = &s.feeding {
                        free.give(refilled(attached, s.cells_per_byte));
                    }
                }
                FromWorker::Rows { text, cells, rows: count, done, total } => {
                    s.cells_per_byte = s.cells_per_byte.max(cells as f64 / text.max(1) as f64);
                    let piece = take_rows(&attached, [text, cells, count]);
                    let mut bad = false;
                    if let Some(rows) = s.rows.as_mut() {
                        bad = piece.and_then(|piece| rows.push(&piece)).is_err();
                        rows.expect_share(done, total);
                    }
                    s.bad_rows |= bad;
                    let _ = post(&this_worker, &ToWorker::Next, Attached::Transfer(&attached));
                }
                FromWorker::Sizes { text, bounds, numbers } => s.sheet.reserve(text, bounds, numbers),
                FromWorker::Piece { part, len } => {
                    take_piece(&mut s.sheet, part, len, &attached);
                    let _ = post(&this_worker, &ToWorker::Next, Attached::Transfer(&attached));
                }
                FromWorker::Issues { issues } => s.issues.extend(issues),
                FromWorker::Done { headers, file_kind, read_ms, mut checked } => {
                    stop_feeding(&mut s);
                    // The reader is done: its memory (the check's tables, the buffers)
                    // goes now, and a fresh worker reads the file again for its
                    // fingerprint.
                    this_worker.terminate();
                    wasm_bindgen_futures::spawn_local(fingerprint(state.clone(), fingerprint_file.clone()));
                    if let Some(checked) = checked.as_mut() {
                        checked.findings.issues = std::mem::take(&mut s.issues);
                    }
                    let assembled = match s.rows.take() {
                        Some(_) if s.bad_rows => Err(BAD_PIECES.to_string()),
                        Some(rows) => rows.finish(header_row).map_err(|e| e.to_string()),
                        None => std::mem::take(&mut s.sheet).finish(headers).map_err(|_| BAD_PIECES.to_string()),
                    };
                    let result = assembled.map(|sheet| Imported { sheet, kind: file_kind, read_ms, checked });
                    drop(s);
                    settle(&state, result);
                }
                FromWorker::Error { message, remedy } => {
                    this_worker.terminate();
                    spare_worker::warm();
                    stop_feeding(&mut s);
                    s.remedy = remedy;
                    drop(s);
                    settle(&state, Err(message));
                }
                FromWorker::Next | FromWorker::Findings { .. } | FromWorker::Fingerprint { .. } => {}
            }
        };
        let on_error = move || {
            stop_feeding(&mut fallback_state.borrow_mut());
            if *started.borrow() {
                settle(&fallback_state, Err(died_message(&fallback_name)));
            } else {
                // The worker never started.
                no_worker(&fallback_state);
            }
        };
        // Handled in the page's own turns, in the order they came (see `inbox`).
        Inbox::for_worker(&worker, move |arrival| match arrival {
            Arrival::Message { data, at } => {
                let Some((message, attached)) = open::<FromWorker>(&data) else { return };
                heard.borrow_mut().heard(at, matches!(message, FromWorker::Progress { done, total } if done >= total));
                handle(message, attached);
            }
            Arrival::Failed => on_error(),
        });
        wasm_bindgen_futures::spawn_local(watch(worker.clone(), state_for_watch, watchdog, name.to_string()));
        if let Some(request) = first_request {
            // A spare worker that is ready already.
            let _ = post(&worker, &request, Attached::Copy(&first_file));
        }
        job
    }

    /// Waits for the sheet (or the reason there is none).
    pub async fn finish(&self) -> Result<Imported, String> {
        let _ = JsFuture::from(self.done.clone()).await;
        self.state.borrow_mut().result.take().unwrap_or_else(|| Err("Reading was cancelled.".into()))
    }

    /// After a failed read: the choice that would read the file anyway, if any.
    pub fn remedy(&self) -> Option<ReadRemedy> {
        self.state.borrow().remedy
    }

    /// Waits for the file's fingerprint and its bytes (they follow the sheet); `None` when
    /// the reading failed or was cancelled.
    pub async fn fingerprinted(&self) -> Option<Fingerprinted> {
        if self.state.borrow().settle_fingerprint.is_some() || self.state.borrow().fingerprinted.is_some() {
            let _ = JsFuture::from(self.fingerprinted.clone()).await;
        }
        self.state.borrow_mut().fingerprinted.take()
    }

    /// Stops reading at once; [`ImportJob::finish`] then says it was cancelled.
    pub fn cancel(&self) {
        if let Some(worker) = &self.worker {
            worker.terminate();
            spare_worker::warm();
        }
        stop_feeding(&mut self.state.borrow_mut());
        settle(&self.state, Err("Reading was cancelled.".into()));
    }
}

/// Ends `worker` and says why when it stays silent longer than `watchdog` allows, until
/// the sheet is settled (read, failed or cancelled).
async fn watch(worker: Worker, state: Rc<RefCell<Assembly>>, watchdog: Rc<RefCell<Watchdog>>, name: String) {
    loop {
        crate::send_driver::sleep_ms(1_000).await;
        if state.borrow().settle.is_none() {
            return;
        }
        let Some(quiet) = watchdog.borrow().stalled(js_sys::Date::now()) else { continue };
        worker.terminate();
        spare_worker::warm();
        stop_feeding(&mut state.borrow_mut());
        settle(&state, Err(stalled_message(&name, quiet)));
        return;
    }
}

/// Reads `file` into the buffers `free` hands over and sends each, whole, to `worker`
/// (`bytes {buffer, len}`), until the end of the file or until the handoff is closed.
/// When the browser cannot read the file, or its stream ends short of the file's size,
/// says so (`bytes {}`): the worker must never wait for bytes that will not come.
async fn feed_worker(worker: Worker, file: Blob, free: Rc<Handoff>) {
    let unreadable = || {
        let _ = post(&worker, &ToWorker::Bytes { len: None }, Attached::None);
    };
    let Ok(mut filler) = BufferFiller::new(&file) else {
        unreadable();
        return;
    };
    let mut sent = 0;
    while !filler.ended() {
        let Some(buffer) = free.take().await else {
            filler.cancel();
            return;
        };
        match filler.fill(buffer.unchecked_into()).await {
            _ if free.is_closed() => {
                filler.cancel();
                return;
            }
            Ok((_, 0)) => break,
            Ok((buffer, len)) => {
                let buffer: JsValue = buffer.into();
                if post(&worker, &ToWorker::Bytes { len: Some(len) }, Attached::Transfer(&buffer)).is_err() {
                    unreadable();
                    return;
                }
                sent += len;
            }
            Err(_) => {
                unreadable();
                return;
            }
        }
    }
    if sent as f64 != file.size() {
        unreadable();
    }
}

/// Bytes of the file in each of the first two buffers handed to the worker. The page
/// works through the rows of each buffer in one task, and its code for that runs slowly
/// the first time (the browser compiles the fast version meanwhile): traced, the first
/// 4 MB piece of rows took the page 47-61 ms. The first pieces are small, and the
/// buffers grow from there (see [`grown`]).
const FIRST_READ_PIECE: usize = READ_PIECE / 16;

/// The most cells a piece of rows should hold: the page takes each piece in one task,
/// and its time goes with the cells (their ends are copied and moved). A 4 MB piece of a
/// 5,000-column survey is two million cells, which stopped the page for 70-80 ms; a
/// 4 MB piece of a ten-column file is under 400,000.
pub const PIECE_CELLS: f64 = 500_000.0;

/// Bytes of the file to read into the next buffer, after one of `len` bytes, when a byte
/// has made up to `cells_per_byte` cells so far: four times as many, up to
/// [`READ_PIECE`], and no more than makes [`PIECE_CELLS`] cells (never under
/// [`FIRST_READ_PIECE`]).
pub fn next_read_piece(len: usize, cells_per_byte: f64) -> usize {
    let by_cells = if cells_per_byte > 0.0 { (PIECE_CELLS / cells_per_byte) as usize } else { READ_PIECE };
    (len * 4).min(READ_PIECE).min(by_cells).max(FIRST_READ_PIECE)
}

/// The buffer to fill next in place of `buffer`, back from the worker: kept when it is
/// the size [`next_read_piece`] asks for, else one of that size.
fn refilled(buffer: JsValue, cells_per_byte: f64) -> JsValue {
    match buffer.dyn_ref::<ArrayBuffer>().map(|b| b.byte_length() as usize) {
        Some(len) => match next_read_piece(len, cells_per_byte) {
            next if next == len => buffer,
            next => ArrayBuffer::new(next as u32).into(),
        },
        None => buffer,
    }
}

/// Stops reading the file for the worker.
fn stop_feeding(s: &mut Assembly) {
    if let Some(free) = s.feeding.take() {
        free.close();
    }
}

fn settle(state: &Rc<RefCell<Assembly>>, result: Result<Imported, String>) {
    let mut s = state.borrow_mut();
    let failed = result.is_err();
    if let Some(resolve) = s.settle.take() {
        s.result = Some(result);
        drop(s);
        let _ = resolve.call0(&JsValue::NULL);
    } else {
        drop(s);
    }
    if failed {
        // No fingerprint will follow a failed or cancelled read.
        settle_no_fingerprint(state);
    }
}

/// Has a worker of its own work out `file`'s fingerprint, and settles `state`'s with it.
async fn fingerprint(state: Rc<RefCell<Assembly>>, file: Blob) {
    let answer = |message| match message {
        FromWorker::Fingerprint { fingerprint } => Some(fingerprint),
        _ => None,
    };
    let words = JobWords {
        stopped: "Ferry's reader stopped while it read the file again.",
        cancelled: "Reading the file again was cancelled.",
        not_handed: "Ferry could not hand the file to its reader",
    };
    match crate::worker_job::ask(ToWorker::Fingerprint, Some(file.into()), answer, words).await {
        Ok(Some(fingerprint)) => settle_fingerprint(&state, fingerprint),
        _ => settle_no_fingerprint(&state),
    }
}

fn settle_no_fingerprint(state: &Rc<RefCell<Assembly>>) {
    let resolve = state.borrow_mut().settle_fingerprint.take();
    if let Some(resolve) = resolve {
        let _ = resolve.call0(&JsValue::NULL);
    }
}

fn settle_fingerprint(state: &Rc<RefCell<Assembly>>, fingerprinted: Fingerprinted) {
    let mut s = state.borrow_mut();
    if let Some(resolve) = s.settle_fingerprint.take() {
        s.fingerprinted = Some(fingerprinted);
        drop(s);
        let _ = resolve.call0(&JsValue::NULL);
    }
}

/// What the page says where the browser will not start Ferry's reader (a Web Worker).
pub const NO_WORKER: &str = "This browser did not let Ferry start its file reader (a Web Worker), so the file cannot be read here. Open the page in a current Chrome, Edge, Firefox or Safari; if it is hosted by your organisation, its site must allow workers from itself (Content-Security-Policy worker-src 'self').";

/// No worker here: the file is not read, and the page says why (the readers live only in
/// the worker, so the page loads small).
fn no_worker(state: &Rc<RefCell<Assembly>>) {
    settle(state, Err(NO_WORKER.to_string()));
    settle_no_fingerprint(state);
}
