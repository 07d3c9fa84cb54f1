//! One adapter per vendor, each a file that reads like the vendor's document.
//!
//! Adding a vendor: one new file here and one line in [`VENDORS`].

pub mod engage;
pub mod engaging_networks;
pub mod lumi_say;
pub mod participant_kit;

use serde::Serialize;
use serde_json::Value;

use crate::issue::{Issue, Severity};
use crate::mapping::FieldSpec;
use std::collections::BTreeMap;

use crate::report::Outcome;
use crate::send::{Engine, Policy, Protocol};

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
    /// A send engine over these records: rows skipped for issues, and rows in
    /// `already_sent` (from an earlier session), are reported and not sent.
    pub fn engine<P: Protocol>(&self, protocol: P, policy: Policy, batch_size: usize, already_sent: &BTreeMap<usize, Outcome>, seed: u64) -> Engine<P> {
        let to_send: Vec<usize> = (0..self.records.len()).filter(|&i| !already_sent.contains_key(&self.records[i].row)).collect();
        let batches = to_send.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect();
        self.engine_with_batches(protocol, policy, batches, already_sent, seed)
    }

    /// Like [`Prepared::engine`], with batches the adapter cut itself.
    pub fn engine_with_batches<P: Protocol>(&self, protocol: P, policy: Policy, batches: Vec<Vec<usize>>, already_sent: &BTreeMap<usize, Outcome>, seed: u64) -> Engine<P> {
        let mut engine = Engine::with_batches(protocol, policy, batches, seed);
        for (row, identifier, outcome) in self.skipped_outcomes() {
            engine.record(row, &identifier, outcome);
        }
        for record in &self.records {
            if let Some(outcome) = already_sent.get(&record.row) {
                engine.record(record.row, &record.identifier, outcome.clone());
            }
        }
        engine
    }

    /// The report line of each skipped row: its error messages, joined.
    pub fn skipped_outcomes(&self) -> Vec<(usize, String, Outcome)> {
        self.skipped
            .iter()
            .map(|(row, identifier)| {
                let reasons: Vec<&str> = self.issues.iter().filter(|i| i.row == *row && i.severity == Severity::Error).map(|i| i.message.as_str()).collect();
                (*row, identifier.clone(), Outcome::Skipped { reason: reasons.join(" ") })
            })
            .collect()
    }
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

impl From<&Prepared> for Findings {
    fn from(p: &Prepared) -> Findings {
        Findings { issues: p.issues.clone(), ready: p.records.len(), held: p.skipped.len() }
    }
}

/// Checks every row of `sheet` for `target`; `settings` is that target's settings as JSON.
pub fn find(target: Target, sheet: &crate::sheet::Sheet, mapping: &crate::mapping::Mapping, settings: &str) -> Result<Findings, String> {
    let bad = |e: serde_json::Error| format!("settings: {e}");
    Ok(match target {
        Target::Engage => {
            let checked = engage::check(sheet, mapping);
            Findings { ready: checked.valid.len(), held: checked.skipped.len(), issues: checked.issues }
        }
        Target::LumiSay => Findings::from(&lumi_say::prepare(sheet, mapping, &serde_json::from_str(settings).map_err(bad)?)),
        Target::ParticipantKit => Findings::from(&participant_kit::prepare(sheet, mapping, &serde_json::from_str(settings).map_err(bad)?)),
        Target::EngagingNetworks => Findings::from(&engaging_networks::prepare(sheet, mapping, &serde_json::from_str(settings).map_err(bad)?)),
    })
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
    /// What is missing, in words.
    pub fn problems(&self) -> Vec<String> {
        if self.token.trim().is_empty() {
            vec!["Token is empty.".into()]
        } else {
            vec![]
        }
    }
}

/// Every target Ferry can send to.
pub const VENDORS: &[Vendor] = &[engage::VENDOR, lumi_say::VENDOR, participant_kit::VENDOR, engaging_networks::VENDOR];

/// A target, by name: what the page switches on where settings differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Target {
    /// Longenesis Engage.
    Engage,
    /// Lumi Say.
    LumiSay,
    /// Participant Kit.
    ParticipantKit,
    /// Engaging Networks.
    EngagingNetworks,
}

impl Target {
    /// Every target, in [`VENDORS`] order.
    pub const ALL: [Target; 4] = [Target::Engage, Target::LumiSay, Target::ParticipantKit, Target::EngagingNetworks];

    /// The target's description.
    pub fn vendor(self) -> &'static Vendor {
        match self {
            Target::Engage => &VENDORS[0],
            Target::LumiSay => &VENDORS[1],
            Target::ParticipantKit => &VENDORS[2],
            Target::EngagingNetworks => &VENDORS[3],
        }
    }

    /// The target whose id is `id`.
    pub fn from_id(id: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.vendor().id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{suggest, Mapping};
    use crate::sheet::read_csv;

    #[test]
    fn findings_match_what_prepare_finds_for_every_target() {
        let sheet = read_csv(b"participant id,email,username,first name\nP-1,anna@example.org,anna,Anna\n,not-an-email,,Jo\nP-1,b@example.org,bea,Bea\n").unwrap();
        for target in Target::ALL {
            let vendor = target.vendor();
            let mapping = suggest(&sheet.headers, vendor.fields, vendor.dynamic_prefix);
            let (expected, settings) = match target {
                Target::Engage => (Findings::from(&engage::prepare(&sheet, &mapping, &Default::default())), serde_json::to_string(&engage::Settings::default())),
                Target::LumiSay => (Findings::from(&lumi_say::prepare(&sheet, &mapping, &Default::default())), serde_json::to_string(&lumi_say::Settings::default())),
                Target::ParticipantKit => (Findings::from(&participant_kit::prepare(&sheet, &mapping, &Default::default())), serde_json::to_string(&participant_kit::Settings::default())),
                Target::EngagingNetworks => (Findings::from(&engaging_networks::prepare(&sheet, &mapping, &Default::default())), serde_json::to_string(&engaging_networks::Settings::default())),
            };
            let found = find(target, &sheet, &mapping, &settings.unwrap()).unwrap();
            assert_eq!(found, expected, "{target:?}");
            if target == Target::Engage {
                assert!(found.issues.iter().any(|i| i.row == 3), "the bad e-mail is found");
            }
        }
        assert!(find(Target::LumiSay, &sheet, &Mapping::default(), "not json").unwrap_err().starts_with("settings"));
    }
}
