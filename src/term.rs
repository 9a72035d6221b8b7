//! The terminal: the only module that writes to stdout and stderr.
//!
//! A closed stdout pipe (`claude-token list | head -1`) is not an error: output
//! stops and the process exits 0. It never formats secrets; callers pass text
//! that is already safe to show.
#![allow(clippy::print_stderr)]

use crate::Error;
use std::io::{self, Write};

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
    let mut text = format!("claude-token: {err}\n");
    if let Some(hint) = err.hint() {
        text.push_str("  hint: ");
        text.push_str(&hint);
        text.push('\n');
    }
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Prints a warning line on stderr: something the user should fix, that did not stop
/// the command.
pub fn warn(text: &str) {
    let line = format!("claude-token: warning: {text}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Writes one line on stderr as it is (the daemon's log lines, already stamped). A
/// failed write is dropped: there is nowhere else to report it.
pub fn err_line(text: &str) {
    let line = format!("{text}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}
