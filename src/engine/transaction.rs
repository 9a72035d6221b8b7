//! Transactions: a list of steps over stores, and committing one.
//!
//! Owns building a [`Transaction`] (steps kept in write order, no two for one store,
//! steps that change nothing dropped, each store's kind given the step kind it
//! takes: see `step`) and [`commit`]: verify our stores, journal, apply, clear. It
//! never writes a store before the journal entry holding the change is durable.
//!
//! ```text
//! commit: verify our stores ── one holds neither expected nor new ─> Changed
//!   │                       └─ nothing left to do ─> done, nothing journaled
//!   journal entry (durable) ─ crash point journal-written
//!   apply in StoreId order (apply.rs) ─ our archive holds a third value
//!   │                                   ─> the rest applied, entry to attention/, Conflict
//!   remove entry, flush directory ─ crash point journal-removed ─> Commit
//! ```

use std::collections::BTreeSet;

use super::apply::{holds, roll_forward, roll_forward_until, Left, PlaceLocks};
use super::entry::is_op_name;
use super::journal::{Journal, Pending};
use super::step::{is_claudes, Change, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step};
use crate::redact::Secret;
use crate::store::{Blob, StoreId, Stores};
use crate::Error;

/// What a command wants to change, all or nothing as far as a crash is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    op: &'static str,
    /// Strictly increasing by store: the write order.
    steps: Vec<Step>,
    /// Every store named so far, including by steps that were dropped.
    named: BTreeSet<StoreId>,
    grant: Option<Grant>,
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
            grant: None,
        })
    }

    /// Adds the step on our store `store` (an archive or the catalog): `expected` ->
    /// `new` by bytes. A step with `expected == new` changes nothing and is dropped.
    pub fn step(
        self,
        store: StoreId,
        expected: Option<Blob>,
        new: Option<Blob>,
    ) -> Result<Self, Error> {
        if is_claudes(&store) {
            return Err(bad(format!("{store} takes a login step, not a bytes step")));
        }
        let new = OurNew::Bytes(new);
        self.add(Step::Ours(OurStep {
            store,
            expected,
            new,
        }))
    }

    /// Adds the archive step of a refresh: `expected` with the transaction's grant
    /// spliced in (see [`Transaction::with_grant`]).
    pub fn grant_step(self, store: StoreId, expected: Blob) -> Result<Self, Error> {
        if !matches!(store, StoreId::Archive(_)) {
            return Err(bad(format!("{store} cannot take a grant step")));
        }
        let expected = Some(expected);
        let new = OurNew::Grant;
        self.add(Step::Ours(OurStep {
            store,
            expected,
            new,
        }))
    }

    /// Adds a step on Claude Code's store `store` in this environment's place,
    /// decided by the login it holds: it applies when its refresh token is `expected`
    /// ("" for none).
    pub fn claude(self, store: StoreId, expected: Secret, change: Change) -> Result<Self, Error> {
        if !is_claudes(&store) {
            return Err(bad(format!("{store} is not one of Claude Code's stores")));
        }
        let rule = ClaudeRule::Login { expected, change };
        let place = None;
        self.add(Step::Claude(ClaudeStep { store, place, rule }))
    }

    /// The refresh answer the grant steps splice in.
    #[must_use]
    pub fn with_grant(mut self, grant: Grant) -> Self {
        self.grant = Some(grant);
        self
    }

    fn add(mut self, step: Step) -> Result<Self, Error> {
        let store = step.store().clone();
        if !self.named.insert(store.clone()) {
            return Err(bad(format!("two steps for {store}")));
        }
        if !step.is_noop() {
            let at = self.steps.partition_point(|s| *s.store() < store);
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

    pub fn grant(&self) -> Option<&Grant> {
        self.grant.as_ref()
    }

    /// Whether it has a grant for every step that needs one (and one only then).
    pub(super) fn grant_fits(&self) -> bool {
        self.steps.iter().any(Step::uses_grant) == self.grant.is_some()
    }

    pub(super) fn into_parts(self) -> (Vec<Step>, Option<Grant>) {
        (self.steps, self.grant)
    }
}

/// What a successful commit or replayed entry did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    /// Stores written or deleted, in write order.
    pub written: Vec<StoreId>,
    /// Stores that already held the new bytes or login.
    pub unchanged: Vec<StoreId>,
    /// Stores left as they were: Claude Code's stores holding another login (or
    /// missing here), and a catalog someone else changed.
    pub left: Vec<Left>,
}

/// Commits `tx`, holding Claude Code's refresh locks through `locks` for every write
/// of its stores: checks that each of our stores still holds the expected (or
/// already the new) bytes, journals the change, applies the steps in write order, and
/// removes the journal entry.
///
/// - One of our stores holding something else at the check: [`Error::Changed`];
///   nothing was journaled or written.
/// - A step for a store this platform does not have: [`Error::BadTransaction`].
/// - Nothing left to do (our stores hold the new bytes, there is no step on Claude
///   Code's stores): `Ok`, nothing journaled.
/// - A store that fails to write: [`Error::Unfinished`] with that error; the journal
///   entry stays, and the next replay rolls it forward.
/// - Our archive changed by someone else after the check ([`Error::Conflict`]): every
///   other step is applied and the entry is moved to `journal/attention/`.
pub fn commit(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    tx: Transaction,
    locks: &mut dyn PlaceLocks,
) -> Result<Commit, Error> {
    if !tx.grant_fits() {
        return Err(bad(
            "a grant step without a grant, or a grant without one".into()
        ));
    }
    if verify(stores, &tx)? {
        let unchanged = tx.steps.iter().map(|s| s.store().clone()).collect();
        return Ok(Commit {
            unchanged,
            ..Commit::default()
        });
    }
    check_room(stores, &tx)?;
    let pending = journal.write(tx, &stores.place())?;
    apply(journal, stores, pending, locks)
}

