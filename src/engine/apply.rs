//! Rolling a journaled entry forward: the one place stores are written.
//!
//! Owns each store kind's compare-and-swap (see `step`), shared by a live commit and
//! by replay. Our stores are compared by bytes; Claude Code's by the login they hold,
//! under its refresh locks (taken through [`PlaceLocks`] before its storage-write
//! lock, checked again right before the write) and its storage-write lock (the
//! store's write guard), with the change spliced into the bytes read under that lock.
//! Every step that can apply is applied: a Claude Code store holding another login is
//! left as it is ([`Left`]), and so is a catalog someone else changed (it holds no
//! token); only our archive holding a third value is a conflict, which the caller
//! answers by setting the entry aside. It never touches the journal.
//!
//! ```text
//! for each step in write order:
//!   ours:   read ─ holds new ──────> unchanged
//!                ─ holds expected ─> write / delete ─> written
//!                ─ else ───────────> archive: conflict; catalog: left
//!   Claude: refresh locks ─ write guard ─ read the stored refresh token
//!                ─ expected ─> splice the change into the bytes read ─> locks ours? ─> write
//!                ─ the new one ─> unchanged
//!                ─ another / unreadable / no such store here ─> left
//!   crash point applied:<kind>
//! ```

use super::entry::Entry;
use super::step::{Change, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step};
use super::transaction::Commit;
use crate::crash::{self, Point};
use crate::creds::{self, Credentials, Refreshed};
use crate::redact::Secret;
use crate::sha256::ct_eq;
use crate::store::{Blob, Place, Store, StoreId, Stores};
use crate::Error;

/// Claude Code's refresh locks, by place: every write of its stores holds them.
pub trait PlaceLocks {
    /// Holds the refresh locks of `place`, taking them when they are not held yet.
    /// Called before the store's own write lock is taken (Claude Code's lock order).
    fn hold(&mut self, place: &Place) -> Result<(), Error>;

    /// Checks, right before a write, that the refresh locks of `place` are still ours
    /// (a waiter may take over a lock it found stale).
    fn ensure_held(&self, place: &Place) -> Result<(), Error>;
}

/// A store a step left as it was, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub store: StoreId,
    /// Where, for Claude Code's stores.
    pub place: Option<Place>,
    pub why: Why,
}

/// Why a step left its store as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It holds another login (Claude Code refreshed first, or someone logged in
    /// again); the account's email when the blob names one.
    AnotherLogin { email: Option<String> },
    /// Its bytes are not a blob anyone can read without guessing.
    Unreadable,
    /// It does not exist on this machine (a Keychain item off macOS).
    Missing,
    /// It holds the expected login, but the change cannot be spliced into it.
    CannotSplice,
    /// The catalog holds bytes we did not write (a hand edit, another tool).
    CatalogChanged,
}

/// What rolling an entry forward did.
#[derive(Debug, Default)]
pub struct Rolled {
    pub commit: Commit,
    /// Our archives holding a third value: the entry must be set aside.
    pub conflicts: Vec<StoreId>,
}

/// Brings every store of `entry` (steps in write order) to its new content where its
/// rule allows (module docs). A read or write error stops at once and is returned.
pub fn roll_forward(
    stores: &dyn Stores,
    entry: &Entry,
    locks: &mut dyn PlaceLocks,
) -> Result<Rolled, Error> {
    let (rolled, stopped) = roll_forward_until(stores, entry, locks);
    match stopped {
        Some(err) => Err(err),
        None => Ok(rolled),
    }
}

