//! The terminal: the only module that writes to stdout and stderr, and the only one
//! that knows escape sequences ([`Paint`]: colour and usage bars).
//!
//! A closed stdout pipe (`claude-token list | head -1`) is not an error: output
//! stops and the process exits 0. Colour is used only when stdout is a terminal and
//! `NO_COLOR` is unset or empty (no-color.org); bars are block characters on a
//! terminal and plain ASCII elsewhere, so cron mail and pipes stay 7-bit. It never
//! formats secrets; callers pass text that is already safe to show.
#![allow(clippy::print_stderr)] // term is the crate's one writer of stderr

use crate::Error;
use std::ffi::OsStr;
use std::io::{self, IsTerminal, Write};

/// Writes `text` to stdout. A closed pipe ends the output quietly.
pub fn out(text: &str) -> Result<(), Error> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Io {
            action: "write to",
            path: "standard output".into(),
            source,
        }),
    }
}

/// Prints an error once, as `claude-token: <message>` plus an optional hint line.
pub fn print_error(err: &Error) {
    let mut text = format!("claude-token: {}\n", one_line(&err.to_string()));
    if let Some(hint) = err.hint() {
        text.push_str("  hint: ");
        text.push_str(&one_line(&hint));
        text.push('\n');
    }
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Prints a warning line on stderr: something the user should fix, that did not stop
/// the command.
pub fn warn(text: &str) {
    let line = format!("claude-token: warning: {}\n", one_line(text));
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// `text` with control characters escaped, so that text from outside (an email from a
/// credentials file, a server's message) can neither break the line nor drive the
/// terminal with escape sequences.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes `text` on stderr as it is (log lines, already stamped; a question before
/// reading the answer). A failed write is dropped: there is nowhere else to report it.
pub fn err_text(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Writes one line on stderr as it is (the daemon's log lines, already stamped). A
/// failed write is dropped: there is nowhere else to report it.
pub fn err_line(text: &str) {
    let line = format!("{text}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// A colour for [`Paint::paint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Green,
    Yellow,
    Red,
    Dim,
}

/// How output for stdout is decorated: colour or not, block bars or ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    colour: bool,
    blocks: bool,
}

impl Paint {
    /// What stdout takes now: a terminal gets block bars, and colour unless `NO_COLOR`.
    pub fn for_stdout() -> Paint {
        let terminal = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR");
        Paint::decide(terminal, no_color.as_deref())
    }

    /// The rule of [`Paint::for_stdout`], given what it looked at.
    pub fn decide(terminal: bool, no_color: Option<&OsStr>) -> Paint {
        let colour_off = no_color.is_some_and(|value| !value.is_empty());
        Paint {
            colour: terminal && !colour_off,
            blocks: terminal,
        }
    }

    /// No escape sequences and ASCII bars.
    pub fn plain() -> Paint {
        Paint {
            colour: false,
            blocks: false,
        }
    }

    /// `text` in `colour`, or `text` as it is when colour is off.
    pub fn paint(self, text: &str, colour: Colour) -> String {
        if !self.colour {
            return text.to_owned();
        }
        let code = match colour {
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Red => "31",
            Colour::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// A bar of `cells` cells, filled in proportion to `percent` (clamped to 0..=100,
    /// rounded to the nearest cell), coloured by how full it is.
    pub fn bar(self, percent: f64, cells: usize) -> String {
        let filled = filled_cells(percent, cells);
        let (full, empty) = if self.blocks {
            ('█', '░')
        } else {
            ('#', '.')
        };
        let text: String = std::iter::repeat_n(full, filled)
            .chain(std::iter::repeat_n(empty, cells - filled))
            .collect();
        self.paint(&text, level_colour(percent))
    }
}

/// Green below 50 %, yellow below 80 %, red from there.
pub fn level_colour(percent: f64) -> Colour {
    if percent < 50.0 {
        Colour::Green
    } else if percent < 80.0 {
        Colour::Yellow
    } else {
        Colour::Red
    }
}

/// How many of `cells` cells `percent` fills; NaN fills none.
fn filled_cells(percent: f64, cells: usize) -> usize {
    let share = if percent.is_nan() {
        0.0
    } else {
        percent.clamp(0.0, 100.0) / 100.0
    };
    #[allow(clippy::cast_precision_loss)] // a bar has a handful of cells
    let exact = share * cells as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..=cells
    let rounded = exact.round() as usize;
    rounded.min(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_break_the_line_or_drive_the_terminal() {
        assert_eq!(one_line("a@b\u{1b}[2J\nx"), "a@b\\u{1b}[2J\\nx");
        assert_eq!(one_line("plain text: ok"), "plain text: ok");
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(Paint::decide(true, None).colour);
        assert!(!Paint::decide(false, None).colour);
        assert!(!Paint::decide(true, Some(OsStr::new("1"))).colour);
        assert!(Paint::decide(true, Some(OsStr::new(""))).colour);
    }

    #[test]
    fn plain_paint_adds_no_escape_sequences() {
        let paint = Paint::plain();
        assert_eq!(paint.paint("ok", Colour::Green), "ok");
        assert_eq!(paint.bar(50.0, 8), "####....");
    }

    #[test]
    fn terminal_bars_use_blocks_and_colour_by_level() {
        let paint = Paint::decide(true, None);
        assert_eq!(paint.bar(100.0, 4), "\x1b[31m████\x1b[0m");
        assert_eq!(paint.bar(0.0, 4), "\x1b[32m░░░░\x1b[0m");
    }

    #[test]
    fn bars_clamp_round_and_survive_nan() {
        assert_eq!(filled_cells(-5.0, 8), 0);
        assert_eq!(filled_cells(250.0, 8), 8);
        assert_eq!(filled_cells(6.25, 8), 1); // 0.5 cell rounds up
        assert_eq!(filled_cells(6.0, 8), 0);
        assert_eq!(filled_cells(f64::NAN, 8), 0);
    }
}
