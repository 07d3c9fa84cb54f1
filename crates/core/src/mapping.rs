//! Which source column (or constant) fills which target field.

use serde::{Deserialize, Serialize};

use crate::datetime::{Century, DateOrder, DateReading};
use crate::sheet::Cells;
use crate::text::normalise_name;

/// What kind of value a target field holds; decides how cells are checked and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// true / false.
    Boolean,
    /// A date with an optional time of day.
    DateTime,
}

/// A field of a vendor's record, as the vendor's document names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Path of the field in the vendor's payload, e.g. `participant.email`.
    pub key: &'static str,
    /// Short label for people.
    pub label: &'static str,
    /// One line from the vendor's document about the field.
    pub help: &'static str,
    /// Value kind.
    pub kind: FieldKind,
    /// Other header names that mean this field (compared case- and punctuation-blind).
    pub synonyms: &'static [&'static str],
}

/// Where a target field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// The cell of this zero-based source column.
    Column(usize),
    /// The same text on every row.
    Constant(String),
}

/// Target field key → source, in the order the user sees them, and how the source
/// columns' dates are read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    /// `(field key, source)` pairs; keys are unique.
    pub fields: Vec<(String, Source)>,
    /// `(source column, order)`: how the column's `d/m/y` dates are read, as the user
    /// chose or Ferry inferred from the column's own cells. A column without an order
    /// reads only dates that cannot be swapped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_orders: Vec<(usize, DateOrder)>,
    /// `(source column, century)`: the century of the column's two-digit years, as the
    /// user chose it. A column without one reads no two-digit year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub centuries: Vec<(usize, Century)>,
    /// The country (ISO 3166 code) of phone numbers written without a country code;
    /// `None` for [`crate::phone::DEFAULT_REGION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_region: Option<String>,
}

impl Mapping {
    /// The source of `key`, if mapped.
    pub fn get(&self, key: &str) -> Option<&Source> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// Maps `key` to `source` (or unmaps it with `None`), keeping the order of the others.
    pub fn set(&mut self, key: &str, source: Option<Source>) {
        match (self.fields.iter().position(|(k, _)| k == key), source) {
            (Some(i), Some(s)) => self.fields[i].1 = s,
            (Some(i), None) => {
                self.fields.remove(i);
            }
            (None, Some(s)) => self.fields.push((key.to_string(), s)),
            (None, None) => {}
        }
    }

    /// The value of `key` for data row `row` of `sheet` (a whole sheet or a piece of its
    /// rows), trimmed; `None` when unmapped or blank.
    pub fn value<'a, C: Cells + ?Sized>(&'a self, sheet: &'a C, row: usize, key: &str) -> Option<&'a str> {
        let text = match self.get(key)? {
            Source::Column(c) => sheet.cell(row, *c),
            Source::Constant(s) => s.as_str(),
        };
        let text = text.trim();
        (!text.is_empty()).then_some(text)
    }

    /// How the dates of `source` are read: its column's order and century, where set.
    pub fn date_reading_of(&self, source: &Source) -> DateReading {
        match source {
            Source::Column(c) => DateReading { order: self.date_order(*c), century: self.century(*c) },
            Source::Constant(_) => DateReading::default(),
        }
    }

    /// The century set for the two-digit years of source `column`.
    pub fn century(&self, column: usize) -> Option<Century> {
        self.centuries.iter().find(|(c, _)| *c == column).map(|(_, y)| *y)
    }

    /// Sets (or with `None` clears) the century of source `column`'s two-digit years.
    pub fn set_century(&mut self, column: usize, century: Option<Century>) {
        self.centuries.retain(|(c, _)| *c != column);
        if let Some(century) = century {
            self.centuries.push((column, century));
        }
    }

    /// The country of phone numbers without a country code (ISO 3166 code).
    pub fn phone_region(&self) -> &str {
        self.phone_region.as_deref().unwrap_or(crate::phone::DEFAULT_REGION)
    }

    /// The date order set for source `column`.
    pub fn date_order(&self, column: usize) -> Option<DateOrder> {
        self.date_orders.iter().find(|(c, _)| *c == column).map(|(_, o)| *o)
    }

    /// Sets (or with `None` clears) the date order of source `column`.
    pub fn set_date_order(&mut self, column: usize, order: Option<DateOrder>) {
        self.date_orders.retain(|(c, _)| *c != column);
        if let Some(order) = order {
            self.date_orders.push((column, order));
        }
    }

