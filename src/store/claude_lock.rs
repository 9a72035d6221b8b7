//! The write guard of Claude Code's own stores (its credentials file and its Keychain
//! item): Claude Code's `.storage-write.lock`, held across the engine's
//! read-compare-write of one step, exactly as Claude Code holds it around its own
//! read-modify-write.
//!
//! Owns where the lock is (the directory Claude Code keeps its credentials in:
//! `CLAUDE_SECURESTORAGE_CONFIG_DIR`, else its config directory) and its timings. It
//! never reads or writes the store; `cclock` does the locking and breaks a lock only by
//! Claude Code's rule (a stale mtime).

use std::path::{Path, PathBuf};

use super::WriteGuard;
use crate::cclock::{Options, StorageWriteLock};
use crate::{fs, Error};

/// Where a Claude Code store's write lock lives, and how long to wait for it.
#[derive(Debug, Clone)]
pub struct StorageLockAt {
    dir: PathBuf,
    options: Options,
}

impl StorageLockAt {
    /// The lock `<dir>/.storage-write.lock` with Claude Code's timings.
    pub fn new(dir: PathBuf) -> Self {
        Self::with_options(dir, StorageWriteLock::OPTIONS)
    }

    /// As [`Self::new`], with other timings (tests scale them down).
    pub fn with_options(dir: PathBuf, options: Options) -> Self {
        StorageLockAt { dir, options }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the lock. Without its directory there is no Claude Code store to guard
    /// (Claude Code creates the directory before it locks), so there is no guard.
    pub fn guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        if fs::dir_access(&self.dir)?.is_none() {
            return Ok(None);
        }
        let lock = StorageWriteLock::acquire_with(&self.dir, &self.options)?;
        Ok(Some(Box::new(StorageGuard(lock))))
    }
}

/// `.storage-write.lock`, held; released (if still ours) when dropped.
#[derive(Debug)]
struct StorageGuard(StorageWriteLock);

impl WriteGuard for StorageGuard {
    fn ensure_held(&self) -> Result<(), Error> {
        self.0.ensure_held().map_err(Error::from)
    }
}
