//! Usage for `list` and `usage`: which slots to ask, asking them all at once, the one
//! refresh a 401 allows, and storing the answers in the catalog.
//!
//! ```text
//! session 1 (lock): catalog, each slot's login ─ release
//! ask every due slot at once, one thread each (no lock held)
//!   401 ─> session 2 (lock): refresh the slot (forced), re-read logins ─ release
//!          ─> ask those slots once more, at once
//! session 3 (lock): re-read the catalog, store every answer in one transaction
//! ```
//!
//! The usage endpoint allows about 30 requests an hour, so a stored snapshot younger
//! than [`CACHE_MS`] is shown instead of asking again (unless the caller asks anyway);
//! a failed request (429 with its retry time, network, service) shows the stored
//! snapshot marked stale. The state lock is never held while a request is out: a slow
//! service must not stall `use` or the daemon. The access token used is the slot's
//! archive, or for the active slot Claude Code's live login when it is the slot's and
//! no older. It never prints and never reads the environment; sessions come from a
//! [`Locker`].

use std::path::PathBuf;
use std::rc::Rc;
use std::thread;

use crate::catalog::{Catalog, RefreshOutcome, Slot, TokenFingerprint, UsageSnapshot, UsageWindow};
use crate::cli::SlotName;
use crate::creds::{same_lineage, Credentials};
use crate::engine::Transaction;
use crate::oauth::{self, ExtraUsage, Usage, Window};
use crate::redact::Secret;
use crate::store::StoreId;
use crate::Error;

use super::identity;
use super::lineage;
use super::live::Live;
use super::refresh::{self, REFRESH_MARGIN_MS};
use super::Session;

/// A stored snapshot younger than this (5 minutes) is shown without asking again.
pub const CACHE_MS: i64 = 5 * 60 * 1000;

/// Runs a body in a session under the state lock, released when the body returns.
/// The commands open real sessions; tests may open them on memory stores.
pub trait Locker {
    fn locked(
        &self,
        body: &mut dyn FnMut(&mut Session<'_>) -> Result<(), Error>,
    ) -> Result<(), Error>;
}

/// What to gather.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Ask even when the stored snapshot is recent (`usage`).
    pub ignore_cache: bool,
    /// Only this slot (`usage NAME`); `None`: every slot.
    pub only: Option<SlotName>,
}

/// Everything `list` and `usage` show, gathered.
#[derive(Debug)]
pub struct Gathered {
    /// The catalog as last read (after any refresh and the stored snapshots).
    pub catalog: Rc<Catalog>,
    /// Slots whose refreshes are blocked by a newer login set aside in the journal's
    /// attention folder, with that entry.
    pub held_aside: Vec<(SlotName, PathBuf)>,
    /// One per slot in catalog order (only the chosen slot with [`Options::only`]).
    pub slots: Vec<SlotView>,
    /// Storing the answers failed (they are still shown).
    pub store_error: Option<Error>,
}

/// What is known of one slot's login and usage.
#[derive(Debug)]
pub struct SlotView {
    pub name: SlotName,
    /// The login's access-token expiry; `None` when the slot has no readable login.
    pub expires_at_ms: Option<i64>,
    /// `refreshTokenExpiresAt`: when the login must be renewed by `/login`.
    pub login_deadline_ms: Option<i64>,
    /// The snapshot to show: this run's answer, else the stored one.
    pub usage: Option<UsageSnapshot>,
    /// The snapshot shown is not this run's answer and not recent.
    pub stale: bool,
    /// Extra usage, known only from this run's answer (the catalog does not keep it).
    pub extra: Option<ExtraUsage>,
    /// Why no fresh answer came when one was asked for.
    pub problem: Option<Problem>,
    /// The server refused this login's refresh token: it is not sent again.
    pub dead: bool,
}

/// Why a slot's usage could not be asked or read.
#[derive(Debug)]
pub enum Problem {
    /// 429: asked too often; `retry_at_ms` when the service said.
    RateLimited { retry_at_ms: Option<i64> },
    /// The slot has no readable login to ask with.
    NoLogin,
    /// Any other failure (network, service, refresh after a 401).
    Failed(Error),
}

