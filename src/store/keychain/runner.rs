//! Runs the pinned `/usr/bin/security` with a timeout (macOS only).
//!
//! This machine cannot compile this file (no Apple target); it is kept to process
//! plumbing so that reading it is enough to check it. Owns the child process: piped
//! stdin and stdout, stderr discarded (we never show it: it is not ours to trust),
//! a reader thread for stdout so a large answer cannot block the child, and the kill
//! when [`CALL_TIMEOUT`] passes. It never puts anything but `call.args` on argv and
//! never looks `security` up in `PATH`.

use super::security_cli::{SecurityCall, SecurityOutput, CALL_TIMEOUT, SECURITY_PROGRAM};
use super::SecurityRunner;
use crate::store::Blob;
use std::io::{self, Read, Write};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The most we read from `security`'s stdout: far more than any login in hex.
const MAX_STDOUT: u64 = 4 << 20;

/// How often the wait looks whether the child has exited.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// The real [`SecurityRunner`].
#[derive(Debug, Default)]
pub struct ProcessRunner;

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
        let reader = thread::spawn(move || read_capped(stdout));
        let fed = feed(&mut child, call);
        let status = wait_with_timeout(&mut child);
        let stdout = reader
            .join()
            .map_err(|_| io::Error::other("the stdout reader panicked"))?;
        let status = status?;
        fed?;
        Ok(SecurityOutput {
            status: status.code(),
            stdout: Blob::new(stdout?),
        })
    }
}

/// Writes the call's stdin (at most one 4 KiB line, which fits in the pipe buffer,
/// so this cannot block) and closes it, which ends `security -i`'s command loop.
/// A child that exited before reading is reported by its status, not here.
fn feed(child: &mut Child, call: &SecurityCall) -> io::Result<()> {
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("stdin not piped"))?;
    if let Some(bytes) = &call.stdin {
        match stdin.write_all(bytes.as_bytes()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    drop(stdin);
    Ok(())
}

/// Waits for the child; past the deadline it is killed, reaped, and the call fails
/// with `TimedOut`.
fn wait_with_timeout(child: &mut Child) -> io::Result<ExitStatus> {
    let deadline = Instant::now() + CALL_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            // Kill fails only if it already exited; the wait reaps it either way.
            let _ = child.kill();
            child.wait()?;
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "security timed out",
            ));
        }
        thread::sleep(POLL_EVERY);
    }
}

/// Reads stdout to its end (the child exiting or being killed closes it).
fn read_capped(stdout: ChildStdout) -> io::Result<Vec<u8>> {
    // Sized up front so a login is not copied around by regrowth.
    let mut bytes = Vec::with_capacity(64 * 1024);
    stdout.take(MAX_STDOUT).read_to_end(&mut bytes)?;
    Ok(bytes)
}
