//! The daemon's log: one line per action, on stderr, with a UTC timestamp.
//!
//! [`Log`] is the seam (tests collect lines in memory); [`StderrLog`] stamps each line
//! and hands it to `term`. Every message is forced onto one line (control characters
//! escaped). It never formats a secret: callers pass slot names and error messages,
//! which never hold one.

use crate::{term, time};

/// Where the daemon's lines go.
pub trait Log {
    /// Records one action. `message` has no timestamp; the log adds one if it wants.
    fn line(&mut self, message: &str);
}

/// Lines on stderr as `2025-01-02T03:04:05Z <message>`: launchd sends them to the
/// log file, systemd to the journal, a terminal shows them.
#[derive(Debug, Default)]
pub struct StderrLog;

impl Log for StderrLog {
    fn line(&mut self, message: &str) {
        term::err_line(&stamped(time::now_ms(), message));
    }
}

/// `message` on one line, after the UTC time of `now_ms` to the second.
pub(super) fn stamped(now_ms: i64, message: &str) -> String {
    let stamp = time::format_rfc3339(now_ms - now_ms.rem_euclid(1000));
    format!("{stamp} {}", term::one_line(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_to_the_second_in_utc() {
        assert_eq!(
            stamped(1_700_000_000_999, "sweep started"),
            "2023-11-14T22:13:20Z sweep started"
        );
    }

    #[test]
    fn escapes_newlines_so_each_action_stays_one_line() {
        assert_eq!(stamped(0, "a\nb\tc"), "1970-01-01T00:00:00Z a\\nb\\tc");
    }

    #[test]
    fn leaves_long_messages_whole() {
        let long = "x".repeat(500);
        assert!(stamped(0, &long).ends_with(&long));
    }
}
