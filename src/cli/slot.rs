//! How the user names a slot: a [`SlotName`] or a 1-based number `#N`.
//!
//! Owns the naming rule (`^[a-z0-9][a-z0-9_-]{0,31}$`, `all` reserved) so that a
//! `SlotName` value is valid by construction everywhere. It never checks that a slot
//! exists: `#99` parses, and the catalog decides later.

use super::SlotRef;
use crate::args::shown;
use std::fmt;

/// The longest slot name, in bytes (all of them ASCII).
pub const MAX_NAME_LEN: usize = 32;

/// The name `refresh --all` owns; no slot may take it.
pub const RESERVED_NAME: &str = "all";

/// A slot name that follows the rule: 1 to 32 of `a-z 0-9 _ -`, not starting with
/// `_` or `-`, and not `all`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotName(String);

/// Why a slot name or number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotError {
    /// The name breaks the naming rule.
    InvalidName { name: String },
    /// The name is `all`.
    ReservedName,
    /// `#` followed by something that is not a number from 1 up.
    InvalidNumber { text: String },
    /// `#0`: numbers start at 1.
    ZeroNumber { text: String },
    /// `#N` with N beyond any possible slot count.
    NumberTooLarge { text: String },
}

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotError::InvalidName { name } => write!(
                f,
                "invalid slot name '{}': use 1 to {MAX_NAME_LEN} of a-z, 0-9, '-' and '_', \
                 starting with a letter or digit",
                shown(name)
            ),
            SlotError::ReservedName => {
                write!(f, "'{RESERVED_NAME}' is reserved and cannot name a slot")
            }
            SlotError::InvalidNumber { text } => {
                write!(
                    f,
                    "invalid slot number '{}': write # and a number, like #2",
                    shown(text)
                )
            }
            SlotError::ZeroNumber { text } => {
                write!(
                    f,
                    "invalid slot number '{}': slots count from #1",
                    shown(text)
                )
            }
            SlotError::NumberTooLarge { text } => {
                write!(f, "invalid slot number '{}': too large", shown(text))
            }
        }
    }
}

impl std::error::Error for SlotError {}

impl SlotName {
    /// Checks `name` against the naming rule.
    pub fn parse(name: &str) -> Result<SlotName, SlotError> {
        if name == RESERVED_NAME {
            return Err(SlotError::ReservedName);
        }
        let bytes = name.as_bytes();
        let first_ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok = bytes.iter().all(|&b| is_name_byte(b));
        if !first_ok || !rest_ok || bytes.len() > MAX_NAME_LEN {
            return Err(SlotError::InvalidName {
                name: name.to_owned(),
            });
        }
        Ok(SlotName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SlotName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
}

impl SlotRef {
    /// Reads `#N` as a slot number and anything else as a slot name.
    pub fn parse(text: &str) -> Result<SlotRef, SlotError> {
        match text.strip_prefix('#') {
            Some(digits) => parse_number(text, digits).map(SlotRef::Index),
            None => SlotName::parse(text).map(SlotRef::Name),
        }
    }
}

impl fmt::Display for SlotRef {
    /// As the user would type it: `work` or `#2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotRef::Name(name) => f.write_str(name.as_str()),
            SlotRef::Index(n) => write!(f, "#{n}"),
        }
    }
}

/// The N of `#N`; only ASCII digits, so `#+1` and `#-1` are refused.
fn parse_number(text: &str, digits: &str) -> Result<u32, SlotError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SlotError::InvalidNumber {
            text: text.to_owned(),
        });
    }
    match digits.parse::<u32>() {
        Ok(0) => Err(SlotError::ZeroNumber {
            text: text.to_owned(),
        }),
        Ok(n) => Ok(n),
        Err(_) => Err(SlotError::NumberTooLarge {
            text: text.to_owned(),
        }),
    }
}
