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

/// Reads `2024-09-01`, `2024-09-01 10:10`, `2024-09-01T10:10:05`, `2024/09/01`,
/// `01.09.2024 10:10`, `1/9/2024` and the like. In `d/m/y` forms a part above 12 is the
/// day; when both could be the month, the day comes first (the European order).
/// Returns `None` when the text is no real date (month 13, 31 April, 29 February 2023).
pub fn parse_datetime(text: &str) -> Option<DateTime> {
    let text = text.trim();
    parse_iso(text.as_bytes()).or_else(|| parse_general(text))
}

/// [`parse_datetime`] of trimmed text, any of its shapes.
fn parse_general(text: &str) -> Option<DateTime> {
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let mut split = date.split(['-', '/', '.']);
    let parts = [split.next()?, split.next()?, split.next()?];
    if split.next().is_some() || parts.iter().any(|p| p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let nums = parts.map(|p| p.bytes().fold(0u32, |n, b| n * 10 + (b - b'0') as u32));
    let (year, month, day) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else if parts[2].len() == 4 {
        if nums[1] > 12 && nums[0] <= 12 {
            (nums[2], nums[0], nums[1])
        } else {
            (nums[2], nums[1], nums[0])
        }
    } else {
        return None;
    };
    if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let (hour, minute, second) = match time {
        None | Some("") => (0, 0, 0),
        Some(t) => parse_time(t)?,
    };
    Some(DateTime { year: year as u16, month: month as u8, day: day as u8, hour, minute, second })
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
        assert_eq!(canon("01.09.2024 7:05").as_deref(), Some("2024-09-01 07:05:00"));
        assert_eq!(canon("1/9/2024").as_deref(), Some("2024-09-01 00:00:00"));
        assert_eq!(canon("9/13/2024").as_deref(), Some("2024-09-13 00:00:00"));
        assert_eq!(canon("2024/02/29").as_deref(), Some("2024-02-29 00:00:00"));
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
                            assert_eq!(Some(quick), parse_general(&text), "{text}");
                        } else {
                            assert_eq!(parse_general(&text), parse_datetime(&text), "{text}");
                        }
                    }
                }
            }
        }
        assert!(answered > 100, "{answered}");
    }
}
