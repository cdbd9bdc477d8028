//! Dates in cells: ISO 8601 first, then the rules' `date_formats`, as the
//! contract defines them. Days are counted as plain integers (days since
//! 1970-01-01) so that per-row comparisons are integer compares.

use jiff::civil::Date;

/// Days since 1970-01-01 of a real calendar date, or None.
pub fn day_number(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let date = Date::new(year as i16, month as i8, day as i8).ok()?;
    Some(days_of(date))
}

/// Days since 1970-01-01 of a jiff date.
pub fn days_of(date: Date) -> i32 {
    const EPOCH: Date = Date::constant(1970, 1, 1);
    (date.duration_since(EPOCH).as_secs() / 86_400) as i32
}

/// One item of a compiled `date_formats` entry.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Day,
    Month,
    Year,
    /// `%y`: two digits, 00-68 → 2000-2068, 69-99 → 1969-1999.
    ShortYear,
    Hour,
    Minute,
    Second,
    Literal(char),
}

/// A `date_formats` entry, checked and compiled once.
#[derive(Clone, Debug, PartialEq)]
pub struct DateFormat {
    items: Vec<Item>,
}

/// What is wrong with a date format, for the rules error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateFormatError {
    #[error("unsupported directive '%{0}' (use %d, %m, %Y or %y, %H, %M, %S or %%)")]
    Directive(char),
    #[error("a lone '%' at the end (write %% for a percent sign)")]
    LonePercent,
    #[error("a date format must hold %d and %m once each, and one of %Y and %y")]
    Fields,
}

impl DateFormat {
    /// Compiles a format. The error says what is wrong, for the rules error.
    pub fn parse(fmt: &str) -> Result<DateFormat, DateFormatError> {
        let mut items = Vec::new();
        let mut chars = fmt.chars();
        let (mut d, mut m, mut y) = (0, 0, 0);
        while let Some(c) = chars.next() {
            if c != '%' {
                items.push(Item::Literal(c));
                continue;
            }
            let item = match chars.next() {
                Some('d') => {
                    d += 1;
                    Item::Day
                }
                Some('m') => {
                    m += 1;
                    Item::Month
                }
                Some('Y') => {
                    y += 1;
                    Item::Year
                }
                Some('y') => {
                    y += 1;
                    Item::ShortYear
                }
                Some('H') => Item::Hour,
                Some('M') => Item::Minute,
                Some('S') => Item::Second,
                Some('%') => Item::Literal('%'),
                Some(other) => return Err(DateFormatError::Directive(other)),
                None => return Err(DateFormatError::LonePercent),
            };
            items.push(item);
        }
        if d != 1 || m != 1 || y != 1 {
            return Err(DateFormatError::Fields);
        }
        Ok(DateFormat { items })
    }

    /// Matches the whole (trimmed) cell; returns the day number of a real date.
    pub fn parse_date(&self, s: &str) -> Option<i32> {
        self.parse_parts(s).map(|(day, _)| day)
    }

    /// Whether the format holds a time (`%H`).
    pub fn has_time(&self) -> bool {
        self.items.contains(&Item::Hour)
    }

    /// Matches the whole (trimmed) cell: the day number of a real date and
    /// the time of day it gives (hour, minute, second; 0 where left out).
    pub fn parse_parts(&self, s: &str) -> Option<(i32, (u32, u32, u32))> {
        let b = s.as_bytes();
        let mut i = 0;
        let (mut day, mut month, mut year) = (0u32, 0u32, 0i32);
        let mut time = (0u32, 0u32, 0u32);
        for item in &self.items {
            match item {
                Item::Literal(c) => {
                    let mut buf = [0u8; 4];
                    let lit = c.encode_utf8(&mut buf).as_bytes();
                    if !b[i..].starts_with(lit) {
                        return None;
                    }
                    i += lit.len();
                }
                Item::Year => {
                    year = digits(b, &mut i, 4, 4)? as i32;
                }
                Item::ShortYear => {
                    let yy = digits(b, &mut i, 2, 2)? as i32;
                    year = if yy <= 68 { 2000 + yy } else { 1900 + yy };
                }
                Item::Day => day = digits(b, &mut i, 1, 2)?,
                Item::Month => month = digits(b, &mut i, 1, 2)?,
                Item::Hour => {
                    time.0 = digits(b, &mut i, 1, 2)?;
                    if time.0 > 23 {
                        return None;
                    }
                }
                Item::Minute => {
                    time.1 = digits(b, &mut i, 1, 2)?;
                    if time.1 > 59 {
                        return None;
                    }
                }
                Item::Second => {
                    time.2 = digits(b, &mut i, 1, 2)?;
                    if time.2 > 60 {
                        return None;
                    }
                }
            }
        }
        if i != b.len() {
            return None;
        }
        Some((day_number(year, month, day)?, time))
    }
}