/// A slot's status, from its login and the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Fewer than 7 hours left (`refresh` would refresh it).
    RefreshSoon,
    /// The access token has expired (or there is no readable login).
    Expired,
    /// The server refused the refresh token, or the login deadline has passed.
    LoginDead,
}

impl Status {
    /// The word in JSON: `ok`, `refresh_soon`, `expired`, `login_dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::RefreshSoon => "refresh_soon",
            Status::Expired => "expired",
            Status::LoginDead => "login_dead",
        }
    }
}

/// The status of `slot` whose login is `view`, at `now`.
pub fn status(slot: &Slot, view: &SlotView, now: i64) -> Status {
    let marked = view.dead
        || (view.expires_at_ms.is_none()
            && matches!(slot.refresh, Some(RefreshOutcome::LoginDead { .. })));
    let dead = marked || view.login_deadline_ms.is_some_and(|at| at <= now);
    match view.expires_at_ms {
        _ if dead => Status::LoginDead,
        None => Status::Expired,
        Some(at) if at <= now => Status::Expired,
        Some(at) if at - now < REFRESH_MARGIN_MS => Status::RefreshSoon,
        Some(_) => Status::Ok,
    }
}

/// Whether `snapshot`, fetched no later than `now`, is younger than [`CACHE_MS`].
pub fn is_recent(snapshot: &UsageSnapshot, now: i64) -> bool {
    (0..CACHE_MS).contains(&now.saturating_sub(snapshot.fetched_at_ms))
}

/// An answer as the catalog stores it, fetched at `at_ms`.
pub fn snapshot(usage: &Usage, at_ms: i64) -> UsageSnapshot {
    let window = |w: &Option<Window>| {
        w.as_ref().map(|w| UsageWindow {
            utilization: w.utilization,
            resets_at_ms: w.resets_at_ms,
        })
    };
    UsageSnapshot {
        fetched_at_ms: at_ms,
        five_hour: window(&usage.five_hour),
        seven_day: window(&usage.seven_day),
        seven_day_sonnet: window(&usage.seven_day_sonnet),
        seven_day_opus: window(&usage.seven_day_opus),
    }
}

/// Gathers usage (see the module docs). Without a `client` nothing is asked
/// (`--no-usage`): stored snapshots only. `clock` gives epoch ms.
pub fn gather(
    locker: &dyn Locker,
    client: Option<&oauth::Client>,
    options: &Options,
    clock: fn() -> i64,
) -> Result<Gathered, Error> {
    // Without a client the logins are only looked at for their times.
    let keep = if client.is_some() {
        Keep::Logins
    } else {
        Keep::Times
    };
    let (mut catalog, mut logins, held_aside) = read_state(locker, options, keep)?;
    let now = clock();
    let Some(client) = client else {
        let slots = views(&catalog, &logins, now);
        return Ok(Gathered {
            catalog,
            held_aside,
            slots,
            store_error: None,
        });
    };
    let due: Vec<usize> = (0..logins.len())
        .filter(|&i| is_due(&catalog, &logins[i], options, now))
        .collect();
    let mut results = ask(client, &logins, &due);
    let unauthorized: Vec<usize> = due
        .iter()
        .zip(&results)
        .filter(|(_, r)| matches!(r, Err(oauth::Error::Unauthorized { .. })))
        .map(|(&i, _)| i)
        .collect();
    let mut refresh_errors = Vec::new();
    if !unauthorized.is_empty() {
        let names: Vec<SlotName> = unauthorized
            .iter()
            .map(|&i| logins[i].name.clone())
            .collect();
        let (new_catalog, new_logins, errors) = refresh_all(locker, client, options, &names)?;
        logins = in_order_of(&logins, new_logins);
        (catalog, refresh_errors) = (new_catalog, errors);
        let retried = ask(client, &logins, &unauthorized);
        for (i, result) in unauthorized.iter().zip(retried) {
            let at = due
                .iter()
                .position(|d| d == i)
                .expect("retried slots were due");
            results[at] = result;
        }
    }
    let answered_at = clock();
    let mut views = views(&catalog, &logins, now);
    let mut answers = Vec::new();
    for (&i, result) in due.iter().zip(results) {
        let refresh_error = refresh_errors
            .iter_mut()
            .find(|(n, _)| *n == logins[i].name);
        let view = &mut views[i];
        match (result, refresh_error.and_then(|(_, e)| e.take())) {
            (_, Some(err)) => mark_failed(view, Problem::Failed(err)),
            (Ok(usage), None) => {
                let snap = snapshot(&usage, answered_at);
                answers.push((view.name.clone(), snap.clone()));
                view.usage = Some(snap);
                view.stale = false;
                view.extra = usage.extra_usage;
            }
            (Err(oauth::Error::RateLimited { retry_at_ms, .. }), None) => {
                mark_failed(view, Problem::RateLimited { retry_at_ms });
            }
            (Err(err), None) => mark_failed(view, Problem::Failed(err.into())),
        }
    }
    let store_error = match store_answers(locker, &answers) {
        Ok(Some(stored)) => {
            catalog = stored;
            None
        }
        Ok(None) => None,
        Err(err) => Some(err),
    };
    Ok(Gathered {
        catalog,
        held_aside,
        slots: views,
        store_error,
    })
}

