//! Runs the pinned `/usr/bin/security` with a timeout (macOS only).
//!
//! This file is type-checked (`.ci/run`) but never run here; it is kept to process
//! plumbing so that reading it is enough to check it. Owns the child process: piped
//! stdin and stdout, stderr discarded (we never show it: it is not ours to trust),
//! a reader thread for stdout so a large answer cannot block the child, and one
//! deadline, [`ProcessRunner::timeout`] after the start (60 s unless
//! `CLAUDE_TOKEN_KEYCHAIN_TIMEOUT` says otherwise: time to answer an unlock dialog),
//! for the child and for its output: past it the child is killed and the call fails.
//! It never puts anything but `call.args` on argv and never looks `security` up in
//! `PATH`.

use super::security_cli::{SecurityCall, SecurityOutput, MAX_SECRET_LEN, SECURITY_PROGRAM};
use super::SecurityRunner;
use crate::store::Blob;
use std::io::{self, Read, Write};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The most we read from `security`'s stdout: far more than any login in hex.
const MAX_STDOUT: u64 = 4 << 20;

/// How often the wait looks whether the child has exited.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// The real [`SecurityRunner`].
#[derive(Debug)]
pub struct ProcessRunner {
    /// How long one call may take.
    pub timeout: Duration,
}

impl SecurityRunner for ProcessRunner {
    fn run(&self, call: &SecurityCall) -> io::Result<SecurityOutput> {
        let mut child = Command::new(SECURITY_PROGRAM)
            .args(&call.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("stdout not piped"))?;
        let deadline = Instant::now() + self.timeout;
        let (sender, receiver) = mpsc::channel();
        // Never joined: if something still held the pipe open after the child is
        // gone, the thread would block, and we must not block with it.
        thread::spawn(move || sender.send(read_capped(stdout)));
        let fed = feed(&mut child, call);
        let status = wait_until(&mut child, deadline).map_err(|e| self.timed_out(e))?;
        let stdout = receiver
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| self.timed_out(io::ErrorKind::TimedOut.into()))??;
        fed?;
        Ok(SecurityOutput {
            status: status.code(),
            stdout: Blob::new(stdout),
        })
    }
}

impl ProcessRunner {
    /// A timeout, said with the deadline; other errors as they are.
    fn timed_out(&self, err: io::Error) -> io::Error {
        if err.kind() != io::ErrorKind::TimedOut {
            return err;
        }
        let secs = self.timeout.as_secs();
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{SECURITY_PROGRAM} did not answer within {secs} s (set CLAUDE_TOKEN_KEYCHAIN_TIMEOUT for longer)"),
        )
    }
}

/// Writes the call's stdin (at most one 4 KiB line, which fits in the pipe buffer,
/// so this cannot block; an argv call has none) and closes it, which ends `security -i`'s command loop.
/// A child that exited before reading is reported by its status, not here.
fn feed(child: &mut Child, call: &SecurityCall) -> io::Result<()> {
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("stdin not piped"))?;
    let written = match &call.stdin {
        Some(bytes) => stdin.write_all(bytes.as_bytes()),
        None => Ok(()),
    };
    drop(stdin);
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// Waits for the child; past `deadline` it is killed, reaped, and the call fails
/// with `TimedOut`.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            // Kill fails only if it already exited; the wait reaps it either way.
            let _ = child.kill();
            let _reaped = child.wait()?;
            return Err(io::ErrorKind::TimedOut.into());
        }
        thread::sleep(POLL_EVERY);
    }
}

/// Reads stdout to its end (the child exiting or being killed closes it).
fn read_capped(stdout: ChildStdout) -> io::Result<Vec<u8>> {
    // Sized up front for the largest login in hex, so it is not copied around (and
    // left behind unwiped) by regrowth.
    let mut bytes = Vec::with_capacity(2 * MAX_SECRET_LEN + 2);
    stdout.take(MAX_STDOUT).read_to_end(&mut bytes)?;
    Ok(bytes)
}
