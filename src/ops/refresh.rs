//! `refresh`: trade a slot's refresh token for new tokens before the access token
//! expires, and store them so that no crash, full disk or concurrent Claude Code
//! loses them.
//!
//! ```text
//! finish any journal entry; read archive S; read this place (no lock)
//! S's login in this place? ─ yes: Claude Code's refresh locks (busy ─> Err, exit 5),
//!                              read it again; a newer login of S there ─> adopt it
//!                              (archived first, its own transaction)
//! the token to send was refused before ─> KnownDead (nothing sent)
//! an entry set aside holds a newer login of S ─> Err (exit 6, nothing sent)
//! fresh (>= the margin left: 7 h; 5 min for exec) and not forced ─> Fresh
//! reserve the journal entry (full disk ─> Err, nothing sent)
//! POST token ─ invalid_grant ─> catalog: refused token's fingerprint ─> LoginDead
//!            ─ other error ───> Err (nothing written)
//!            ─ answer ─> journal it as received: archive:S (spliced), S's live
//!                        stores (decided by the login each holds, spliced into its
//!                        bytes of that moment), catalog ─> apply ─> Refreshed
//!                        journal write failed ─> the same steps without a journal,
//!                        and an error saying where the tokens went
//! ```
//!
//! Everything is read and checked before the request, and the journal entry is
//! reserved (a synced file of the largest size the answer can take), so after it only
//! the entry's bytes remain to be written: the new refresh token is durable as soon as
//! possible (the old one is dead once the server answered). It never sends a refresh
//! token it knows to be spent or refused. It never prints.

use crate::catalog::{CatalogFile, RefreshOutcome, TokenFingerprint};
use crate::cli::{RefreshTarget, SlotName};
use crate::creds::Credentials;
use crate::engine::{Change, Grant, Reserved, Transaction};
use crate::oauth::{self, ServerText};
use crate::store::{Blob, Place, StoreId};
use crate::Error;

use super::lineage::{self, Copy};
use super::live::Live;
use super::{read_archive, Session};

/// A slot is refreshed when fewer than this many milliseconds (7 h) remain.
pub const REFRESH_MARGIN_MS: i64 = 7 * 60 * 60 * 1000;

/// How one slot's refresh ended (an `Err` beside it is a failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// New tokens are stored. `adopted`: Claude Code had rotated the login on its own
    /// and its newer token was used. `complete`: the answer held a usable access
    /// token (else the login keeps the new refresh token and is refreshed again at
    /// its next use).
    Refreshed {
        expires_at_ms: i64,
        adopted: bool,
        complete: bool,
    },
    /// Enough time is left; nothing was sent.
    Fresh { expires_at_ms: i64, adopted: bool },
    /// The server refused the refresh token now: re-login needed. The catalog says so.
    LoginDead { status: u16, text: ServerText },
    /// The server refused this refresh token before (`since_ms`); it was not sent
    /// again.
    KnownDead { since_ms: i64 },
}

impl Outcome {
    /// The error a command reports for a dead login (exit 3).
    pub fn dead_error(&self, slot: &SlotName) -> Option<Error> {
        match self {
            Outcome::LoginDead { status, text } => Some(Error::OAuth(oauth::Error::LoginDead {
                status: *status,
                text: text.clone(),
            })),
            Outcome::KnownDead { since_ms } => Some(Error::DeadLogin {
                slot: slot.clone(),
                since_ms: *since_ms,
            }),
            _ => None,
        }
    }

    /// Whether the login is dead (now or before).
    pub fn is_dead(&self) -> bool {
        matches!(self, Outcome::LoginDead { .. } | Outcome::KnownDead { .. })
    }
}

/// One slot's result.
#[derive(Debug)]
pub struct SlotResult {
    pub slot: SlotName,
    pub outcome: Result<Outcome, Error>,
}

/// How to refresh one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Refresh even when the tokens are fresh.
    pub force: bool,
    /// Look for the slot's login in Claude Code's place: adopt its rotation and give
    /// its stores the new tokens. `false` refreshes the archive only (`use` before
    /// switching to a slot that is not live).
    pub live: bool,
}

/// Refreshes the slots `target` names. Which slots: an unknown slot or no active slot
/// is an error; otherwise each slot's result, in catalog order, going on past
/// failures.
pub fn run(
    session: &mut Session<'_>,
    client: &oauth::Client,
    target: &RefreshTarget,
    force: bool,
) -> Result<Vec<SlotResult>, Error> {
    let names = targets(session, target)?;
    let options = Options { force, live: true };
    let mut results = Vec::with_capacity(names.len());
    for name in names {
        let outcome = slot(session, client, &name, options);
        results.push(SlotResult {
            slot: name,
            outcome,
        });
    }
    Ok(results)
}

