//! Bulk fixes a coordinator can apply to a whole column before sending.

use crate::datetime::{DateReading, DateTime};
use crate::sheet::{Cells, Sheet};

pub use crate::datetime::DateOrder;

/// Rows [`capitalised_emails`] reads at most: it runs on the page, whose main thread
/// must not stop for a million rows (the fix itself changes every row).
pub const EMAIL_CASE_ROWS: usize = 50_000;

/// E-mail addresses of `column` written with capital letters, among the first
/// [`EMAIL_CASE_ROWS`]: how many, and the first (data row number, text). Platforms may
/// keep an address as written, so `Anna@Example.org` and `anna@example.org` could become
/// two people.
pub fn capitalised_emails(rows: &dyn Cells, column: usize) -> (usize, Option<(usize, String)>) {
    let mut count = 0;
    let mut first = None;
    for r in 0..rows.len().min(EMAIL_CASE_ROWS) {
        let text = rows.cell(r, column);
        if has_at_and_capitals(text) {
            count += 1;
            if first.is_none() {
                first = Some((rows.number(r), text.trim().to_string()));
            }
        }
    }
    (count, first)
}

/// Whether `text` has an `@` and a capital letter. Most addresses are ASCII: their bytes
/// are looked at once, directly, and only other text is read again character by character.
fn has_at_and_capitals(text: &str) -> bool {
    let (mut at, mut capital, mut other) = (false, false, false);
    for &b in text.as_bytes() {
        at |= b == b'@';
        capital |= b.is_ascii_uppercase();
        other |= !b.is_ascii();
    }
    at && (capital || (other && text.chars().any(char::is_uppercase)))
}

/// Lowercases every cell of `column` (e-mail addresses). Returns the cells changed.
pub fn lowercase(sheet: &mut Sheet, column: usize) -> usize {
    map_column(sheet, column, |v| Some(v.to_lowercase()))
}

/// Writes phone numbers as E.164 (`+37122222222`) as the numbering plans read them: a
/// number without a country code as one of `region` (ISO 3166 code). Cells the plan does
/// not find valid are left as they are (the check flags them), never given a guessed
/// country code. Without plans installed (see [`crate::phone`]) nothing changes. Returns
/// the cells changed.
pub fn phones_to_e164(sheet: &mut Sheet, column: usize, region: &str) -> usize {
    map_column(sheet, column, |v| crate::phone::e164(v, region))
}

/// Rewrites dates as `YYYY-MM-DD` (with ` HH:MM:SS` when a time is given), reading
/// `d/m/y` forms in the order of `how` (and two-digit years in its century). Cells that
/// are no real date that way stay. Returns the cells changed.
pub fn dates_to_iso(sheet: &mut Sheet, column: usize, how: impl Into<DateReading>) -> usize {
    let how = how.into();
    map_column(sheet, column, |v| crate::datetime::read_date(v, how).ok().map(|d| iso(&d)))
}

fn iso(d: &DateTime) -> String {
    if (d.hour, d.minute, d.second) == (0, 0, 0) {
        format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
    } else {
        d.to_canonical()
    }
}

/// Splits `column` (full names) into two new columns, `Given name` and `Family name`
/// (the last word is the family name). Returns the indices of the two new columns.
pub fn split_full_name(sheet: &mut Sheet, column: usize) -> (usize, usize) {
    let source = sheet.headers.get(column).cloned().unwrap_or_default();
    let given = format!("Given name (from {source})");
    let family = format!("Family name (from {source})");
    sheet.add_columns(
        vec![given, family],
        |full, _| {
            let words: Vec<&str> = full.split_whitespace().collect();
            match words.as_slice() {
                [] => vec![],
                [one] => vec![one.to_string()],
                [first @ .., last] => vec![first.join(" "), last.to_string()],
            }
        },
        column,
    );
    let n = sheet.headers.len();
    (n - 2, n - 1)
}

