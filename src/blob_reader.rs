//! Reading a Blob (a file the user chose) front to back through a "bring your own
//! buffer" stream reader: the browser writes into buffers of ours, so reading a large
//! file leaves no garbage behind (reading slices makes a new buffer for each).

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::Blob;

use crate::worker_protocol::{field, UNREADABLE};

/// Bytes of a file read at a time: each read of a Blob is a round trip to the browser's
/// file store, so fewer, larger reads are faster.
pub const READ_PIECE: usize = 4 << 20;

/// A "bring your own buffer" reader of `file`.
fn byob_reader(file: &Blob) -> Result<web_sys::ReadableStreamByobReader, String> {
    let options = web_sys::ReadableStreamGetReaderOptions::new();
    options.set_mode(web_sys::ReadableStreamReaderMode::Byob);
    file.stream().get_reader_with_options(&options).dyn_into().map_err(|_| UNREADABLE.to_string())
}

/// Fills JavaScript buffers with a file's bytes, one after another, for handing on
/// whole (transferred, not copied) to the import worker.
pub struct BufferFiller {
    reader: web_sys::ReadableStreamByobReader,
    ended: bool,
}

impl BufferFiller {
    /// A filler reading `file` from its start.
    pub fn new(file: &Blob) -> Result<BufferFiller, String> {
        Ok(BufferFiller { reader: byob_reader(file)?, ended: false })
    }

    /// Fills `buffer` with the next bytes: the buffer (the same memory under a new name)
    /// and how many bytes it holds, fewer than its size only at the end of the file.
    pub async fn fill(&mut self, buffer: ArrayBuffer) -> Result<(ArrayBuffer, usize), String> {
        let size = buffer.byte_length() as usize;
        let (mut buffer, mut at) = (buffer, 0);
        while at < size && !self.ended {
            let view = Uint8Array::new_with_byte_offset_and_length(&buffer, at as u32, (size - at) as u32);
            let result = wasm_bindgen_futures::JsFuture::from(self.reader.read_with_array_buffer_view(&view)).await.map_err(|_| UNREADABLE.to_string())?;
            self.ended = field(&result, "done").is_truthy();
            match field(&result, "value").dyn_into::<Uint8Array>() {
                Ok(value) => {
                    at += value.length() as usize;
                    buffer = value.buffer();
                }
                Err(_) => return Err(UNREADABLE.into()),
            }
        }
        Ok((buffer, at))
    }

    /// Whether the end of the file was reached.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Stops reading (releases the file's stream).
    pub fn cancel(&self) {
        let _ = self.reader.cancel();
    }
}
