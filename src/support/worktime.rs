//! Working time (docs/reference.md §11.3): the minutes between two instants
//! that fall inside a calendar's working hours, on its working days, outside
//! its holidays, in its time zone.
//!
//! A working day `d` is its local hours: `[instant(d, start), instant(d,
//! end))`, each local time resolved as `support::date` does (in a
//! daylight-saving gap forward by the gap, a repeated time the earlier), so a
//! day on which the clocks change has more or fewer working minutes in UTC.
//! (Should the resolution make a day's interval run backwards or into the
//! next day's, it is cut: a minute counts once.) Instants are whole UTC
//! minutes; an offset with seconds (local mean time, before about 1900) is
//! floored to its minute.
//!
//! Speed: a call costs a few array reads. The days from 1800 to 2500 are kept
//! in blocks of 1,024 days (each day's start in UTC minutes, its working
//! minutes, their running sum), built once each, on first use, by whichever
//! thread needs them; a call touches one or two blocks for spans of weeks.
//! From 2500 the days repeat the 400 years before them (146,097 days, whole
//! weeks: the Gregorian calendar and the zones' daylight-saving rules repeat);
//! before 1800, a zone without transitions there counts whole weeks; any other
//! day is worked out directly.

// SLAs and response times (docs/reference.md §11) are its callers, to come.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Minutes in a day (24:00).
pub const DAY_MINUTES: u16 = 1440;

/// The day names of `working_days`, Monday first (the index of a weekday).
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The default working days: Monday to Friday.
pub const MON_TO_FRI: [bool; 7] = [true, true, true, true, true, false, false];

/// A day's working hours: minutes from local midnight, `start < end ≤ 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hours {
    start: u16,
    end: u16,
}

/// What is wrong with a `working_hours` value, for the rules error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("expected HH:MM-HH:MM, e.g. \"08:00-17:00\"")]
    Shape,
    #[error("{0} is not a time of day (00:00 to 23:59, or 24:00 as the end), e.g. \"08:00-17:00\"")]
    Time(String),
    #[error("the start must be before the end, e.g. \"08:00-17:00\"")]
    Order,
}

impl Hours {
    /// Hours from minutes of the day; None unless `start < end ≤ 1440`.
    pub fn new(start: u16, end: u16) -> Option<Hours> {
        (start < end && end <= DAY_MINUTES).then_some(Hours { start, end })
    }

    /// Reads `HH:MM-HH:MM` (two digits each; 24:00 only as the end).
    pub fn parse(s: &str) -> Result<Hours, HoursError> {
        let (a, b) = s.trim().split_once('-').ok_or(HoursError::Shape)?;
        let clock = |t: &str| -> Result<u16, HoursError> {
            let b = t.as_bytes();
            if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
                return Err(HoursError::Shape);
            }
            let (h, m) = (
                u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0'),
                u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0'),
            );
            if m > 59 || h > 24 || h == 24 && m > 0 {
                return Err(HoursError::Time(t.to_string()));
            }
            Ok(h * 60 + m)
        };
        let (start, end) = (clock(a.trim())?, clock(b.trim())?);
        Hours::new(start, end).ok_or(HoursError::Order)
    }

    /// The first working minute of the day (minutes from local midnight).
    #[cfg(test)]
    pub fn start(self) -> u16 {
        self.start
    }

    /// The end of the working hours (exclusive; 1440 is midnight ending the day).
    #[cfg(test)]
    pub fn end(self) -> u16 {
        self.end
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (s, e) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)
    }
}

/// The first day kept in blocks (1800-01-01), as a day number.
const LO: i64 = -62_091;
/// The first day of the repeating part (2500-01-01).
const HI: i64 = 193_579;
/// Days in 400 Gregorian years: whole weeks, after which the calendar repeats.
const CYCLE: i64 = 146_097;
/// Days per block.
const BLOCK: i64 = 1024;
/// Blocks from `LO` to at least `HI`.
const BLOCKS: usize = ((HI - LO + BLOCK - 1) / BLOCK) as usize;