/// Reads between `min` and `max` ASCII digits at `*i` (greedy).
fn digits(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let n = b[*i..].iter().take(max).take_while(|c| c.is_ascii_digit()).count();
    if n < min {
        return None;
    }
    let v = b[*i..*i + n].iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32);
    *i += n;
    Some(v)
}

/// An ISO date: a real calendar date `YYYY-MM-DD` (year from 0001) that ends the
/// cell or is followed by `T` or a space (the rest is ignored).
pub fn parse_iso(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() > 10 && b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |a, &c| c.is_ascii_digit().then(|| a * 10 + (c - b'0') as u32))
    };
    day_number(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A cell as a date: ISO first, then each format in order. The cell is trimmed.
pub fn parse_cell_date(s: &str, formats: &[DateFormat]) -> Option<i32> {
    parse_iso(s).or_else(|| formats.iter().find_map(|f| f.parse_date(s)))
}

/// Parses `--as-of YYYY-MM-DD` (strictly a date).
pub fn parse_as_of(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    parse_iso(s)
}

/// The run's clock from `--as-of`, in `zone`, truncated to the minute: a
/// date alone is 00:00 of that day; `YYYY-MM-DDTHH:MM[:SS[.f]]` with `Z` or
/// `±HH:MM` is that instant; without an offset it is a local time in `zone`
/// (in a daylight-saving gap it moves forward by the gap; a time that occurs
/// twice is the earlier instant). None when the text is neither form.
pub fn parse_clock(s: &str, zone: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    let s = s.trim();
    let local = if s.len() == 10 {
        parse_as_of(s)?;
        s.parse::<Date>().ok()?.to_datetime(jiff::civil::Time::midnight())
    } else {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        // The shape first: jiff also reads forms the contract does not name.
        let shape = b.len() >= 16
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16);
        if !shape || !s.bytes().all(|c| c.is_ascii_digit() || b"-:T.Z+".contains(&c)) {
            return None;
        }
        match s.parse::<jiff::Timestamp>() {
            Ok(t) => return Some(to_minute(t)),
            Err(_) if s.ends_with('Z') || s[10..].contains(['+', '-']) => return None,
            Err(_) => s.parse::<jiff::civil::DateTime>().ok()?,
        }
    };
    // `compatible`: a gap moves forward by its length, a fold takes the earlier.
    zone.to_ambiguous_zoned(local).compatible().ok().map(|z| to_minute(z.timestamp()))
}

/// A date-time cell (`[input] touched`, and `created` for the time to
/// route; docs/reference.md §11): `YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|±HH:MM]`, or
/// a `date_formats` match (with `%H`, `%M`, `%S`), in `zone` when it has no
/// offset; truncated to the minute. A date alone is the end of that day (the
/// next day's 00:00), or, with `date_alone_at_start`, its start. None: not
/// a date (the caller tells an empty cell apart).
pub fn parse_cell_time(
    s: &str,
    formats: &[DateFormat],
    zone: &jiff::tz::TimeZone,
    date_alone_at_start: bool,
) -> Option<jiff::Timestamp> {
    let s = s.trim();
    let at_day = |day: i32, (h, m, sec): (u32, u32, u32), alone: bool| -> Option<jiff::Timestamp> {
        let day = if alone && !date_alone_at_start { day.checked_add(1)? } else { day };
        let date = Date::constant(1970, 1, 1).checked_add(jiff::Span::new().try_days(day as i64).ok()?).ok()?;
        let time = jiff::civil::Time::new(h as i8, m as i8, sec.min(59) as i8, 0).ok()?;
        zone.to_ambiguous_zoned(date.to_datetime(time)).compatible().ok().map(|z| to_minute(z.timestamp()))
    };
    let b = s.as_bytes();
    if let Some(day) = parse_iso(s) {
        if b.len() == 10 {
            return at_day(day, (0, 0, 0), true);
        }
        // `T` or a space, then a time: read as the clock is.
        let mut text = s.to_string();
        text.replace_range(10..11, "T");
        if let Some(t) = parse_clock(&text, zone) {
            return Some(t);
        }
    }
    formats.iter().find_map(|f| f.parse_parts(s).and_then(|(day, time)| at_day(day, time, !f.has_time())))
}