/// Rows (indices) whose `column` repeats a value seen on an earlier row (case-blind).
pub fn duplicates(sheet: &Sheet, column: usize) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    (0..sheet.len())
        .filter(|&i| {
            // Lowercased only when it has capitals: most identifiers are kept as they are.
            let v = sheet.cell(i, column).trim();
            let v = if v.chars().any(|c| c.to_lowercase().ne(std::iter::once(c))) {
                std::borrow::Cow::Owned(v.to_lowercase())
            } else {
                std::borrow::Cow::Borrowed(v)
            };
            !v.is_empty() && !seen.insert(v)
        })
        .collect()
}

/// Removes repeated identifiers in `column`: `keep_first` keeps each value's first row,
/// otherwise every row of a repeated value goes. Returns the rows removed.
pub fn remove_duplicates(sheet: &mut Sheet, column: usize, keep_first: bool) -> usize {
    let repeated = duplicates(sheet, column);
    let doomed: std::collections::HashSet<String> =
        if keep_first { std::collections::HashSet::new() } else { repeated.iter().map(|&i| sheet.cell(i, column).trim().to_lowercase()).collect() };
    let before = sheet.len();
    let repeated: std::collections::HashSet<usize> = repeated.into_iter().collect();
    let values: Vec<bool> = (0..sheet.len()).map(|i| doomed.contains(&sheet.cell(i, column).trim().to_lowercase())).collect();
    sheet.retain_rows(|i| !(repeated.contains(&i) || values[i]));
    before - sheet.len()
}

fn map_column(sheet: &mut Sheet, column: usize, f: impl Fn(&str) -> Option<String>) -> usize {
    sheet.update_column(column, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::read_csv;

    #[test]
    fn columns_are_fixed_in_bulk() {
        let mut sheet =
            read_csv("name,email,phone,date\nAnna Marija Bērziņa,Anna@Example.ORG,22 222 222,01/02/2024\nJan,jan@example.org,+371 2,2024-03-04\n".as_bytes())
                .unwrap();
        assert_eq!(capitalised_emails(&sheet, 1), (1, Some((2, "Anna@Example.ORG".to_string()))));
        assert_eq!(capitalised_emails(&sheet, 0), (0, None), "names are no e-mails");
        assert_eq!(lowercase(&mut sheet, 1), 1);
        assert_eq!(capitalised_emails(&sheet, 1), (0, None));
        assert_eq!(phones_to_e164(&mut sheet, 2, "LV"), 0, "no numbering plans here: phones stay");
        assert_eq!(dates_to_iso(&mut sheet, 3, DateOrder::MonthFirst), 1);
        assert_eq!(sheet.row(0)[1..], ["anna@example.org", "22 222 222", "2024-01-02"]);
        let (g, f) = split_full_name(&mut sheet, 0);
        assert_eq!((sheet.cell(0, g), sheet.cell(0, f)), ("Anna Marija", "Bērziņa"));
        assert_eq!(sheet.headers[g], "Given name (from name)");
    }

    #[test]
    fn capitals_are_found_in_ascii_and_other_addresses_alike() {
        let sheet = read_csv("email\nanna@example.org\nĒriks@example.lv\nēriks@example.lv\nzoë@Ex.lv\nzoë@ex.lv\n".as_bytes()).unwrap();
        assert_eq!(capitalised_emails(&sheet, 0), (2, Some((3, "Ēriks@example.lv".to_string()))));
    }

    #[test]
    fn duplicates_keep_first_or_drop() {
        let csv = "email\na@b.lv\nc@d.lv\nA@B.lv\ne@f.lv\n";
        let mut keep = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(duplicates(&keep, 0), [2]);
        assert_eq!(remove_duplicates(&mut keep, 0, true), 1);
        assert_eq!(keep.numbers().collect::<Vec<_>>(), [2, 3, 5]);
        let mut drop = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(remove_duplicates(&mut drop, 0, false), 2);
        assert_eq!(drop.numbers().collect::<Vec<_>>(), [3, 5]);
    }
}
