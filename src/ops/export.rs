//! `export`: write a slot's login, byte for byte, to a file (0600, atomically).
//!
//! The bytes: for the active slot, Claude Code's live login when it is the slot's
//! (identity rule); else the slot's archive. The default file is Claude Code's own
//! credentials file, which is a store: writing there goes through the engine under
//! Claude Code's refresh locks (a refresh of its own in flight lands first; the write
//! is decided by the login the file holds then), archives the login it replaces into
//! its own slot first, refuses to replace a login that belongs to no slot, and
//! refuses a slot Claude Code does not use here unless forced (that would switch
//! accounts behind the catalog's back; forced, the slot becomes the active one and
//! this place's recorded slot, so the catalog keeps telling the truth). Any other
//! file is written with `fs::write_atomic`. It never prints the bytes.

use std::path::{Path, PathBuf};

use crate::cli::{SlotName, SlotRef};
use crate::creds::{self, Credentials};
use crate::engine::{Change, Left, Transaction};
use crate::oauth;
use crate::redact::Secret;
use crate::store::{Blob, StoreId};
use crate::{fs, Error};

use super::identity::{self, Owner};
use super::lineage::{self, PlaceOwner};
use super::live::Live;
use super::{origin, read_archive, Session};

/// Where the bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// Claude Code's live login (the slot is active).
    Live,
    Archive,
}

/// What `export` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub slot: SlotName,
    pub path: PathBuf,
    pub from: From,
    /// The file is Claude Code's credentials file.
    pub claude_file: bool,
    /// Claude Code's Keychain item holds a login, which it reads before the file: it
    /// goes on using that one, and the catalog still says so.
    pub keychain_first: bool,
    /// Claude Code's file took another login meanwhile and was left as it was.
    pub left: Vec<Left>,
}

/// Writes slot `slot`'s login to `path` (default: Claude Code's credentials file).
pub fn run(
    session: &mut Session<'_>,
    client: Option<&oauth::Client>,
    slot: &SlotRef,
    path: Option<&Path>,
    force: bool,
) -> Result<Exported, Error> {
    let name = session.catalog().find(slot)?.name.clone();
    let credentials_file = session.paths().credentials_file();
    let target = path.map_or_else(|| credentials_file.clone(), Path::to_path_buf);
    if !same_file(&target, &credentials_file) {
        let live = Live::read(session.stores())?;
        let (bytes, from) = slot_bytes(session, client, &name, &live)?;
        fs::write_atomic(&target, bytes.as_bytes())?;
        return Ok(Exported {
            slot: name,
            path: target,
            from,
            claude_file: false,
            keychain_first: false,
            left: Vec::new(),
        });
    }
    let place = session.place();
    session.with_place_locks(&place, |session| {
        // Everything is read under the locks: a refresh of Claude Code's own in
        // flight lands first, and the bytes exported are the newest.
        let live = Live::read(session.stores())?;
        let active =
            lineage::place_owner(session, client, &live)? == PlaceOwner::Slot(name.clone());
        if !active && !force {
            return Err(Error::WouldSwitch { slot: name.clone() });
        }
        let (bytes, from) = slot_bytes(session, client, &name, &live)?;
        let keychain_first = keychain_holds_login(&live);
        let left = into_claude_file(session, client, &live, &name, bytes, keychain_first)?;
        Ok(Exported {
            slot: name,
            path: target,
            from,
            claude_file: true,
            keychain_first,
            left,
        })
    })
}

/// Whether Claude Code's Keychain item (read first) holds a good login.
fn keychain_holds_login(live: &Live) -> bool {
    live.keychain
        .as_ref()
        .and_then(Option::as_ref)
        .is_some_and(|blob| Credentials::parse(blob.as_bytes()).is_ok())
}

/// The slot's bytes: Claude Code's live login when this place holds the slot's login
/// (the profile service asked, through `client`, when the blob names no account, as
/// after Claude Code's own refresh) and it is no older than the archive, else the
/// archive. A newer live login whose owner cannot be told and that may be the slot's
/// stops it: the archive's token may be the one Claude Code spent. So does an entry
/// set aside holding a newer login of the slot than the one exported. So does a newer
/// login of an account several slots have, `name` among them, when no record tells
/// which slot it is.
fn slot_bytes(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    name: &SlotName,
    live: &Live,
) -> Result<(Blob, From), Error> {
    let (blob, archived) = read_archive(session, name)?;
    let mut chosen = (blob, From::Archive);
    let mut login = archived.clone();
    if let Some((id, live_blob)) = live.primary() {
        if let Ok(candidate) = Credentials::parse(live_blob.as_bytes()) {
            let newer = identity::supersedes(&candidate, &archived);
            match lineage::owner_of(session, client, &candidate)? {
                PlaceOwner::Slot(owner) if owner == *name && newer => {
                    chosen = (live_blob.clone(), From::Live);
                    login = candidate;
                }
                PlaceOwner::Unknown { refused }
                    if newer && !creds::same_lineage(&candidate, &archived) =>
                {
                    let slot = session.catalog().get(name);
                    if slot.is_some_and(|s| lineage::may_be_slots(s, &candidate)) {
                        return Err(Error::UnidentifiedLogin {
                            origin: origin(&id),
                            refused,
                        });
                    }
                }
                PlaceOwner::Several(slots)
                    if newer
                        && !creds::same_lineage(&candidate, &archived)
                        && slots.contains(name) =>
                {
                    return Err(Error::AmbiguousLogin {
                        email: candidate.identity().email.clone(),
                        slots,
                    });
                }
                _ => {}
            }
        }
    }
    if let Some(entry) = lineage::held_aside(session, name, &login)? {
        return Err(Error::HeldAside {
            slot: name.clone(),
            entry,
        });
    }
    Ok(chosen)
}

