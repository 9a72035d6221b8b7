//! `use`: make a slot Claude Code's login, in one transaction.
//!
//! ```text
//! Claude Code's refresh locks of this place, held throughout
//! live login ─ a husk or absent ───────────────> nothing to archive
//!            ─ slot S's (lineage, place record) ─> archive:S = live (unless older)
//!            ─ the target's ────────────────────> "already active"
//!            ─ an account without a slot ───────> refused: it would be lost
//! target ─ refused token ─> refused (exit 3)
//!        ─ expires within 5 min ─> refresh it first (its own transaction)
//! every live store: the target's account-bound members spliced into what it holds
//!   when the step runs (decided by the login it holds then)
//! catalog: active = target, this place's record = target
//! ```
//!
//! The whole switch runs under Claude Code's refresh locks (the live login is read,
//! archived and replaced under them; a target refreshed first is not live, so that
//! refresh needs no lock of its own), and every write of Claude Code's stores under
//! its storage-write lock (the stores' write guard).
//!
//! Machine members of each live store (`mcpOAuth`, `pluginSecrets`, unknown keys) stay
//! byte for byte; the account-bound members come from the target's archive. It never
//! prints and never deletes a login.

use crate::cli::{SlotName, SlotRef};
use crate::creds::{self, Credentials};
use crate::engine::{Change, Left, Transaction};
use crate::oauth;
use crate::redact::Secret;
use crate::store::{Blob, Place, StoreId};
use crate::Error;

use super::claude_json;
use super::identity::{self, Owner};
use super::lineage;
use super::live::Live;
use super::refresh::{self, Outcome};
use super::{origin, read_archive, Session, SlotSummary};

/// A target whose access token expires within this many milliseconds (5 min) is
/// refreshed before the switch.
pub const USE_MARGIN_MS: i64 = 5 * 60 * 1000;

/// What `use` did.
#[derive(Debug)]
pub struct Switched {
    pub slot: SlotSummary,
    /// The catalog's active slot before.
    pub previous: Option<SlotName>,
    /// The target was already Claude Code's login; only the catalog may have changed.
    pub already: bool,
    /// The target was refreshed first.
    pub refreshed: bool,
    /// The slot the live login was archived into.
    pub archived: Option<SlotName>,
    /// The refresh before the switch failed for a reason that may pass; the login was
    /// switched anyway and Claude Code will refresh it itself.
    pub refresh_failed: Option<Error>,
    /// `oauthAccount` in Claude Code's settings file could not be set to the target's
    /// (the switch itself is done).
    pub account_not_shown: Option<Error>,
    /// Claude Code's stores that took another login while we switched (left as they
    /// were).
    pub left: Vec<Left>,
}

/// The live login and whose it is.
struct LiveLogin {
    blob: Blob,
    login: Credentials,
    owner: SlotName,
}

/// Switches Claude Code to slot `slot`.
pub fn run(
    session: &mut Session<'_>,
    client: &oauth::Client,
    slot: &SlotRef,
) -> Result<Switched, Error> {
    let target = session.catalog().find(slot)?.name.clone();
    let previous = session.catalog().active.clone();
    let place = session.place();
    // Claude Code's refresh locks from before the live login is read until it is
    // replaced: a refresh of its own in flight lands first (and is archived below),
    // and none starts on a login we are about to swap out.
    session.with_place_locks(&place, |session| {
        // Named again now that its directory exists (taking the locks creates it):
        // records name a place as every later run resolves it.
        let place = session.place();
        switch(session, client, &target, previous, &place)
    })
}

