//! Small text helpers shared by readers, mapping and adapters.

/// How many lines `s` has: one more than its line breaks (`\r\n`, `\n` or `\r`).
pub fn line_count(s: &str) -> usize {
    s.split("\r\n").flat_map(|l| l.split(['\n', '\r'])).count()
}

/// Shortens `s` to at most `max` characters, marking the cut with `…`.
pub fn excerpt(s: &str, max: usize) -> String {
    // Stops looking after `max` characters: a cell of megabytes costs no more than a short one.
    if s.chars().nth(max).is_none() {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// The longest start of `s` of at most `max_bytes` bytes that ends between characters.
pub fn cut_at_char(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A header or field name reduced to lowercase letters and digits, so that
/// `E-mail`, `e_mail` and `EMAIL ` compare equal.
pub fn normalise_name(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
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

/// `n` with its noun, singular for one: `count(1, "record", "records")` is `1 record`,
/// `count(1000, ..)` is `1,000 records`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `8412` → `8,412`: counts as people read them.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local part without
/// spaces, and a domain of dot-separated labels with a top-level part of two letters or more.
pub fn is_valid_email(s: &str) -> bool {
    // The last `@` (a byte search: `rsplit_once('@')` compares one byte at a time through
    // `memcmp`, a tenth of a large Engage check).
    let Some(at) = s.bytes().rposition(|b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.len() > 253 {
        return false;
    }
    if s.is_ascii() {
        ascii_local_ok(local.as_bytes()) && ascii_domain_ok(domain.as_bytes())
    } else {
        local_ok(local) && domain_ok(domain)
    }
}

/// An e-mail address's local part, any text: allowed characters, no dot at either end,
/// no two dots together.
fn local_ok(local: &str) -> bool {
    let local_char = |c: char| match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '/' | '=' | '?' | '^' | '_' | '`' | '{' | '|' | '}' | '~' | '.' | '-' => true,
        c => !c.is_ascii() && c.is_alphanumeric(),
    };
    local.chars().all(local_char) && !local.starts_with('.') && !local.ends_with('.') && !local.contains("..")
}

/// An e-mail address's domain, any text: two labels or more of letters, digits and
/// inner hyphens, the last of two letters or more.
fn domain_ok(domain: &str) -> bool {
    let label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric());
    let mut labels = 0;
    let mut last = "";
    let labels_ok = domain.split('.').all(|l| {
        labels += 1;
        last = l;
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(label_char)
    });
    labels_ok && labels >= 2 && last.chars().count() >= 2 && last.chars().all(char::is_alphabetic)
}

/// [`local_ok`] for ASCII text, in one pass over its bytes (the common case, and the hot
/// loop of a large check).
fn ascii_local_ok(local: &[u8]) -> bool {
    let mut previous = b'.';
    for &b in local {
        let allowed = b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b);
        if !allowed || (b == b'.' && previous == b'.') {
            return false;
        }
        previous = b;
    }
    previous != b'.'
}

/// [`domain_ok`] for ASCII text, in one pass over its bytes.
fn ascii_domain_ok(domain: &[u8]) -> bool {
    let mut labels = 0;
    for label in domain.split(|&b| b == b'.') {
        labels += 1;
        let ok = match (label.first(), label.last()) {
            (Some(&first), Some(&last)) => first != b'-' && last != b'-' && label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-'),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    let top = domain.rsplit(|&b| b == b'.').next().unwrap_or_default();
    labels >= 2 && top.len() >= 2 && top.iter().all(u8::is_ascii_alphabetic)
}

/// Appends `s` to `out` as a JSON string, exactly as `serde_json` writes it. Text with
/// nothing to escape (nearly every cell) is copied in one go after a quick scan; the
/// rest is left to `serde_json`.
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    // Every byte looked at, without stopping early, so the compiler can check many at once.
    let escape = s.bytes().fold(false, |found, b| found | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if escape {
        serde_json::to_writer(&mut *out, s).expect("writing to memory");
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
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
mod count_tests {
    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(super::count(1, "record", "records"), "1 record");
        assert_eq!(super::count(0, "record", "records"), "0 records");
        assert_eq!(super::count(1_000_000, "row", "rows"), "1,000,000 rows");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_any_kind_of_break() {
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("Bērziņa"), 1);
        assert_eq!(line_count("a\r\nb\nc\rd"), 4);
        assert_eq!(line_count("a\n\nb\n"), 4);
    }

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
    fn json_strings_are_written_as_serde_json_writes_them() {
        let all_bytes: String = (0u8..128).map(char::from).collect();
        for s in ["", "Anna", "Bērziņa", "say \"hi\"", "a\\b", "line\nbreak\ttab", "\u{1}\u{1f}\u{7f}", "€ 😀", "</script>", &all_bytes] {
            let mut ours = b"x".to_vec();
            write_json_string(&mut ours, s);
            let mut theirs = b"x".to_vec();
            serde_json::to_writer(&mut theirs, s).unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn ascii_emails_are_judged_as_any_text_is() {
        // The byte-wise path for ASCII must agree with the character-wise one everywhere.
        let pieces = ["a", "Z9", ".", "..", "-", "@", " ", "+", "_", "lv", "b-c", "1", "x.y", "~", "\"", "\t"];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let s = format!("{a}{b}@{c}{d}");
                        let Some((local, domain)) = s.rsplit_once('@') else { continue };
                        assert_eq!(ascii_local_ok(local.as_bytes()), local_ok(local), "local part {local:?}");
                        assert_eq!(ascii_domain_ok(domain.as_bytes()), domain_ok(domain), "domain {domain:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 60_000);
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
