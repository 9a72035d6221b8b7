//! Rolling a journaled list of steps forward: the one place stores are written.
//!
//! Owns the classification of each store (holds the expected bytes, the new bytes, or
//! a third value) and the guarded compare-and-swap per step, shared by a live commit
//! and by replay. It never writes anything while any store holds a third value, never
//! writes a store without re-reading it under the store's own write guard, and never
//! touches the journal: the caller removes or sets aside the entry.
//!
//! ```text
//! classify all ─ any third value or missing store ─> Conflict (nothing written)
//!   for each step in write order:
//!     write_guard ─ read ─ holds new ──────> unchanged
//!                        ─ holds expected ─> guard still held? ─> write / delete ─> written
//!                        ─ anything else ──> Conflict (earlier steps stay written)
//!     crash point applied:<kind>
//! ```

use super::transaction::{Commit, Step};
use crate::crash::{self, Point};
use crate::sha256::ct_eq;
use crate::store::{Blob, Store, StoreId, Stores};
use crate::Error;

/// How rolling forward ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every store now holds its new bytes.
    Done(Commit),
    /// These stores hold a third value (or do not exist here); see the module doc for
    /// what was written.
    Conflict(Vec<StoreId>),
}

/// Brings every store of `steps` (in write order) to its new bytes, if none holds a
/// third value. A read or write error stops at once and is returned.
pub fn roll_forward(stores: &dyn Stores, steps: &[Step]) -> Result<Outcome, Error> {
    let conflicting = classify(stores, steps)?;
    if !conflicting.is_empty() {
        return Ok(Outcome::Conflict(conflicting));
    }
    let mut commit = Commit::default();
    for step in steps {
        let Some(store) = stores.open(&step.store) else {
            return Ok(Outcome::Conflict(vec![step.store.clone()]));
        };
        match swap(store.as_ref(), step)? {
            Swap::Written => commit.written.push(step.store.clone()),
            Swap::Unchanged => commit.unchanged.push(step.store.clone()),
            Swap::Third => return Ok(Outcome::Conflict(vec![step.store.clone()])),
        }
        crash::point(applied(&step.store));
    }
    Ok(Outcome::Done(commit))
}

/// The stores that hold neither their expected nor their new bytes, or that this
/// platform does not have.
fn classify(stores: &dyn Stores, steps: &[Step]) -> Result<Vec<StoreId>, Error> {
    let mut conflicting = Vec::new();
    for step in steps {
        let fits = match stores.open(&step.store) {
            Some(store) => {
                let now = store.read()?;
                holds(now.as_ref(), step.new.as_ref())
                    || holds(now.as_ref(), step.expected.as_ref())
            }
            None => false,
        };
        if !fits {
            conflicting.push(step.store.clone());
        }
    }
    Ok(conflicting)
}

enum Swap {
    Written,
    Unchanged,
    Third,
}

/// One compare-and-swap under the store's own write guard.
fn swap(store: &dyn Store, step: &Step) -> Result<Swap, Error> {
    let guard = store.write_guard()?;
    let now = store.read()?;
    if holds(now.as_ref(), step.new.as_ref()) {
        return Ok(Swap::Unchanged);
    }
    if !holds(now.as_ref(), step.expected.as_ref()) {
        return Ok(Swap::Third);
    }
    if let Some(guard) = &guard {
        guard.ensure_held()?;
    }
    match &step.new {
        Some(bytes) => store.write(bytes.as_bytes())?,
        None => store.delete()?,
    }
    Ok(Swap::Written)
}

/// Whether a store's content `now` is `want` (both absent, or the same bytes,
/// compared in constant time: they are logins).
pub fn holds(now: Option<&Blob>, want: Option<&Blob>) -> bool {
    match (now, want) {
        (None, None) => true,
        (Some(now), Some(want)) => ct_eq(now.as_bytes(), want.as_bytes()),
        _ => false,
    }
}

/// The crash point after a step on `store`.
fn applied(store: &StoreId) -> Point {
    match store {
        StoreId::Archive(_) => Point::AppliedArchive,
        StoreId::ClaudeKeychain => Point::AppliedClaudeKeychain,
        StoreId::ClaudeFile => Point::AppliedClaudeFile,
        StoreId::Catalog => Point::AppliedCatalog,
    }
}
