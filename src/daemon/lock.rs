//! One daemon per data directory: an exclusive lock on `<data>/daemon.lock` holding
//! the holder's pid.
//!
//! Owns the pid note in the lock file: written only once the lock is ours (the file is
//! opened without truncation, so a running holder's pid is never wiped by a loser),
//! cleared when the daemon ends. A second daemon fails at once, naming the pid it
//! finds. It never deletes the lock file and never signals the holder.

use crate::{fs, Error};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::thread;
use std::time::Duration;

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "daemon.lock";

/// How long a loser waits for a fresh holder to write its pid (it truncates, then
/// writes, right after taking the lock).
const PID_TRIES: u32 = 20;
const PID_PAUSE: Duration = Duration::from_millis(10);

/// The held daemon lock; dropping it clears the pid and releases the lock.
#[derive(Debug)]
pub struct DaemonLock {
    /// A second handle on the lock file, for the pid (the lock's own is private to
    /// `fs`); `Drop` empties it while the lock is still held.
    note: File,
    _lock: fs::Lock,
}

impl DaemonLock {
    /// Takes the lock at `path` without waiting and writes our pid into it. Held by
    /// another process: [`Error::DaemonRunning`] (exit 5) with its pid, if known.
    pub fn acquire(path: &Path) -> Result<DaemonLock, Error> {
        let lock = match fs::Lock::exclusive(path, Duration::ZERO) {
            Ok(lock) => lock,
            Err(fs::Error::Busy { .. }) => {
                return Err(Error::DaemonRunning {
                    pid: holder_pid(path),
                })
            }
            Err(err) => return Err(err.into()),
        };
        let note = write_pid(path, std::process::id())?;
        Ok(DaemonLock { note, _lock: lock })
    }
}

impl Drop for DaemonLock {
    fn drop(&mut self) {
        // A pid left behind would name a process that is gone (or, later, another one).
        let _ = self.note.set_len(0);
    }
}

/// Replaces the lock file's content with `pid` and a newline; the lock is ours.
fn write_pid(path: &Path, pid: u32) -> Result<File, Error> {
    let io_error = |source| Error::Io {
        action: "write the pid into",
        path: path.to_owned(),
        source,
    };
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(io_error)?;
    file.set_len(0).map_err(io_error)?;
    file.write_all_at(format!("{pid}\n").as_bytes(), 0)
        .map_err(io_error)?;
    Ok(file)
}

/// The pid the holder wrote, waiting briefly for a holder that has only just won.
fn holder_pid(path: &Path) -> Option<u32> {
    for _ in 0..PID_TRIES {
        let bytes = fs::read_regular(path, 64).ok().flatten().map(|f| f.bytes);
        if let Some(pid) = bytes.as_deref().and_then(parse_pid) {
            return Some(pid);
        }
        thread::sleep(PID_PAUSE);
    }
    None
}

/// `1234\n` as 1234; anything else (empty, garbage, 0) is no pid.
fn parse_pid(bytes: &[u8]) -> Option<u32> {
    let digits = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse()
        .ok()
        .filter(|&pid| pid > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pid_with_or_without_its_newline() {
        assert_eq!(parse_pid(b"1234\n"), Some(1234));
        assert_eq!(parse_pid(b"1234"), Some(1234));
    }

    #[test]
    fn refuses_what_is_not_a_pid() {
        for bytes in [
            &b""[..],
            b"\n",
            b"0\n",
            b"+12\n",
            b" 12\n",
            b"12\n\n",
            b"-1\n",
            b"99999999999\n",
        ] {
            assert_eq!(parse_pid(bytes), None, "{bytes:?}");
        }
    }
}
