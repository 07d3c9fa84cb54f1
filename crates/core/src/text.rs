//! Small text helpers shared by readers, mapping and adapters.

/// Shortens `s` to at most `max` characters, marking the cut with `…`.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// A header or field name reduced to lowercase letters and digits, so that
/// `E-mail`, `e_mail` and `EMAIL ` compare equal.
pub fn normalise_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The spreadsheet letter of a zero-based column index: 0 → `A`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// `8412` → `8,412`: counts as people read them.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local part without
/// spaces, and a domain of dot-separated labels with a top-level part of two letters or more.
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 {
        return false;
    }
    // ASCII is decided byte by byte (the common case, and the hot loop of a large check);
    // other characters by their Unicode class.
    let local_char = |c: char| match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '/' | '=' | '?' | '^' | '_' | '`' | '{' | '|' | '}' | '~' | '.' | '-' => true,
        c => !c.is_ascii() && c.is_alphanumeric(),
    };
    let label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric());
    let local_ok = local.chars().all(local_char) && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let mut labels = 0;
    let mut last = "";
    let labels_ok = domain.split('.').all(|l| {
        labels += 1;
        last = l;
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(label_char)
    });
    let domain_ok = labels_ok && labels >= 2 && last.chars().count() >= 2 && last.chars().all(char::is_alphabetic);
    local_ok && domain_ok
}

/// A fast, non-cryptographic hasher (the Fx hash used inside rustc) for maps keyed by
/// cell text, where the default SipHash costs more than the rest of a check.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
        }
        for &b in chunks.remainder() {
            self.hash = (self.hash.rotate_left(5) ^ b as u64).wrapping_mul(SEED);
        }
    }

    fn finish(&self) -> u64 {
        // Fx leaves the low bits weak, and hash tables index by them: mix (splitmix64's end).
        let mut h = self.hash;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
}

/// Builds [`FxHasher`]s.
pub type BuildFxHasher = std::hash::BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn emails() {
        for ok in ["a@b.lv", "anna.berzina+study@example.org", "x@sub.example.co.uk", "jānis@piemērs.lv"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@", "@b.lv", "a@b", "a b@c.lv", "a@b..lv", "a@@b.lv", "a@b.1", ".a@b.lv", "a@-b.lv"] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(normalise_name(" E-Mail_Address "), "emailaddress");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(thousands(8412), "8,412");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
