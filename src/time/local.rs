//! The local time zone, for display only: `2026-11-29 07:00 CET`.
//!
//! Asks libc (`sys::time`, which re-reads `TZ` every call) and falls back to UTC when
//! libc cannot answer. Never used for arithmetic: stored instants stay epoch ms in UTC.

use std::fmt::Write as _;

use super::civil::Civil;
use super::push_digits;
use crate::sys;

/// One instant in the local zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    /// Wall-clock fields in the local zone (`second` may be 60 under a leap-second zone).
    pub civil: Civil,
    /// Seconds east of UTC at that instant (+3600 for CET, -18000 for EST).
    pub utc_offset_s: i64,
    /// Zone abbreviation as libc gives it (`CET`, `EDT`, `+04`); may be empty.
    pub zone: String,
}

impl Local {
    /// The offset as `+hh:mm` / `-hh:mm` (seconds, which only pre-1900 zones have, are
    /// dropped).
    pub fn numeric_offset(&self) -> String {
        let sign = if self.utc_offset_s < 0 { '-' } else { '+' };
        let minutes = self.utc_offset_s.unsigned_abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// The abbreviation when it is short and plain (letters, digits, `+`, `-`), else the
    /// numeric offset: `TZ` is outside input and must not put odd bytes on a terminal.
    pub fn zone_label(&self) -> String {
        if self.zone_is_plain() {
            self.zone.clone()
        } else {
            self.numeric_offset()
        }
    }

    /// The abbreviation is short and plain enough to show.
    fn zone_is_plain(&self) -> bool {
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '-';
        !self.zone.is_empty() && self.zone.len() <= 16 && self.zone.chars().all(plain)
    }
}

/// `ms` in the local zone; UTC (offset 0, zone `UTC`) when libc cannot convert it.
pub fn local(ms: i64) -> Local {
    let millisecond = u16::try_from(ms.rem_euclid(1_000)).unwrap_or(0);
    match sys::time::localtime(ms.div_euclid(1_000)) {
        Ok(tm) => Local {
            civil: Civil {
                year: tm.year,
                month: tm.month,
                day: tm.day,
                hour: tm.hour,
                minute: tm.minute,
                second: tm.second,
                millisecond,
            },
            utc_offset_s: tm.utc_offset_s,
            zone: tm.zone,
        },
        Err(_) => Local {
            civil: Civil::from_epoch_ms(ms),
            utc_offset_s: 0,
            zone: "UTC".to_owned(),
        },
    }
}

/// `ms` as local wall-clock minutes and zone: `2026-11-29 07:00 CET` (seconds dropped,
/// zone as [`Local::zone_label`]).
pub fn format_local(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    push_local(&mut out, ms);
    out
}

/// [`format_local`], appended to `out`.
pub fn push_local(out: &mut String, ms: i64) {
    let l = local(ms);
    let c = &l.civil;
    match u64::try_from(c.year) {
        Ok(year) => push_digits(out, year, 4),
        Err(_) => {
            let _ = write!(out, "{:04}", c.year);
        }
    }
    for (sep, field) in [('-', c.month), ('-', c.day), (' ', c.hour), (':', c.minute)] {
        out.push(sep);
        push_digits(out, u64::from(field), 2);
    }
    out.push(' ');
    if l.zone_is_plain() {
        out.push_str(&l.zone);
    } else {
        out.push_str(&l.numeric_offset());
    }
}
