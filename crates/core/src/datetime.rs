//! Reading dates and times written the ways people write them.

/// A calendar date and time of day, as read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Four-digit year.
    pub year: u16,
    /// 1–12.
    pub month: u8,
    /// 1–31, valid for the month.
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–59.
    pub second: u8,
}

impl DateTime {
    /// Appends the canonical text, `YYYY-MM-DD HH:MM:SS`, to `out`.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        let two = |out: &mut Vec<u8>, n: u8| out.extend_from_slice(&[b'0' + n / 10 % 10, b'0' + n % 10]);
        let year = self.year;
        out.extend_from_slice(&[b'0' + (year / 1000 % 10) as u8, b'0' + (year / 100 % 10) as u8, b'0' + (year / 10 % 10) as u8, b'0' + (year % 10) as u8]);
        for (sep, n) in [(b'-', self.month), (b'-', self.day), (b' ', self.hour), (b':', self.minute), (b':', self.second)] {
            out.push(sep);
            two(out, n);
        }
    }

    /// The canonical text, `YYYY-MM-DD HH:MM:SS`.
    pub fn to_canonical(&self) -> String {
        format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", self.year, self.month, self.day, self.hour, self.minute, self.second)
    }
}

/// Which part of a `d/m/y`-shaped date (`03/04/2024`) is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DateOrder {
    /// 03/04/2024 is 3 April.
    DayFirst,
    /// 03/04/2024 is March 4.
    MonthFirst,
}

impl DateOrder {
    /// Both orders, day first first.
    pub const ALL: [DateOrder; 2] = [DateOrder::DayFirst, DateOrder::MonthFirst];

    /// `day/month/year` or `month/day/year`.
    pub fn label(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day/month/year",
            DateOrder::MonthFirst => "month/day/year",
        }
    }

    /// A stable name for forms and saved settings (`day-first`, `month-first`).
    pub fn id(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
        }
    }

    /// The order named by [`DateOrder::id`].
    pub fn from_id(id: &str) -> Option<DateOrder> {
        DateOrder::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// The century of a column's two-digit years (`3/4/24`), as the user chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Century {
    /// `24` is 1924.
    C1900,
    /// `24` is 2024.
    C2000,
    /// The latest year not after the one given: with 2026, `24` is 2024 and `67` is 1967
    /// (birth dates, which are never in the future).
    NotAfter(u16),
}

impl Century {
    /// The choices offered in `this_year`.
    pub fn options(this_year: u16) -> [Century; 3] {
        [Century::NotAfter(this_year), Century::C2000, Century::C1900]
    }

    /// The full year of two-digit year `yy`.
    pub fn year(self, yy: u32) -> u32 {
        match self {
            Century::C1900 => 1900 + yy,
            Century::C2000 => 2000 + yy,
            Century::NotAfter(last) if 2000 + yy > last as u32 => 1900 + yy,
            Century::NotAfter(_) => 2000 + yy,
        }
    }

    /// A stable name for forms (`not-after`, `2000s`, `1900s`).
    pub fn id(self) -> &'static str {
        match self {
            Century::C1900 => "1900s",
            Century::C2000 => "2000s",
            Century::NotAfter(_) => "not-after",
        }
    }

    /// The choice in words.
    pub fn label(self) -> String {
        match self {
            Century::C1900 => "1900–1999".to_string(),
            Century::C2000 => "2000–2099".to_string(),
            Century::NotAfter(last) => format!("{}–{last}: none after this year (birth dates)", last as u32 - 99),
        }
    }
}

/// How a column's dates are read: the order of a `d/m/y` form and the century of a
/// two-digit year, each when the column has one set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateReading {
    /// Which part is the day.
    pub order: Option<DateOrder>,
    /// The century of two-digit years.
    pub century: Option<Century>,
}

impl From<Option<DateOrder>> for DateReading {
    fn from(order: Option<DateOrder>) -> DateReading {
        DateReading { order, century: None }
    }
}