fn targets(session: &Session<'_>, target: &RefreshTarget) -> Result<Vec<SlotName>, Error> {
    let catalog = session.catalog();
    match target {
        RefreshTarget::All => Ok(catalog.slots.iter().map(|s| s.name.clone()).collect()),
        RefreshTarget::One(slot) => Ok(vec![catalog.find(slot)?.name.clone()]),
        RefreshTarget::Active => match catalog.active_slot() {
            Some(slot) => Ok(vec![slot.name.clone()]),
            None => Err(Error::Usage {
                message: "no active slot; name one or use --all".into(),
                hint: Some("claude-token refresh <NAME|#N>, or claude-token refresh --all".into()),
            }),
        },
    }
}

/// Refreshes slot `name` (see the module docs) when fewer than [`REFRESH_MARGIN_MS`]
/// remain or when forced.
pub fn slot(
    session: &mut Session<'_>,
    client: &oauth::Client,
    name: &SlotName,
    options: Options,
) -> Result<Outcome, Error> {
    slot_within(session, client, name, options, REFRESH_MARGIN_MS)
}

/// As [`slot`], refreshing when fewer than `margin_ms` remain (`exec` uses 5 minutes).
pub fn slot_within(
    session: &mut Session<'_>,
    client: &oauth::Client,
    name: &SlotName,
    options: Options,
    margin_ms: i64,
) -> Result<Outcome, Error> {
    // A failed step of an earlier slot may have left an entry: finish it first, and
    // never spend a refresh token while the journal cannot take the answer.
    session.settle()?;
    let (_, archived) = read_archive(session, name)?;
    let place = session.place();
    // Only we ever put our tokens into Claude Code's stores, and only under the state
    // lock this session holds, so a look without its locks tells whether they matter.
    let here = options.live && {
        let live = Live::read(session.stores())?;
        lineage::is_live_here(session, name, &live, &archived)?
    };
    let run = |session: &mut Session<'_>| {
        let place = here.then(|| session.place());
        refresh(
            session,
            client,
            name,
            place.as_ref(),
            options.force,
            margin_ms,
        )
    };
    if here {
        session.with_place_locks(&place, run)
    } else {
        run(session)
    }
}

/// The refresh itself, with Claude Code's refresh locks of `place` held when the slot
/// is live there.
fn refresh(
    session: &mut Session<'_>,
    client: &oauth::Client,
    name: &SlotName,
    place: Option<&Place>,
    force: bool,
    margin_ms: i64,
) -> Result<Outcome, Error> {
    let (mut archived_blob, archived) = read_archive(session, name)?;
    let live = match place {
        Some(_) => Some(Live::read(session.stores())?),
        None => None,
    };
    // One reading of the clock decides freshness, so a slot passed as fresh beside an
    // undecided login below is the one found fresh after.
    let now = session.now();
    let fresh =
        |login: &Credentials| !force && login.expires_at_ms().saturating_sub(now) >= margin_ms;
    let mut undecided = None;
    let adopted = match &live {
        Some(live) => match lineage::newer_live_login(session, client, name, live, &archived) {
            Ok(adopted) => adopted,
            // Whose the newer login there is cannot be decided: that stops only what
            // would send the archive's token. A fresh slot sends nothing and is left
            // as it is (nothing adopted).
            Err(err) if err.is_owner_undecided() && fresh(&archived) => {
                undecided = Some(err);
                None
            }
            Err(err) => return Err(err),
        },
        None => None,
    };
    let was_adopted = adopted.is_some();
    // A dead mark written before fingerprints were kept names the archive's token as
    // it was when this refresh began, not an adopted one.
    let slot = session.catalog().get(name).cloned();
    let slot = slot.ok_or_else(|| Error::NoSuchSlot {
        slot: name.to_string(),
    })?;
    if let Some(login) = &adopted {
        // The newer login is archived before anything is sent: from then on the
        // archive never holds a token older than the one in flight.
        archived_blob = archive_adopted(session, name, archived_blob, login)?;
    }
    let base = archived.clone();
    let current = adopted.unwrap_or(archived);
    if let Some(since_ms) = lineage::dead_since(&slot, &base, &current) {
        // The archive's login is dead, but the undecided login there may be the
        // slot's newer one: say that, not "log in again".
        return match undecided {
            Some(err) => Err(err),
            None => Ok(Outcome::KnownDead { since_ms }),
        };
    }
    if let Some(entry) = lineage::held_aside(session, name, &current)? {
        return Err(Error::HeldAside {
            slot: name.clone(),
            entry,
        });
    }
    let expires_at_ms = current.expires_at_ms();
    if fresh(&current) {
        return Ok(Outcome::Fresh {
            expires_at_ms,
            adopted: was_adopted,
        });
    }
    // Whether the place provably holds this slot's login (after an adoption, its
    // archive holds that very token): only then are its stale copies refreshed too,
    // and may the place be recorded as the slot's.
    let owned = match &live {
        Some(live) => lineage::holds(session, name, live)?,
        None => false,
    };
    let copies = match &live {
        Some(live) => lineage::copies(live, &current, owned),
        None => Vec::new(),
    };
    let plan = Plan {
        name,
        place: place.filter(|_| owned),
        locked: place,
        archived: archived_blob,
        current: &current,
        copies,
        adopted: was_adopted,
    };
    send(session, client, &plan)
}

