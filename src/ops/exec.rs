//! `exec`: ready a slot's access token for another program, without touching which
//! slot is active.
//!
//! ```text
//! slot ─ (active: Claude Code's refresh locks, adopt its rotation) ─ access token
//!   expires within 5 min? ─ yes ─> refresh (journaled like any refresh)
//!                                   ─ dead ─> Err (exit 3)
//!                                   ─ unreachable, token still valid ─> hand it out, noted
//!                                   ─ unreachable, token expired ───> Err (exit 4)
//!   ─> the access token from the slot's archive
//! ```
//!
//! Only the access token leaves: the refresh token stays with us, so the program is
//! never a second holder of the login's lineage (it cannot refresh, and Claude Code
//! never refreshes a token it got through `CLAUDE_CODE_OAUTH_TOKEN`). It never starts
//! the program (the command does, after the state lock is released) and never prints.

use crate::cli::{SlotName, SlotRef};
use crate::creds::Credentials;
use crate::error::exit;
use crate::oauth;
use crate::redact::Secret;
use crate::Error;

use super::refresh::{self, Outcome};
use super::{read_archive, Session};

/// A token that expires within this many milliseconds (5 min, as Claude Code's own
/// margin) is refreshed before it is handed out.
pub const EXEC_MARGIN_MS: i64 = 5 * 60 * 1000;

/// The access token to hand out, and how it was readied.
#[derive(Debug)]
pub struct Handout {
    pub slot: SlotName,
    pub access_token: Secret,
    /// When the access token expires, in epoch milliseconds.
    pub expires_at_ms: i64,
    /// The slot was refreshed first.
    pub refreshed: bool,
    /// The refresh failed for a reason that may pass; the token is still valid.
    pub refresh_failed: Option<Error>,
}

/// Readies slot `slot`'s access token (see the module docs).
pub fn run(
    session: &mut Session<'_>,
    client: &oauth::Client,
    slot: &SlotRef,
) -> Result<Handout, Error> {
    run_once(session, client, slot, false)
}

/// [`run`]; `retried`: a refresh already gave a login without an access token, so
/// this one is forced.
fn run_once(
    session: &mut Session<'_>,
    client: &oauth::Client,
    slot: &SlotRef,
    retried: bool,
) -> Result<Handout, Error> {
    let name = session.catalog().find(slot)?.name.clone();
    let options = refresh::Options {
        force: retried,
        live: true,
    };
    let refreshed = refresh::slot_within(session, client, &name, options, EXEC_MARGIN_MS);
    let (refreshed, refresh_failed) = match refreshed {
        Ok(Outcome::Refreshed { .. }) => (true, None),
        Ok(Outcome::Fresh { .. }) => (false, None),
        Ok(dead @ (Outcome::LoginDead { .. } | Outcome::KnownDead { .. })) => {
            return Err(dead.dead_error(&name).expect("a dead login has an error"))
        }
        // The refresh could not happen (the network, or whose a newer login in Claude
        // Code's store is cannot be decided): the archive's access token is handed
        // out while it is valid, with the reason as a warning.
        Err(err) if err.exit_code() == exit::UNAVAILABLE || err.is_owner_undecided() => {
            (false, Some(err))
        }
        Err(err) => return Err(err),
    };
    // Every outcome above leaves the slot's newest login in its archive (an adopted
    // rotation of Claude Code's is archived too).
    let (_, login) = read_archive(session, &name)?;
    let empty = login.access_token().is_empty();
    match refresh_failed {
        Some(err) if empty || login.expires_at_ms() <= session.now() => Err(err),
        // An answer without a usable access token left the login to be refreshed
        // again (its new refresh token is stored): one more try, never an empty token.
        None if empty && !retried => run_once(session, client, slot, true),
        None if empty => Err(Error::NoAccessToken { slot: name }),
        refresh_failed => Ok(handout(name, &login, refreshed, refresh_failed)),
    }
}

fn handout(
    slot: SlotName,
    login: &Credentials,
    refreshed: bool,
    refresh_failed: Option<Error>,
) -> Handout {
    Handout {
        slot,
        access_token: Secret::from(login.access_token().expose()),
        expires_at_ms: login.expires_at_ms(),
        refreshed,
        refresh_failed,
    }
}
