//! One adapter per vendor, each a file that reads like the vendor's document.
//!
//! Each vendor module implements [`Adapter`]; adding a vendor is one new module here
//! and one line in [`REGISTRY`].

pub mod contract;
pub mod engage;
pub mod engaging_networks;
pub mod lumi_say;
pub mod participant_kit;
pub mod read_check;
pub mod recheck;
pub mod records;

use serde::Serialize;
use serde_json::Value;

use crate::issue::{Issue, Severity};
use crate::mapping::FieldSpec;

use crate::report::Outcome;
pub use contract::{Adapter, CallbackResult, Contract, Login, LoginField, Problem, RowChecker, Typed};

/// One source row turned into a vendor record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreparedRecord {
    /// Spreadsheet row number of the source row.
    pub row: usize,
    /// How the vendor will know the row (participant id, username, e-mail, ...).
    pub identifier: String,
    /// The record as the vendor wants it.
    pub json: Value,
}

impl PreparedRecord {
    /// A record counted and not built (see [`contract::Preparer::count_only`]): costs no
    /// allocation.
    pub fn counted(row: usize) -> PreparedRecord {
        PreparedRecord { row, identifier: String::new(), json: Value::Null }
    }
}

/// Records ready to send, and the issues found on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prepared {
    /// Rows without errors, as records.
    pub records: Vec<PreparedRecord>,
    /// Every issue, in row order.
    pub issues: Vec<Issue>,
    /// Rows not sent because of errors, with their identifier.
    pub skipped: Vec<(usize, String)>,
}

impl Prepared {
    /// These records as a send's plan: every record held, the skipped rows reported.
    pub fn into_plan(self) -> records::SendPlan {
        let skipped = self.skipped_outcomes();
        records::SendPlan { records: records::Records::held(self.records), skipped }
    }

    /// The first `records` records with every text longer than `max_chars` cut (marked
    /// with `…`), for a preview: a cell of megabytes is not copied into the page to show
    /// the shape of what is sent.
    pub fn for_preview(&self, records: usize, max_chars: usize) -> Prepared {
        fn cut(value: &mut Value, max_chars: usize) {
            match value {
                Value::String(s) if s.chars().nth(max_chars).is_some() => *s = crate::text::excerpt(s, max_chars),
                Value::Array(items) => items.iter_mut().for_each(|v| cut(v, max_chars)),
                Value::Object(fields) => fields.values_mut().for_each(|v| cut(v, max_chars)),
                _ => {}
            }
        }
        let records = self
            .records
            .iter()
            .take(records)
            .map(|r| {
                let mut r = r.clone();
                cut(&mut r.json, max_chars);
                r
            })
            .collect();
        Prepared { records, issues: Vec::new(), skipped: Vec::new() }
    }

    /// The report line of each skipped row: its error messages, joined.
    pub fn skipped_outcomes(&self) -> Vec<(usize, String, Outcome)> {
        let mut reasons = error_reasons(&self.issues);
        self.skipped.iter().map(|(row, identifier)| (*row, identifier.clone(), Outcome::Skipped { reason: reasons.remove(row).unwrap_or_default() })).collect()
    }
}

/// Each row's error messages, joined: why the row is not sent.
pub fn error_reasons(issues: &[Issue]) -> std::collections::BTreeMap<usize, String> {
    let mut reasons: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();
    for issue in issues.iter().filter(|i| i.severity == Severity::Error) {
        let reason = reasons.entry(issue.row).or_default();
        if !reason.is_empty() {
            reason.push(' ');
        }
        reason.push_str(&issue.message);
    }
    reasons
}

/// What review shows for a target: every issue and how many rows would go, without the
/// records themselves (so it can be worked out in the import worker and sent back small).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Findings {
    /// Every issue, in row order.
    pub issues: Vec<Issue>,
    /// Rows that would be sent.
    pub ready: usize,
    /// Rows held back for errors.
    pub held: usize,
}