/// One block of days: each day's working interval start (UTC minutes, kept
/// for every day so that starts rise), its working minutes (0 on a day that
/// is not a working weekday; holidays are not taken out here), and the
/// running sum of those before it in the block.
#[derive(Clone)]
struct Block {
    start: Box<[i64]>,
    len: Box<[i32]>,
    /// `before[i]`: working minutes of days 0..i of the block; `BLOCK + 1` entries.
    before: Box<[i64]>,
}

/// A working-time calendar: a time zone, optional working hours, working
/// weekdays and holidays. Without hours every elapsed minute counts (days and
/// holidays then do not matter). Cheap to share between threads.
#[derive(Clone)]
pub struct Calendar {
    zone: TimeZone,
    hours: Option<Hours>,
    days: [bool; 7],
    /// Day numbers, sorted, without repeats.
    holidays: Vec<i32>,
    /// The zone has no transition before `LO` (then those days are whole weeks).
    steady_before: bool,
    /// The days `LO..` in blocks, each built on first use; empty without hours.
    blocks: Box<[OnceLock<Box<Block>>]>,
    /// Working minutes (holidays aside) of the 400 years before `HI`.
    cycle: OnceLock<i64>,
}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("zone", &self.zone.iana_name())
            .field("hours", &self.hours.map(|h| h.to_string()))
            .field("days", &self.days)
            .field("holidays", &self.holidays)
            .finish()
    }
}

impl Calendar {
    /// A calendar. `days` is Monday first; holidays are day numbers (any order).
    pub fn new(zone: TimeZone, hours: Option<Hours>, days: [bool; 7], mut holidays: Vec<i32>) -> Calendar {
        holidays.sort_unstable();
        holidays.dedup();
        // No transition up to two days after LO: every earlier day has the same offset.
        let steady_before =
            Timestamp::from_second((LO + 2) * 86_400).map(|t| zone.preceding(t).next().is_none()).unwrap_or(false);
        let blocks = if hours.is_some() { (0..BLOCKS).map(|_| OnceLock::new()).collect() } else { Box::default() };
        Calendar { zone, hours, days, holidays, steady_before, blocks, cycle: OnceLock::new() }
    }

    /// Every minute counts, in UTC.
    #[cfg(test)]
    pub fn every_minute() -> Calendar {
        Calendar::new(TimeZone::UTC, None, MON_TO_FRI, Vec::new())
    }

    /// The time zone of the working hours.
    #[cfg(test)]
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The working hours; None: every minute counts.
    pub fn hours(&self) -> Option<Hours> {
        self.hours
    }

    /// The working weekdays, Monday first.
    pub fn working_days(&self) -> [bool; 7] {
        self.days
    }

    /// The holidays as day numbers, sorted.
    pub fn holidays(&self) -> &[i32] {
        &self.holidays
    }

    /// Whole minutes of working time in `[from, to)`, both truncated to the
    /// minute; 0 when `to` is not after `from`.
    pub fn working_minutes(&self, from: Timestamp, to: Timestamp) -> i64 {
        let (f, t) = (minute(from), minute(to));
        if t <= f {
            return 0;
        }
        let Some(h) = self.hours else { return t - f };
        let (df, sf, lf) = self.locate(h, f);
        let (dt, st, lt) = self.locate(h, t);
        let whole = self.sum(h, df, dt) - self.holiday_minutes(h, df, dt);
        (whole + self.part(dt, st, lt, t) - self.part(df, sf, lf, f)).max(0)
    }

    /// The day whose working interval starts last at or before minute `t`:
    /// its day number, start and working minutes. Offsets are within ±26
    /// hours, so it is one of the six days around `t`'s UTC date.
    fn locate(&self, h: Hours, t: i64) -> (i64, i64, i64) {
        let g = t.div_euclid(1440);
        for d in (g - 3..=g + 2).rev() {
            let (s, l) = self.day(h, d);
            if s <= t {
                return (d, s, l);
            }
        }
        let (s, l) = self.day(h, g - 3);
        (g - 3, s, l)
    }