fn switch(
    session: &mut Session<'_>,
    client: &oauth::Client,
    target: &SlotName,
    previous: Option<SlotName>,
    place: &Place,
) -> Result<Switched, Error> {
    let live = Live::read(session.stores())?;
    let mut current = live_login(session, client, &live, place)?;
    if let Some(live_login) = current.as_ref().filter(|c| c.owner == *target) {
        if !is_spent_copy(session, target, live_login, place)? {
            return already(session, live_login, previous, place);
        }
        // Claude Code holds an older copy of the target's login, one we put or saw
        // here and its archive has since rotated: its token is spent, so the stores
        // get the archive's login, and the copy is not archived.
        current = None;
    }
    let ready = ready_target(session, client, target)?;
    let mut tx = Transaction::new("use")?;
    let mut archived = None;
    if let Some(current) = &current {
        let (next, step) = archive_step(session, tx, current)?;
        tx = next;
        archived = step.then(|| current.owner.clone());
    }
    for (id, content) in live.targets() {
        tx = tx.claude(
            id.clone(),
            held_token(&id, content)?,
            Change::Swap(ready.blob.clone()),
        )?;
    }
    let mut catalog = session.catalog_file().set_active(Some(target))?;
    if let Some(record) = lineage::place_record(place, target, ready.login.refresh_token()) {
        catalog = catalog.set_place(record)?;
    }
    if let (Some(current), Some(_)) = (&current, &archived) {
        catalog = lineage::revived(catalog, &current.owner, &current.login)?;
    }
    let tx = session.catalog_step(tx, &catalog)?;
    let commit = session.commit(tx, Some(catalog))?;
    Ok(Switched {
        slot: summary(session, target),
        previous,
        already: false,
        refreshed: ready.refreshed,
        archived,
        refresh_failed: ready.refresh_failed,
        account_not_shown: show_account(session, target).err(),
        left: commit.left,
    })
}

/// The refresh token a live store holds now: the login its step expects. Bytes that
/// cannot be read are refused before anything is written.
fn held_token(id: &StoreId, content: Option<&Blob>) -> Result<Secret, Error> {
    let Some(blob) = content else {
        return Ok(Secret::from(""));
    };
    creds::stored_refresh_token(blob.as_bytes()).map_err(|source| Error::Creds {
        origin: origin(id),
        source,
    })
}

/// The live login when there is a good one, with its owner; a husk or nothing is
/// `None`. An account without a slot, or one that cannot be told, is refused.
fn live_login(
    session: &Session<'_>,
    client: &oauth::Client,
    live: &Live,
    place: &Place,
) -> Result<Option<LiveLogin>, Error> {
    let Some((id, blob)) = live.primary() else {
        return Ok(None);
    };
    let login = match Credentials::parse(blob.as_bytes()) {
        Ok(login) => login,
        Err(err) if err.is_husk() => return Ok(None),
        Err(source) => {
            return Err(Error::Creds {
                origin: origin(&id),
                source,
            })
        }
    };
    let recorded = lineage::recorded_slot(session.catalog(), place);
    match identity::identify(session, Some(client), &login)?.prefer(recorded.as_ref()) {
        Owner::Slot(owner) => Ok(Some(LiveLogin {
            blob: blob.clone(),
            login,
            owner,
        })),
        Owner::Several(slots) => Err(Error::AmbiguousLogin {
            email: login.identity().email.clone(),
            slots,
        }),
        Owner::Unknown { email } => Err(Error::UnknownLogin { email }),
        Owner::Undetermined { refused } => Err(Error::UnidentifiedLogin {
            origin: origin(&id),
            refused,
        }),
    }
}

/// Whether the live login of `target` is an older copy of it whose token is spent:
/// another refresh token than the archive's, the archive's login the newer, and the
/// place's record says that very token was ours here (we wrote or saw it, and the
/// archive's chain has moved on from it). An older login we never saw there (a
/// `/login` behind our back) may be a lineage of its own, still valid: it is kept.
fn is_spent_copy(
    session: &Session<'_>,
    target: &SlotName,
    live: &LiveLogin,
    place: &Place,
) -> Result<bool, Error> {
    let (_, archived) = read_archive(session, target)?;
    let token = live.login.refresh_token();
    let older = archived.refresh_token() != token && !identity::supersedes(&live.login, &archived);
    Ok(older && lineage::seen_here(session.catalog(), place, target, token))
}

/// Adds `archive:<owner> = live` to `tx` unless the archive holds a newer login of
/// the account; says whether it did.
fn archive_step(
    session: &Session<'_>,
    tx: Transaction,
    current: &LiveLogin,
) -> Result<(Transaction, bool), Error> {
    let id = StoreId::Archive(current.owner.clone());
    let archived = session.read(&id)?;
    let older = archived
        .as_ref()
        .and_then(|blob| Credentials::parse(blob.as_bytes()).ok())
        .is_some_and(|a| !identity::supersedes(&current.login, &a));
    let same = archived.as_ref() == Some(&current.blob);
    if older || same {
        return Ok((tx, false));
    }
    let tx = tx.step(id, archived, Some(current.blob.clone()))?;
    Ok((tx, true))
}

