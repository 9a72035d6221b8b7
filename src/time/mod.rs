//! Time: epoch milliseconds, calendar dates, RFC 3339, local display, relative durations.
//!
//! Every instant is an `i64` of milliseconds since 1970-01-01T00:00:00Z (Unix time, no
//! leap seconds, negative before 1970), the unit Claude Code stores in `expiresAt`.
//! Submodules: `civil` (calendar arithmetic), `rfc3339` (parse and format), `local`
//! (the local zone, through `sys::time`), `relative` ("in 3h 05m").
//! This module never sleeps, never schedules and never changes the process's zone; the
//! clock is read only by [`now_ms`].

mod civil;
mod local;
mod relative;
mod rfc3339;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

pub use civil::{days_in_month, is_leap_year, Civil};
pub use local::{format_local, local, push_local, Local};
pub use relative::{push_relative, relative};
pub use rfc3339::{format_rfc3339, parse_rfc3339, push_rfc3339};

/// Appends `n` in decimal, zero-padded to at least `width` digits. The formatters
/// here write many short numbers; this skips `fmt`'s machinery, which costs more than
/// the digits.
pub fn push_digits(out: &mut String, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in buf.len() - at..width {
        out.push('0');
    }
    for &digit in &buf[at..] {
        out.push(char::from(digit));
    }
}

/// 0000-01-01T00:00:00Z, the earliest instant RFC 3339 can write.
pub const MIN_RFC3339_MS: i64 = -62_167_219_200_000;

/// 9999-12-31T23:59:59.999Z, the latest instant RFC 3339 can write.
pub const MAX_RFC3339_MS: i64 = 253_402_300_799_999;

/// Why a timestamp did not parse. Carries positions and field names, never the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Byte `at` is not what the grammar allows there (or the text ended early).
    Syntax { at: usize, expected: &'static str },
    /// A field is outside its range: month 13, 31 April, 29 February of a common year,
    /// hour 24, minute 60, offset hours 24.
    Range { field: &'static str },
    /// A complete timestamp is followed by more text from byte `at`.
    Trailing { at: usize },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Syntax { at, expected } => {
                write!(f, "bad timestamp: expected {expected} at byte {at}")
            }
            TimeError::Range { field } => write!(f, "bad timestamp: {field} out of range"),
            TimeError::Trailing { at } => write!(f, "bad timestamp: unexpected text at byte {at}"),
        }
    }
}

impl std::error::Error for TimeError {}

/// The system clock in epoch milliseconds.
///
/// A clock set before 1970 gives the negative value it means rather than an error or 0:
/// instants are signed everywhere, and comparing a wrong-but-honest time against an
/// expiry is better than inventing 1970. Saturates at the `i64` limits.
pub fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

#[cfg(test)]
mod tests {
    use super::push_digits;

    #[test]
    fn digits_match_std_formatting_for_every_width() {
        let mut samples = vec![0, 1, 9, 10, 59, 99, 100, 999, 1000, 9999, 10_000, u64::MAX];
        samples.extend((0..64).map(|bit| 1u64 << bit));
        samples.extend((0..64).map(|bit| (1u64 << bit) - 1));
        for n in samples {
            for width in 0..=22 {
                let mut out = String::from("x");
                push_digits(&mut out, n, width);
                assert_eq!(out, format!("x{n:0width$}"), "{n} width {width}");
            }
        }
    }
}
