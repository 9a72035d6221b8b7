//! Log lines on stderr for `-v` and `-vv`: `<UTC RFC 3339 time> <text>`.
//!
//! Owns the verbosity gate and the line format. Callers pass text that is already
//! safe to show (names, paths, store ids, times, outcomes); this module never formats
//! a blob, a token or a server body, and it never decides what is worth saying.
//! Nothing is written at verbosity 0, so cron stays quiet.
//! Lines are written through `term`, the one writer of stdout and stderr.

use crate::{term, time};

/// Where log lines go and how many.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    verbosity: u8,
    clock: fn() -> i64,
}

impl Log {
    /// A log at `verbosity` (0 quiet, 1 `-v`, 2 `-vv`) with the system clock.
    pub fn new(verbosity: u8) -> Log {
        Log {
            verbosity,
            clock: time::now_ms,
        }
    }

    /// Whether `-v` lines are written.
    pub fn verbose(&self) -> bool {
        self.verbosity >= 1
    }

    /// A `-v` line: what the command did.
    pub fn info(&self, text: &str) {
        self.emit(1, text);
    }

    /// A `-vv` line: how it did it (stores written, requests made).
    pub fn debug(&self, text: &str) {
        self.emit(2, text);
    }

    fn emit(&self, level: u8, text: &str) {
        if self.verbosity >= level {
            term::err_text(&line((self.clock)(), text));
        }
    }
}

/// One log line: the UTC time, the text, a newline.
pub fn line(now_ms: i64, text: &str) -> String {
    format!("{} {text}\n", time::format_rfc3339(now_ms))
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn lines_start_with_a_utc_timestamp() {
        assert_eq!(
            line(1_700_000_000_000, "refreshed work"),
            "2023-11-14T22:13:20Z refreshed work\n"
        );
    }
}
