//! The import worker's messages: one enum each way, serialised with serde. A message's
//! buffer or file, when it has one, travels beside it in the same `postMessage` (buffers
//! transferred, not copied), so the JSON stays small.
//!
//! On the wire a message is `{message: "<JSON of the enum>", attached?: <ArrayBuffer or
//! Blob>}`; [`post`] writes it and [`open`] reads it back.

use ferry_core::issue::Issue;
use ferry_core::sheet::{FileKind, ReadRemedy, Room};
use ferry_core::vendors::read_check::CheckedAtRead;
use ferry_core::vendors::{Findings, Target};
use ferry_core::Mapping;
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, Worker};

/// Which buffer of a sheet a piece carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The cells' text (bytes).
    Text,
    /// Where each cell ends (u32).
    Bounds,
    /// Each row's spreadsheet row number (u32).
    Numbers,
}

/// What the page tells the import worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToWorker {
    /// Read the file attached (a Blob) with these choices.
    Read {
        /// The file's name, as the browser gave it.
        name: String,
        /// The text encoding chosen by the user (its label), if any.
        encoding: Option<String>,
        /// The delimiter chosen (a byte), if any.
        #[serde(default)]
        delimiter: Option<u8>,
        /// The workbook sheet chosen, if any.
        sheet: Option<String>,
        /// The header row chosen (0-based), if any.
        header_row: Option<usize>,
        /// Read `"` as a plain character.
        quotes_as_text: bool,
        /// Check the rows as they are read, for this target with these settings (what
        /// the page holds when the file is chosen).
        check: Option<(Target, serde_json::Value)>,
    },
    /// The carrier attached is free again: the page took the piece in it.
    Next,
    /// The next `len` bytes of the file, in the buffer attached; `None` when the browser
    /// could not read more of it.
    Bytes {
        /// Bytes filled in the buffer.
        len: Option<usize>,
    },
    /// Check a sheet for review; its buffers (of these sizes) follow in pieces.
    Check {
        /// The target.
        target: Target,
        /// The mapping.
        mapping: Mapping,
        /// The target's settings, as JSON.
        settings: String,
        /// The sheet's headers.
        headers: Vec<String>,
        /// Bytes of text.
        text: usize,
        /// Cell bounds.
        bounds: usize,
        /// Row numbers.
        numbers: usize,
    },
    /// A piece of the sheet to check, `len` long (bytes of text, elements otherwise), in
    /// the carrier attached.
    Piece {
        /// Which buffer.
        part: Part,
        /// How much of the carrier it fills.
        len: usize,
    },
    /// Every piece of the sheet to check was sent.
    PiecesDone,
    /// Write these phone cells as E.164 by the numbering plans (which only the worker
    /// carries), reading numbers without a country code as numbers of `region`.
    FormatPhones {
        /// The cells, in row order.
        cells: Vec<String>,
        /// ISO 3166 code of the country of numbers without a country code.
        region: String,
    },
    /// Work out the SHA-256 of the file attached (a Blob): asked of a fresh worker once
    /// the sheet is read, so the reader's memory is gone by then.
    Fingerprint,
}

/// What the import worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FromWorker {
    /// Started and listening.
    Ready,
    /// The answer to [`ToWorker::FormatPhones`]: each cell's E.164 form, `None` where the
    /// plans find no valid number (the cell stays as it is).
    PhonesFormatted {
        /// One per cell asked about, in order.
        cells: Vec<Option<String>>,
    },
    /// `done` of `total` bytes read.
    Progress {
        /// Bytes read.
        done: usize,
        /// The file's size.
        total: usize,
    },
    /// A UTF-8 text file's rows follow in pieces while it is read; the page sets aside
    /// `room` for them and reads the file's bytes for the worker.
    RowsBegin {
        /// The file's size.
        total: usize,
        /// The room the rows will take, judged from the file's first bytes.
        room: Room,
    },
    /// A piece of rows in the carrier attached (see `worker_protocol::rows_into`).
    Rows {
        /// Bytes of text.
        text: usize,
        /// Cells.
        cells: usize,
        /// Rows.
        rows: usize,
        /// Bytes of the file read so far.
        done: usize,
        /// The file's size.
        total: usize,
    },
    /// The rows sent so far are void: the file is read again another way (as a sheet).
    RowsReset,
    /// The buffer attached (a piece of the file's bytes) is free again.
    BytesBack,
    /// A sheet follows in pieces: its buffers' sizes.
    Sizes {
        /// Bytes of text.
        text: usize,
        /// Cell bounds.
        bounds: usize,
        /// Row numbers.
        numbers: usize,
    },
    /// A piece of the sheet, `len` long, in the carrier attached.
    Piece {
        /// Which buffer.
        part: Part,
        /// How much of the carrier it fills.
        len: usize,
    },
    /// The carrier attached is free again (checking: the worker took the piece in it).
    Next,
    /// Issues of the check that follows (while reading, or of a sheet sent to check),
    /// a few at a time: a check's issues arrive in several messages before the one that
    /// ends it (`done` or `findings`, which carry none), so the page never spends long on
    /// one message.
    Issues {
        /// The next issues, in row order.
        issues: Vec<Issue>,
    },
    /// The whole file was read.
    Done {
        /// The sheet's headers (for a sheet sent in pieces).
        headers: Vec<String>,
        /// How the file was read.
        file_kind: FileKind,
        /// Time spent reading, in milliseconds.
        read_ms: f64,
        /// The review's findings, worked out while the rows were read, when asked and the
        /// target checks rows in pieces.
        checked: Option<CheckedAtRead>,
    },
    /// The answer to [`ToWorker::Fingerprint`]: the file's SHA-256; `None` when the browser
    /// could not read it again.
    Fingerprint {
        /// Lowercase hex.
        fingerprint: Option<String>,
    },
    /// The review's findings for the sheet sent to check.
    Findings {
        /// Issues and counts.
        findings: Findings,
    },
    /// Reading or checking failed, in words.
    Error {
        /// What went wrong.
        message: String,
        /// A choice that would read the file anyway, if there is one.
        remedy: Option<ReadRemedy>,
    },
}

