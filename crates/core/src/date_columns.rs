//! The date columns of a mapping: what each column's own cells say about its day/month
//! order and whether its years have two digits, what is set, and what the user must
//! still choose before anything is sent.

use crate::datetime::{Century, DateOrder, OrderEvidence, OrderFinding};
use crate::mapping::Mapping;
use crate::sheet::Cells;
use crate::text::thousands;
use crate::vendors::{Contract, Problem};

/// Cells of a column read for its evidence. A cell past them that contradicts the order
/// is still flagged by the check (Ferry never swaps a date), so this bounds the work of
/// a million-row sheet without guessing. The page reads them again when a date column's
/// mapping or cells change, in one go: 200,000 took it about 65 ms on a million-row sheet,
/// past the 50 ms a page may stop for; 50,000 take about a quarter of that.
pub const SCANNED_ROWS: usize = 50_000;

/// One mapped column read as dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateColumn {
    /// The field (or Engaging Networks format column) it fills.
    pub label: String,
    /// The source column.
    pub column: usize,
    /// The source column's header.
    pub header: String,
    /// What its cells say.
    pub evidence: OrderEvidence,
    /// The order set in the mapping, if any.
    pub chosen: Option<DateOrder>,
    /// The century of its two-digit years set in the mapping, if any.
    pub century: Option<Century>,
}

impl DateColumn {
    /// What the cells decide on their own.
    pub fn finding(&self) -> OrderFinding {
        self.evidence.finding()
    }

    /// Whether the user must choose an order (the cells do not decide, and none is set).
    pub fn needs_order(&self) -> bool {
        self.chosen.is_none() && matches!(self.finding(), OrderFinding::Ask | OrderFinding::Conflict)
    }

    /// Whether the user must say which century its two-digit years are in.
    pub fn needs_century(&self) -> bool {
        self.century.is_none() && self.evidence.two_digit_year.is_some()
    }

    /// Whether the user must still choose anything for this column.
    pub fn needs_choice(&self) -> bool {
        self.needs_order() || self.needs_century()
    }

    /// How the column is read now, in words: the order set and why (`day/month/year, read
    /// from "25/06/2024" (row 3)` or `(your choice)`), or that it is still to choose.
    /// `None` when no cell depends on the order.
    pub fn order_taken(&self) -> Option<String> {
        let finding = self.finding();
        if finding == OrderFinding::NotNeeded {
            return None;
        }
        Some(match (self.chosen, finding) {
            (Some(order), OrderFinding::Inferred(read)) if order == read => {
                let proof = match order {
                    DateOrder::DayFirst => self.evidence.day_first.as_ref(),
                    DateOrder::MonthFirst => self.evidence.month_first.as_ref(),
                };
                let proof = proof.map(|(row, text)| format!(", read from \"{text}\" (row {})", thousands(*row))).unwrap_or_default();
                format!("{}{proof}", order.label())
            }
            (Some(order), _) => format!("{} (your choice)", order.label()),
            (None, _) => "not chosen yet: choose below".to_string(),
        })
    }

    /// The century of its two-digit years, in words, when it has any.
    pub fn century_taken(&self) -> Option<String> {
        self.evidence.two_digit_year.as_ref()?;
        Some(self.century.map_or_else(|| "not chosen yet: choose below".to_string(), |y| format!("{} (your choice)", y.label())))
    }

    /// The century question, when the column has two-digit years.
    pub fn explain_century(&self) -> Option<String> {
        let (row, text) = self.evidence.two_digit_year.as_ref()?;
        Some(format!("Years here are written with two digits, e.g. \"{text}\" (row {}). Which years are they?", thousands(*row)))
    }

    /// The question or remark for the user, in words.
    pub fn explain(&self) -> String {
        let at = |(row, text): &(usize, String)| format!("\"{text}\" (row {})", thousands(*row));
        match self.finding() {
            OrderFinding::NotNeeded => "Every date in this column reads one way only.".to_string(),
            OrderFinding::Inferred(order) => {
                let proof = match order {
                    DateOrder::DayFirst => self.evidence.day_first.as_ref(),
                    DateOrder::MonthFirst => self.evidence.month_first.as_ref(),
                };
                format!("Read as {}: {} can only be read that way.", order.label(), proof.map(at).unwrap_or_default())
            }
            OrderFinding::Conflict => format!(
                "This column has dates in both orders: {} is day/month/year, {} is month/day/year. Choose the order most are written in; dates in the other order are held back for you to correct.",
                self.evidence.day_first.as_ref().map(at).unwrap_or_default(),
                self.evidence.month_first.as_ref().map(at).unwrap_or_default()
            ),
            OrderFinding::Ask => {
                let (row, text) = self.evidence.either.clone().unwrap_or_default();
                let question = match crate::datetime::read_date(&text, None) {
                    Err(crate::datetime::DateProblem::Ambiguous { first, second }) => crate::datetime::ambiguity(&text, first, second),
                    _ => format!("\"{text}\""),
                };
                format!("Every date in this column can be read two ways, e.g. {question} (row {}). Which order is it written in?", thousands(row))
            }
        }
    }