/// What one refresh reads before it asks the server.
struct Plan<'p> {
    name: &'p SlotName,
    /// Claude Code's place, when it provably holds the slot's login (recorded as the
    /// slot's when it has no record).
    place: Option<&'p Place>,
    /// Claude Code's place, when its refresh locks are held.
    locked: Option<&'p Place>,
    archived: Blob,
    current: &'p Credentials,
    copies: Vec<Copy>,
    adopted: bool,
}

/// Reserves the journal, sends the refresh token and stores what comes back.
fn send(
    session: &mut Session<'_>,
    client: &oauth::Client,
    plan: &Plan<'_>,
) -> Result<Outcome, Error> {
    let (tx, catalog) = transaction(session, plan)?;
    // A full disk fails here, before the refresh token is spent.
    let reserved = session.reserve(&tx, answer_cap())?;
    if let Some(place) = plan.locked {
        // Locks taken over while we waited: stop before anything is spent.
        session.ensure_place_locks(place)?;
    }
    match client.refresh(plan.current.refresh_token()) {
        Ok(tokens) => {
            let received_at_ms = session.now();
            let grant = Grant {
                received_at_ms,
                tokens,
            };
            let complete = grant.tokens.is_complete();
            let expires_at_ms =
                crate::creds::Refreshed::from_grant(&grant.tokens, received_at_ms).expires_at_ms;
            store_answer(session, reserved, tx.with_grant(grant), catalog)?;
            if let Some(place) = plan.place {
                // The tokens are stored: `seen` is a hint, and failing to note it
                // must not turn a refresh that succeeded into an error.
                let _ = note_seen(session, plan.name, place);
            }
            Ok(Outcome::Refreshed {
                expires_at_ms,
                adopted: plan.adopted,
                complete,
            })
        }
        Err(oauth::Error::LoginDead { status, text }) => {
            drop(reserved);
            mark_dead(session, plan.name, plan.current)?;
            Ok(Outcome::LoginDead { status, text })
        }
        Err(err) => Err(err.into()),
    }
}

/// After a refresh into a place that holds slot `name`'s login: when its primary
/// store now holds the archive's token (the new one we just wrote there), the place's
/// record says so, so that `use` can later tell a copy we left behind (spent once the
/// archive moves on) from a login we never saw there. The catalog step of the
/// refresh itself was built before the answer, without the new token.
fn note_seen(session: &mut Session<'_>, name: &SlotName, place: &Place) -> Result<(), Error> {
    let live = Live::read(session.stores())?;
    let Some((_, blob)) = live.primary() else {
        return Ok(());
    };
    let Ok(token) = crate::creds::stored_refresh_token(blob.as_bytes()) else {
        return Ok(());
    };
    let (_, archived) = read_archive(session, name)?;
    if token.is_empty() || token != *archived.refresh_token() {
        return Ok(());
    }
    let Some(record) = lineage::place_record(place, name, &token) else {
        return Ok(());
    };
    let catalog = session.catalog_file().set_place(record)?;
    if catalog.as_bytes() == session.catalog_file().as_bytes() {
        return Ok(());
    }
    let tx = session.catalog_step(Transaction::new("refresh")?, &catalog)?;
    session.commit(tx, Some(catalog))?;
    Ok(())
}

/// The most bytes a refresh answer can hold (the HTTP client's body limit).
fn answer_cap() -> usize {
    let cap = crate::http::Limits::default().max_body_bytes;
    usize::try_from(cap).unwrap_or(usize::MAX)
}