/// One slot's login as read under the lock.
struct SlotLogin {
    name: SlotName,
    /// The login's times; `None`: the slot has no readable login.
    times: Option<Times>,
    /// The login itself, when kept ([`Keep::Logins`]).
    login: Option<Credentials>,
}

/// What a view needs of a login.
#[derive(Debug, Clone, Copy)]
struct Times {
    expires_at_ms: i64,
    login_deadline_ms: Option<i64>,
    /// Its refresh token is the one the server refused.
    dead: bool,
}

impl SlotLogin {
    /// `login`, the one slot `slot` would use now (`dead`: its token was refused).
    fn new(name: SlotName, login: Option<Credentials>, keep: Keep) -> Self {
        Self::judged(name, login, keep, false)
    }

    fn judged(name: SlotName, login: Option<Credentials>, keep: Keep, dead: bool) -> Self {
        let times = login.as_ref().map(|login| Times {
            expires_at_ms: login.expires_at_ms(),
            login_deadline_ms: login.refresh_token_expires_at_ms(),
            dead,
        });
        SlotLogin {
            name,
            times,
            login: login.filter(|_| keep == Keep::Logins),
        }
    }
}

/// Whether the logins read are kept, or only their times (nothing will be asked:
/// each login is dropped, and its bytes wiped, as soon as it has been read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Logins,
    Times,
}

/// Session 1: the catalog and each chosen slot's login.
/// What session 1 reads: the catalog, each chosen slot's login, and the slots whose
/// refreshes an entry set aside blocks.
type State = (Rc<Catalog>, Vec<SlotLogin>, Vec<(SlotName, PathBuf)>);

fn read_state(locker: &dyn Locker, options: &Options, keep: Keep) -> Result<State, Error> {
    let mut state = None;
    locker.locked(&mut |session| {
        if let Some(name) = &options.only {
            if session.catalog().get(name).is_none() {
                return Err(Error::NoSuchSlot {
                    slot: name.to_string(),
                });
            }
        }
        let mut held = Vec::new();
        let logins = logins(session, options, keep, Some(&mut held))?;
        state = Some((session.catalog_shared(), logins, held));
        Ok(())
    })?;
    Ok(state.expect("the locked body ran"))
}