impl From<DateOrder> for DateReading {
    fn from(order: DateOrder) -> DateReading {
        DateReading { order: Some(order), century: None }
    }
}

/// Whether `text` is a `d/m/yy` form: a date whose year has two digits (`3/4/24`).
pub fn has_two_digit_year(text: &str) -> bool {
    let date = text.trim().split([' ', 'T']).next().unwrap_or("");
    let mut parts = date.split(['-', '/', '.']);
    let digits = |p: &str, most: usize| !p.is_empty() && p.len() <= most && p.bytes().all(|b| b.is_ascii_digit());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c), None) => digits(a, 2) && digits(b, 2) && c.len() == 2 && digits(c, 2),
        _ => false,
    }
}

/// A date as people say it: `3 April 2024`.
pub fn spoken(date: &DateTime) -> String {
    format!("{} {} {}", date.day, MONTH_NAMES[date.month as usize - 1], date.year)
}

/// Why a cell is not read as a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    /// No date in any order (`yesterday`, `31/31/2024`, 31 April).
    NotADate,
    /// `03/04/2024` with no order chosen for its column: 3 April or March 4.
    Ambiguous {
        /// The first part of the date.
        first: u8,
        /// The second part.
        second: u8,
    },
    /// A real date only in the other order (`05/13/2024` in a day-first column).
    NotInOrder(DateOrder),
    /// `3/4/24` with no century chosen for its column.
    TwoDigitYear,
}

const MONTH_NAMES: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// `"03/04/2024" could be 3 April or March 4`.
pub fn ambiguity(text: &str, first: u8, second: u8) -> String {
    format!("\"{text}\" could be {first} {} or {} {second}", MONTH_NAMES[second as usize - 1], MONTH_NAMES[first as usize - 1])
}

impl DateProblem {
    /// What is wrong with `text` and what to do, in words; `how` says how to write it
    /// instead (e.g. `write it as YYYY-MM-DD`).
    pub fn message(&self, text: &str, how: &str) -> String {
        match *self {
            DateProblem::NotADate => format!("\"{text}\" is not a date Ferry can read: {how}."),
            DateProblem::Ambiguous { first, second } => {
                format!("{}: choose this column's date order in the columns step.", ambiguity(text, first, second))
            }
            DateProblem::NotInOrder(order) => {
                format!("\"{text}\" is not a date in {} order, which this column is read in: correct it, or {how}.", order.label())
            }
            DateProblem::TwoDigitYear => {
                format!("\"{text}\" has a two-digit year: say which century this column's years are in, in the columns step, or {how}.")
            }
        }
    }
}

/// Reads `2024-09-01`, `2024-09-01 10:10`, `2024-09-01T10:10:05`, `2024/09/01`,
/// `01.09.2024 10:10`, `1/9/2024` and the like, when the text can be only one date: a
/// `d/m/y` form whose day and month could swap (`03/04/2024`) is `None` here; read it
/// with [`read_date`] and the column's [`DateOrder`].
/// Returns `None` when the text is no real date (month 13, 31 April, 29 February 2023).
pub fn parse_datetime(text: &str) -> Option<DateTime> {
    read_date(text, None).ok()
}

/// Reads a date as [`parse_datetime`] does, a `d/m/y` form in the order of `how` and a
/// two-digit year in its century. Without an order, a part above 12 is the day, and a
/// date whose parts could swap is [`DateProblem::Ambiguous`]; without a century, a
/// two-digit year is [`DateProblem::TwoDigitYear`]: Ferry never guesses either.
pub fn read_date(text: &str, how: impl Into<DateReading>) -> Result<DateTime, DateProblem> {
    let text = text.trim();
    match parse_iso(text.as_bytes()) {
        Some(d) => Ok(d),
        None => parse_general(text, how.into()),
    }
}

/// What a `d/m/y`-shaped date says about its column's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderHint {
    /// Only day first makes it a date (`14/03/2024`).
    DayFirst,
    /// Only month first does (`03/14/2024`).
    MonthFirst,
    /// Either does, to different dates (`03/04/2024`).
    Either,
    /// Not a `d/m/y` form, or both orders give the same date (`05/05/2024`).
    Nothing,
}

