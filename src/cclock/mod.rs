//! Claude Code's own locks, taken and held exactly as Claude Code 2.1.332 takes them,
//! so that claude-token and a running Claude Code never write one login at once.
//!
//! Claude Code locks with proper-lockfile style lock *directories*: `mkdir` takes a
//! lock, the holder keeps the directory's mtime fresh while it holds it, a waiter
//! treats an mtime older than the stale time as abandoned, and `rmdir` releases it.
//! Files: `dirlock` (one such lock and the thread that keeps it fresh), `owner` (the
//! owner record beside the refresh lock and this process's identity in it),
//! `refresh_locks` (the two refresh locks in Claude Code's order plus the record),
//! `storage_lock` (`.storage-write.lock` and `~/.claude.json.lock`).
//!
//! This module never breaks a lock except by Claude Code's own rule (a stale mtime),
//! never removes a lock that is no longer ours, and never decides what a lock
//! protects: callers hold it around their reads and writes, and call `ensure_held`
//! before every write. SPEC.md "Claude Code's locks" is the protocol.
//!
//! ```text
//! acquire:  mkdir ─ ok ─> set mtime now ─> held (refresh thread touches every 4 s)
//!             └ EEXIST ─ stat ─ vanished ─> one more mkdir
//!                          ├─ mtime older than stale ─> rmdir, one more mkdir
//!                          └─ fresh ─> wait (jittered) and retry ─ retries spent ─> Busy
//! held:     before each touch: path still our directory with the mtime we set?
//!             no ─> lost (no more touches; callers must not write; never removed)
//! release:  stop the thread ─ still ours? ─ rmdir
//! ```

mod dirlock;
mod owner;
mod refresh_locks;
mod storage_lock;

pub use dirlock::{DirLock, Options};
pub use owner::{birthtime_ms, proc_start, OwnerRecord};
pub use refresh_locks::{RefreshLocks, OWNER_RECORD, REFRESH_LOCK};
pub use storage_lock::{ClaudeJsonLock, StorageWriteLock};

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A Claude Code lock that could not be taken, kept or released.
#[derive(Debug)]
pub enum Error {
    /// Someone else held the lock through all our retries; `holder` is the pid its
    /// owner record names, when there is a record for this very lock.
    Busy { path: PathBuf, holder: Option<u32> },
    /// The lock was taken from us while we held it (its directory is gone, replaced,
    /// or carries an mtime we did not set): nothing may be written under it.
    Lost { path: PathBuf },
    /// Something other than a directory sits at the lock's path.
    NotALock { path: PathBuf },
    /// The owner record could not be written.
    Record(crate::fs::Error),
    /// An operating-system call failed on `path` while doing `action`.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Busy {
                path,
                holder: Some(pid),
            } => write!(f, "{} is held by process {pid}", path.display()),
            Error::Busy { path, holder: None } => {
                write!(f, "{} is held by another process", path.display())
            }
            Error::Lost { path } => {
                write!(f, "{} was taken over by another process", path.display())
            }
            Error::NotALock { path } => write!(f, "{} is not a lock directory", path.display()),
            Error::Record(err) => err.fmt(f),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Record(err) => Some(err),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
