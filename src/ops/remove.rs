//! `remove`: forget a slot and delete its archived login, in one transaction.
//!
//! Removing the active slot also signs Claude Code out, as the original tool does: each
//! live store that holds the slot's login (identity rule, told without the network) or
//! a husk is deleted. A live store holding any other login, or one whose owner cannot
//! be told, is left alone and reported: deleting it could lose an account that has no
//! other copy. That part runs under Claude Code's refresh locks, each delete under its
//! storage-write lock. [`plan`] says beforehand what [`run`] will do, so the command can ask
//! first. It never prints and never prompts.

use crate::cli::{SlotName, SlotRef};
use crate::creds::Credentials;
use crate::engine::Transaction;
use crate::store::StoreId;
use crate::Error;

use super::identity::{self, Owner};
use super::live::Live;
use super::Session;

/// What removing a slot will do or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub slot: SlotName,
    /// The slot was the active one.
    pub was_active: bool,
    /// Claude Code's stores that are (or were) deleted with it.
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
    if was_active {
        let live = Live::read(session.stores())?;
        for (id, blob) in live.held() {
            if is_slots_or_husk(session, &removal.slot, blob.as_bytes())? {
                removal.live_cleared.push(id);
            } else {
                removal.live_kept.push(id);
            }
        }
    }
    Ok(removal)
}

/// Removes `slot` (see the module docs).
pub fn run(session: &mut Session<'_>, slot: &SlotRef) -> Result<Removal, Error> {
    let name = session.catalog().find(slot)?.name.clone();
    // Signing Claude Code out: no refresh of its own may be in flight meanwhile (it
    // would write the login back), so its refresh locks are held around it.
    let _locks = if session.catalog().active.as_ref() == Some(&name) {
        Some(session.refresh_locks()?)
    } else {
        None
    };
    let removal = plan(session, slot)?;
    let archive = StoreId::Archive(removal.slot.clone());
    let current = session.read(&archive)?;
    let mut tx = Transaction::new("remove")?.step(archive, current, None)?;
    for id in &removal.live_cleared {
        let current = session.read(id)?;
        tx = tx.step(id.clone(), current, None)?;
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
    Ok(matches!(identity::owner(session, &login, &identity)?, Owner::Slot(owner) if owner == *name))
}