/// What `text` says about the order of its column.
pub fn order_hint(text: &str) -> OrderHint {
    let text = text.trim();
    if parse_iso(text.as_bytes()).is_some() {
        return OrderHint::Nothing;
    }
    // A two-digit year's century hardly changes which order is real (29/02/00 aside).
    let with = |order| DateReading { order: Some(order), century: Some(Century::C2000) };
    let day_first = parse_general(text, with(DateOrder::DayFirst));
    let month_first = parse_general(text, with(DateOrder::MonthFirst));
    match (day_first, month_first) {
        (Ok(a), Ok(b)) if a != b => OrderHint::Either,
        (Ok(_), Err(_)) => OrderHint::DayFirst,
        (Err(_), Ok(_)) => OrderHint::MonthFirst,
        _ => OrderHint::Nothing,
    }
}

/// What a column's cells say about its date order: the first cell only each order
/// reads, and how many either could.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderEvidence {
    /// `(data row index, text)` of the first cell only day first reads.
    pub day_first: Option<(usize, String)>,
    /// `(data row index, text)` of the first cell only month first reads.
    pub month_first: Option<(usize, String)>,
    /// `(data row index, text)` of the first cell either order reads, to different dates.
    pub either: Option<(usize, String)>,
    /// Cells either order reads.
    pub either_count: usize,
    /// `(data row index, text)` of the first cell with a two-digit year.
    pub two_digit_year: Option<(usize, String)>,
}

/// What Ferry concludes about a column's date order from its [`OrderEvidence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFinding {
    /// No cell's reading depends on the order.
    NotNeeded,
    /// Only this order reads every cell that tells.
    Inferred(DateOrder),
    /// Cells tell both orders: the user chooses, and cells in the other order are flagged.
    Conflict,
    /// Every `d/m/y` cell reads either way: the user must say.
    Ask,
}

impl OrderEvidence {
    /// Gathers the evidence of `cells` (data row index, text), stopping as soon as both
    /// orders are seen.
    pub fn gather<'a>(cells: impl IntoIterator<Item = (usize, &'a str)>) -> OrderEvidence {
        let mut evidence = OrderEvidence::default();
        for (row, text) in cells {
            // Only text shaped like a d/m/y date can tell; skip the rest cheaply.
            let b = text.trim().as_bytes();
            if b.len() < 6 || !b[0].is_ascii_digit() {
                continue;
            }
            if evidence.two_digit_year.is_none() && has_two_digit_year(text) {
                evidence.two_digit_year = Some((row, text.trim().to_string()));
            }
            let slot = match order_hint(text) {
                OrderHint::DayFirst => &mut evidence.day_first,
                OrderHint::MonthFirst => &mut evidence.month_first,
                OrderHint::Either => {
                    evidence.either_count += 1;
                    &mut evidence.either
                }
                OrderHint::Nothing => continue,
            };
            if slot.is_none() {
                *slot = Some((row, text.trim().to_string()));
            }
            if evidence.day_first.is_some() && evidence.month_first.is_some() {
                break;
            }
        }
        evidence
    }

    /// What the evidence decides.
    pub fn finding(&self) -> OrderFinding {
        match (&self.day_first, &self.month_first) {
            (Some(_), Some(_)) => OrderFinding::Conflict,
            (Some(_), None) => OrderFinding::Inferred(DateOrder::DayFirst),
            (None, Some(_)) => OrderFinding::Inferred(DateOrder::MonthFirst),
            (None, None) if self.either.is_some() => OrderFinding::Ask,
            (None, None) => OrderFinding::NotNeeded,
        }
    }
}