    /// The working minutes of day `d` before minute `t`.
    fn part(&self, d: i64, start: i64, len: i64, t: i64) -> i64 {
        if self.is_holiday(d) { 0 } else { (t - start).clamp(0, len) }
    }

    fn is_holiday(&self, d: i64) -> bool {
        i32::try_from(d).is_ok_and(|d| self.holidays.binary_search(&d).is_ok())
    }

    /// The working minutes the holidays in days `[a, b)` would have had.
    fn holiday_minutes(&self, h: Hours, a: i64, b: i64) -> i64 {
        let clamp = |d: i64| d.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        let lo = self.holidays.partition_point(|&x| x < clamp(a));
        let hi = self.holidays.partition_point(|&x| (x as i64) < b);
        self.holidays[lo..hi.max(lo)].iter().map(|&x| self.day(h, x as i64).1).sum()
    }

    /// Day `d`'s working interval start (UTC minutes) and working minutes,
    /// holidays aside: from its block, else worked out.
    fn day(&self, h: Hours, d: i64) -> (i64, i64) {
        if (LO..HI).contains(&d) {
            let b = self.block(h, ((d - LO) / BLOCK) as usize);
            let i = ((d - LO) % BLOCK) as usize;
            return (b.start[i], b.len[i] as i64);
        }
        let (s, e) = self.interval(h, d);
        (s, if self.days[weekday(d)] { e - s } else { 0 })
    }

    /// The working minutes (holidays aside) of the days `[a, b)`.
    fn sum(&self, h: Hours, a: i64, b: i64) -> i64 {
        if a >= b {
            return 0;
        }
        let mut sum = 0;
        if a < LO {
            let e = b.min(LO);
            sum += if self.steady_before {
                // One offset throughout: every working weekday has the hours' length.
                i64::from(h.end - h.start) * self.weekdays_between(a, e)
            } else {
                (a..e).map(|d| self.day(h, d).1).sum()
            };
        }
        let (ta, tb) = (a.max(LO), b.min(HI));
        if ta < tb {
            sum += self.table_sum(h, ta, tb);
        }
        if b > HI {
            let base = HI - CYCLE;
            let cycle = *self.cycle.get_or_init(|| self.table_sum(h, base, HI));
            let upto = |r: i64| r / CYCLE * cycle + self.table_sum(h, base, base + r % CYCLE);
            sum += upto(b - HI) - upto(a.max(HI) - HI);
        }
        sum
    }

    /// The working minutes (holidays aside) of the days `[a, b)`, `LO ≤ a ≤ b ≤ HI`.
    fn table_sum(&self, h: Hours, a: i64, b: i64) -> i64 {
        let (ka, ia) = (((a - LO) / BLOCK) as usize, ((a - LO) % BLOCK) as usize);
        let (kb, ib) = (((b - LO) / BLOCK) as usize, ((b - LO) % BLOCK) as usize);
        if ka == kb {
            let blk = self.block(h, ka);
            return blk.before[ib] - blk.before[ia];
        }
        let first = self.block(h, ka);
        let mut sum = first.before[BLOCK as usize] - first.before[ia];
        for k in ka + 1..kb {
            sum += self.block(h, k).before[BLOCK as usize];
        }
        if ib > 0 {
            sum += self.block(h, kb).before[ib];
        }
        sum
    }