    /// What stops the send until the user chooses, if anything.
    pub fn problem(&self) -> Option<Problem> {
        let what = match (self.needs_order(), self.needs_century()) {
            (true, true) => "the date order and the century of the two-digit years",
            (true, false) => "the date order",
            (false, true) => "the century of the two-digit years",
            (false, false) => return None,
        };
        Some(Problem::blocking("date_order", format!("Choose {what} of column \"{}\" ({}).", self.header, self.label)))
    }
}

/// What a sheet's columns tell of their date order, by column: worked out when a sheet
/// is loaded (by the import worker as it reads, for the columns its suggested mapping
/// reads as dates), so the page need not read their first rows again until the sheet
/// changes.
pub type KnownEvidence = Vec<(usize, OrderEvidence)>;

/// The date columns of `mapping` for `contract`, each with its evidence from the first
/// [`SCANNED_ROWS`] of `rows` (data rows under `headers`).
pub fn date_columns(contract: &dyn Contract, rows: &dyn Cells, headers: &[String], mapping: &Mapping, settings: &serde_json::Value) -> Vec<DateColumn> {
    date_columns_knowing(contract, rows, headers, mapping, settings, &[])
}

/// [`date_columns`], taking a column's evidence from `known` where it is there (it must
/// have been gathered from these `rows` as they are) instead of reading its rows again.
pub fn date_columns_knowing(
    contract: &dyn Contract,
    rows: &dyn Cells,
    headers: &[String],
    mapping: &Mapping,
    settings: &serde_json::Value,
    known: &[(usize, OrderEvidence)],
) -> Vec<DateColumn> {
    let mut columns: Vec<DateColumn> = Vec::new();
    for (label, column) in contract.date_columns(mapping, settings) {
        if let Some(same) = columns.iter_mut().find(|c| c.column == column) {
            same.label = format!("{}, {label}", same.label);
            continue;
        }
        let evidence = match known.iter().find(|(c, _)| *c == column) {
            Some((_, evidence)) => evidence.clone(),
            None => {
                let scanned = rows.len().min(SCANNED_ROWS);
                OrderEvidence::gather((0..scanned).map(|r| (rows.number(r), rows.cell(r, column))))
            }
        };
        let header = headers.get(column).cloned().unwrap_or_default();
        columns.push(DateColumn { label, column, header, evidence, chosen: mapping.date_order(column), century: mapping.century(column) });
    }
    columns
}

/// `contract`'s suggested mapping for `headers`, with the date orders the first rows
/// decide on their own: what the page starts from, and what the import worker checks
/// while reading (the two must agree for the page to take the worker's findings).
pub fn suggest(contract: &dyn Contract, rows: &dyn Cells, headers: &[String], settings: &serde_json::Value) -> Mapping {
    suggest_with_evidence(contract, rows, headers, settings).0
}

/// [`suggest`], with the evidence of the date columns it read.
pub fn suggest_with_evidence(contract: &dyn Contract, rows: &dyn Cells, headers: &[String], settings: &serde_json::Value) -> (Mapping, KnownEvidence) {
    let mut mapping = contract.suggest(headers, settings);
    let columns = date_columns(contract, rows, headers, &mapping, settings);
    for (column, order) in inferred_orders(&columns) {
        mapping.set_date_order(column, Some(order));
    }
    (mapping, columns.into_iter().map(|c| (c.column, c.evidence)).collect())
}

