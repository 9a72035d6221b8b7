//! The locks Claude Code takes around writing its files: `.storage-write.lock` in the
//! Claude config directory (its credentials store) and `~/.claude.json.lock` (its
//! global settings file `~/.claude.json`).
//!
//! Owns only their paths and timings; `dirlock` does the locking. It never reads or
//! writes the files these locks protect.

use std::path::Path;
use std::time::Duration;

use super::dirlock::{DirLock, Options};
use super::Error;

/// `<claude dir>/.storage-write.lock`, held around every write of Claude Code's
/// credentials store.
#[derive(Debug)]
pub struct StorageWriteLock(DirLock);

impl StorageWriteLock {
    /// Claude Code's setting: stale after 15 s; about ten retries 100 ms to 1 s apart.
    pub const OPTIONS: Options = Options::new(Duration::from_secs(15));

    /// Takes the storage-write lock of the Claude config directory `claude_dir`.
    pub fn acquire(claude_dir: &Path) -> Result<Self, Error> {
        Self::acquire_with(claude_dir, &Self::OPTIONS)
    }

    /// As [`Self::acquire`], with other timings.
    pub fn acquire_with(claude_dir: &Path, options: &Options) -> Result<Self, Error> {
        DirLock::acquire(&claude_dir.join(".storage-write.lock"), options).map(Self)
    }

    /// Checks now that the lock is still ours; call it right before every write.
    pub fn ensure_held(&self) -> Result<(), Error> {
        self.0.ensure_held()
    }

    pub fn is_lost(&self) -> bool {
        self.0.is_lost()
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Removes the lock if it is still ours (see [`DirLock::release`]).
    pub fn release(self) -> Result<(), Error> {
        self.0.release()
    }
}

/// `<path of .claude.json>.lock` (`~/.claude.json.lock`), held around every write of
/// Claude Code's global settings file. The path is used as given, not resolved.
#[derive(Debug)]
pub struct ClaudeJsonLock(DirLock);

impl ClaudeJsonLock {
    /// Claude Code's setting: stale after 10 s; about ten retries 100 ms to 1 s apart.
    pub const OPTIONS: Options = Options::new(Duration::from_secs(10));

    /// Takes the lock of the settings file at `claude_json` (`~/.claude.json`).
    pub fn acquire(claude_json: &Path) -> Result<Self, Error> {
        Self::acquire_with(claude_json, &Self::OPTIONS)
    }

    /// As [`Self::acquire`], with other timings.
    pub fn acquire_with(claude_json: &Path, options: &Options) -> Result<Self, Error> {
        let mut lock = claude_json.as_os_str().to_owned();
        lock.push(".lock");
        DirLock::acquire(Path::new(&lock), options).map(Self)
    }

    /// Checks now that the lock is still ours; call it right before every write.
    pub fn ensure_held(&self) -> Result<(), Error> {
        self.0.ensure_held()
    }

    pub fn is_lost(&self) -> bool {
        self.0.is_lost()
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Removes the lock if it is still ours (see [`DirLock::release`]).
    pub fn release(self) -> Result<(), Error> {
        self.0.release()
    }
}
