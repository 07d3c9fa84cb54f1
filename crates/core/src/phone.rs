//! Phone numbers read by a country's numbering plan.
//!
//! The plans themselves (every country's number lengths and prefixes) are a large table:
//! the import worker installs them ([`install`], from the `ferry-numbering` crate), and the
//! page, which must load fast, does not carry them. Code that reads a phone asks
//! [`check`]; without a plan it answers [`PhoneCheck::Unchecked`], and the page then
//! leaves the check of phone columns to the worker ([`needs_plan`]).

use std::sync::OnceLock;

/// What a numbering plan says of a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneCheck {
    /// A valid number, written as E.164 (`+37122222222`).
    Valid(String),
    /// Not a valid number (in the country given, when it has no country code).
    Invalid,
    /// No plan is installed here.
    Unchecked,
}

/// Reads phone numbers by countries' numbering plans.
pub trait NumberingPlan: Sync + Send {
    /// Checks `text`, read as a number of `region` (ISO 3166 code, `LV`) when it has no
    /// country code.
    fn check(&self, text: &str, region: &str) -> PhoneCheck;
}

static PLAN: OnceLock<&'static dyn NumberingPlan> = OnceLock::new();

/// Installs the numbering plans for this thread's program (once; later calls are ignored).
pub fn install(plan: &'static dyn NumberingPlan) {
    let _ = PLAN.set(plan);
}

/// Whether numbering plans are installed here.
pub fn installed() -> bool {
    PLAN.get().is_some()
}

/// `text` checked by the installed plan, read as a number of `region` when it has no
/// country code.
pub fn check(text: &str, region: &str) -> PhoneCheck {
    match PLAN.get() {
        Some(plan) => plan.check(text, region),
        None => PhoneCheck::Unchecked,
    }
}

/// `text` as E.164 (`+37122222222`) when the installed plan finds it valid (read as a
/// number of `region` when it has no country code); `None` otherwise, or without plans.
pub fn e164(text: &str, region: &str) -> Option<String> {
    match check(text, region) {
        PhoneCheck::Valid(e164) => Some(e164),
        PhoneCheck::Invalid | PhoneCheck::Unchecked => None,
    }
}

/// Whether `text` is written without a country code (no leading `+` or `00`): the
/// numbers whose country is the default one, which the check reads by that country's
/// plan. Numbers with a country code are checked for their characters and length only.
pub fn is_national(text: &str) -> bool {
    // Most cells start with no space: no trimming to set up.
    let t = if text.as_bytes().first().is_some_and(|b| b.is_ascii_graphic()) { text } else { text.trim_start() };
    !t.starts_with('+') && !t.starts_with("00") && t.bytes().any(|b| b.is_ascii_digit())
}

/// The country whose numbers are read when a phone has no country code, unless the user
/// chooses another: Latvia, where Ferry's first users are.
pub const DEFAULT_REGION: &str = "LV";

/// A country in the phone country choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166 code.
    pub region: &'static str,
    /// Name in English.
    pub name: &'static str,
    /// Country calling code, without `+`.
    pub calling_code: &'static str,
}

macro_rules! countries {
    ($(($region:literal, $name:literal, $code:literal)),* $(,)?) => {
        /// The countries offered for numbers without a country code.
        pub const COUNTRIES: &[Country] = &[$(Country { region: $region, name: $name, calling_code: $code }),*];
    };
}

countries![
    ("AT", "Austria", "43"),
    ("AU", "Australia", "61"),
    ("BE", "Belgium", "32"),
    ("BG", "Bulgaria", "359"),
    ("CA", "Canada", "1"),
    ("CH", "Switzerland", "41"),
    ("CY", "Cyprus", "357"),
    ("CZ", "Czechia", "420"),
    ("DE", "Germany", "49"),
    ("DK", "Denmark", "45"),
    ("EE", "Estonia", "372"),
    ("ES", "Spain", "34"),
    ("FI", "Finland", "358"),
    ("FR", "France", "33"),
    ("GB", "United Kingdom", "44"),
    ("GR", "Greece", "30"),
    ("HR", "Croatia", "385"),
    ("HU", "Hungary", "36"),
    ("IE", "Ireland", "353"),
    ("IS", "Iceland", "354"),
    ("IT", "Italy", "39"),
    ("LT", "Lithuania", "370"),
    ("LU", "Luxembourg", "352"),
    ("LV", "Latvia", "371"),
    ("MT", "Malta", "356"),
    ("NL", "Netherlands", "31"),
    ("NO", "Norway", "47"),
    ("NZ", "New Zealand", "64"),
    ("PL", "Poland", "48"),
    ("PT", "Portugal", "351"),
    ("RO", "Romania", "40"),
    ("SE", "Sweden", "46"),
    ("SI", "Slovenia", "386"),
    ("SK", "Slovakia", "421"),
    ("UA", "Ukraine", "380"),
    ("US", "United States", "1"),
];

/// What is wrong with phone `text`, read as a number of `region` when it has no country
/// code, by the installed plan: a national number that is not valid in that country
/// (it is flagged, never rewritten with a guessed country code).
pub fn problem(text: &str, region: &str) -> Option<String> {
    if !is_national(text) {
        return None;
    }
    match check(text, region) {
        PhoneCheck::Invalid => Some(format!(
            "\"{text}\" is not a valid phone number in {}: write it with its country code (+ and the country's code), or choose the country of numbers without one in the columns step.",
            country_name(region)
        )),
        PhoneCheck::Valid(_) | PhoneCheck::Unchecked => None,
    }
}

/// The source columns of `mapping` that fill phone fields.
pub fn phone_columns(contract: &dyn crate::vendors::Contract, mapping: &crate::mapping::Mapping, settings: &serde_json::Value) -> Vec<usize> {
    contract.columns_of_kind(mapping, settings, crate::mapping::FieldKind::Phone)
}

/// Whether checking `rows` needs the numbering plans, and they are not here: a phone
/// column holds a number without a country code. The page then has the import worker
/// check the sheet, whatever its size.
pub fn needs_plan(
    contract: &dyn crate::vendors::Contract,
    rows: &dyn crate::sheet::Cells,
    mapping: &crate::mapping::Mapping,
    settings: &serde_json::Value,
) -> bool {
    if installed() {
        return false;
    }
    let columns = phone_columns(contract, mapping, settings);
    !columns.is_empty() && (0..rows.len()).any(|r| columns.iter().any(|&c| is_national(rows.cell(r, c))))
}

/// The name of `region` (its code when it is not in [`COUNTRIES`]).
pub fn country_name(region: &str) -> &str {
    COUNTRIES.iter().find(|c| c.region.eq_ignore_ascii_case(region)).map_or(region, |c| c.name)
}
