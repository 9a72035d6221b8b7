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

/// How `to` looks from `from`: `in 3h 05m` when `to` is later, `3h 05m ago` when earlier.
pub fn relative(from_ms: i64, to_ms: i64) -> String {
    let seconds = to_ms.abs_diff(from_ms) / 1_000;
    if seconds == 0 {
        return "now".to_owned();
    }
    let span = span(seconds);
    if to_ms > from_ms {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn span(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    if seconds < MINUTE {
        format!("{seconds}s")
    } else if seconds < HOUR {
        format!("{}m", seconds / MINUTE)
    } else if seconds < DAY {
        format!("{}h {:02}m", seconds / HOUR, seconds % HOUR / MINUTE)
    } else {
        format!("{}d {}h", seconds / DAY, seconds % DAY / HOUR)
    }
}
