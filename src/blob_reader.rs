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

/// A Blob read front to back through one buffer of ours (a "bring your own buffer"
/// stream reader: the browser writes into it), so reading a large file leaves no
/// garbage behind, unlike reading slices, where each read makes a new buffer. After each
/// [`BlobPieces::read`] the next read is already asked for, so the browser fetches the
/// next bytes while this worker works on the ones it has.
pub struct BlobPieces {
    reader: web_sys::ReadableStreamByobReader,
    /// Bytes the browser gave that were not handed out yet, and how many of them were.
    held: Option<(Uint8Array, usize)>,
    /// The read asked for ahead.
    pending: Option<js_sys::Promise>,
    /// The buffer, when no read has it.
    free: Option<ArrayBuffer>,
    ended: bool,
}

impl BlobPieces {
    /// A reader of `file` from its start.
    pub fn new(file: &Blob) -> Result<BlobPieces, String> {
        let reader = byob_reader(file)?;
        Ok(BlobPieces { reader, held: None, pending: None, free: Some(ArrayBuffer::new(READ_PIECE as u32)), ended: false })
    }

    /// Asks the browser for the next bytes, into the free buffer.
    fn ask(&mut self) -> Result<js_sys::Promise, String> {
        let buffer = self.free.take().ok_or(UNREADABLE)?;
        Ok(self.reader.read_with_array_buffer_view(&Uint8Array::new(&buffer)))
    }

    /// Fills `out` with the next bytes; fewer only at the end of the file.
    pub async fn read(&mut self, out: &mut [u8]) -> Result<usize, String> {
        let mut filled = 0;
        while filled < out.len() {
            if let Some((value, taken)) = self.held.take() {
                let n = (value.length() as usize - taken).min(out.len() - filled);
                value.subarray(taken as u32, (taken + n) as u32).copy_to(&mut out[filled..filled + n]);
                filled += n;
                if taken + n < value.length() as usize {
                    self.held = Some((value, taken + n));
                } else {
                    // The same memory, handed back under a new name.
                    self.free = Some(value.buffer());
                }
                continue;
            }
            if self.ended {
                break;
            }
            let asked = match self.pending.take() {
                Some(asked) => asked,
                None => self.ask()?,
            };
            let result = wasm_bindgen_futures::JsFuture::from(asked).await.map_err(|_| UNREADABLE.to_string())?;
            self.ended = field(&result, "done").is_truthy();
            match field(&result, "value").dyn_into::<Uint8Array>() {
                Ok(value) if value.length() > 0 => self.held = Some((value, 0)),
                Ok(value) => self.free = Some(value.buffer()),
                Err(_) if self.ended => {}
                Err(_) => return Err(UNREADABLE.into()),
            }
        }
        if self.held.is_none() && self.pending.is_none() && !self.ended {
            self.pending = Some(self.ask()?);
        }
        Ok(filled)
    }
}

