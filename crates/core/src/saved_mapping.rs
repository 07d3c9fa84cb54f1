//! Mappings saved in the browser for the next file: column names and options only,
//! never a cell value (fixed values typed by the user are not kept either).

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, Source};
use crate::text::normalise_name;

/// How many saved mappings are kept (the most recent).
pub const KEEP: usize = 20;

/// One saved mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMapping {
    /// The target's id.
    pub target: String,
    /// The file's column names when it was saved.
    pub headers: Vec<String>,
    /// Field key → column name.
    pub fields: Vec<(String, String)>,
}

impl SavedMapping {
    /// Saves `mapping` over `headers` for `target` (columns only).
    pub fn new(target: &str, headers: &[String], mapping: &Mapping) -> SavedMapping {
        let fields = mapping
            .fields
            .iter()
            .filter_map(|(key, source)| match source {
                Source::Column(c) => headers.get(*c).map(|h| (key.clone(), h.clone())),
                Source::Constant(_) => None,
            })
            .collect();
        SavedMapping { target: target.to_string(), headers: headers.to_vec(), fields }
    }

    /// Share of this mapping's columns that `headers` has (0.0–1.0).
    pub fn fit(&self, headers: &[String]) -> f64 {
        if self.fields.is_empty() {
            return 0.0;
        }
        let names: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
        let found = self.fields.iter().filter(|(_, column)| names.contains(&normalise_name(column))).count();
        found as f64 / self.fields.len() as f64
    }

    /// The mapping for a file with `headers` (fields whose column is missing stay unmapped).
    pub fn apply(&self, headers: &[String]) -> Mapping {
        let names: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
        let mut mapping = Mapping::default();
        for (key, column) in &self.fields {
            if let Some(i) = names.iter().position(|n| *n == normalise_name(column)) {
                mapping.set(key, Some(Source::Column(i)));
            }
        }
        mapping
    }
}

/// The best saved mapping for `target` and `headers`, if one fits at least 60 %.
pub fn best<'a>(saved: &'a [SavedMapping], target: &str, headers: &[String]) -> Option<&'a SavedMapping> {
    saved.iter().filter(|s| s.target == target).map(|s| (s, s.fit(headers))).filter(|(_, fit)| *fit >= 0.6).max_by(|a, b| a.1.total_cmp(&b.1)).map(|(s, _)| s)
}

/// Adds `new` to the list (replacing one for the same target and columns), newest first,
/// keeping [`KEEP`].
pub fn remember(mut saved: Vec<SavedMapping>, new: SavedMapping) -> Vec<SavedMapping> {
    saved.retain(|s| !(s.target == new.target && s.headers == new.headers));
    saved.insert(0, new);
    saved.truncate(KEEP);
    saved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn saves_column_names_only_and_fits_similar_files() {
        let mut m = Mapping::default();
        m.set("participant.email", Some(Source::Column(1)));
        m.set("participant.text", Some(Source::Constant("anna@example.org secret".into())));
        m.set("answers.q1", Some(Source::Column(2)));
        let saved = SavedMapping::new("engage", &h(&["Name", "E-mail", "Q1"]), &m);
        let json = serde_json::to_string(&saved).unwrap();
        assert!(!json.contains("secret") && !json.contains("anna@"), "{json}");
        let next = h(&["e-mail", "Q1", "Extra"]);
        assert_eq!(saved.fit(&next), 1.0);
        let applied = saved.apply(&next);
        assert_eq!(applied.get("participant.email"), Some(&Source::Column(0)));
        assert_eq!(applied.get("answers.q1"), Some(&Source::Column(1)));
        let list = remember(vec![], saved.clone());
        assert_eq!(best(&list, "engage", &next), Some(&saved));
        assert_eq!(best(&list, "lumi-say", &next), None);
        assert_eq!(best(&list, "engage", &h(&["Other"])), None);
    }
}