/// The live login is already the target's: make the catalog say so and archive the
/// live bytes; when the catalog already says so, change nothing.
fn already(
    session: &mut Session<'_>,
    current: &LiveLogin,
    previous: Option<SlotName>,
    place: &Place,
) -> Result<Switched, Error> {
    let target = current.owner.clone();
    let mut archived = None;
    // The place's content says it holds `target`; a record naming another slot is
    // rewritten. Without a record (a catalog from before records) nothing is written
    // when the catalog already names `target` active: the next refresh that sees the
    // place holding its token records it.
    let recorded = lineage::place_slot(session.catalog(), place).as_ref() == Some(&target);
    if previous.as_ref() != Some(&target) || !recorded {
        let (tx, step) = archive_step(session, Transaction::new("use")?, current)?;
        archived = step.then(|| target.clone());
        // `seen` vouches for the token only when it is ours: archived now, or the
        // archive's own. An older login kept as it is (never seen here) is not.
        let (_, archive) = read_archive(session, &target)?;
        let token = current.login.refresh_token();
        let record = if step || archive.refresh_token() == token {
            lineage::place_record(place, &target, token)
        } else {
            lineage::place_record_unseen(place, &target)
        };
        let mut catalog = session.catalog_file().set_active(Some(&target))?;
        if let Some(record) = record {
            catalog = catalog.set_place(record)?;
        }
        if step {
            catalog = lineage::revived(catalog, &target, &current.login)?;
        }
        let tx = session.catalog_step(tx, &catalog)?;
        session.commit(tx, Some(catalog))?;
    }
    Ok(Switched {
        slot: summary(session, &target),
        previous,
        already: true,
        refreshed: false,
        archived,
        refresh_failed: None,
        account_not_shown: None,
        left: Vec::new(),
    })
}

/// The target's login, refreshed first when it expires within [`USE_MARGIN_MS`].
struct Ready {
    blob: Blob,
    login: Credentials,
    refreshed: bool,
    refresh_failed: Option<Error>,
}

fn ready_target(
    session: &mut Session<'_>,
    client: &oauth::Client,
    target: &SlotName,
) -> Result<Ready, Error> {
    let (blob, login) = read_archive(session, target)?;
    if let Some(slot) = session.catalog().get(target) {
        if let Some(since_ms) = lineage::dead_since(slot, &login, &login) {
            return Err(Error::DeadLogin {
                slot: target.clone(),
                since_ms,
            });
        }
    }
    // Claude Code would send the archive's token: never one older than a login of
    // the slot we hold aside.
    if let Some(entry) = lineage::held_aside(session, target, &login)? {
        return Err(Error::HeldAside {
            slot: target.clone(),
            entry,
        });
    }
    if login.expires_at_ms().saturating_sub(session.now()) >= USE_MARGIN_MS {
        return Ok(Ready {
            blob,
            login,
            refreshed: false,
            refresh_failed: None,
        });
    }
    let options = refresh::Options {
        force: true,
        live: false,
    };
    let (refreshed, refresh_failed) = match refresh::slot(session, client, target, options) {
        Ok(Outcome::Refreshed { .. }) => (true, None),
        Ok(dead @ (Outcome::LoginDead { .. } | Outcome::KnownDead { .. })) => {
            return Err(dead.dead_error(target).expect("a dead login has an error"))
        }
        Ok(Outcome::Fresh { .. }) => (false, None),
        Err(err) if err.exit_code() == crate::error::exit::UNAVAILABLE => (false, Some(err)),
        Err(err) => return Err(err),
    };
    let (blob, login) = read_archive(session, target)?;
    Ok(Ready {
        blob,
        login,
        refreshed,
        refresh_failed,
    })
}

/// Puts the target's recorded `oauthAccount` into Claude Code's settings file, when
/// both exist (see `claude_json`); after the transaction, under `.claude.json.lock`
/// (the last lock of the order, taken while the refresh locks are still held).
fn show_account(session: &Session<'_>, target: &SlotName) -> Result<bool, Error> {
    let slot = session.catalog().get(target);
    let Some(text) = slot.and_then(|s| s.oauth_account.as_deref()) else {
        return Ok(false);
    };
    let options = session.lock_timings().claude_json;
    claude_json::replace_oauth_account(&session.paths().claude_json, text, &options)
}

fn summary(session: &Session<'_>, name: &SlotName) -> SlotSummary {
    let catalog = session.catalog();
    let slot = catalog.get(name).expect("the slot is in the catalog");
    SlotSummary::of(catalog, slot)
}