/// [`read_date`] of trimmed text that is not ISO: any of its other shapes.
fn parse_general(text: &str, how: DateReading) -> Result<DateTime, DateProblem> {
    let order = how.order;
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let mut split = date.split(['-', '/', '.']);
    let parts = [split.next(), split.next(), split.next()];
    let [Some(a), Some(b), Some(c)] = parts else { return Err(DateProblem::NotADate) };
    let parts = [a, b, c];
    if split.next().is_some() || parts.iter().any(|p| p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(DateProblem::NotADate);
    }
    let nums = parts.map(|p| p.bytes().fold(0u32, |n, b| n * 10 + (b - b'0') as u32));
    let real = |year: u32, month: u32, day: u32| (1000..=9999).contains(&year) && (1..=12).contains(&month) && day != 0 && day <= days_in_month(year, month);
    let two_digit_year = parts[2].len() == 2 && parts[0].len() <= 2 && parts[1].len() <= 2;
    let (year, month, day) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else if parts[2].len() == 4 || (two_digit_year && how.century.is_some()) {
        let year = match how.century {
            Some(century) if two_digit_year => century.year(nums[2]),
            _ => nums[2],
        };
        let (day_first, month_first) = ((nums[1], nums[0]), (nums[0], nums[1]));
        let (month, day) = match order {
            Some(DateOrder::DayFirst) => day_first,
            Some(DateOrder::MonthFirst) => month_first,
            None => match (real(year, day_first.0, day_first.1), real(year, month_first.0, month_first.1)) {
                (true, true) if day_first != month_first => {
                    return Err(DateProblem::Ambiguous { first: nums[0] as u8, second: nums[1] as u8 });
                }
                (false, true) => month_first,
                _ => day_first,
            },
        };
        if let Some(order) = order.filter(|_| !real(year, month, day)) {
            let (other_month, other_day) = if order == DateOrder::DayFirst { month_first } else { day_first };
            if real(year, other_month, other_day) {
                return Err(DateProblem::NotInOrder(order));
            }
        }
        (year, month, day)
    } else if two_digit_year {
        return Err(DateProblem::TwoDigitYear);
    } else {
        return Err(DateProblem::NotADate);
    };
    if !real(year, month, day) {
        return Err(DateProblem::NotADate);
    }
    let (hour, minute, second) = match time {
        None | Some("") => (0, 0, 0),
        Some(t) => parse_time(t).ok_or(DateProblem::NotADate)?,
    };
    Ok(DateTime { year: year as u16, month: month as u8, day: day as u8, hour, minute, second })
}

/// The common shapes, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` and `YYYY-MM-DD HH:MM:SS` (or with
/// `T`), read byte by byte; `None` for any other text or an impossible date (which the
/// general reading then judges, to the same end).
fn parse_iso(b: &[u8]) -> Option<DateTime> {
    let digits =
        |at: usize, n: usize| -> Option<u32> { b.get(at..at + n)?.iter().try_fold(0u32, |v, &c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u32)) };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !matches!(b.len(), 10 | 16 | 19) || !at(4, b'-') || !at(7, b'-') {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    if b.len() > 10 {
        if !(at(10, b' ') || at(10, b'T')) || !at(13, b':') {
            return None;
        }
        (hour, minute) = (digits(11, 2)?, digits(14, 2)?);
        if b.len() == 19 {
            if !at(16, b':') {
                return None;
            }
            second = digits(17, 2)?;
        }
    }
    let valid =
        (1000..=9999).contains(&year) && (1..=12).contains(&month) && day != 0 && day <= days_in_month(year, month) && hour < 24 && minute < 60 && second < 60;
    valid.then_some(DateTime { year: year as u16, month: month as u8, day: day as u8, hour: hour as u8, minute: minute as u8, second: second as u8 })
}