/// [`roll_forward`], also saying what was done before an error stopped it.
pub fn roll_forward_until(
    stores: &dyn Stores,
    entry: &Entry,
    locks: &mut dyn PlaceLocks,
) -> (Rolled, Option<Error>) {
    let here = stores.place();
    let grant = entry.grant.as_ref();
    let sent = sent_token(entry);
    let mut rolled = Rolled::default();
    for step in &entry.steps {
        let done = match step {
            Step::Ours(ours) => our_step(stores, ours, grant),
            Step::Claude(step) => {
                let place = step.place.clone().unwrap_or_else(|| here.clone());
                let grant = Granted {
                    grant,
                    sent: sent.as_ref(),
                };
                claude_step(stores, step, &place, grant, locks)
            }
        };
        match done {
            Ok(done) => record(&mut rolled, step.store(), done),
            Err(err) => return (rolled, Some(err)),
        }
        crash::point(applied(step.store()));
    }
    (rolled, None)
}

/// The refresh token a refresh sent: the one in the expected login of its archive's
/// grant step.
fn sent_token(entry: &Entry) -> Option<Secret> {
    entry.steps.iter().find_map(|step| match step {
        Step::Ours(OurStep {
            expected: Some(expected),
            new: OurNew::Grant,
            ..
        }) => creds::stored_refresh_token(expected.as_bytes()).ok(),
        _ => None,
    })
}

/// A refresh's answer, and the token it was the answer to.
#[derive(Clone, Copy)]
struct Granted<'e> {
    grant: Option<&'e Grant>,
    sent: Option<&'e Secret>,
}

/// How one step ended.
enum Done {
    Written,
    Unchanged,
    Left(Option<Place>, Why),
    Conflict,
}

fn record(rolled: &mut Rolled, store: &StoreId, done: Done) {
    let store = store.clone();
    match done {
        Done::Written => rolled.commit.written.push(store),
        Done::Unchanged => rolled.commit.unchanged.push(store),
        Done::Left(place, why) => rolled.commit.left.push(Left { store, place, why }),
        Done::Conflict => rolled.conflicts.push(store),
    }
}

/// A compare-and-swap by bytes on one of our stores.
fn our_step(stores: &dyn Stores, step: &OurStep, grant: Option<&Grant>) -> Result<Done, Error> {
    let Some(store) = stores.open(&step.store) else {
        return Ok(Done::Conflict);
    };
    let new = match &step.new {
        OurNew::Bytes(new) => new.clone(),
        OurNew::Grant => match granted(step.expected.as_ref(), grant) {
            Some(new) => Some(new),
            // An answer that cannot be spliced stays in the entry, set aside.
            None => return Ok(Done::Conflict),
        },
    };
    let _guard = store.write_guard()?;
    let now = store.read()?;
    if holds(now.as_ref(), new.as_ref()) {
        return Ok(Done::Unchanged);
    }
    if !holds(now.as_ref(), step.expected.as_ref()) {
        return Ok(match step.store {
            StoreId::Catalog => Done::Left(None, Why::CatalogChanged),
            _ => Done::Conflict,
        });
    }
    put(store.as_ref(), new.as_ref())?;
    Ok(Done::Written)
}

/// `expected` (a login) with `grant` spliced in.
fn granted(expected: Option<&Blob>, grant: Option<&Grant>) -> Option<Blob> {
    let login = Credentials::parse(expected?.as_bytes()).ok()?;
    let grant = grant?;
    let refreshed = Refreshed::from_grant(&grant.tokens, grant.received_at_ms);
    login.with_refreshed_tokens(&refreshed).ok().map(Blob::new)
}