/// Where a message can be posted: the worker from the page, the page from the worker.
pub trait Port {
    /// `postMessage`, transferring `transfer` when given.
    fn post_raw(&self, message: &JsValue, transfer: Option<&JsValue>) -> Result<(), JsValue>;
}

impl Port for Worker {
    fn post_raw(&self, message: &JsValue, transfer: Option<&JsValue>) -> Result<(), JsValue> {
        match transfer {
            Some(t) => self.post_message_with_transfer(message, &Array::of1(t)),
            None => self.post_message(message),
        }
    }
}

impl Port for DedicatedWorkerGlobalScope {
    fn post_raw(&self, message: &JsValue, transfer: Option<&JsValue>) -> Result<(), JsValue> {
        match transfer {
            Some(t) => self.post_message_with_transfer(message, &Array::of1(t)),
            None => self.post_message(message),
        }
    }
}

/// What an attached value is: a buffer to transfer, or a value to copy (a Blob).
#[derive(Clone, Copy)]
pub enum Attached<'a> {
    /// Nothing attached.
    None,
    /// An ArrayBuffer, transferred (it is gone from the sender).
    Transfer(&'a JsValue),
    /// A value copied (a Blob is a handle: copying it copies no bytes).
    Copy(&'a JsValue),
}

/// Issues per [`FromWorker::Issues`] message (about 200 KB of JSON: a few milliseconds
/// for the page to read).
pub const ISSUES_PER_MESSAGE: usize = 1_000;

/// Posts `issues` to `port` in [`FromWorker::Issues`] messages of [`ISSUES_PER_MESSAGE`].
pub fn post_issues(port: &impl Port, issues: Vec<Issue>) -> Result<(), JsValue> {
    let mut rest = issues.into_iter().peekable();
    while rest.peek().is_some() {
        let issues: Vec<Issue> = rest.by_ref().take(ISSUES_PER_MESSAGE).collect();
        post(port, &FromWorker::Issues { issues }, Attached::None)?;
    }
    Ok(())
}

/// Has `worker`'s messages (their data) go to `on_message` and its failure to `on_error`,
/// for as long as the worker keeps these handlers.
pub fn listen(worker: &Worker, on_message: impl FnMut(JsValue) + 'static, on_error: impl FnMut() + 'static) {
    let (mut on_message, mut on_error) = (on_message, on_error);
    let message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| on_message(event.data()));
    let error = Closure::<dyn FnMut(JsValue)>::new(move |_| on_error());
    worker.set_onmessage(Some(message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(error.as_ref().unchecked_ref()));
    // They must live while the worker's handlers point at them.
    message.forget();
    error.forget();
}

/// Posts `message` to `port`, with its attachment; `Err` when the browser refused it.
pub fn post<T: Serialize>(port: &impl Port, message: &T, attached: Attached<'_>) -> Result<(), JsValue> {
    let envelope = Object::new();
    let json = serde_json::to_string(message).map_err(|e| JsValue::from_str(&e.to_string()))?;
    Reflect::set(&envelope, &"message".into(), &json.into())?;
    let transfer = match attached {
        Attached::None => None,
        Attached::Transfer(value) => {
            Reflect::set(&envelope, &"attached".into(), value)?;
            Some(value)
        }
        Attached::Copy(value) => {
            Reflect::set(&envelope, &"attached".into(), value)?;
            None
        }
    };
    port.post_raw(&envelope, transfer)
}

/// Reads a posted message and its attachment (undefined when none); `None` when it is
/// not one of ours.
pub fn open<T: DeserializeOwned>(data: &JsValue) -> Option<(T, JsValue)> {
    let json = Reflect::get(data, &"message".into()).ok()?.as_string()?;
    let message = serde_json::from_str(&json).ok()?;
    let attached = Reflect::get(data, &"attached".into()).unwrap_or(JsValue::UNDEFINED);
    Some((message, attached))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_fields_through_json() {
        let to = ToWorker::Check {
            target: Target::first(),
            mapping: Mapping::default(),
            settings: "{}".into(),
            headers: vec!["a".into()],
            text: 3,
            bounds: 1,
            numbers: 1,
        };
        let json = serde_json::to_string(&to).unwrap();
        assert!(json.starts_with("{\"check\":{"), "{json}");
        assert_eq!(serde_json::from_str::<ToWorker>(&json).unwrap(), to);
        let from = FromWorker::Piece { part: Part::Bounds, len: 7 };
        assert_eq!(serde_json::to_string(&from).unwrap(), "{\"piece\":{\"part\":\"bounds\",\"len\":7}}");
        assert_eq!(serde_json::to_string(&FromWorker::Ready).unwrap(), "\"ready\"");
    }
}
