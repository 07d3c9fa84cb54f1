//! Text encodings of delimited files: UTF-8 (with or without BOM), UTF-16 LE/BE, and
//! Windows-1252 / Latin-1 (what Excel's "CSV" writes on Western Windows).

use serde::{Deserialize, Serialize};

/// An encoding Ferry reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
    /// Windows-1252 (a superset of Latin-1 for printable text).
    Windows1252,
}

impl TextEncoding {
    /// Every encoding, for a choice the user can override.
    pub const ALL: [TextEncoding; 4] = [TextEncoding::Utf8, TextEncoding::Windows1252, TextEncoding::Utf16Le, TextEncoding::Utf16Be];

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252 / Latin-1",
        }
    }

    fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

/// The encoding the bytes most likely use: a BOM decides; else valid UTF-8 is UTF-8;
/// else NUL bytes on every other position mean UTF-16; else Windows-1252.
pub fn detect(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8;
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return TextEncoding::Utf16Le;
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return TextEncoding::Utf16Be;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let even_nuls = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let half = head.len() / 2;
    if half > 0 && odd_nuls * 3 > half && even_nuls * 10 < half {
        return TextEncoding::Utf16Le;
    }
    if half > 0 && even_nuls * 3 > half && odd_nuls * 10 < half {
        return TextEncoding::Utf16Be;
    }
    // A piece cut from a longer file may end inside a character: that is still UTF-8.
    if std::str::from_utf8(bytes).map_or_else(|e| e.error_len().is_none(), |_| true) {
        TextEncoding::Utf8
    } else {
        TextEncoding::Windows1252
    }
}

/// The text of `bytes` in `encoding` (BOM dropped), and whether some bytes could not be
/// decoded (they become U+FFFD).
pub fn decode(bytes: &[u8], encoding: TextEncoding) -> (String, bool) {
    let (text, had_errors) = encoding.codec().decode_with_bom_removal(bytes);
    (text.into_owned(), had_errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_decodes() {
        assert_eq!(detect("Rīga;Cēsis".as_bytes()), TextEncoding::Utf8);
        let latin = b"Name;City\nJos\xe9;M\xfcnchen\n";
        assert_eq!(detect(latin), TextEncoding::Windows1252);
        assert_eq!(decode(latin, TextEncoding::Windows1252).0, "Name;City\nJosé;München\n");
        let utf16: Vec<u8> = "\u{FEFF}a,b\nč,ž\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect(&utf16), TextEncoding::Utf16Le);
        assert_eq!(decode(&utf16, TextEncoding::Utf16Le).0, "a,b\nč,ž\n");
        let no_bom_be: Vec<u8> = "name,city\nAnna,Riga\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect(&no_bom_be), TextEncoding::Utf16Be);
        assert!(decode(b"ok \xff", TextEncoding::Utf8).1, "bad bytes are reported");
    }
}
