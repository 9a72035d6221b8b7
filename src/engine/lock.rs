//! The state lock: one claude-token at a time changes stores or the journal.
//!
//! Owns `<data>/.state.lock` and the [`StateLock`] token. Every engine call that
//! writes takes a `&StateLock` (through [`super::Journal`]), so holding the lock is
//! proved by the types rather than promised by callers. It never deletes the lock file
//! (see `fs::Lock`) and never waits without a deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{fs, Error};

/// The lock file's name inside the data directory (`paths::Paths::state_lock`).
const LOCK_FILE: &str = ".state.lock";

/// How long a command waits for another claude-token to finish.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Proof that this process holds the state lock of one data directory. Dropping it
/// releases the lock.
#[derive(Debug)]
pub struct StateLock {
    data_dir: PathBuf,
    _lock: fs::Lock,
}

impl StateLock {
    /// Takes the state lock of `data_dir` (created 0700 if missing), waiting at most
    /// `wait`. Another holder for the whole wait is `fs::Error::Busy` (exit 5).
    pub fn acquire(data_dir: &Path, wait: Duration) -> Result<Self, Error> {
        fs::create_private_dir_all(data_dir)?;
        let lock = fs::Lock::exclusive(&data_dir.join(LOCK_FILE), wait)?;
        Ok(StateLock {
            data_dir: data_dir.to_owned(),
            _lock: lock,
        })
    }

    /// The data directory this lock guards.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}