/// The refresh's transaction, without the answer: archive:S (the answer spliced into
/// its bytes), each live copy (the answer spliced into its bytes when it still holds
/// the token it held), and the catalog (`last_refresh: ok`; the place's record when
/// it has none). A catalog edit that fails is dropped rather than let it stop the
/// refresh: the tokens matter more than the note of when they came.
fn transaction(
    session: &Session<'_>,
    plan: &Plan<'_>,
) -> Result<(Transaction, Option<CatalogFile>), Error> {
    let archive = StoreId::Archive(plan.name.clone());
    let mut tx = Transaction::new("refresh")?.grant_step(archive, plan.archived.clone())?;
    for copy in &plan.copies {
        tx = tx.claude(copy.id.clone(), copy.token.clone(), Change::Grant)?;
    }
    let catalog = refreshed_catalog(session, plan).ok();
    if let Some(catalog) = &catalog {
        tx = session.catalog_step(tx, catalog)?;
    }
    Ok((tx, catalog))
}

fn refreshed_catalog(session: &Session<'_>, plan: &Plan<'_>) -> Result<CatalogFile, Error> {
    let ok = RefreshOutcome::Ok {
        at_ms: session.now(),
    };
    let mut catalog = session.catalog_file().set_refresh(plan.name, Some(ok))?;
    if let Some(place) = plan.place {
        let unrecorded = lineage::place_key(place).is_some_and(|(dir, keychain)| {
            catalog.catalog().place(&dir, keychain.as_deref()).is_none()
        });
        let record = lineage::place_record(place, plan.name, plan.current.refresh_token());
        if let (true, Some(record)) = (unrecorded, record) {
            catalog = catalog.set_place(record)?;
        }
    }
    Ok(catalog)
}

/// Journals the answer into the reserved entry and applies it. When the entry cannot
/// be written, the server has already spent the old token: the same steps are applied
/// without a journal, so the new tokens reach every store that takes them, and the
/// error says so.
fn store_answer(
    session: &mut Session<'_>,
    reserved: Reserved,
    tx: Transaction,
    catalog: Option<CatalogFile>,
) -> Result<(), Error> {
    match session.write_reserved(reserved, tx.clone()) {
        Ok(pending) => {
            session.apply(pending, catalog)?;
            Ok(())
        }
        Err(journal) => {
            let stores: Vec<StoreId> = tx.steps().iter().map(|s| s.store().clone()).collect();
            drop(catalog);
            let (done, stopped) = session.apply_unjournaled(tx);
            let mut written = done.written;
            written.extend(done.unchanged);
            Err(Error::Unjournaled {
                journal: Box::new(journal),
                written,
                failed: stopped.map(Box::new),
                stores,
            })
        }
    }
}

/// Archives an adopted live login (before anything is sent); returns the archive's
/// new bytes.
fn archive_adopted(
    session: &mut Session<'_>,
    name: &SlotName,
    archived: Blob,
    adopted: &Credentials,
) -> Result<Blob, Error> {
    let new = Blob::from(adopted.raw());
    let id = StoreId::Archive(name.clone());
    let mut tx = Transaction::new("adopt")?.step(id, Some(archived), Some(new.clone()))?;
    let catalog = adopted_catalog(session, name, adopted).ok();
    if let Some(catalog) = &catalog {
        tx = session.catalog_step(tx, catalog)?;
    }
    session.commit(tx, catalog)?;
    Ok(new)
}

/// The catalog after adopting `adopted` for slot `name`: a dead mark on another token
/// no longer applies, and the place's record names the slot.
fn adopted_catalog(
    session: &Session<'_>,
    name: &SlotName,
    adopted: &Credentials,
) -> Result<CatalogFile, Error> {
    let mut catalog = session.catalog_file().update_slot(name, |slot| {
        if matches!(slot.refresh, Some(RefreshOutcome::LoginDead { .. })) {
            slot.refresh = None;
        }
    })?;
    if let Some(record) = lineage::place_record(&session.place(), name, adopted.refresh_token()) {
        catalog = catalog.set_place(record)?;
    }
    Ok(catalog)
}

/// Marks the slot's login dead in the catalog (since the first time it was seen
/// dead), with the fingerprint of the refused token, which is never sent again.
/// Nothing else is written: the archive may hold another, still valid login.
fn mark_dead(session: &mut Session<'_>, name: &SlotName, sent: &Credentials) -> Result<(), Error> {
    let now = session.now();
    let refused = TokenFingerprint::of(sent.refresh_token());
    let since_ms = match session.catalog().get(name).and_then(|s| s.refresh) {
        Some(RefreshOutcome::LoginDead {
            since_ms,
            refused: Some(before),
        }) if before == refused => since_ms,
        _ => now,
    };
    let dead = RefreshOutcome::LoginDead {
        since_ms,
        refused: Some(refused),
    };
    let catalog = session.catalog_file().set_refresh(name, Some(dead))?;
    let tx = session.catalog_step(Transaction::new("refresh")?, &catalog)?;
    session.commit(tx, Some(catalog))?;
    Ok(())
}
