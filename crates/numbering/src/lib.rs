//! Countries' phone numbering plans for Ferry's checks: [`Plans`] answers
//! [`ferry_core::phone::NumberingPlan`] with the `phonenumber` crate (Google's
//! libphonenumber metadata, kept up to date upstream), so Ferry never writes its own table
//! of number lengths and prefixes.
//!
//! The metadata is large (about 480 KB gzip in wasm), so only the import worker links
//! this crate and calls [`install`]; the page leaves checks that need it to the worker.

use ferry_core::phone::{NumberingPlan, PhoneCheck};
use phonenumber::country::Id;
use phonenumber::Mode;

/// The numbering plans of every country, by the `phonenumber` crate.
pub struct Plans;

impl NumberingPlan for Plans {
    fn check(&self, text: &str, region: &str) -> PhoneCheck {
        let Ok(id) = region.trim().to_ascii_uppercase().parse::<Id>() else { return PhoneCheck::Invalid };
        match phonenumber::parse(Some(id), text.trim()) {
            Ok(number) if phonenumber::is_valid(&number) => PhoneCheck::Valid(number.format().mode(Mode::E164).to_string()),
            _ => PhoneCheck::Invalid,
        }
    }
}

/// Installs [`Plans`] for this program's checks.
pub fn install() {
    ferry_core::phone::install(&Plans);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::mapping::Source;
    use ferry_core::sheet::read_csv;
    use ferry_core::vendors::Target;

    #[test]
    fn a_national_number_is_read_by_its_countrys_plan() {
        assert_eq!(Plans.check("0871234567", "IE"), PhoneCheck::Valid("+353871234567".into()));
        assert_eq!(Plans.check("0871234567", "LV"), PhoneCheck::Invalid);
        assert_eq!(Plans.check("22 222 202", "LV"), PhoneCheck::Valid("+37122222202".into()));
        assert_eq!(Plans.check("+371 871234567", "LV"), PhoneCheck::Invalid);
        assert_eq!(Plans.check("0037122222222", "IE"), PhoneCheck::Valid("+37122222222".into()));
        assert_eq!(Plans.check("06 1234 5678", "it"), PhoneCheck::Valid("+390612345678".into()), "Italy keeps its leading 0");
        assert_eq!(Plans.check("22222202", "XX"), PhoneCheck::Invalid);
    }

    #[test]
    fn a_phone_not_valid_in_the_default_country_is_held_and_one_with_a_country_code_is_not() {
        install();
        let engage = Target::from_id("engage").unwrap().contract();
        let settings = engage.default_settings();
        let sheet = read_csv("Participant ID,Email,Phone\nP-1,a@b.lv,0871234567\nP-2,c@d.lv,22222202\nP-3,e@f.lv,+353 87 123 4567\n".as_bytes()).unwrap();
        let mut mapping = engage.suggest(&sheet.headers, &settings);
        assert_eq!(mapping.get("participant.phone"), Some(&Source::Column(2)));
        let held = engage.prepare(&sheet, &mapping, &settings);
        let rows: Vec<(usize, &str)> = held.issues.iter().map(|i| (i.row, i.message.as_str())).collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.starts_with("\"0871234567\" is not a valid phone number in Latvia"), "{}", rows[0].1);
        assert_eq!(held.records.iter().map(|r| r.row).collect::<Vec<_>>(), [3, 4]);
        // Read as Irish numbers instead, the first is valid (and so is 22222202 there).
        mapping.phone_region = Some("IE".into());
        let irish = engage.prepare(&sheet, &mapping, &settings);
        assert!(irish.issues.is_empty(), "{:?}", irish.issues);
        // The fix writes what the plan reads, and leaves what it cannot.
        let mut fixed = sheet.clone();
        assert_eq!(ferry_core::fixes::phones_to_e164(&mut fixed, 2, "LV"), 2);
        assert_eq!([fixed.cell(0, 2), fixed.cell(1, 2), fixed.cell(2, 2)], ["0871234567", "+37122222202", "+353871234567"]);
    }
}