/// The instant day `day` starts in `zone` (its local 00:00; in a gap, the
/// first instant after it).
pub fn day_start(day: i32, zone: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    let date = Date::constant(1970, 1, 1).checked_add(jiff::Span::new().try_days(day as i64).ok()?).ok()?;
    zone.to_ambiguous_zoned(date.to_datetime(jiff::civil::Time::midnight())).compatible().ok().map(|z| z.timestamp())
}

/// An instant as the ledger and the outputs write it: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time, to the minute.
pub fn now() -> jiff::Timestamp {
    to_minute(jiff::Timestamp::now())
}

/// An instant truncated to its minute.
fn to_minute(t: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

/// The day number of the clock's date in `zone`.
pub fn day_in(clock: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> i32 {
    days_of(clock.to_zoned(zone.clone()).date())
}

/// A day number back to `YYYY-MM-DD`, for messages.
pub fn format_day(days: i32) -> String {
    // A day outside the calendar (a `within_days` of two billion, say) is
    // written as its day number instead.
    jiff::Span::new()
        .try_days(days as i64)
        .and_then(|span| Date::constant(1970, 1, 1).checked_add(span))
        .map_or_else(|_| format!("day {days} from 1970-01-01"), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_dates_instants_and_local_times_in_the_zone() {
        let helsinki = jiff::tz::TimeZone::get("Europe/Helsinki").unwrap();
        let t = |s: &str| parse_clock(s, &helsinki).map(|t| t.to_string());
        // A date alone is 00:00 local (EET, +02:00 in November).
        assert_eq!(t("2026-11-03").as_deref(), Some("2026-11-02T22:00:00Z"));
        assert_eq!(t("2026-11-03T10:00Z").as_deref(), Some("2026-11-03T10:00:00Z"));
        assert_eq!(t("2026-11-03T10:00:59.9+05:30").as_deref(), Some("2026-11-03T04:30:00Z"));
        assert_eq!(t("2026-11-03T10:00").as_deref(), Some("2026-11-03T08:00:00Z"));
        // 2026-03-29: 03:00 EET becomes 04:00 EEST; 03:30 does not exist and
        // moves forward by the gap, to 04:30 EEST.
        assert_eq!(t("2026-03-29T03:30").as_deref(), Some("2026-03-29T01:30:00Z"));
        // 2026-10-25: 04:00 EEST becomes 03:00 EET; 03:30 occurs twice: the earlier.
        assert_eq!(t("2026-10-25T03:30").as_deref(), Some("2026-10-25T00:30:00Z"));
        for bad in ["2026-11-3", "2026-11-03T10", "2026-11-03 10:00", "2026-11-03T25:00Z", "2026-02-30", "now", ""] {
            assert_eq!(t(bad), None, "{bad}");
        }
        // The as-of date is the clock's date in the zone.
        let kiritimati = jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap();
        let clock = parse_clock("2026-11-02T12:00Z", &kiritimati).unwrap();
        assert_eq!(format_day(day_in(clock, &kiritimati)), "2026-11-03");
        assert_eq!(format_day(day_in(clock, &jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())), "2026-11-02");
    }

    /// Found by the fuzzer: `explain` with `within_days = 2147483647` panicked.
    #[test]
    fn days_outside_the_calendar_are_written_without_panicking() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(i32::MIN), "day -2147483648 from 1970-01-01");
        assert_eq!(format_day(i32::MAX), "day 2147483647 from 1970-01-01");
    }

    #[test]
    fn iso_dates() {
        assert_eq!(parse_iso("1970-01-02"), Some(1));
        assert!(parse_iso("2026-10-28").is_some());
        assert_eq!(parse_iso("2026-10-28T12:00:00"), parse_iso("2026-10-28"));
        assert_eq!(parse_iso("2026-10-28 12:00"), parse_iso("2026-10-28"));
        for bad in
            ["2026-02-30", "2026-13-01", "0000-01-01", "2026-1-01", "2026-10-28t1", "2026-10-28x", "yesterday", ""]
        {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn custom_formats() {
        let f = DateFormat::parse("%d.%m.%Y").unwrap();
        assert_eq!(f.parse_date("02.08.2026"), parse_iso("2026-08-02"));
        assert_eq!(f.parse_date("2.8.2026"), parse_iso("2026-08-02"));
        assert_eq!(f.parse_date("31.02.2026"), None);
        assert_eq!(f.parse_date("02.08.26"), None);
        assert_eq!(f.parse_date("02.08.2026 "), None);
        let g = DateFormat::parse("%m/%d/%Y %H:%M").unwrap();
        assert_eq!(g.parse_date("8/2/2026 13:05"), parse_iso("2026-08-02"));
        assert_eq!(g.parse_date("8/2/2026 24:05"), None);
        assert_eq!(DateFormat::parse("%d.%m.%q").unwrap_err(), DateFormatError::Directive('q'));
        assert_eq!(DateFormat::parse("%d.%m.%Y%").unwrap_err(), DateFormatError::LonePercent);
        assert_eq!(DateFormat::parse("%d.%m").unwrap_err(), DateFormatError::Fields);
        assert!(DateFormat::parse("%d.%m.%Y %d").is_err());
        // %y (docs/reference.md §7.3): two digits, 00-68 are 2000-2068, 69-99 are 1969-1999;
        // a format holds one of %Y and %y.
        let y = DateFormat::parse("%d.%m.%y").unwrap();
        assert_eq!(y.parse_date("31.12.68"), parse_iso("2068-12-31"));
        assert_eq!(y.parse_date("1.1.69"), parse_iso("1969-01-01"));
        assert_eq!(y.parse_date("29.2.00"), parse_iso("2000-02-29"));
        assert_eq!(y.parse_date("1.1.2026"), None);
        assert_eq!(y.parse_date("1.1.7"), None);
        assert!(DateFormat::parse("%d.%m.%y %Y").is_err());
        assert_eq!(DateFormat::parse("%d%%%m%%%Y").unwrap().parse_date("1%2%2026"), parse_iso("2026-02-01"));
    }

    #[test]
    fn touched_cells_are_instants_and_a_date_alone_is_the_end_of_its_day() {
        let helsinki = jiff::tz::TimeZone::get("Europe/Helsinki").unwrap();
        let formats = [DateFormat::parse("%d.%m.%Y %H:%M").unwrap(), DateFormat::parse("%d/%m/%Y").unwrap()];
        let t = |s: &str| parse_cell_time(s, &formats, &helsinki, false).map(format_utc);
        assert_eq!(t("2026-11-03").as_deref(), Some("2026-11-03T22:00:00Z"));
        assert_eq!(t("2026-11-03 10:15").as_deref(), Some("2026-11-03T08:15:00Z"));
        assert_eq!(t("2026-11-03T10:15:59.5Z").as_deref(), Some("2026-11-03T10:15:00Z"));
        assert_eq!(t("2026-11-03 10:15+01:00").as_deref(), Some("2026-11-03T09:15:00Z"));
        assert_eq!(t("3.11.2026 10:15").as_deref(), Some("2026-11-03T08:15:00Z"));
        assert_eq!(t("03/11/2026").as_deref(), Some("2026-11-03T22:00:00Z"));
        assert_eq!(
            parse_cell_time("2026-11-03", &[], &helsinki, true).map(format_utc).as_deref(),
            Some("2026-11-02T22:00:00Z")
        );
        // In the spring-forward gap (03:00 -> 04:00) a time moves forward by
        // the gap; in the autumn fold it is the earlier instant.
        assert_eq!(t("2026-03-29 03:30").as_deref(), Some("2026-03-29T01:30:00Z"));
        assert_eq!(t("25.10.2026 03:30").as_deref(), Some("2026-10-25T00:30:00Z"));
        for bad in ["", "soon", "2026-11-03 25:00", "2026-11-03T10", "2026-02-30"] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trip() {
        assert_eq!(format_day(parse_iso("2026-11-01").unwrap()), "2026-11-01");
    }
}
