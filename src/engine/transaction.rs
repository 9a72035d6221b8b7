//! Transactions: a list of compare-and-swap steps over stores, and committing one.
//!
//! Owns building a [`Transaction`] (steps kept in write order, no two for one store,
//! steps that change nothing dropped) and [`commit`]: verify, journal, apply, clear.
//! It never writes a store before the journal entry holding the new bytes is durable,
//! and never writes a store that holds anything but the step's expected or new bytes.
//!
//! ```text
//! commit: verify every store ── a store holds neither expected nor new ─> Changed
//!   │                         └─ all already hold new ─> done, nothing journaled
//!   journal entry (durable) ─ crash point journal-written
//!   apply in StoreId order (see apply.rs) ─ a third value ─> entry to attention/, Conflict
//!   remove entry, flush directory ─ crash point journal-removed ─> Commit
//! ```

use std::collections::BTreeSet;

use super::apply::{holds, roll_forward, Outcome};
use super::entry::is_op_name;
use super::journal::{Journal, Pending};
use crate::store::{Blob, StoreId, Stores};
use crate::Error;

/// One compare-and-swap: `store` goes from `expected` to `new` (`None` = absent;
/// a `new` of `None` deletes). `Debug` shows blob lengths only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub store: StoreId,
    pub expected: Option<Blob>,
    pub new: Option<Blob>,
}

/// What a command wants to change, all or nothing as far as a crash is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    op: &'static str,
    /// Strictly increasing by store: the write order.
    steps: Vec<Step>,
    /// Every store named so far, including by steps that were dropped.
    named: BTreeSet<StoreId>,
}

impl Transaction {
    /// An empty transaction for the operation `op` (`[a-z][a-z0-9-]{0,31}`, e.g.
    /// `use`, `refresh`); the name is recorded in the journal and reports.
    pub fn new(op: &'static str) -> Result<Self, Error> {
        if !is_op_name(op) {
            return Err(bad(format!(
                "operation name {op:?} is not [a-z][a-z0-9-]{{0,31}}"
            )));
        }
        Ok(Transaction {
            op,
            steps: Vec::new(),
            named: BTreeSet::new(),
        })
    }

    /// Adds the step `store`: `expected` -> `new`. A step with `expected == new`
    /// changes nothing and is dropped; a second step for one store is refused.
    pub fn step(
        mut self,
        store: StoreId,
        expected: Option<Blob>,
        new: Option<Blob>,
    ) -> Result<Self, Error> {
        if !self.named.insert(store.clone()) {
            return Err(bad(format!("two steps for {store}")));
        }
        if expected != new {
            let at = self.steps.partition_point(|s| s.store < store);
            let step = Step {
                store,
                expected,
                new,
            };
            self.steps.insert(at, step);
        }
        Ok(self)
    }

    pub fn op(&self) -> &'static str {
        self.op
    }

    /// The steps in write order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub(super) fn into_steps(self) -> Vec<Step> {
        self.steps
    }
}

/// What a successful commit or replayed entry did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    /// Stores written or deleted, in write order.
    pub written: Vec<StoreId>,
    /// Stores that already held the new bytes.
    pub unchanged: Vec<StoreId>,
}

/// Commits `tx`: checks every store still holds the expected (or already the new)
/// bytes, journals the new bytes, applies the steps in write order, and removes the
/// journal entry.
///
/// - A store holding something else at the check: [`Error::Changed`]; nothing was
///   journaled or written.
/// - A step for a store this platform does not have: [`Error::BadTransaction`].
/// - All stores already hold the new bytes: `Ok`, nothing journaled.
/// - A store that fails to write: that error; the journal entry stays, and the next
///   replay rolls it forward.
/// - A store changed by someone else after the check ([`Error::Conflict`]): the
///   entry is moved to `journal/attention/`; stores not yet written are left alone.
pub fn commit(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    tx: Transaction,
) -> Result<Commit, Error> {
    if verify(stores, &tx)? {
        let unchanged = tx.steps.iter().map(|s| s.store.clone()).collect();
        return Ok(Commit {
            written: Vec::new(),
            unchanged,
        });
    }
    let pending = journal.write(tx)?;
    apply(journal, stores, pending)
}

/// Applies a journaled entry (from [`Journal::write`]) and removes it: the second
/// half of [`commit`], for callers that must journal before they can verify (a
/// refresh journals the server's answer at once). The same rules as in `commit`.
pub fn apply(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    pending: Pending,
) -> Result<Commit, Error> {
    let (name, entry) = pending.into_parts();
    match roll_forward(stores, &entry.steps)? {
        Outcome::Done(commit) => {
            journal.remove(&name)?;
            Ok(commit)
        }
        Outcome::Conflict(conflicting) => {
            let entry = journal.set_aside(&name)?;
            Err(Error::Conflict {
                stores: conflicting,
                entry,
            })
        }
    }
}

/// Checks that every step's store exists and holds its expected or new bytes.
/// Returns whether all already hold the new bytes.
fn verify(stores: &dyn Stores, tx: &Transaction) -> Result<bool, Error> {
    let mut all_new = true;
    for step in &tx.steps {
        let Some(store) = stores.open(&step.store) else {
            return Err(bad(format!(
                "{} does not exist on this platform",
                step.store
            )));
        };
        let now = store.read()?;
        if holds(now.as_ref(), step.new.as_ref()) {
            continue;
        }
        if !holds(now.as_ref(), step.expected.as_ref()) {
            return Err(Error::Changed {
                store: step.store.clone(),
            });
        }
        all_new = false;
    }
    Ok(all_new)
}

fn bad(reason: String) -> Error {
    Error::BadTransaction { reason }
}