/// A step on Claude Code's store at `place`, under its refresh locks and its own
/// write lock.
fn claude_step(
    stores: &dyn Stores,
    step: &ClaudeStep,
    place: &Place,
    granted: Granted<'_>,
    locks: &mut dyn PlaceLocks,
) -> Result<Done, Error> {
    let grant = granted.grant;
    let left = |why| Ok(Done::Left(Some(place.clone()), why));
    let Some(store) = stores.open_at(&step.store, place) else {
        return left(Why::Missing);
    };
    locks.hold(place)?;
    let guard = store.write_guard()?;
    let now = store.read()?;
    let new = match &step.rule {
        ClaudeRule::Bytes { expected, new } => {
            if holds(now.as_ref(), new.as_ref()) {
                return Ok(Done::Unchanged);
            }
            if !holds(now.as_ref(), expected.as_ref()) {
                return left(another(now.as_ref()));
            }
            new.clone()
        }
        ClaudeRule::Login { expected, change } => {
            let Some(current) = stored_token(now.as_ref()) else {
                return left(Why::Unreadable);
            };
            if current != *expected {
                let done = target(change, expected, grant).is_some_and(|t| t == current);
                return if done {
                    Ok(Done::Unchanged)
                } else {
                    left(another(now.as_ref()))
                };
            }
            // An answer that kept the old refresh token fits only the store holding the
            // token it answered; a stale copy would get a new access token beside a
            // spent refresh token.
            let kept_old = grant.is_some_and(|g| g.tokens.refresh_token.is_none());
            if *change == Change::Grant && kept_old && granted.sent != Some(expected) {
                return left(Why::CannotSplice);
            }
            match changed(now.as_ref(), change, grant) {
                Spliced::Into(new) if holds(now.as_ref(), new.as_ref()) => {
                    return Ok(Done::Unchanged)
                }
                Spliced::Into(new) => new,
                Spliced::Cannot => return left(Why::CannotSplice),
            }
        }
    };
    locks.ensure_held(place)?;
    if let Some(guard) = &guard {
        guard.ensure_held()?;
    }
    put(store.as_ref(), new.as_ref())?;
    Ok(Done::Written)
}

/// The refresh token a Claude Code store holds ("" for none, or no store); `None`
/// when its bytes cannot be read.
fn stored_token(now: Option<&Blob>) -> Option<Secret> {
    match now {
        None => Some(Secret::from("")),
        Some(blob) => creds::stored_refresh_token(blob.as_bytes()).ok(),
    }
}

/// The refresh token the store holds once `change` is done (`None`: not known, as
/// for a grant missing from the entry).
fn target(change: &Change, expected: &Secret, grant: Option<&Grant>) -> Option<Secret> {
    match change {
        Change::Grant => {
            let sent = grant?.tokens.refresh_token.clone();
            Some(sent.unwrap_or_else(|| expected.clone()))
        }
        Change::Swap(login) | Change::Replace(login) => {
            creds::stored_refresh_token(login.as_bytes()).ok()
        }
        Change::SignOut => Some(Secret::from("")),
    }
}

/// A change spliced into a store's content.
enum Spliced {
    /// The new content (`None`: the store goes).
    Into(Option<Blob>),
    /// The change cannot be spliced into it.
    Cannot,
}

/// The store's new content: `change` spliced into `now`.
fn changed(now: Option<&Blob>, change: &Change, grant: Option<&Grant>) -> Spliced {
    let new = match (change, now) {
        (Change::Grant, now) => now.and_then(|now| granted(Some(now), grant)),
        (Change::Swap(login), None) | (Change::Replace(login), _) => Some(login.clone()),
        (Change::Swap(login), Some(now)) => creds::swap_account(now.as_bytes(), login.as_bytes())
            .ok()
            .map(Blob::new),
        (Change::SignOut, None) => return Spliced::Into(None),
        (Change::SignOut, Some(now)) => {
            return match creds::sign_out(now.as_bytes()) {
                Ok(rest) => Spliced::Into(rest.map(Blob::new)),
                Err(_) => Spliced::Cannot,
            }
        }
    };
    match new {
        Some(new) => Spliced::Into(Some(new)),
        None => Spliced::Cannot,
    }
}

/// Why a store holding `now` is not ours to write.
fn another(now: Option<&Blob>) -> Why {
    let email = now
        .and_then(|b| Credentials::parse(b.as_bytes()).ok())
        .and_then(|login| login.identity().email.clone());
    Why::AnotherLogin { email }
}

fn put(store: &dyn Store, new: Option<&Blob>) -> Result<(), Error> {
    match new {
        Some(bytes) => store.write(bytes.as_bytes()),
        None => store.delete(),
    }
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
