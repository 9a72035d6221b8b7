//! `exec <NAME|#N> [--fd] [--] COMMAND [ARGS...]`: ready the slot's access token
//! (`ops::exec`), release the state lock, then replace this process with COMMAND,
//! which gets the token in `CLAUDE_CODE_OAUTH_TOKEN` or, with `--fd`, on an inherited
//! pipe named by `CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR`.
//!
//! The exit status is COMMAND's own (this process becomes it). Only the access token
//! is handed out, never the refresh token; the other variable is removed from the
//! environment, so COMMAND cannot see a stale token from our caller. Nothing is
//! printed on success (COMMAND owns stdout); a COMMAND that cannot be started is an
//! error naming it (exit 1).

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::in_session;
use crate::cli::{Global, SlotRef};
use crate::log::Log;
use crate::ops::exec;
use crate::redact::Secret;
use crate::{oauth, sys, term, Error};

/// The variable Claude Code reads an access token from.
pub const TOKEN_VAR: &str = "CLAUDE_CODE_OAUTH_TOKEN";
/// The variable naming a descriptor Claude Code reads an access token from.
pub const TOKEN_FD_VAR: &str = "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR";

/// Largest token written into the pipe: below `PIPE_BUF`, so the write never blocks
/// on a pipe nobody reads yet.
const MAX_PIPED: usize = 512;

pub fn run(global: &Global, slot: &SlotRef, fd: bool, command: &[OsString]) -> Result<(), Error> {
    let client = oauth::Client::from_env()?;
    let log = Log::new(global.verbosity);
    // The session (and with it the state lock) ends before the exec below.
    let handout = in_session(&log, |session| exec::run(session, &client, slot))?;
    if let Some(err) = &handout.refresh_failed {
        term::warn(&format!(
            "could not refresh {} ({err}); its access token is still valid, using it",
            handout.slot
        ));
    }
    if handout.refreshed {
        log.info(&format!("refreshed {} first", handout.slot));
    }
    let (program, args) = command
        .split_first()
        .expect("the grammar requires a command");
    let mut child = Command::new(program);
    child.args(args);
    // Kept open until the exec: the program inherits this very descriptor.
    let _pipe = if fd {
        Some(hand_over_pipe(&mut child, &handout.access_token)?)
    } else {
        child
            .env(TOKEN_VAR, handout.access_token.expose())
            .env_remove(TOKEN_FD_VAR);
        None
    };
    let err = child.exec();
    Err(Error::Io {
        action: "run",
        path: program.into(),
        source: err,
    })
}

/// Writes `token` into a new pipe, closes its write end, and points COMMAND at the
/// read end, which it inherits; returns that end.
fn hand_over_pipe(child: &mut Command, token: &Secret) -> Result<OwnedFd, Error> {
    let failed = |source| Error::Io {
        action: "create a pipe for",
        path: TOKEN_FD_VAR.into(),
        source,
    };
    let bytes = token.expose().as_bytes();
    if bytes.len() > MAX_PIPED {
        let long = std::io::Error::new(std::io::ErrorKind::InvalidData, "token too long");
        return Err(failed(long));
    }
    let (read, write) = sys::pipe::pipe().map_err(failed)?;
    std::fs::File::from(write)
        .write_all(bytes)
        .map_err(failed)?;
    sys::pipe::inherit_on_exec(read.as_fd()).map_err(failed)?;
    child
        .env(TOKEN_FD_VAR, read.as_raw_fd().to_string())
        .env_remove(TOKEN_VAR);
    Ok(read)
}
