//! What the page and the import worker say to each other: message fields, and a sheet
//! sent in pieces through carrier buffers (two go back and forth, so a sheet crossing over
//! is never held a third time and no garbage piles up). Both directions use this: the
//! worker sends a sheet it read, the page sends a sheet to be checked. A CSV file is not
//! sent as a sheet but as its rows, piece by piece while it is read ([`rows_message`]).

use ferry_core::sheet::{BadParts, RowsPiece, SheetAssembler};
use js_sys::{ArrayBuffer, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::worker_messages::Part;

/// What the page is told when the browser cannot read the chosen file (moved, deleted,
/// locked by another program).
pub const UNREADABLE: &str = "The browser could not read this file. Check that it is not open and locked by another program, then choose it again.";

/// Bytes per piece.
pub const CHUNK: u32 = 4 << 20;

/// The field `name` of a JavaScript object (undefined when missing).
pub fn field(message: &JsValue, name: &str) -> JsValue {
    Reflect::get(message, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Copies the next piece of a sheet's buffers (`text`, `bounds`, `numbers`, in that
/// order) into `carrier`; `sent` counts what went before. Returns the part and its length
/// (bytes of text, elements of the others), or `None` when everything was sent.
pub fn fill_carrier(carrier: &ArrayBuffer, sent: &mut [usize; 3], (text, bounds, numbers): (&[u8], &[u32], &[u32])) -> Option<(Part, usize)> {
    let room = carrier.byte_length() as usize;
    if sent[0] < text.len() {
        let n = room.min(text.len() - sent[0]);
        Uint8Array::new_with_byte_offset_and_length(carrier, 0, n as u32).copy_from(&text[sent[0]..sent[0] + n]);
        sent[0] += n;
        return Some((Part::Text, n));
    }
    for (i, part, values) in [(1, Part::Bounds, bounds), (2, Part::Numbers, numbers)] {
        if sent[i] < values.len() {
            let n = (room / 4).min(values.len() - sent[i]);
            Uint32Array::new_with_byte_offset_and_length(carrier, 0, n as u32).copy_from(&values[sent[i]..sent[i] + n]);
            sent[i] += n;
            return Some((part, n));
        }
    }
    None
}

/// Adds a piece (`len` of `part`, in `carrier`) to `sheet`.
pub fn take_piece(sheet: &mut SheetAssembler, part: Part, len: usize, carrier: &JsValue) {
    let carrier: &ArrayBuffer = carrier.unchecked_ref();
    let len = len as u32;
    match part {
        Part::Text => sheet.push_text(len as usize, |t| Uint8Array::new_with_byte_offset_and_length(carrier, 0, len).copy_to(t)),
        Part::Bounds => sheet.push_bounds(len as usize, |b| Uint32Array::new_with_byte_offset_and_length(carrier, 0, len).copy_to(b)),
        Part::Numbers => sheet.push_numbers(len as usize, |n| Uint32Array::new_with_byte_offset_and_length(carrier, 0, len).copy_to(n)),
    }
}

/// Bytes a piece of rows takes in a carrier: its text, padded to 4, then its cell ends,
/// row ends and row numbers.
fn rows_bytes(text: usize, cells: usize, rows: usize) -> usize {
    text.next_multiple_of(4) + 4 * (cells + 2 * rows)
}

/// Copies a piece of rows into `carrier` (a bigger one is made when it does not fit):
/// its text, then (at the next multiple of 4) its cell ends, row ends and row numbers.
/// Returns the carrier and the sizes `[text, cells, rows]` the `rows` message gives.
pub fn rows_into(carrier: ArrayBuffer, piece: &RowsPiece) -> (ArrayBuffer, [usize; 3]) {
    let (text, ends, row_ends, numbers) = piece.parts();
    let needed = rows_bytes(text.len(), ends.len(), numbers.len());
    let carrier = if (carrier.byte_length() as usize) < needed { ArrayBuffer::new(needed.next_multiple_of(1 << 20) as u32) } else { carrier };
    Uint8Array::new_with_byte_offset_and_length(&carrier, 0, text.len() as u32).copy_from(text);
    let mut at = text.len().next_multiple_of(4);
    for values in [ends, row_ends, numbers] {
        Uint32Array::new_with_byte_offset_and_length(&carrier, at as u32, values.len() as u32).copy_from(values);
        at += 4 * values.len();
    }
    (carrier, [text.len(), ends.len(), numbers.len()])
}

/// The piece of rows in `carrier` of a `rows` message with these sizes (see
/// [`rows_into`]), when it fits together.
pub fn take_rows(carrier: &JsValue, [text_len, cells, rows]: [usize; 3]) -> Result<RowsPiece, BadParts> {
    let carrier: &ArrayBuffer = carrier.dyn_ref().ok_or(BadParts)?;
    if rows_bytes(text_len, cells, rows) > carrier.byte_length() as usize {
        return Err(BadParts);
    }
    let mut text = vec![0; text_len];
    Uint8Array::new_with_byte_offset_and_length(carrier, 0, text_len as u32).copy_to(&mut text);
    let mut at = text_len.next_multiple_of(4);
    let mut numbers_of = |len: usize| {
        let mut values = vec![0; len];
        Uint32Array::new_with_byte_offset_and_length(carrier, at as u32, len as u32).copy_to(&mut values);
        at += 4 * len;
        values
    };
    let ends = numbers_of(cells);
    let row_ends = numbers_of(rows);
    let numbers = numbers_of(rows);
    RowsPiece::from_parts(text, &ends, row_ends, numbers)
}