impl Findings {
    /// Whether row `row` (a spreadsheet row number) is held back for an error.
    pub fn holds(&self, row: usize) -> bool {
        let from = self.issues.partition_point(|i| i.row < row);
        self.issues[from..].iter().take_while(|i| i.row == row).any(|i| i.severity == Severity::Error)
    }
}

impl From<&Prepared> for Findings {
    fn from(p: &Prepared) -> Findings {
        Findings { issues: p.issues.clone(), ready: p.records.len(), held: p.skipped.len() }
    }
}

/// Checks every row of `sheet` for `target`; `settings` is that target's settings as JSON.
pub fn find(target: Target, sheet: &crate::sheet::Sheet, mapping: &crate::mapping::Mapping, settings: &str) -> Result<Findings, String> {
    let settings: Value = serde_json::from_str(settings).map_err(|e| format!("settings: {e}"))?;
    Ok(target.contract().findings(sheet, mapping, &settings))
}

/// What the page needs to know about a target before choosing it.
#[derive(Debug, Clone, Copy)]
pub struct Vendor {
    /// Stable id, used in settings and saved mappings.
    pub id: &'static str,
    /// The product's name.
    pub name: &'static str,
    /// One line on what a record is.
    pub summary: &'static str,
    /// The fields a record has.
    pub fields: &'static [FieldSpec],
    /// Prefix of fields the user names (e.g. `answers.` + question id), if any.
    pub dynamic_prefix: Option<&'static str>,
    /// What the user-named fields are called (e.g. "Survey answers").
    pub dynamic_label: &'static str,
    /// What the user types to name one (e.g. "Question ID").
    pub dynamic_name: &'static str,
}

/// Fields that identify a row, across the vendors, in order of preference (for finding
/// repeated rows).
pub const IDENTIFIER_FIELDS: [&str; 5] = ["participant.participant_id", "participant.email", "username", "email", "participant_id"];

/// A secret token (Engaging Networks' private token, Participant Kit's OAuth2 token).
/// Lives in memory only; its `Debug` shows nothing.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TokenCredentials {
    /// The token.
    pub token: String,
}

impl std::fmt::Debug for TokenCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCredentials { .. }")
    }
}

impl TokenCredentials {
    /// The token typed into the login form (its `token` field).
    pub fn from_login(login: &Login) -> TokenCredentials {
        TokenCredentials { token: login.get("token").to_string() }
    }

    /// What is missing, in words.
    pub fn problems(&self) -> Vec<String> {
        if self.token.trim().is_empty() {
            vec!["Token is empty.".into()]
        } else {
            vec![]
        }
    }
}

/// Every vendor Ferry can send to, each listed once, in the order the page offers them.
pub static REGISTRY: [&dyn Contract; 4] =
    [&Typed(engage::Engage), &Typed(lumi_say::LumiSay), &Typed(participant_kit::ParticipantKit), &Typed(engaging_networks::EngagingNetworks)];

/// A target: one entry of [`REGISTRY`]. Serialised as its vendor's id.
#[derive(Clone, Copy)]
pub struct Target(&'static dyn Contract);

impl Target {
    /// Every target, in [`REGISTRY`] order.
    pub fn all() -> impl Iterator<Item = Target> {
        REGISTRY.iter().map(|c| Target(*c))
    }

    /// The first target in the registry (the page's default).
    pub fn first() -> Target {
        Target(REGISTRY[0])
    }

    /// The target's description.
    pub fn vendor(self) -> &'static Vendor {
        self.0.vendor()
    }

    /// The vendor contract: everything the page asks of the target.
    pub fn contract(self) -> &'static dyn Contract {
        self.0
    }

    /// The target whose id is `id`.
    pub fn from_id(id: &str) -> Option<Target> {
        Target::all().find(|t| t.vendor().id == id)
    }

    /// The vendor's stable id.
    pub fn id(self) -> &'static str {
        self.vendor().id
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Target) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Target {}