/// Writes the slot's login `bytes` into Claude Code's credentials file through the
/// engine, as `use` switches a store (its account-bound members, every machine member
/// kept), archiving the login it replaces into that login's slot. Unless Claude
/// Code's Keychain item holds a login (`keychain_first`: it reads that one first), the
/// slot becomes the active one and this place's recorded slot.
fn into_claude_file(
    session: &mut Session<'_>,
    client: Option<&oauth::Client>,
    live: &Live,
    name: &SlotName,
    bytes: Blob,
    keychain_first: bool,
) -> Result<Vec<Left>, Error> {
    let mut tx = Transaction::new("export")?;
    let mut held = Secret::from("");
    let mut replaced = None;
    if let Some(file) = &live.file {
        (tx, replaced) = archive_replaced(session, client, tx, name, file)?;
        held = creds::stored_refresh_token(file.as_bytes()).map_err(|source| Error::Creds {
            origin: origin(&StoreId::ClaudeFile),
            source,
        })?;
    }
    let token = creds::stored_refresh_token(bytes.as_bytes()).unwrap_or_else(|_| Secret::from(""));
    let tx = tx.claude(StoreId::ClaudeFile, held, Change::Swap(bytes))?;
    if keychain_first {
        return Ok(session.commit(tx, None)?.left);
    }
    // Claude Code will use this slot's login from now on: the catalog must say so, or
    // a later refresh would treat the slot as not live here, rotate only its archive
    // and leave a spent refresh token in Claude Code's file.
    let mut catalog = session.catalog_file().set_active(Some(name))?;
    if let Some(record) = lineage::place_record(&session.place(), name, &token) {
        catalog = catalog.set_place(record)?;
    }
    if let Some((owner, login)) = &replaced {
        catalog = lineage::revived(catalog, owner, login)?;
    }
    let tx = session.catalog_step(tx, &catalog)?;
    Ok(session.commit(tx, Some(catalog))?.left)
}

/// Adds `archive:<owner> = file` when the file holds another slot's login newer than
/// its archive (and says whose and which); refuses a login that belongs to no slot or
/// whose slot cannot be told (the profile service asked, through `client`, when the
/// blob names no account). Husks and our own bytes need nothing.
fn archive_replaced(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    tx: Transaction,
    name: &SlotName,
    file: &Blob,
) -> Result<(Transaction, Option<(SlotName, Credentials)>), Error> {
    let login = match Credentials::parse(file.as_bytes()) {
        Ok(login) => login,
        Err(err) if err.is_husk() => return Ok((tx, None)),
        Err(source) => {
            return Err(Error::Creds {
                origin: origin(&StoreId::ClaudeFile),
                source,
            })
        }
    };
    let recorded = lineage::recorded_slot(session.catalog(), &session.place());
    let owner = match identity::identify(session, client, &login)?.prefer(recorded.as_ref()) {
        Owner::Slot(owner) => owner,
        Owner::Several(slots) => {
            return Err(Error::AmbiguousLogin {
                email: login.identity().email.clone(),
                slots,
            })
        }
        Owner::Unknown { email } => return Err(Error::UnknownLogin { email }),
        Owner::Undetermined { refused } => {
            return Err(Error::UnidentifiedLogin {
                origin: origin(&StoreId::ClaudeFile),
                refused,
            })
        }
    };
    if owner == *name {
        return Ok((tx, None));
    }
    let id = StoreId::Archive(owner.clone());
    let archived = session.read(&id)?;
    let newer = archived
        .as_ref()
        .and_then(|blob| Credentials::parse(blob.as_bytes()).ok())
        .is_none_or(|a| identity::supersedes(&login, &a) && a.raw() != login.raw());
    if newer {
        let tx = tx.step(id, archived, Some(file.clone()))?;
        return Ok((tx, Some((owner, login))));
    }
    Ok((tx, None))
}

/// Whether two paths name one file: equal as given, or in the same directory (after
/// resolving links in the directories) under the same name.
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    let dir = |p: &Path| {
        p.parent().and_then(|d| {
            std::fs::canonicalize(if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            })
            .ok()
        })
    };
    match (dir(a), dir(b)) {
        (Some(x), Some(y)) => x == y && a.file_name() == b.file_name(),
        _ => false,
    }
}
