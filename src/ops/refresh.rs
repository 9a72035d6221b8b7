//! `refresh`: trade a slot's refresh token for new tokens before the access token
//! expires, and store them so that no crash loses them.
//!
//! ```text
//! S active? ─ take Claude Code's refresh locks (busy ─> Err, exit 5)
//! read archive S ─ S active? ─ live login is S's, newer than the archive ─> adopt it
//!   fresh (>= the margin left: 7 h; 5 min for exec) and not forced ─> Fresh (an adopted
//!   login is archived)
//!   POST token ─ invalid_grant ─> catalog: login dead (nothing deleted) ─> LoginDead
//!              ─ other error ───> Err (nothing written)
//!              ─ answer ─> locks still ours? ─ no ─> journal archive:S + catalog only
//!                          │                          ─> apply ─> Err(lock lost)
//!                          └ journal at once: archive:S, S's live stores (the new token
//!                            values spliced into each store's own bytes), catalog
//!                            ─> apply ─> Refreshed            (then the locks go)
//! ```
//!
//! Everything is read and checked before the request; after it only the splices and the
//! journal write remain (a catalog edit that fails is dropped rather than let it stop
//! the journal), so the new refresh token is durable as soon as possible (the old one
//! is dead once the server answered). It
//! never sends a refresh token it knows to be spent: when Claude Code rotated the active
//! slot's login on its own, the newer token is used. It never prints.

use crate::catalog::RefreshOutcome;
use crate::cclock::RefreshLocks;
use crate::cli::{RefreshTarget, SlotName};
use crate::creds::{same_lineage, Credentials, Refreshed};
use crate::engine::Transaction;
use crate::oauth::{self, ServerText, TokenGrant};
use crate::store::{Blob, StoreId};
use crate::Error;

use super::identity::{self, Owner};
use super::live::Live;
use super::{origin, parse_login, Session};

/// A slot is refreshed when fewer than this many milliseconds (7 h) remain.
pub const REFRESH_MARGIN_MS: i64 = 7 * 60 * 60 * 1000;

/// How one slot's refresh ended (an `Err` beside it is a failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// New tokens are stored. `adopted`: Claude Code had rotated the login on its own
    /// and its newer token was used.
    Refreshed { expires_at_ms: i64, adopted: bool },
    /// Enough time is left; nothing was sent.
    Fresh { expires_at_ms: i64, adopted: bool },
    /// The server refused the refresh token: re-login needed. The catalog says so.
    LoginDead { status: u16, text: ServerText },
}

