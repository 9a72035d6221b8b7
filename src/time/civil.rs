//! Civil (calendar) UTC date-times and their conversion to and from epoch milliseconds.
//!
//! Proleptic Gregorian calendar for every `i64` millisecond, no leap seconds (Unix time).
//! Pure arithmetic: never reads a clock or the time zone.
//!
//! How the day arithmetic works: we count in "March years" that run from 1 March to the
//! end of February, so the leap day is the last day of its March year and every month
//! before it has a fixed start. 400 Gregorian years are exactly 146 097 days (an "era"),
//! so a date is its era plus a day inside the era, and the era repeats unchanged.

/// Days in one 400-year Gregorian cycle: 400 * 365 + 100 leap days - 3 skipped centuries.
const DAYS_PER_ERA: i64 = 146_097;

/// Days in a century of March years that does not end with a 400-divisible leap day.
const DAYS_PER_CENTURY: i64 = 36_524;

/// Days in four March years, the last of which ends with a leap day.
const DAYS_PER_OLYMPIAD: i64 = 1_461;

/// Days from 0000-03-01 (the start of an era) to 1970-01-01: four eras to 1600-03-01
/// (584 388), 369 March years to 1969-03-01 (134 774), then March to December (306).
const EPOCH_DAY_IN_ERAS: i64 = 719_468;

/// First day (0-based) of each month in a March year: Mar, Apr, ..., Dec, Jan, Feb.
const MARCH_MONTH_START: [i64; 12] = [0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337];

pub(crate) const MS_PER_DAY: i64 = 86_400_000;

/// Years beyond this many from year 0 are outside what `i64` milliseconds can hold.
const YEAR_LIMIT: i64 = 300_000_000;

/// A UTC calendar date and time of day, each field in its usual range.
///
/// `year` is astronomical (year 0 is 1 BC); `month` is 1-12; `day` 1-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millisecond: u16,
}

impl Civil {
    /// The UTC calendar time of `ms` milliseconds since 1970-01-01T00:00:00Z. Total:
    /// every `i64` has an answer (years about -292 million to +292 million).
    pub fn from_epoch_ms(ms: i64) -> Civil {
        let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
        let in_day = ms.rem_euclid(MS_PER_DAY);
        Civil {
            year,
            month,
            day,
            hour: narrow(in_day / 3_600_000),
            minute: narrow(in_day / 60_000 % 60),
            second: narrow(in_day / 1_000 % 60),
            millisecond: u16::try_from(in_day % 1_000).unwrap_or(0),
        }
    }

    /// Milliseconds since the epoch, or `None` when a field is out of range
    /// (month 13, 31 April, 29 February of a common year, hour 24, second 60, ...)
    /// or the result does not fit in `i64`.
    pub fn to_epoch_ms(&self) -> Option<i64> {
        if !self.is_valid() {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        let in_day = ((i64::from(self.hour) * 60 + i64::from(self.minute)) * 60
            + i64::from(self.second))
            * 1_000
            + i64::from(self.millisecond);
        // Wide arithmetic: the day product alone overflows near i64::MIN even when the
        // sum with the (positive) time of day fits.
        let ms = i128::from(days) * i128::from(MS_PER_DAY) + i128::from(in_day);
        i64::try_from(ms).ok()
    }

    fn is_valid(&self) -> bool {
        self.year.abs() <= YEAR_LIMIT
            && (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour <= 23
            && self.minute <= 59
            && self.second <= 59
            && self.millisecond <= 999
    }
}

/// Gregorian leap-year rule: every fourth year, except centuries not divisible by 400.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1-12) of `year`; 0 for a month outside 1-12.
pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid date (`month` 1-12, `day` within the month,
/// `|year|` within [`YEAR_LIMIT`]).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    // January and February belong to the March year that started the year before.
    let march_year = if month <= 2 { year - 1 } else { year };
    let era = march_year.div_euclid(400);
    let year_of_era = march_year.rem_euclid(400);
    let month_index = usize::from((month + 9) % 12);
    let day_of_year = MARCH_MONTH_START[month_index] + i64::from(day) - 1;
    // March year k ends with a leap day when k + 1 is a leap year; below 400 the
    // 400-year exception never applies inside the era.
    let leap_days_before = year_of_era / 4 - year_of_era / 100;
    let day_of_era = year_of_era * 365 + leap_days_before + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_DAY_IN_ERAS
}

/// (year, month, day) of `days` since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let shifted = days + EPOCH_DAY_IN_ERAS;
    let era = shifted.div_euclid(DAYS_PER_ERA);
    let day_of_era = shifted.rem_euclid(DAYS_PER_ERA);
    let (year_of_era, day_of_year) = split_era(day_of_era);
    let month_index = (0..12u8)
        .rev()
        .find(|&i| MARCH_MONTH_START[usize::from(i)] <= day_of_year)
        .unwrap_or(0);
    let day = day_of_year - MARCH_MONTH_START[usize::from(month_index)] + 1;
    // Index 0 is March; indexes 10 and 11 are January and February of the next year.
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (year, month, narrow(day))
}

/// Splits a day of the era (0..146 097) into (March year of the era, day of that year).
///
/// Each of the first three centuries has 36 524 days; the fourth has one more (its last
/// March year ends on 29 February of a 400-divisible year). Inside a century, blocks of
/// four March years have 1 461 days with the leap day at the end of the fourth; the last
/// block of a short century has only 1 460.
fn split_era(day_of_era: i64) -> (i64, i64) {
    let century = (day_of_era / DAYS_PER_CENTURY).min(3);
    let day_of_century = day_of_era - century * DAYS_PER_CENTURY;
    let olympiad = day_of_century / DAYS_PER_OLYMPIAD;
    let day_of_olympiad = day_of_century - olympiad * DAYS_PER_OLYMPIAD;
    let year_of_olympiad = (day_of_olympiad / 365).min(3);
    let year_of_era = century * 100 + olympiad * 4 + year_of_olympiad;
    (year_of_era, day_of_olympiad - year_of_olympiad * 365)
}

/// Narrows a value the arithmetic above keeps below 256.
fn narrow(value: i64) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}
