//! `remove`: forget a slot and delete its archived login, in one transaction.
//!
//! Removing the slot Claude Code uses here (the place's record, else the active slot,
//! or a store holding the slot's very refresh token) also signs Claude Code out, as
//! the original tool does: each live store that holds the slot's login (identity
//! rule, told without the network) or a husk loses its account-bound members, as
//! Claude Code's own logout leaves it (`mcpOAuth` and the other machine members stay;
//! a store left with nothing goes). A live store holding any other login, or one
//! whose owner cannot be told, is left alone and reported: deleting it could lose an
//! account that has no other copy. That part runs under Claude Code's refresh locks,
//! each write under its storage-write lock, decided by the login the store holds
//! then. [`plan`] says beforehand what [`run`] will do, so the command can ask first.
//! It never prints and never prompts.

use crate::cli::{SlotName, SlotRef};
use crate::creds::{self, Credentials};
use crate::engine::{Change, Transaction};
use crate::store::StoreId;
use crate::Error;

use super::identity;
use super::lineage;
use super::live::Live;
use super::Session;

/// What removing a slot will do or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub slot: SlotName,
    /// The slot was the active one.
    pub was_active: bool,
    /// Claude Code's stores that are (or were) signed out with it.
    pub live_cleared: Vec<StoreId>,
    /// Claude Code's stores that are (or were) left alone: they hold another login.
    pub live_kept: Vec<StoreId>,
}

/// What removing `slot` would do now.
pub fn plan(session: &Session<'_>, slot: &SlotRef) -> Result<Removal, Error> {
    let name = session.catalog().find(slot)?.name.clone();
    let was_active = session.catalog().active.as_ref() == Some(&name);
    let mut removal = Removal {
        slot: name,
        was_active,
        live_cleared: Vec::new(),
        live_kept: Vec::new(),
    };
    let live = Live::read(session.stores())?;
    if signs_out(session, &removal.slot, &live)? {
        for (id, blob) in live.held() {
            if is_slots_or_husk(session, &removal.slot, blob.as_bytes())? {
                removal.live_cleared.push(id);
            } else {
                removal.live_kept.push(id);
            }
        }
    } else if was_active {
        // The catalog calls it active, but Claude Code holds another login: say so.
        removal.live_kept = live.held().into_iter().map(|(id, _)| id).collect();
    }
    Ok(removal)
}

/// Whether slot `name`'s login is what Claude Code uses in this place.
fn signs_out(session: &Session<'_>, name: &SlotName, live: &Live) -> Result<bool, Error> {
    let archive = StoreId::Archive(name.clone());
    let archived = session
        .read(&archive)?
        .and_then(|blob| Credentials::parse(blob.as_bytes()).ok());
    Ok(match archived {
        Some(archived) => lineage::is_live_here(session, name, live, &archived)?,
        None => lineage::place_slot(session.catalog(), &session.place()).as_ref() == Some(name),
    })
}

/// Removes `slot` (see the module docs).
pub fn run(session: &mut Session<'_>, slot: &SlotRef) -> Result<Removal, Error> {
    let name = session.catalog().find(slot)?.name.clone();
    let live = Live::read(session.stores())?;
    if signs_out(session, &name, &live)? {
        // Signing Claude Code out: no refresh of its own may be in flight meanwhile (it
        // would write the login back), so its refresh locks are held around it.
        let place = session.place();
        session.with_place_locks(&place, |session| remove(session, slot))
    } else {
        remove(session, slot)
    }
}

fn remove(session: &mut Session<'_>, slot: &SlotRef) -> Result<Removal, Error> {
    let removal = plan(session, slot)?;
    let archive = StoreId::Archive(removal.slot.clone());
    let current = session.read(&archive)?;
    let mut tx = Transaction::new("remove")?.step(archive, current, None)?;
    for id in &removal.live_cleared {
        let token = session
            .read(id)?
            .and_then(|blob| creds::stored_refresh_token(blob.as_bytes()).ok())
            .unwrap_or_else(|| crate::redact::Secret::from(""));
        tx = tx.claude(id.clone(), token, Change::SignOut)?;
    }
    let catalog = session.catalog_file().remove_slot(&removal.slot)?;
    let tx = session.catalog_step(tx, &catalog)?;
    session.commit(tx, Some(catalog))?;
    Ok(removal)
}

/// Whether live bytes are slot `name`'s login or a husk.
fn is_slots_or_husk(session: &Session<'_>, name: &SlotName, bytes: &[u8]) -> Result<bool, Error> {
    let login = match Credentials::parse(bytes) {
        Ok(login) => login,
        Err(err) => return Ok(err.is_husk()),
    };
    let identity = login.identity().clone();
    let recorded = lineage::recorded_slot(session.catalog(), &session.place());
    let owner = identity::owner(session, &login, &identity)?.prefer(recorded.as_ref());
    Ok(owner.is(name))
}
