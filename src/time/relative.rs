//! Durations for humans: "in 3h 05m", "2d 4h ago", "now".
//!
//! The rule, exactly (d = `to` - `from`, truncated toward zero to whole seconds, so a
//! countdown never shows more time than is left):
//! - |d| < 1 s: `now`
//! - |d| < 1 min: seconds, `30s`
//! - |d| < 1 h: whole minutes only, `45m` (the seconds would only flicker)
//! - |d| < 1 day: hours and zero-padded minutes, `3h 05m`, `3h 00m`
//! - otherwise: days and hours, `2d 4h`, `2d 0h`
//!
//! Future instants read `in <d>`, past ones `<d> ago`. Never reads a clock.

use super::push_digits;

/// How `to` looks from `from`: `in 3h 05m` when `to` is later, `3h 05m ago` when earlier.
pub fn relative(from_ms: i64, to_ms: i64) -> String {
    let mut out = String::with_capacity(16);
    push_relative(&mut out, from_ms, to_ms);
    out
}

/// [`relative`], appended to `out`.
pub fn push_relative(out: &mut String, from_ms: i64, to_ms: i64) {
    let seconds = to_ms.abs_diff(from_ms) / 1_000;
    if seconds == 0 {
        out.push_str("now");
        return;
    }
    let future = to_ms > from_ms;
    if future {
        out.push_str("in ");
    }
    span(out, seconds);
    if !future {
        out.push_str(" ago");
    }
}

fn span(out: &mut String, seconds: u64) {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let mut part = |n: u64, width: usize, unit: &str| {
        push_digits(out, n, width);
        out.push_str(unit);
    };
    if seconds < MINUTE {
        part(seconds, 1, "s");
    } else if seconds < HOUR {
        part(seconds / MINUTE, 1, "m");
    } else if seconds < DAY {
        part(seconds / HOUR, 1, "h ");
        part(seconds % HOUR / MINUTE, 2, "m");
    } else {
        part(seconds / DAY, 1, "d ");
        part(seconds % DAY / HOUR, 1, "h");
    }
}