impl std::hash::Hash for Target {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.id())
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Target, D::Error> {
        let id = String::deserialize(deserializer)?;
        Target::from_id(&id).ok_or_else(|| serde::de::Error::custom(format!("no vendor has the id \"{id}\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Mapping;
    use crate::sheet::read_csv;

    #[test]
    fn findings_match_what_prepare_finds_for_every_target() {
        let sheet =
            read_csv(b"participant id,email,username,first name\nP-1,anna@example.org,anna,Anna\n,not-an-email,,Jo\nP-1,b@example.org,bea,Bea\n").unwrap();
        for target in Target::all() {
            let contract = target.contract();
            let settings = contract.default_settings();
            let mapping = contract.suggest(&sheet.headers, &settings);
            let prepared = contract.prepare(&sheet, &mapping, &settings);
            let expected = Findings::from(&prepared);
            let found = find(target, &sheet, &mapping, &settings.to_string()).unwrap();
            assert_eq!(found, expected, "{target:?}");
            if target.id() == "engage" {
                assert!(found.issues.iter().any(|i| i.row == 3), "the bad e-mail is found");
                assert!(found.holds(3) && !found.holds(2) && !found.holds(9), "{found:?}");
            }
            for row in 1..=5 {
                assert_eq!(found.holds(row), prepared.skipped.iter().any(|(r, _)| *r == row), "{target:?}, row {row}");
            }
        }
        assert!(find(Target::first(), &sheet, &Mapping::default(), "not json").unwrap_err().starts_with("settings"));
    }

    #[test]
    fn a_preview_cuts_long_texts() {
        let long = "x".repeat(5_000);
        let record =
            |row| PreparedRecord { row, identifier: String::new(), json: serde_json::json!({ "a": [long.clone(), "short"], "b": { "c": long.clone() } }) };
        let prepared = Prepared { records: (1..=5).map(record).collect(), ..Prepared::default() };
        let preview = prepared.for_preview(2, 100);
        assert_eq!(preview.records.len(), 2);
        assert_eq!(preview.records[0].json["a"][0].as_str().unwrap().chars().count(), 101, "100 characters and the mark");
        assert_eq!(preview.records[0].json["a"][1], "short");
        assert!(preview.records[1].json["b"]["c"].as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn every_vendor_is_listed_once_and_its_target_round_trips() {
        let ids: Vec<&str> = Target::all().map(Target::id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        for target in Target::all() {
            let json = serde_json::to_string(&target).unwrap();
            assert_eq!(json, format!("\"{}\"", target.id()));
            assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), target);
        }
        assert!(serde_json::from_str::<Target>("\"nobody\"").is_err());
    }

    #[test]
    fn receipts_count_one_row_in_the_singular() {
        for (id, one) in [("engage", "1 row,"), ("lumi-say", "1 respondent,"), ("participant-kit", "1 participant "), ("engaging-networks", "1 row in")] {
            let contract = Target::from_id(id).unwrap().contract();
            let receipt = contract.receipt(&["Email".into()], &Mapping::default(), &contract.default_settings(), 1, 1);
            assert!(receipt.hosts.iter().any(|(_, what)| what.contains(one)), "{id}: {:?}", receipt.hosts);
            assert_eq!(receipt.rows_sent, 1);
        }
    }

    #[test]
    fn dynamic_keys_follow_the_suggestion_rule() {
        let engage = Target::from_id("engage").unwrap().contract();
        assert_eq!(engage.dynamic_key("Answers: q1").as_deref(), Some("answers.q1"));
        assert_eq!(engage.dynamic_key("answers.q1").as_deref(), Some("answers.q1"));
        assert_eq!(engage.dynamic_key("Mood").as_deref(), Some("answers.Mood"));
        let pk = Target::from_id("participant-kit").unwrap().contract();
        assert_eq!(pk.dynamic_key("Mood"), None);
    }
}
