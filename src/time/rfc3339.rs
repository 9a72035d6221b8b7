//! RFC 3339 timestamps: strict parsing to epoch milliseconds and formatting back.
//!
//! Grammar accepted (RFC 3339 section 5.6, nothing more):
//! `YYYY-MM-DD` `T`|`t` `hh:mm:ss` [`.` 1*DIGIT] (`Z` | `z` | (`+`|`-`) `hh:mm`).
//! No space separator, no missing offset, no trailing text, no lower precision.
//!
//! Decisions the RFC leaves open:
//! - Fractional seconds of any length are accepted and **truncated** to milliseconds
//!   (`.9999` is `.999`): always toward the earlier instant, never into the next second.
//! - A leap second `:60` is accepted in any minute (offsets move the minute in which it
//!   falls) and **clamped** to `:59.999` of that minute, because Unix time has no leap
//!   seconds; order is kept and the result never spills into the next minute.
//! - `-00:00` ("offset unknown") is read as UTC.
//!
//! Never reads a clock; never allocates while parsing.

use std::fmt::Write as _;

use super::civil::Civil;
use super::{push_digits, TimeError};

/// Parses an RFC 3339 timestamp into milliseconds since 1970-01-01T00:00:00Z.
pub fn parse_rfc3339(text: &str) -> Result<i64, TimeError> {
    let fields = Fields::read(&mut Cursor {
        bytes: text.as_bytes(),
        at: 0,
    })?;
    fields.to_epoch_ms()
}

/// Formats `ms` as `YYYY-MM-DDThh:mm:ssZ`, with `.sss` only when the milliseconds are
/// not zero. Always UTC (`Z`).
///
/// Years outside 0000-9999 cannot be written in RFC 3339; they come out in the ISO 8601
/// expanded form with a sign (`-0001-...`, `+10000-...`), which [`parse_rfc3339`] rejects.
pub fn format_rfc3339(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    push_rfc3339(&mut out, ms);
    out
}

/// [`format_rfc3339`], appended to `out`.
pub fn push_rfc3339(out: &mut String, ms: i64) {
    let c = Civil::from_epoch_ms(ms);
    match u64::try_from(c.year) {
        Ok(year) if year <= 9999 => push_digits(out, year, 4),
        _ => {
            let _ = write!(out, "{:+05}", c.year);
        }
    }
    for (sep, field) in [
        ('-', c.month),
        ('-', c.day),
        ('T', c.hour),
        (':', c.minute),
        (':', c.second),
    ] {
        out.push(sep);
        push_digits(out, u64::from(field), 2);
    }
    if c.millisecond != 0 {
        out.push('.');
        push_digits(out, u64::from(c.millisecond), 3);
    }
    out.push('Z');
}

/// The fields as written, before range checks.
struct Fields {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    millisecond: u16,
    /// Offset east of UTC in minutes, already range-checked as hh <= 23, mm <= 59.
    offset_minutes: i64,
}

impl Fields {
    fn read(cur: &mut Cursor<'_>) -> Result<Fields, TimeError> {
        let year = cur.number(4, "year")?;
        cur.expect(b"-", "'-' after the year")?;
        let month = cur.number(2, "month")?;
        cur.expect(b"-", "'-' after the month")?;
        let day = cur.number(2, "day")?;
        cur.expect(b"Tt", "'T' between date and time")?;
        let hour = cur.number(2, "hour")?;
        cur.expect(b":", "':' after the hour")?;
        let minute = cur.number(2, "minute")?;
        cur.expect(b":", "':' after the minute")?;
        let second = cur.number(2, "second")?;
        let millisecond = cur.fraction()?;
        let offset_minutes = cur.offset()?;
        cur.end()?;
        Ok(Fields {
            year,
            month: narrow(month),
            day: narrow(day),
            hour: narrow(hour),
            minute: narrow(minute),
            second: narrow(second),
            millisecond,
            offset_minutes,
        })
    }

    fn to_epoch_ms(&self) -> Result<i64, TimeError> {
        let year = i64::from(self.year);
        check(self.month, 1, 12, "month")?;
        check(self.day, 1, super::days_in_month(year, self.month), "day")?;
        check(self.hour, 0, 23, "hour")?;
        check(self.minute, 0, 59, "minute")?;
        check(self.second, 0, 60, "second")?;
        let leap = self.second == 60;
        let civil = Civil {
            year,
            month: self.month,
            day: self.day,
            hour: self.hour,
            minute: self.minute,
            second: if leap { 59 } else { self.second },
            millisecond: if leap { 999 } else { self.millisecond },
        };
        let local = civil
            .to_epoch_ms()
            .ok_or(TimeError::Range { field: "date" })?;
        Ok(local - self.offset_minutes * 60_000)
    }
}

fn check(value: u8, low: u8, high: u8, field: &'static str) -> Result<(), TimeError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(TimeError::Range { field })
    }
}

/// Numbers of at most four digits always fit; this never saturates.
fn narrow(value: u16) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, any_of: &[u8], expected: &'static str) -> Result<u8, TimeError> {
        match self.peek() {
            Some(b) if any_of.contains(&b) => {
                self.at += 1;
                Ok(b)
            }
            _ => Err(TimeError::Syntax {
                at: self.at,
                expected,
            }),
        }
    }

    fn digit(&mut self, expected: &'static str) -> Result<u16, TimeError> {
        match self.peek() {
            Some(b @ b'0'..=b'9') => {
                self.at += 1;
                Ok(u16::from(b - b'0'))
            }
            _ => Err(TimeError::Syntax {
                at: self.at,
                expected,
            }),
        }
    }

    /// Exactly `count` (at most 4) ASCII digits.
    fn number(&mut self, count: usize, expected: &'static str) -> Result<u16, TimeError> {
        let mut value = 0;
        for _ in 0..count {
            value = value * 10 + self.digit(expected)?;
        }
        Ok(value)
    }

    /// Optional `.` and one or more digits; the first three give milliseconds.
    fn fraction(&mut self) -> Result<u16, TimeError> {
        if self.peek() != Some(b'.') {
            return Ok(0);
        }
        self.at += 1;
        let mut ms = self.digit("digit after '.'")? * 100;
        let mut scale = 10;
        while let Some(b'0'..=b'9') = self.peek() {
            ms += self.digit("digit")? * scale;
            scale /= 10;
        }
        Ok(ms)
    }

    /// `Z`, `z`, or `+hh:mm` / `-hh:mm`, as minutes east of UTC.
    fn offset(&mut self) -> Result<i64, TimeError> {
        let sign = self.expect(b"Zz+-", "offset ('Z', '+hh:mm' or '-hh:mm')")?;
        if sign == b'Z' || sign == b'z' {
            return Ok(0);
        }
        let hours = self.number(2, "offset hours")?;
        self.expect(b":", "':' in the offset")?;
        let minutes = self.number(2, "offset minutes")?;
        if hours > 23 {
            return Err(TimeError::Range {
                field: "offset hours",
            });
        }
        if minutes > 59 {
            return Err(TimeError::Range {
                field: "offset minutes",
            });
        }
        let east = i64::from(hours) * 60 + i64::from(minutes);
        Ok(if sign == b'-' { -east } else { east })
    }

    fn end(&self) -> Result<(), TimeError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(TimeError::Trailing { at: self.at })
        }
    }
}