    fn block(&self, h: Hours, k: usize) -> &Block {
        self.blocks[k].get_or_init(|| {
            let first = LO + k as i64 * BLOCK;
            let n = BLOCK as usize;
            let (mut start, mut len, mut before) =
                (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n + 1));
            before.push(0);
            let mut prev_end = self.instant(first - 1, h.end);
            for d in first..first + BLOCK {
                // As `interval`, with the day before's end carried over.
                let s = self.instant(d, h.start).max(prev_end);
                let end = self.instant(d, h.end);
                let l = if self.days[weekday(d)] { end.max(s) - s } else { 0 };
                prev_end = end;
                start.push(s);
                len.push(l as i32);
                before.push(before[before.len() - 1] + l);
            }
            Box::new(Block { start: start.into(), len: len.into(), before: before.into() })
        })
    }

    /// Day `d`'s working interval in UTC minutes, worked out: from its local
    /// start to its local end, starting no earlier than the day before ends.
    fn interval(&self, h: Hours, d: i64) -> (i64, i64) {
        let s = self.instant(d, h.start).max(self.instant(d - 1, h.end));
        (s, self.instant(d, h.end).max(s))
    }

    /// The UTC minute of local time `m` (minutes, 1440 is the next midnight)
    /// on day `d`: a gap forward, a fold the earlier. Beyond the calendar's
    /// years, as if the zone were UTC.
    fn instant(&self, d: i64, m: u16) -> i64 {
        let (d, m) = if m >= DAY_MINUTES { (d + 1, m - DAY_MINUTES) } else { (d, m) };
        let (y, mo, dd) = civil_from_days(d);
        let at = i16::try_from(y)
            .ok()
            .and_then(|y| DateTime::new(y, mo as i8, dd as i8, (m / 60) as i8, (m % 60) as i8, 0, 0).ok())
            .and_then(|dt| self.zone.to_ambiguous_timestamp(dt).compatible().ok());
        match at {
            Some(t) => t.as_second().div_euclid(60),
            None => d * 1440 + m as i64,
        }
    }

    /// How many days of `[a, b)` are working weekdays.
    fn weekdays_between(&self, a: i64, b: i64) -> i64 {
        let per_week = self.days.iter().filter(|&&w| w).count() as i64;
        let n = b - a;
        let rest = (a + n / 7 * 7..b).filter(|&d| self.days[weekday(d)]).count() as i64;
        n / 7 * per_week + rest
    }
}

/// An instant's UTC minute (floored).
fn minute(t: Timestamp) -> i64 {
    t.as_second().div_euclid(60)
}

/// The weekday of a day number, Monday 0 (1970-01-01 was a Thursday).
fn weekday(d: i64) -> usize {
    (d + 3).rem_euclid(7) as usize
}

