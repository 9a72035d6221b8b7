//! Claude Code's refresh locks as the operations take them: around every
//! read–refresh–write of the login that is live in Claude Code, after our state lock.
//!
//! Lock order (SPEC.md "Claude Code's locks"): our state lock, then Claude Code's two
//! refresh locks (`cclock::RefreshLocks`, in its order), then, per written store, its
//! `.storage-write.lock` (taken by the store's write guard). Claude Code takes the
//! refresh locks before the storage-write lock too and never takes ours, so no cycle
//! can form. This module owns the timings and where the locks are; it never reads or
//! writes a store.

use std::path::Path;

use crate::cclock::{ClaudeJsonLock, Options, RefreshLocks};
use crate::{fs, Error};

/// How long the operations wait for Claude Code's refresh locks; Claude Code's own
/// timings unless a test scales them down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTimings {
    pub refresh: Options,
    /// `~/.claude.json.lock`.
    pub claude_json: Options,
}

impl Default for LockTimings {
    fn default() -> Self {
        LockTimings {
            refresh: RefreshLocks::OPTIONS,
            claude_json: ClaudeJsonLock::OPTIONS,
        }
    }
}

/// Takes both refresh locks of Claude Code's config directory `claude_dir`. The
/// directory is created (0700) when it is missing and its parent exists, as Claude
/// Code creates it before it locks; a held lock is [`crate::cclock::Error::Busy`]
/// (exit 5) naming the holder's pid when its owner record says.
pub fn refresh_locks(claude_dir: &Path, timings: &LockTimings) -> Result<RefreshLocks, Error> {
    if fs::dir_access(claude_dir)?.is_none() {
        crate::store::file::create_claude_dir(claude_dir)?;
    }
    Ok(RefreshLocks::acquire_with(claude_dir, &timings.refresh)?)
}
