//! Advisory file locks with a bounded wait, over std's `File::lock` family.
//!
//! Owns lock-file creation and the retry loop. It never deletes a lock file (deleting
//! one while another process waits on it would let two holders in), never blocks
//! without a deadline, and never decides what a lock protects.
//!
//! These are `flock(2)`-style locks (std uses `flock` on Linux and macOS): they belong
//! to an open file description, not to a process. Two [`Lock`] values on one path in
//! one process therefore exclude each other just as two processes do, and a lock is
//! released when its file is closed, i.e. when the `Lock` is dropped. std opens every
//! file close-on-exec, so a spawned child never inherits a lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::{open_error, Error};

/// The first pause between tries; each pause doubles up to [`LAST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LAST_PAUSE: Duration = Duration::from_millis(100);

/// A held lock on a lock file; dropping it releases the lock (the file stays).
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// Held only to keep the lock: closing the descriptor releases it.
    _file: File,
}

impl Lock {
    /// Takes the lock at `path` for ourselves alone, waiting at most `wait`
    /// (`Duration::ZERO`: one try). Creates the lock file (0600) if missing.
    pub fn exclusive(path: &Path, wait: Duration) -> Result<Self, Error> {
        Self::take(path, wait, File::try_lock)
    }

    /// Takes the lock at `path` alongside other shared holders, waiting at most
    /// `wait` while an exclusive holder has it. Creates the lock file if missing.
    pub fn shared(path: &Path, wait: Duration) -> Result<Self, Error> {
        Self::take(path, wait, File::try_lock_shared)
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take(
        path: &Path,
        wait: Duration,
        try_once: fn(&File) -> Result<(), TryLockError>,
    ) -> Result<Self, Error> {
        let file = open_lock_file(path)?;
        // An overflowing deadline (Duration::MAX) means no deadline.
        let deadline = Instant::now().checked_add(wait);
        let mut pause = FIRST_PAUSE;
        loop {
            match try_once(&file) {
                Ok(()) => {
                    return Ok(Lock {
                        path: path.to_owned(),
                        _file: file,
                    })
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", path, e)),
            }
            let left = deadline.map_or(pause, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                return Err(Error::Busy {
                    path: path.to_owned(),
                });
            }
            thread::sleep(pause.min(left));
            pause = (pause * 2).min(LAST_PAUSE);
        }
    }
}

/// Opens (creating if missing, 0600) the lock file, refusing a symlink or a
/// non-file. `O_NONBLOCK` keeps a FIFO put there from hanging the open.
fn open_lock_file(path: &Path) -> Result<File, Error> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error("open lock file", path, e))?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(Error::NotRegular {
            path: path.to_owned(),
        })
    }
}