/// Year, month, day of a day number (the proleptic Gregorian calendar;
/// Howard Hinnant's `civil_from_days`).
fn civil_from_days(d: i64) -> (i64, u32, u32) {
    let z = d + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::date::{day_number, parse_clock};

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn day(s: &str) -> i32 {
        crate::support::date::parse_iso(s).unwrap()
    }

    /// A calendar of `hours` on Monday to Friday.
    fn cal(tz: &str, hours: &str, holidays: &[&str]) -> Calendar {
        Calendar::new(
            zone(tz),
            Some(Hours::parse(hours).unwrap()),
            MON_TO_FRI,
            holidays.iter().map(|h| day(h)).collect(),
        )
    }

    /// Working minutes between two local times of the calendar's zone.
    fn between(c: &Calendar, from: &str, to: &str) -> i64 {
        let at = |s: &str| parse_clock(s, c.zone()).unwrap();
        c.working_minutes(at(from), at(to))
    }

    /// The count worked out day by day, for the property test: each day's
    /// interval from `interval` (jiff directly), overlapping [from, to).
    fn naive(c: &Calendar, from: Timestamp, to: Timestamp) -> i64 {
        let (f, t) = (minute(from), minute(to));
        if t <= f {
            return 0;
        }
        let Some(h) = c.hours else { return t - f };
        let mut sum = 0;
        for d in f.div_euclid(1440) - 3..=t.div_euclid(1440) + 3 {
            if c.days[weekday(d)] && !c.is_holiday(d) {
                let (s, e) = c.interval(h, d);
                sum += (e.min(t) - s.max(f)).max(0);
            }
        }
        sum
    }

    #[test]
    fn the_day_constants_are_the_dates_they_name() {
        assert_eq!(LO, day_number(1800, 1, 1).unwrap() as i64);
        assert_eq!(HI, day_number(2500, 1, 1).unwrap() as i64);
        assert_eq!(HI - CYCLE, day_number(2100, 1, 1).unwrap() as i64);
        assert_eq!(CYCLE % 7, 0);
        for d in [-700_000, LO, -1, 0, 1, 59, 60, 20_000, HI, 2_900_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(day_number(y as i32, m, dd).map(i64::from), Some(d), "{d}");
        }
        assert_eq!(weekday(day("2026-12-07") as i64), 0); // a Monday
    }

    #[test]
    fn working_hours_are_read_and_checked() {
        assert_eq!(Hours::parse("08:00-17:00").unwrap().to_string(), "08:00-17:00");
        assert_eq!(Hours::parse("08:00-17:30").map(|h| (h.start(), h.end())), Ok((480, 1050)));
        assert_eq!(Hours::parse(" 00:00 - 24:00 ").unwrap(), Hours::new(0, 1440).unwrap());
        assert_eq!(Hours::parse("17:00-08:00"), Err(HoursError::Order));
        assert_eq!(Hours::parse("08:00-08:00"), Err(HoursError::Order));
        assert_eq!(Hours::parse("24:00-24:00"), Err(HoursError::Order));
        assert_eq!(Hours::parse("08:00-24:30"), Err(HoursError::Time("24:30".into())));
        assert_eq!(Hours::parse("08:60-17:00"), Err(HoursError::Time("08:60".into())));
        for bad in ["8:00-17:00", "08:00", "08:00-17:00-18:00", "0800-1700", "", "08:00–17:00"] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_weekend_between_two_working_days() {
        let c = cal("Europe/Helsinki", "08:00-17:00", &[]);
        // Friday 16:30 to Monday 08:30: 30 minutes each side.
        assert_eq!(between(&c, "2026-12-04T16:30", "2026-12-07T08:30"), 60);
        // A holiday Monday: the Tuesday's first half hour instead.
        let c = cal("Europe/Helsinki", "08:00-17:00", &["2026-12-07"]);
        assert_eq!(between(&c, "2026-12-04T16:30", "2026-12-07T08:30"), 30);
        assert_eq!(between(&c, "2026-12-04T16:30", "2026-12-08T08:30"), 60);
        // A whole week: five days of nine hours, less the holiday.
        assert_eq!(between(&c, "2026-12-05T00:00", "2026-12-12T00:00"), 4 * 9 * 60);
        // Outside the hours, nothing; the end is not counted.
        assert_eq!(between(&c, "2026-12-08T17:00", "2026-12-09T08:00"), 0);
        assert_eq!(between(&c, "2026-12-08T08:00", "2026-12-08T08:01"), 1);
    }

    #[test]
    fn to_before_from_is_zero_and_seconds_are_dropped() {
        let c = cal("UTC", "08:00-17:00", &[]);
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(c.working_minutes(at("2026-12-08T12:00:00Z"), at("2026-12-08T10:00:00Z")), 0);
        assert_eq!(c.working_minutes(at("2026-12-08T12:00:00Z"), at("2026-12-08T12:00:00Z")), 0);
        // Truncated to the minute: 10:00:59 to 10:02:01 is 10:00 to 10:02.
        assert_eq!(c.working_minutes(at("2026-12-08T10:00:59Z"), at("2026-12-08T10:02:01Z")), 2);
        assert_eq!(Calendar::every_minute().working_minutes(at("2026-12-08T12:00:00Z"), at("2026-12-08T10:00:00Z")), 0);
    }

    /// 2026-03-29 in Helsinki: 03:00 EET becomes 04:00 EEST (a Sunday, so
    /// every day is a working day here); 2026-10-25: 04:00 EEST becomes 03:00 EET.
    #[test]
    fn a_daylight_saving_day_is_its_local_hours() {
        let every_day = [true; 7];
        let helsinki = |hours: &str| {
            Calendar::new(zone("Europe/Helsinki"), Some(Hours::parse(hours).unwrap()), every_day, Vec::new())
        };
        let night = helsinki("02:00-05:00");
        // Spring: 02:00 EET to 05:00 EEST is two hours; the other days three.
        assert_eq!(between(&night, "2026-03-29T00:00", "2026-03-30T00:00"), 120);
        assert_eq!(between(&night, "2026-03-28T00:00", "2026-03-29T00:00"), 180);
        // Autumn: 02:00 EEST to 05:00 EET is four hours.
        assert_eq!(between(&night, "2026-10-25T00:00", "2026-10-26T00:00"), 240);
        // From inside the repeated hour (03:30, the earlier) to the end: 30 + 60 + 60.
        assert_eq!(between(&night, "2026-10-25T03:30", "2026-10-26T00:00"), 150);
        let office = helsinki("08:00-17:00");
        assert_eq!(between(&office, "2026-03-29T00:00", "2026-03-30T00:00"), 9 * 60);
        assert_eq!(between(&office, "2026-10-25T00:00", "2026-10-26T00:00"), 9 * 60);
        // Without hours, real minutes: the spring day has 23 hours, the autumn one 25.
        let real = Calendar::new(zone("Europe/Helsinki"), None, MON_TO_FRI, vec![day("2026-03-29")]);
        assert_eq!(between(&real, "2026-03-29T00:00", "2026-03-30T00:00"), 23 * 60);
        assert_eq!(between(&real, "2026-10-25T00:00", "2026-10-26T00:00"), 25 * 60);
        // A start inside the gap moves forward by it: 03:30 is 04:30 EEST, to 05:00.
        assert_eq!(between(&helsinki("03:30-05:00"), "2026-03-29T00:00", "2026-03-30T00:00"), 30);
        // An interval the gap turns backwards (03:30 → 04:30 EEST, 04:00 → 04:00 EEST) is empty.
        assert_eq!(between(&helsinki("03:30-04:00"), "2026-03-29T00:00", "2026-03-30T00:00"), 0);
    }

    #[test]
    fn a_span_of_years_and_the_repeating_centuries() {
        let c = cal("Europe/Helsinki", "08:00-17:00", &["2026-12-24", "2026-12-25"]);
        let naive_is = |from: &str, to: &str| {
            let at = |s: &str| parse_clock(s, c.zone()).unwrap();
            assert_eq!(c.working_minutes(at(from), at(to)), naive(&c, at(from), at(to)), "{from} to {to}");
        };
        naive_is("2026-01-01T00:00", "2030-01-01T00:00");
        naive_is("1799-06-01T09:13", "1801-02-01T12:00");
        naive_is("2498-03-01T09:13", "2502-11-01T12:00");
        naive_is("2899-03-01T09:13", "2900-11-01T12:00");
        naive_is("3398-12-01T09:13", "3400-01-01T12:00");
        // Four hundred years from 2500 repeat the four hundred before.
        let at = |s: &str| parse_clock(s, c.zone()).unwrap();
        let c = cal("Europe/Helsinki", "02:00-05:00", &[]);
        let a = c.working_minutes(at("2100-01-01T00:00"), at("2500-01-01T00:00"));
        assert_eq!(c.working_minutes(at("2500-01-01T00:00"), at("2900-01-01T00:00")), a);
        assert_eq!(c.working_minutes(at("2100-01-01T00:00"), at("2900-01-01T00:00")), 2 * a);
    }

    #[test]
    fn the_ends_of_time_do_not_panic() {
        let c = cal("Pacific/Kiritimati", "08:00-17:00", &["9999-12-31"]);
        let (min, max) = (Timestamp::MIN, Timestamp::MAX);
        assert!(c.working_minutes(min, max) > 0);
        assert_eq!(c.working_minutes(max, min), 0);
        let d = cal("America/Los_Angeles", "00:00-24:00", &[]);
        assert!(d.working_minutes(min, max) > 0);
    }

    /// Speed, measured by hand (no timing is asserted):
    /// `cargo test --release --lib worktime_speed -- --ignored --nocapture`.
    /// A million counts, spans from a minute to four months, in 2026-2027.
    #[test]
    #[ignore]
    fn worktime_speed() {
        let c = cal("Europe/Helsinki", "08:00-17:00", &["2026-12-24", "2026-12-25", "2027-01-01"]);
        let base = day_number(2026, 1, 1).unwrap() as i64 * 86_400;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let spans: Vec<(Timestamp, Timestamp)> = (0..1_000_000)
            .map(|_| {
                let from = base + (next() % (365 * 86_400)) as i64;
                let len = [60, 3_600, 86_400, 30 * 86_400, 120 * 86_400][(next() % 5) as usize];
                let to = from + (next() % len as u64) as i64;
                (Timestamp::from_second(from).unwrap(), Timestamp::from_second(to).unwrap())
            })
            .collect();
        for &(a, b) in &spans[..1000] {
            assert_eq!(c.working_minutes(a, b), naive(&c, a, b));
        }
        for round in 0..3 {
            let t = std::time::Instant::now();
            let sum: i64 = spans.iter().map(|&(a, b)| c.working_minutes(a, b)).sum();
            let ns = t.elapsed().as_nanos() as f64 / spans.len() as f64;
            println!("round {round}: {ns:.0} ns per count (sum {sum})");
        }
        let t = std::time::Instant::now();
        let sum: i64 = spans[..10_000].iter().map(|&(a, b)| naive(&c, a, b)).sum();
        println!("day by day: {:.0} ns per count (sum {sum})", t.elapsed().as_nanos() as f64 / 10_000.0);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        const ZONES: [&str; 6] =
            ["Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata", "America/Santiago"];

        fn calendar() -> impl Strategy<Value = Calendar> {
            let hours = prop_oneof![
                Just((120u16, 300u16)),
                Just((480, 1020)),
                Just((0, 1440)),
                Just((150, 180)),
                (0u16..1439).prop_flat_map(|s| (Just(s), s + 1..=1440)),
            ];
            (0..ZONES.len(), hours, 1u8..128, proptest::collection::vec(0i32..120, 0..6), any::<bool>()).prop_map(
                |(z, (s, e), mask, holidays, with_hours)| {
                    let days = std::array::from_fn(|i| mask & (1 << i) != 0);
                    let base = day_number(2026, 1, 1).unwrap();
                    let hours = with_hours.then(|| Hours::new(s, e).unwrap());
                    Calendar::new(zone(ZONES[z]), hours, days, holidays.into_iter().map(|h| base + h * 3).collect())
                },
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// The fast count is the day-by-day count, from minutes to months,
            /// around the daylight-saving changes of 2026.
            #[test]
            fn the_fast_count_is_the_day_by_day_count(
                c in calendar(),
                from in 0i64..(400 * 1440),
                len in prop_oneof![0i64..600, 0i64..(10 * 1440), 0i64..(150 * 1440)],
                secs in 0i64..60,
                back in any::<bool>(),
            ) {
                let base = day_number(2025, 12, 1).unwrap() as i64 * 86_400;
                let a = Timestamp::from_second(base + from * 60 + secs).unwrap();
                let b = Timestamp::from_second(base + (from + len) * 60).unwrap();
                let (a, b) = if back { (b, a) } else { (a, b) };
                prop_assert_eq!(c.working_minutes(a, b), naive(&c, a, b), "{:?} from {} to {}", c, a, b);
            }
        }
    }
}
