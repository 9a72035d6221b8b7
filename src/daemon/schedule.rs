//! When the daemon sweeps: the interval setting, the next due time, and the jitter
//! between slots.
//!
//! Owns the rules for `CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES`: a whole number of
//! minutes from 1 to 7 days, digits only; empty or unset means the default 30. Anything
//! else is refused, so no setting can make the daemon spin. It never sleeps and never
//! reads a clock it was not given (except the OS random source for the jitter).

use crate::args::shown;
use crate::Error;
use std::ffi::OsStr;
use std::fmt;
use std::time::{Duration, Instant};

/// The environment variable holding the interval in minutes.
pub const INTERVAL_VAR: &str = "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES";
const DEFAULT_MINUTES: u32 = 30;
/// Seven days: a longer interval is surely a typo (tokens live hours).
const MAX_MINUTES: u32 = 7 * 24 * 60;
/// The longest pause between two slots of one sweep.
pub const MAX_JITTER: Duration = Duration::from_secs(2);

/// Minutes between two sweeps, 1 to 10080 by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    minutes: u32,
}

/// Why an interval setting was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntervalError {
    /// Not only ASCII digits (a sign, a space, a fraction, a unit, not UTF-8).
    NotANumber {
        text: String,
    },
    Zero,
    /// More than 7 days (also any number too large for the machine).
    TooLarge {
        text: String,
    },
}

impl Interval {
    /// `minutes`, when it is from 1 to 10080.
    pub fn from_minutes(minutes: u32) -> Option<Interval> {
        (1..=MAX_MINUTES)
            .contains(&minutes)
            .then_some(Interval { minutes })
    }

    /// Parses the variable's value; `None` or empty gives the default.
    pub fn parse(value: Option<&OsStr>) -> Result<Interval, IntervalError> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(Interval {
                minutes: DEFAULT_MINUTES,
            });
        };
        let text = value.to_string_lossy();
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IntervalError::NotANumber {
                text: text.into_owned(),
            });
        }
        let too_large = || IntervalError::TooLarge {
            text: text.to_string(),
        };
        let minutes: u32 = text.parse().map_err(|_| too_large())?;
        match minutes {
            0 => Err(IntervalError::Zero),
            m => Interval::from_minutes(m).ok_or_else(too_large),
        }
    }

    /// Reads the interval from the process environment; a bad value is a usage error.
    pub fn from_env() -> Result<Interval, Error> {
        Interval::parse(std::env::var_os(INTERVAL_VAR).as_deref()).map_err(|err| Error::Usage {
            message: err.to_string(),
            hint: Some(format!(
                "set it to a whole number of minutes from 1 to {MAX_MINUTES}, \
                 or unset it for the default of {DEFAULT_MINUTES}"
            )),
        })
    }

    pub fn minutes(self) -> u32 {
        self.minutes
    }

    pub fn duration(self) -> Duration {
        Duration::from_secs(u64::from(self.minutes) * 60)
    }
}

impl fmt::Display for IntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntervalError::NotANumber { text } => write!(
                f,
                "{INTERVAL_VAR}='{}' is not a whole number of minutes",
                shown(text)
            ),
            IntervalError::Zero => write!(f, "{INTERVAL_VAR}=0: sweeps need at least a minute"),
            IntervalError::TooLarge { text } => write!(
                f,
                "{INTERVAL_VAR}='{}' is more than {MAX_MINUTES} minutes (7 days)",
                shown(text)
            ),
        }
    }
}

impl std::error::Error for IntervalError {}

/// When the sweep after one that started at `started` is due: one interval later, or,
/// when the sweep itself took longer than that, one interval after `now` (never at
/// once: an overlong sweep must not turn into back-to-back sweeps).
pub fn next_due(started: Instant, now: Instant, interval: Duration) -> Instant {
    match started.checked_add(interval) {
        Some(due) if due > now => due,
        _ => now + interval,
    }
}

/// A pause of 0 to [`MAX_JITTER`] (inclusive) from 16 random bits.
pub fn jitter_from(random: u16) -> Duration {
    let max = u64::try_from(MAX_JITTER.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(u64::from(random) * max / u64::from(u16::MAX))
}

/// A random pause between two slots. Without a random source (it never fails in
/// practice) the middle of the range.
pub fn jitter() -> Duration {
    let mut bytes = [0u8; 2];
    match crate::fs::random_bytes(&mut bytes) {
        Ok(()) => jitter_from(u16::from_le_bytes(bytes)),
        Err(_) => MAX_JITTER / 2,
    }
}
