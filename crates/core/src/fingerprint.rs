//! A file's fingerprint: SHA-256 of its bytes, as lowercase hex. A leaf: the readers
//! work it out as they read, the journal keys sends by it.

use sha2::{Digest, Sha256};

/// SHA-256 of a file's bytes, as lowercase hex.
pub fn file_fingerprint(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// [`file_fingerprint`] of a file read in pieces.
#[derive(Default)]
pub struct Fingerprinter(Sha256);

impl Fingerprinter {
    /// Takes the next piece of the file.
    pub fn update(&mut self, piece: &[u8]) {
        self.0.update(piece);
    }

    /// The fingerprint of all pieces.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_whole_or_in_pieces() {
        let whole = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(file_fingerprint(b"abc"), whole);
        let mut pieces = Fingerprinter::default();
        pieces.update(b"a");
        pieces.update(b"bc");
        assert_eq!(pieces.finish(), whole);
    }
}