impl Outcome {
    /// The error a command reports for a dead login (exit 3).
    pub fn dead_error(&self) -> Option<Error> {
        match self {
            Outcome::LoginDead { status, text } => Some(Error::OAuth(oauth::Error::LoginDead {
                status: *status,
                text: text.clone(),
            })),
            _ => None,
        }
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
    /// Treat the slot as active when the catalog says so: adopt and update Claude
    /// Code's stores. `false` refreshes the archive only (`use` before switching).
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

/// A live store that holds slot S's login, with its bytes.
struct LiveCopy {
    id: StoreId,
    blob: Blob,
    login: Credentials,
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
    let archive_id = StoreId::Archive(name.clone());
    let archived = session.read(&archive_id)?.ok_or_else(|| Error::NoLogin {
        origin: origin(&archive_id),
    })?;
    let archived_login = parse_login(&archive_id, &archived)?;
    let active = options.live && session.catalog().active.as_ref() == Some(name);
    // Claude Code's refresh locks, before the live store is read: a refresh of its
    // own in flight finishes first, and the re-read below sees what it wrote.
    let locks = if active {
        Some(session.refresh_locks()?)
    } else {
        None
    };
    let live = if active {
        Some(Live::read(session.stores())?)
    } else {
        None
    };
    let adopted = match &live {
        Some(live) => adoption(session, client, name, live, &archived_login)?,
        None => None,
    };
    let current = adopted.clone().unwrap_or(archived_login);
    let was_adopted = adopted.is_some();
    let copies = match &live {
        Some(live) => live_copies(session, name, live, &current)?,
        None => Vec::new(),
    };
    let expires_at_ms = current.expires_at_ms();
    if !options.force && expires_at_ms.saturating_sub(session.now()) >= margin_ms {
        if was_adopted {
            archive_adopted(session, &archive_id, archived, &current)?;
        }
        return Ok(Outcome::Fresh {
            expires_at_ms,
            adopted: was_adopted,
        });
    }
    let request = Request {
        name,
        archive_id,
        archived,
        current: &current,
        copies,
        locks: locks.as_ref(),
    };
    match client.refresh(current.refresh_token()) {
        Ok(grant) => store_grant(session, request, grant, was_adopted),
        Err(oauth::Error::LoginDead { status, text }) => {
            mark_dead(session, &request)?;
            Ok(Outcome::LoginDead { status, text })
        }
        Err(err) => Err(err.into()),
    }
}

/// What one refresh reads before it asks the server.
struct Request<'r> {
    name: &'r SlotName,
    archive_id: StoreId,
    archived: Blob,
    current: &'r Credentials,
    copies: Vec<LiveCopy>,
    /// Claude Code's refresh locks, held when the slot is active.
    locks: Option<&'r RefreshLocks>,
}

/// The live login to use instead of the archive, when Claude Code rotated slot
/// `name`'s login on its own: it must be the slot's (identity rule) and no older than
/// the archive. A live login newer than the archive whose owner cannot be told stops
/// the refresh: the archive's token may be spent, and sending it could revoke the
/// whole login.
fn adoption(
    session: &Session<'_>,
    client: &oauth::Client,
    name: &SlotName,
    live: &Live,
    archived: &Credentials,
) -> Result<Option<Credentials>, Error> {
    let Some((id, blob)) = live.primary() else {
        return Ok(None);
    };
    if blob.as_bytes() == archived.raw() {
        return Ok(None);
    }
    // A husk or a broken blob is never adopted.
    let Ok(login) = Credentials::parse(blob.as_bytes()) else {
        return Ok(None);
    };
    if !identity::supersedes(&login, archived) {
        return Ok(None);
    }
    let belongs = same_lineage(&login, archived)
        || match identity::identify(session, Some(client), &login)? {
            Owner::Slot(owner) => owner == *name,
            Owner::Unknown { .. } => false,
            Owner::Undetermined => {
                return Err(Error::UnidentifiedLogin {
                    origin: origin(&id),
                })
            }
        };
    Ok(belongs.then_some(login))
}

/// The live stores that hold slot `name`'s login (any lineage of it), which get the
/// new tokens too. Whose a copy is is told without the network: lineage with the
/// archive or the adopted login, else the account the blob names.
fn live_copies(
    session: &Session<'_>,
    name: &SlotName,
    live: &Live,
    current: &Credentials,
) -> Result<Vec<LiveCopy>, Error> {
    let mut copies = Vec::new();
    for (id, blob) in live.held() {
        let Ok(login) = Credentials::parse(blob.as_bytes()) else {
            continue;
        };
        let own = match identity::by_lineage(session, &login)? {
            Some(owner) => owner == *name,
            None => {
                same_lineage(&login, current)
                    || (identity::names_account(login.identity())
                        && identity::by_account(session.catalog(), login.identity()).is(name))
            }
        };
        if own {
            copies.push(LiveCopy {
                id,
                blob: blob.clone(),
                login,
            });
        }
    }
    Ok(copies)
}

/// Archives an adopted live login without refreshing it.
fn archive_adopted(
    session: &mut Session<'_>,
    id: &StoreId,
    archived: Blob,
    adopted: &Credentials,
) -> Result<(), Error> {
    let new = Blob::from(adopted.raw());
    let tx = Transaction::new("adopt")?.step(id.clone(), Some(archived), Some(new))?;
    session.commit(tx, None)?;
    Ok(())
}

/// Journals and applies the server's answer (see the module docs). When Claude
/// Code's refresh locks were taken from us meanwhile, its stores are not written
/// (whoever holds the locks now may be writing them); the new tokens still go to our
/// archive, since the server has spent the old refresh token, and the lost lock is
/// the error.
fn store_grant(
    session: &mut Session<'_>,
    mut request: Request<'_>,
    grant: TokenGrant,
    adopted: bool,
) -> Result<Outcome, Error> {
    let lost = request.locks.and_then(|locks| locks.ensure_held().err());
    if lost.is_some() {
        request.copies.clear();
    }
    let now = session.now();
    let refreshed = to_refreshed(grant, now);
    let new_archive = request
        .current
        .with_refreshed_tokens(&refreshed)
        .map_err(|source| Error::Creds {
            origin: origin(&request.archive_id),
            source,
        })?;
    let mut tx = Transaction::new("refresh")?.step(
        request.archive_id,
        Some(request.archived),
        Some(Blob::from(new_archive)),
    )?;
    for copy in request.copies {
        // A live copy that cannot take the splice keeps its bytes; the archive holds
        // the new tokens either way.
        if let Ok(new) = copy.login.with_refreshed_tokens(&refreshed) {
            tx = tx.step(copy.id, Some(copy.blob), Some(Blob::from(new)))?;
        }
    }
    let ok = RefreshOutcome::Ok { at_ms: now };
    let catalog = session.catalog_file().set_refresh(request.name, Some(ok));
    let catalog = match catalog {
        Ok(catalog) => {
            tx = session.catalog_step(tx, &catalog)?;
            Some(catalog)
        }
        Err(_) => None, // the tokens matter more than the note of when they came
    };
    let pending = session.journal().write(tx)?;
    session.apply(pending, catalog)?;
    if let Some(lost) = lost {
        return Err(lost.into());
    }
    Ok(Outcome::Refreshed {
        expires_at_ms: refreshed.expires_at_ms,
        adopted,
    })
}

/// The grant as the blob stores it, for an answer received at `now`.
fn to_refreshed(grant: TokenGrant, now: i64) -> Refreshed {
    Refreshed {
        expires_at_ms: grant.expires_at_ms(now),
        refresh_token_expires_at_ms: grant.refresh_token_expires_at_ms(now),
        access_token: grant.access_token,
        refresh_token: grant.refresh_token,
        scopes: grant.scopes,
    }
}

/// Marks the slot's login dead in the catalog (since the first time it was seen
/// dead); an adopted live login is archived in the same transaction. Nothing is
/// deleted.
fn mark_dead(session: &mut Session<'_>, request: &Request<'_>) -> Result<(), Error> {
    let now = session.now();
    let since_ms = match session.catalog().get(request.name).and_then(|s| s.refresh) {
        Some(RefreshOutcome::LoginDead { since_ms, .. }) => since_ms,
        _ => now,
    };
    let dead = RefreshOutcome::LoginDead {
        since_ms,
        refused: None,
    };
    let catalog = session
        .catalog_file()
        .set_refresh(request.name, Some(dead))?;
    let adopted = Some(Blob::from(request.current.raw()));
    let tx = Transaction::new("refresh")?.step(
        request.archive_id.clone(),
        Some(request.archived.clone()),
        adopted,
    )?;
    let tx = session.catalog_step(tx, &catalog)?;
    session.commit(tx, Some(catalog))?;
    Ok(())
}