fn parse_time(t: &str) -> Option<(u8, u8, u8)> {
    // Drop a trailing zone marker and fractions of a second.
    let t = t.trim_end_matches('Z');
    let t = t.split(['+', '-']).next()?;
    let t = t.split('.').next()?;
    let mut split = t.split(':');
    let parts = [split.next(), split.next(), split.next()];
    let ok = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    if split.next().is_some() || !parts[0].is_some_and(ok) || !parts[1].is_some_and(ok) || parts[2].is_some_and(|p| !ok(p)) {
        return None;
    }
    let num = |p: Option<&str>| p.map_or(0, |p| p.bytes().fold(0u8, |n, b| n * 10 + (b - b'0')));
    let (h, m, s) = (num(parts[0]), num(parts[1]), num(parts[2]));
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// Reads an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) as Unix epoch milliseconds.
pub fn parse_http_date(text: &str) -> Option<f64> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let day: u32 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let year: u32 = year.parse().ok()?;
    let (h, m, s) = parse_time(time)?;
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    Some(((days * 86_400 + h as i64 * 3600 + m as i64 * 60 + s as i64) * 1000) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Option<String> {
        parse_datetime(s).map(|d| d.to_canonical())
    }

    #[test]
    fn common_forms() {
        assert_eq!(canon("2024-09-01").as_deref(), Some("2024-09-01 00:00:00"));
        assert_eq!(canon("2024-09-01 10:10").as_deref(), Some("2024-09-01 10:10:00"));
        assert_eq!(canon("2024-09-01T10:10:05Z").as_deref(), Some("2024-09-01 10:10:05"));
        assert_eq!(canon("2024-09-01T10:10:05.123").as_deref(), Some("2024-09-01 10:10:05"));
        assert_eq!(canon("13.09.2024 7:05").as_deref(), Some("2024-09-13 07:05:00"));
        assert_eq!(canon("9/13/2024").as_deref(), Some("2024-09-13 00:00:00"));
        assert_eq!(canon("5/5/2024").as_deref(), Some("2024-05-05 00:00:00"));
        assert_eq!(canon("2024/02/29").as_deref(), Some("2024-02-29 00:00:00"));
    }

    #[test]
    fn a_date_whose_day_and_month_could_swap_is_read_only_in_an_order_given() {
        let read = |s: &str, o| read_date(s, o).map(|d| d.to_canonical());
        assert_eq!(read("03/04/2024", None), Err(DateProblem::Ambiguous { first: 3, second: 4 }));
        assert_eq!(read("03/04/2024", Some(DateOrder::DayFirst)).as_deref(), Ok("2024-04-03 00:00:00"));
        assert_eq!(read("03/04/2024 10:10", Some(DateOrder::MonthFirst)).as_deref(), Ok("2024-03-04 10:10:00"));
        assert_eq!(read("01.09.2024", None), Err(DateProblem::Ambiguous { first: 1, second: 9 }));
        // A date that is real only the other way round is flagged, not swapped.
        assert_eq!(read("05/13/2024", Some(DateOrder::DayFirst)), Err(DateProblem::NotInOrder(DateOrder::DayFirst)));
        assert_eq!(read("13/05/2024", Some(DateOrder::MonthFirst)), Err(DateProblem::NotInOrder(DateOrder::MonthFirst)));
        assert_eq!(read("31/31/2024", Some(DateOrder::DayFirst)), Err(DateProblem::NotADate));
        assert_eq!(read("3/4/24", None), Err(DateProblem::TwoDigitYear));
        // A two-digit year in the century chosen, in the order chosen.
        let read_as = |s: &str, how: DateReading| read_date(s, how).map(|d| d.to_canonical());
        let with = |order, century| DateReading { order: Some(order), century: Some(century) };
        assert_eq!(read_as("3/4/24", with(DateOrder::DayFirst, Century::C1900)).as_deref(), Ok("1924-04-03 00:00:00"));
        assert_eq!(read_as("3/4/24 10:00", with(DateOrder::MonthFirst, Century::C2000)).as_deref(), Ok("2024-03-04 10:00:00"));
        assert_eq!(read_as("3.4.67", with(DateOrder::DayFirst, Century::NotAfter(2026))).as_deref(), Ok("1967-04-03 00:00:00"));
        assert_eq!(read_as("3.4.26", with(DateOrder::DayFirst, Century::NotAfter(2026))).as_deref(), Ok("2026-04-03 00:00:00"));
        assert_eq!(read_as("3/4/24", DateReading { order: None, century: Some(Century::C2000) }), Err(DateProblem::Ambiguous { first: 3, second: 4 }));
        assert_eq!(read_as("13/4/24", DateReading { order: None, century: Some(Century::C2000) }).as_deref(), Ok("2024-04-13 00:00:00"));
        assert_eq!(read_as("31/31/24", with(DateOrder::DayFirst, Century::C2000)), Err(DateProblem::NotADate));
        assert!(has_two_digit_year("3/4/24 10:00") && has_two_digit_year("03.04.24"));
        assert!(!has_two_digit_year("3/4/2024") && !has_two_digit_year("2024-03-04") && !has_two_digit_year("24/3"));
        // ISO dates need no order.
        assert_eq!(read("2024-03-04", Some(DateOrder::MonthFirst)).as_deref(), Ok("2024-03-04 00:00:00"));
        assert_eq!(
            DateProblem::Ambiguous { first: 3, second: 4 }.message("03/04/2024", "write it as YYYY-MM-DD"),
            "\"03/04/2024\" could be 3 April or March 4: choose this column's date order in the columns step."
        );
    }

    #[test]
    fn a_column_tells_its_order_by_its_unambiguous_cells() {
        let of = |cells: &[&str]| OrderEvidence::gather(cells.iter().copied().enumerate());
        assert_eq!(of(&["2024-01-02", "", "x"]).finding(), OrderFinding::NotNeeded);
        assert_eq!(of(&["05/05/2024", "03/04/2024", "04/03/2024"]).finding(), OrderFinding::Ask);
        let day_first = of(&["03/04/2024", "14/03/2024"]);
        assert_eq!(day_first.finding(), OrderFinding::Inferred(DateOrder::DayFirst));
        assert_eq!(day_first.day_first, Some((1, "14/03/2024".to_string())));
        assert_eq!(day_first.either_count, 1);
        assert_eq!(of(&["5/9/2024", "12/31/2024 10:00"]).finding(), OrderFinding::Inferred(DateOrder::MonthFirst));
        let both = of(&["14/03/2024", "03/14/2024", "13/13/2024"]);
        assert_eq!(both.finding(), OrderFinding::Conflict);
        assert_eq!(both.month_first, Some((1, "03/14/2024".to_string())));
        // Two-digit years tell their order too, and are noted for the century question.
        let short = of(&["2024-01-01", "3/4/24", "25/4/24"]);
        assert_eq!(short.finding(), OrderFinding::Inferred(DateOrder::DayFirst));
        assert_eq!(short.two_digit_year, Some((1, "3/4/24".to_string())));
    }

    #[test]
    fn impossible_dates() {
        for bad in ["", "2024-13-01", "2023-02-29", "2024-04-31", "31/31/2024", "2024-09-01 10:100", "2024-09-01 25:00", "yesterday", "24-09-01"] {
            assert_eq!(canon(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_quick_iso_reading_agrees_with_the_general_one() {
        // Every shape parse_iso takes, with good and impossible values: where it answers,
        // the general reading (parse_datetime without it) must give the same.
        let mut answered = 0;
        for year in ["2024", "0999", "1000", "9999", "2023", "20x4"] {
            for month in ["01", "02", "04", "12", "13", "00"] {
                for day in ["01", "28", "29", "30", "31", "00", "32"] {
                    for time in ["", " 00:00", "T23:59", " 24:00", " 12:60", " 10:10:05", "T10:10:59", " 10:10:60", " 1:10", " 10-10"] {
                        let text = format!("{year}-{month}-{day}{time}");
                        if let Some(quick) = parse_iso(text.as_bytes()) {
                            answered += 1;
                            assert_eq!(Ok(quick), parse_general(&text, DateReading::default()), "{text}");
                        } else {
                            assert_eq!(parse_general(&text, DateReading::default()).ok(), parse_datetime(&text), "{text}");
                        }
                    }
                }
            }
        }
        assert!(answered > 100, "{answered}");
    }
}