/// Each chosen slot's login (see the module docs). A missing or broken archive gives
/// `None`: the slot is still listed. With `held`, the slots whose refreshes an entry
/// set aside blocks are gathered there.
fn logins(
    session: &Session<'_>,
    options: &Options,
    keep: Keep,
    mut held: Option<&mut Vec<(SlotName, PathBuf)>>,
) -> Result<Vec<SlotLogin>, Error> {
    let catalog = session.catalog();
    // Which slot this place holds, by its own content where that tells (told
    // without the network, and without reading every archive twice: the login's
    // account, the place's record for slots of one account); else the record.
    let live = Live::read(session.stores())?;
    let primary = live
        .primary()
        .and_then(|(_, blob)| Credentials::parse(blob.as_bytes()).ok());
    let here = match primary.map(|login| lineage::owner_by_account(session, None, &login)) {
        Some(lineage::PlaceOwner::Slot(slot)) => Some(slot),
        Some(lineage::PlaceOwner::Nobody) => None,
        Some(lineage::PlaceOwner::Unknown { .. } | lineage::PlaceOwner::Several(_)) | None => {
            lineage::place_slot(catalog, &session.place())
        }
    };
    let aside = match held {
        Some(_) => session.journal().attention_entries()?,
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(catalog.slots.len());
    for slot in &catalog.slots {
        if options.only.as_ref().is_some_and(|only| *only != slot.name) {
            continue;
        }
        // Parsed as soon as read: one archive in memory at a time, still in cache.
        let archived = session
            .read(&StoreId::Archive(slot.name.clone()))?
            .and_then(|blob| Credentials::parse(blob.as_bytes()).ok());
        let refused = archived
            .as_ref()
            .and_then(|a| lineage::refused(slot, a))
            .map(|(_, fingerprint)| fingerprint);
        let login = if here.as_ref() == Some(&slot.name) {
            live_or(session, slot, &live, archived)?
        } else {
            archived
        };
        let dead = refused.is_some_and(|refused| {
            login
                .as_ref()
                .is_some_and(|l| TokenFingerprint::of(l.refresh_token()) == refused)
        });
        if let (Some(held), Some(login)) = (held.as_deref_mut(), &login) {
            if let Some(entry) = lineage::held_aside_in(&aside, &slot.name, login) {
                held.push((slot.name.clone(), entry));
            }
        }
        out.push(SlotLogin::judged(slot.name.clone(), login, keep, dead));
    }
    Ok(out)
}

/// The live login of the slot this place holds (`slot`) when it is the slot's (same
/// lineage, or its account and organization) and no older than `archived`.
fn live_or(
    session: &Session<'_>,
    slot: &Slot,
    live: &Live,
    archived: Option<Credentials>,
) -> Result<Option<Credentials>, Error> {
    let name = &slot.name;
    let Some(login) = live
        .primary()
        .and_then(|(_, blob)| Credentials::parse(blob.as_bytes()).ok())
    else {
        return Ok(archived);
    };
    let account = identity::names_account(login.identity())
        && lineage::is_slots_account(slot, login.identity());
    let Some(archived) = archived else {
        return Ok(account.then_some(login));
    };
    let own = same_lineage(&login, &archived)
        || identity::by_lineage(session, &login)?.as_ref() == Some(name)
        || account;
    Ok(if own && identity::supersedes(&login, &archived) {
        Some(login)
    } else {
        Some(archived)
    })
}

/// Whether slot `login` is to be asked: it has a login, and either the cache is
/// ignored (`usage`: a dead login then says so itself) or the login is not marked dead
/// and its stored snapshot is not recent.
fn is_due(catalog: &Catalog, login: &SlotLogin, options: &Options, now: i64) -> bool {
    let Some(slot) = catalog.get(&login.name) else {
        return false;
    };
    let dead = login.times.is_some_and(|t| t.dead);
    let recent = slot.usage.as_ref().is_some_and(|u| is_recent(u, now));
    login.login.is_some() && (options.ignore_cache || (!dead && !recent))
}

/// `new` in the order of `old`'s names (a slot removed meanwhile has no login), so
/// indexes into `old` stay valid.
fn in_order_of(old: &[SlotLogin], mut new: Vec<SlotLogin>) -> Vec<SlotLogin> {
    old.iter()
        .map(|o| match new.iter().position(|n| n.name == o.name) {
            Some(at) => new.swap_remove(at),
            None => SlotLogin::new(o.name.clone(), None, Keep::Logins),
        })
        .collect()
}

/// Asks the slots at `indexes` at once, one thread each; results in that order.
fn ask(
    client: &oauth::Client,
    logins: &[SlotLogin],
    indexes: &[usize],
) -> Vec<Result<Usage, oauth::Error>> {
    let tokens: Vec<Option<&Secret>> = indexes
        .iter()
        .map(|&i| logins[i].login.as_ref().map(Credentials::access_token))
        .collect();
    fetch_parallel(&tokens, &|token| client.usage(token))
}

/// Runs `fetch` for every token at once, one scoped thread each; results in the
/// same order. A missing token answers as a 401 would (the caller refreshes).
pub fn fetch_parallel<T: Send>(
    tokens: &[Option<&Secret>],
    fetch: &(dyn Fn(&Secret) -> Result<T, oauth::Error> + Sync),
) -> Vec<Result<T, oauth::Error>> {
    thread::scope(|scope| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|token| {
                scope.spawn(move || match token {
                    Some(token) => fetch(token),
                    None => Err(oauth::Error::Unauthorized {
                        endpoint: oauth::Endpoint::Usage,
                        text: oauth::ServerText::default(),
                    }),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A refresh error per slot name, taken when used.
type RefreshErrors = Vec<(SlotName, Option<Error>)>;

/// Session 2: after a 401, refresh each named slot once (forced), then re-read the
/// catalog and the logins. A slot whose refresh failed keeps its error.
fn refresh_all(
    locker: &dyn Locker,
    client: &oauth::Client,
    options: &Options,
    names: &[SlotName],
) -> Result<(Rc<Catalog>, Vec<SlotLogin>, RefreshErrors), Error> {
    let mut state = None;
    locker.locked(&mut |session| {
        let forced = refresh::Options {
            force: true,
            live: true,
        };
        let mut errors = Vec::new();
        for name in names {
            let error = match refresh::slot(session, client, name, forced) {
                Ok(outcome) => outcome.dead_error(name),
                Err(err) => Some(err),
            };
            errors.push((name.clone(), error));
        }
        let logins = logins(session, options, Keep::Logins, None)?;
        state = Some((session.catalog_shared(), logins, errors));
        Ok(())
    })?;
    Ok(state.expect("the locked body ran"))
}

/// A view per login, with the stored snapshot until an answer replaces it.
fn views(catalog: &Catalog, logins: &[SlotLogin], now: i64) -> Vec<SlotView> {
    logins
        .iter()
        .map(|login| {
            let usage = catalog.get(&login.name).and_then(|s| s.usage.clone());
            let stale = usage.as_ref().is_some_and(|u| !is_recent(u, now));
            let times = login.times;
            SlotView {
                name: login.name.clone(),
                expires_at_ms: times.map(|t| t.expires_at_ms),
                login_deadline_ms: times.and_then(|t| t.login_deadline_ms),
                usage,
                stale,
                extra: None,
                problem: times.is_none().then_some(Problem::NoLogin),
                dead: times.is_some_and(|t| t.dead),
            }
        })
        .collect()
}

/// No answer: the stored snapshot (if any) is shown as stale.
fn mark_failed(view: &mut SlotView, problem: Problem) {
    view.stale = view.usage.is_some();
    view.problem = Some(problem);
}

/// Session 3: re-reads the catalog and stores every answer in one transaction.
/// `None` when there was nothing to store.
fn store_answers(
    locker: &dyn Locker,
    answers: &[(SlotName, UsageSnapshot)],
) -> Result<Option<Rc<Catalog>>, Error> {
    if answers.is_empty() {
        return Ok(None);
    }
    let mut stored = None;
    locker.locked(&mut |session| {
        stored = store(session, answers)?;
        Ok(())
    })?;
    Ok(stored)
}

/// Stores `answers` in the session's catalog (slots removed meanwhile are skipped) in
/// one transaction; the catalog after it, or `None` when no slot was left.
pub fn store(
    session: &mut Session<'_>,
    answers: &[(SlotName, UsageSnapshot)],
) -> Result<Option<Rc<Catalog>>, Error> {
    let mut edited = None;
    for (name, snap) in answers {
        if session.catalog().get(name).is_none() {
            continue;
        }
        let base = edited.as_ref().unwrap_or_else(|| session.catalog_file());
        edited = Some(base.set_usage(name, Some(snap.clone()))?);
    }
    let Some(edited) = edited else {
        return Ok(None);
    };
    let tx = session.catalog_step(Transaction::new("usage")?, &edited)?;
    session.commit(tx, Some(edited))?;
    Ok(Some(session.catalog_shared()))
}