/// The orders the cells decide on their own, for the columns with none set: `(column,
/// order)` to write into the mapping (shown to the user, who can change them).
pub fn inferred_orders(columns: &[DateColumn]) -> Vec<(usize, DateOrder)> {
    columns
        .iter()
        .filter(|c| c.chosen.is_none())
        .filter_map(|c| match c.finding() {
            OrderFinding::Inferred(order) => Some((c.column, order)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_csv;
    use crate::vendors::Target;

    #[test]
    fn a_column_of_dates_that_read_two_ways_must_be_answered_and_one_that_tells_is_inferred() {
        let engage = Target::from_id("engage").unwrap().contract();
        let settings = engage.default_settings();
        let sheet = read_csv("email,Created at\na@b.lv,03/04/2024\nc@d.lv,05/06/2024\n".as_bytes()).unwrap();
        let mut mapping = engage.suggest(&sheet.headers, &settings);
        mapping.set("submission.created_at", Some(crate::mapping::Source::Column(1)));
        let columns = date_columns(engage, &sheet, &sheet.headers, &mapping, &settings);
        assert_eq!(columns.len(), 1);
        assert_eq!(columns[0].finding(), OrderFinding::Ask);
        assert!(columns[0].explain().contains("e.g. \"03/04/2024\" could be 3 April or March 4 (row 2)"), "{}", columns[0].explain());
        assert_eq!(columns[0].problem().map(|p| p.blocking), Some(true));
        mapping.set_date_order(1, Some(DateOrder::MonthFirst));
        assert_eq!(date_columns(engage, &sheet, &sheet.headers, &mapping, &settings)[0].problem(), None);

        let tells = read_csv("email,Created at\na@b.lv,03/04/2024\nc@d.lv,25/06/2024\n".as_bytes()).unwrap();
        let mut mapping = engage.suggest(&tells.headers, &settings);
        mapping.set("submission.created_at", Some(crate::mapping::Source::Column(1)));
        let columns = date_columns(engage, &tells, &tells.headers, &mapping, &settings);
        assert_eq!(inferred_orders(&columns), [(1, DateOrder::DayFirst)]);
        assert!(columns[0].explain().starts_with("Read as day/month/year: \"25/06/2024\" (row 3)"), "{}", columns[0].explain());
        assert_eq!(columns[0].order_taken().as_deref(), Some("not chosen yet: choose below"), "until the inferred order is set");
        mapping.set_date_order(1, Some(DateOrder::DayFirst));
        let set = date_columns(engage, &tells, &tells.headers, &mapping, &settings);
        assert_eq!(set[0].order_taken().as_deref(), Some("day/month/year, read from \"25/06/2024\" (row 3)"));
        mapping.set_date_order(1, Some(DateOrder::MonthFirst));
        let chosen = date_columns(engage, &tells, &tells.headers, &mapping, &settings);
        assert_eq!(chosen[0].order_taken().as_deref(), Some("month/day/year (your choice)"));
        assert_eq!(columns[0].century_taken(), None, "no two-digit year");
        assert_eq!(columns[0].problem(), None);
    }

    #[test]
    fn two_digit_years_are_asked_about_until_a_century_is_chosen() {
        let engage = Target::from_id("engage").unwrap().contract();
        let settings = engage.default_settings();
        let sheet = read_csv("email,Created at\na@b.lv,25/12/24\nc@d.lv,3/1/99 10:00\n".as_bytes()).unwrap();
        let mut mapping = engage.suggest(&sheet.headers, &settings);
        mapping.set("submission.created_at", Some(crate::mapping::Source::Column(1)));
        let columns = date_columns(engage, &sheet, &sheet.headers, &mapping, &settings);
        assert_eq!(columns[0].finding(), OrderFinding::Inferred(DateOrder::DayFirst), "a two-digit year still tells the order");
        assert!(columns[0].needs_century() && !columns[0].needs_order() && columns[0].chosen.is_none());
        assert_eq!(columns[0].explain_century().unwrap(), "Years here are written with two digits, e.g. \"25/12/24\" (row 2). Which years are they?");
        assert_eq!(columns[0].problem().unwrap().text, "Choose the century of the two-digit years of column \"Created at\" (Created at).");
        assert_eq!(columns[0].century_taken().as_deref(), Some("not chosen yet: choose below"));
        mapping.set_century(1, Some(Century::NotAfter(2026)));
        mapping.set_date_order(1, Some(DateOrder::DayFirst));
        let columns = date_columns(engage, &sheet, &sheet.headers, &mapping, &settings);
        assert_eq!(columns[0].problem(), None);
        // The check then reads them: 1999, not 2099.
        let reading = mapping.date_reading_of(&crate::mapping::Source::Column(1));
        assert_eq!(crate::datetime::read_date("3/1/99 10:00", reading).map(|d| d.to_canonical()).as_deref(), Ok("1999-01-03 10:00:00"));
    }
}
