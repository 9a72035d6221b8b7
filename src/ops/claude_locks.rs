//! Claude Code's refresh locks as the operations and replay hold them: around every
//! read–refresh–write of a login that is live in Claude Code, and every write of its
//! stores (replay included), after our state lock.
//!
//! Lock order (SPEC.md "Claude Code's locks"): our state lock, then Claude Code's two
//! refresh locks of a place (`cclock::RefreshLocks`, in its order), then, per written
//! store, its `.storage-write.lock` (taken by the store's write guard). Claude Code
//! takes the refresh locks before the storage-write lock too and never takes ours, so
//! no cycle can form. This module owns the timings, where the locks are, and the set
//! of places whose locks a session holds ([`PlaceLockSet`]: an operation's own holds
//! nest, and what the engine takes for one commit or replay is released after it).
//! It never reads or writes a store.

use std::path::Path;

use crate::cclock::{ClaudeJsonLock, Options, RefreshLocks};
use crate::engine::PlaceLocks;
use crate::store::Place;
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

/// The refresh locks a session holds, by place.
#[derive(Debug, Default)]
pub struct PlaceLockSet {
    timings: LockTimings,
    held: Vec<Held>,
}

#[derive(Debug)]
struct Held {
    place: Place,
    locks: RefreshLocks,
    /// How many holds of the operations are open on it.
    depth: u32,
}

impl PlaceLockSet {
    pub fn new(timings: LockTimings) -> Self {
        PlaceLockSet {
            timings,
            held: Vec::new(),
        }
    }

    pub fn timings(&self) -> &LockTimings {
        &self.timings
    }

    pub fn set_timings(&mut self, timings: LockTimings) {
        self.timings = timings;
    }

    /// Whether the locks of `place` are held.
    pub fn holds(&self, place: &Place) -> bool {
        self.find(place).is_some()
    }

    /// The held locks of `place`, compared by canonical paths: a place named before
    /// its directory existed (through a link, say) is the same place once it does.
    fn find(&self, place: &Place) -> Option<usize> {
        let exact = self.held.iter().position(|h| h.place == *place);
        exact.or_else(|| {
            let canonical = place.canonical();
            self.held.iter().position(|h| h.place == canonical)
        })
    }

    /// Opens a hold on the locks of `place`, taking them when none is open.
    pub fn acquire(&mut self, place: &Place) -> Result<(), Error> {
        if let Some(at) = self.find(place) {
            self.held[at].depth += 1;
            return Ok(());
        }
        let locks = refresh_locks(&place.claude_dir, &self.timings)?;
        self.held.push(Held {
            // Its directory exists now: named as every later look at it names it.
            place: place.canonical(),
            locks,
            depth: 1,
        });
        Ok(())
    }

    /// Closes a hold on `place`; the locks go when the last one closes.
    pub fn release(&mut self, place: &Place) {
        let Some(at) = self.find(place) else {
            return;
        };
        self.held[at].depth -= 1;
        if self.held[at].depth == 0 {
            // A failed release leaves the lock to go stale; nothing else can be done.
            let _ = self.held.remove(at).locks.release();
        }
    }

    /// The locks for one engine call: what it takes is released when it is dropped.
    pub fn for_engine(&mut self) -> EngineLocks<'_> {
        EngineLocks {
            set: self,
            taken: Vec::new(),
        }
    }

    /// Checks the locks of `place` are held and still ours.
    pub fn ensure_held(&self, place: &Place) -> Result<(), Error> {
        match self.find(place).map(|at| &self.held[at]) {
            Some(held) => Ok(held.locks.ensure_held()?),
            None => Err(Error::BadTransaction {
                reason: format!(
                    "a write into {} without its refresh locks",
                    place.describe()
                ),
            }),
        }
    }
}

/// [`PlaceLocks`] for one commit or replay (see [`PlaceLockSet::for_engine`]).
#[derive(Debug)]
pub struct EngineLocks<'s> {
    set: &'s mut PlaceLockSet,
    taken: Vec<Place>,
}

impl PlaceLocks for EngineLocks<'_> {
    fn hold(&mut self, place: &Place) -> Result<(), Error> {
        if self.set.holds(place) {
            return Ok(());
        }
        self.set.acquire(place)?;
        self.taken.push(place.clone());
        Ok(())
    }

    fn ensure_held(&self, place: &Place) -> Result<(), Error> {
        self.set.ensure_held(place)
    }
}

impl Drop for EngineLocks<'_> {
    fn drop(&mut self) {
        for place in std::mem::take(&mut self.taken) {
            self.set.release(&place);
        }
    }
}