/// How much a grant may grow a login: the answer's tokens replace the old ones. Real
/// tokens are about a hundred bytes; this leaves room for tokens far longer.
pub const GRANT_ROOM: usize = 16 * 1024;

/// Checks, before anything is journaled, written or sent, that every store the
/// transaction writes could take what it will write there (a Keychain item takes at
/// most so many bytes through `security`): the new bytes of our steps, or the
/// expected login plus [`GRANT_ROOM`] for a grant; for Claude Code's stores, what the
/// store holds now plus what the change brings. A store that cannot take it fails
/// here, so a refresh is refused before its token is spent.
pub fn check_room(stores: &dyn Stores, tx: &Transaction) -> Result<(), Error> {
    for step in &tx.steps {
        let store = match step {
            Step::Claude(ClaudeStep {
                store,
                place: Some(place),
                ..
            }) => stores.open_at(store, place),
            _ => stores.open(step.store()),
        };
        let Some(store) = store.filter(|s| s.limits_size()) else {
            continue;
        };
        // In the store's own measure (Claude Code's item escapes its JSON).
        let size_of = |blob: Option<&Blob>| blob.map_or(0, |b| store.stored_len(b.as_bytes()));
        let len = match step {
            Step::Ours(OurStep { new, expected, .. }) => match new {
                OurNew::Bytes(new) => size_of(new.as_ref()),
                OurNew::Grant => size_of(expected.as_ref()) + GRANT_ROOM,
            },
            Step::Claude(ClaudeStep { rule, .. }) => {
                let brought = match rule {
                    ClaudeRule::Login { change, .. } => match change {
                        Change::Grant => GRANT_ROOM,
                        Change::Swap(blob) | Change::Replace(blob) => size_of(Some(blob)),
                        Change::SignOut => 0,
                    },
                    ClaudeRule::Bytes { new, .. } => size_of(new.as_ref()),
                };
                size_of(store.read()?.as_ref()) + brought
            }
        };
        store.check_room(len)?;
    }
    Ok(())
}

/// Applies a journaled entry (from [`Journal::write`] or a reservation) and removes
/// it: the second half of [`commit`], for callers that must journal before they can
/// verify (a refresh journals the server's answer at once). The same rules.
pub fn apply(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    pending: Pending,
    locks: &mut dyn PlaceLocks,
) -> Result<Commit, Error> {
    let (name, entry) = pending.into_parts();
    let rolled = roll_forward(stores, &entry, locks).map_err(|source| Error::Unfinished {
        source: Box::new(source),
        entry: journal.dir().join(&name),
    })?;
    if rolled.conflicts.is_empty() {
        journal.remove(&name)?;
        return Ok(rolled.commit);
    }
    let entry = journal.set_aside(&name)?;
    Err(Error::Conflict {
        stores: rolled.conflicts,
        entry,
    })
}

/// Applies `tx` without a journal entry: only when the entry could not be written
/// after a refresh the server already answered, so that its new tokens reach every
/// store that takes them rather than none. The same rules as [`apply`]. Returns what
/// was done, and what stopped it (an error, or an archive holding a third value)
/// when something did.
pub fn apply_unjournaled(
    stores: &dyn Stores,
    tx: Transaction,
    locks: &mut dyn PlaceLocks,
) -> (Commit, Option<Error>) {
    let entry = super::entry::Entry::unjournaled(tx, &stores.place());
    let (rolled, stopped) = roll_forward_until(stores, &entry, locks);
    let stopped = stopped.or_else(|| {
        let store = rolled.conflicts.first()?.clone();
        Some(Error::Changed { store })
    });
    (rolled.commit, stopped)
}

/// Checks that every step's store exists and that each of ours holds its expected
/// or new bytes. Returns whether nothing is left to do.
fn verify(stores: &dyn Stores, tx: &Transaction) -> Result<bool, Error> {
    let mut done = true;
    for step in &tx.steps {
        let Some(store) = stores.open(step.store()) else {
            return Err(bad(format!(
                "{} does not exist on this platform",
                step.store()
            )));
        };
        let Step::Ours(ours) = step else {
            done = false;
            continue;
        };
        let now = store.read()?;
        let new = match &ours.new {
            OurNew::Bytes(new) => new.as_ref(),
            OurNew::Grant => None,
        };
        if matches!(ours.new, OurNew::Bytes(_)) && holds(now.as_ref(), new) {
            continue;
        }
        if !holds(now.as_ref(), ours.expected.as_ref()) {
            return Err(Error::Changed {
                store: ours.store.clone(),
            });
        }
        done = false;
    }
    Ok(done)
}

fn bad(reason: String) -> Error {
    Error::BadTransaction { reason }
}