    /// The source column of `key`, when it is mapped to a column.
    pub fn column(&self, key: &str) -> Option<usize> {
        match self.get(key)? {
            Source::Column(c) => Some(*c),
            Source::Constant(_) => None,
        }
    }

    /// Keys mapped under `prefix` (e.g. every `answers.` key), in order.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().map(|(k, _)| k.as_str()).filter(move |k| k.starts_with(prefix))
    }
}

/// Suggests a mapping from header names: a header matches a field when, ignoring case
/// and punctuation, it equals the field's key, its last path segment, its label or a
/// synonym. Headers written `<prefix><name>` (e.g. `answers.q1`) map to the dynamic
/// field `<prefix><name>` when `dynamic_prefix` is given. Each column is used once.
pub fn suggest(headers: &[String], fields: &[FieldSpec], dynamic_prefix: Option<&str>) -> Mapping {
    let mut mapping = Mapping::default();
    let mut used = vec![false; headers.len()];
    let normalised: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
    for field in fields {
        let tail = field.key.rsplit('.').next().unwrap_or(field.key);
        let names: Vec<String> = [field.key, tail, field.label].into_iter().chain(field.synonyms.iter().copied()).map(normalise_name).collect();
        if let Some(col) = (0..headers.len()).find(|&c| !used[c] && names.contains(&normalised[c])) {
            used[col] = true;
            mapping.set(field.key, Some(Source::Column(col)));
        }
    }
    if let Some(prefix) = dynamic_prefix {
        for (col, header) in headers.iter().enumerate() {
            if used[col] {
                continue;
            }
            if let Some(name) = strip_prefix_loosely(header, prefix) {
                used[col] = true;
                mapping.set(&format!("{prefix}{name}"), Some(Source::Column(col)));
            }
        }
    }
    mapping
}

/// Column names of first names (given names), for the fields that take them and the
/// checks that look for them.
pub const FIRST_NAME_HEADERS: &[&str] = &["first name", "given name", "forename", "vārds"];

/// Column names of last names (family names).
pub const LAST_NAME_HEADERS: &[&str] = &["last name", "family name", "surname", "uzvārds"];

/// Whether `header` is one of `names`, compared as [`suggest`] compares them (case and
/// punctuation ignored).
pub fn is_named(header: &str, names: &[&str]) -> bool {
    let header = normalise_name(header);
    names.iter().any(|name| normalise_name(name) == header)
}

/// `answers.q1`, `Answers: q1`, `answers_q1` → `q1` for prefix `answers.`.
pub fn strip_prefix_loosely<'a>(header: &'a str, prefix: &str) -> Option<&'a str> {
    let word = prefix.trim_end_matches('.');
    let head = header.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    let rest = header[word.len()..].trim_start_matches(['.', ':', '_', ' ', '-', '/']);
    (rest.len() < header.len() - word.len() && !rest.is_empty()).then_some(rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        FieldSpec { key: "participant.email", label: "Email", help: "", kind: FieldKind::Email, synonyms: &["e-mail address", "mail"] },
        FieldSpec { key: "participant.given_name", label: "Given name", help: "", kind: FieldKind::Text, synonyms: &["first name"] },
    ];

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn suggests_by_synonym_label_and_prefix() {
        let m = suggest(&headers(&["First Name", "E-Mail Address", "answers.q1", "Answers: mood", "notes"]), FIELDS, Some("answers."));
        assert_eq!(m.get("participant.email"), Some(&Source::Column(1)));
        assert_eq!(m.get("participant.given_name"), Some(&Source::Column(0)));
        assert_eq!(m.get("answers.q1"), Some(&Source::Column(2)));
        assert_eq!(m.get("answers.mood"), Some(&Source::Column(3)));
        assert_eq!(m.fields.len(), 4, "notes stays unmapped");
    }

    #[test]
    fn a_column_is_used_once() {
        let m = suggest(&headers(&["email"]), &[FIELDS[0], FieldSpec { key: "other.email", ..FIELDS[0] }], None);
        assert_eq!(m.fields.len(), 1);
    }

    #[test]
    fn answer_word_alone_is_not_a_question() {
        assert_eq!(strip_prefix_loosely("answers", "answers."), None);
        assert_eq!(strip_prefix_loosely("answersheet", "answers."), None);
    }
}
