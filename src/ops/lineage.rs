//! Lineage: which slot a Claude Code place holds, whether a login there continues a
//! slot's chain of refresh tokens, which refresh tokens the server refused, and what
//! the journal's attention folder still holds (DESIGN.md §4 "Places and lineage").
//!
//! A token continues slot S's chain when (a) it is the token we hold for S, or (b) a
//! place whose record names S (a catalog without place records: the active slot,
//! trusted on first use) holds a newer login (later `expiresAt`) of S's account and
//! organization: Claude Code rotated it there. A rotated login in a place recorded for
//! no slot is given to a slot by account only when exactly one slot has that account
//! and organization. A refused token is remembered by fingerprint and never sent
//! again, nor adopted. It reads stores and may ask the profile service; it never
//! writes.

use std::path::PathBuf;

use crate::catalog::{Catalog, PlaceRecord, RefreshOutcome, Slot, TokenFingerprint};
use crate::cli::SlotName;
use crate::creds::{self, same_lineage, Credentials, Identity};
use crate::engine::{AsideEntry, Entry, OurNew, Step};
use crate::oauth;
use crate::redact::Secret;
use crate::store::{Blob, Place, StoreId};
use crate::Error;

use super::identity::{self, Owner};
use super::live::Live;
use super::{origin, Session};

/// The slot `place` is recorded as holding; without a record, the active slot.
pub fn place_slot(catalog: &Catalog, place: &Place) -> Option<SlotName> {
    let recorded = place_key(place).and_then(|(dir, keychain)| {
        catalog
            .place(&dir, keychain.as_deref())
            .map(|r| r.slot.clone())
    });
    recorded.or_else(|| catalog.active.clone())
}

/// How the catalog names `place`: its credentials directory as text and its Keychain
/// service (`None` when the path is not UTF-8: such a place gets no record).
pub fn place_key(place: &Place) -> Option<(String, Option<String>)> {
    let dir = place.credentials_dir.to_str()?.to_owned();
    Some((dir, place.keychain.as_ref().map(|k| k.service.clone())))
}

/// The record saying `slot` is in `place`, last seen with `token`.
pub fn place_record(place: &Place, slot: &SlotName, token: &Secret) -> Option<PlaceRecord> {
    let (credentials_dir, keychain) = place_key(place)?;
    Some(PlaceRecord {
        credentials_dir,
        keychain,
        slot: slot.clone(),
        seen: Some(TokenFingerprint::of(token)),
    })
}

/// Whether `identity` is `slot`'s account and organization (account uuid, else email
/// ignoring ASCII case; organizations must not differ when both are known).
pub fn is_slots_account(slot: &Slot, identity: &Identity) -> bool {
    let one = Catalog {
        slots: vec![slot.clone()],
        ..Catalog::default()
    };
    matches!(identity::by_account(&one, identity), Owner::Slot(_))
}

/// The slots of the account and organization `identity` names, in catalog order.
pub fn account_slots<'c>(catalog: &'c Catalog, identity: &Identity) -> Vec<&'c Slot> {
    catalog
        .slots
        .iter()
        .filter(|slot| is_slots_account(slot, identity))
        .collect()
}

/// When slot `slot` was found dead and the fingerprint of the token the server
/// refused; a mark written before fingerprints were kept names the archive's token
/// (`archived`).
pub fn refused(slot: &Slot, archived: &Credentials) -> Option<(i64, TokenFingerprint)> {
    match slot.refresh {
        Some(RefreshOutcome::LoginDead { since_ms, refused }) => Some((
            since_ms,
            refused.unwrap_or_else(|| TokenFingerprint::of(archived.refresh_token())),
        )),
        _ => None,
    }
}

/// Since when `login` is dead for slot `slot`: its refresh token is the one refused.
pub fn dead_since(slot: &Slot, archived: &Credentials, login: &Credentials) -> Option<i64> {
    let (since, refused) = refused(slot, archived)?;
    (TokenFingerprint::of(login.refresh_token()) == refused).then_some(since)
}

/// Slot `name`'s login in this place when it is newer than the archive (Claude Code
/// rotated it, or the account signed in there again): rules (b) and the unique-account
/// rule of the module docs. A newer live login whose account cannot be told, in a
/// place recorded for `name`, stops the refresh: the archive's token may be spent.
pub fn newer_live_login(
    session: &Session<'_>,
    client: &oauth::Client,
    name: &SlotName,
    live: &Live,
    archived: &Credentials,
) -> Result<Option<Credentials>, Error> {
    let Some((id, blob)) = live.primary() else {
        return Ok(None);
    };
    // A husk or a broken blob is never adopted, nor the same login, nor an older one.
    let Ok(login) = Credentials::parse(blob.as_bytes()) else {
        return Ok(None);
    };
    let slot = session
        .catalog()
        .get(name)
        .ok_or_else(|| Error::NoSuchSlot {
            slot: name.to_string(),
        })?;
    let refused = dead_since(slot, archived, &login).is_some();
    if same_lineage(&login, archived) || refused || !identity::supersedes(&login, archived) {
        return Ok(None);
    }
    if let Some(owner) = identity::by_lineage(session, &login)? {
        return Ok((owner == *name).then_some(login));
    }
    let recorded = place_slot(session.catalog(), &session.place()).as_ref() == Some(name);
    let known = match account_of(client, &login) {
        Some(identity) => identity,
        None if recorded => {
            return Err(Error::UnidentifiedLogin {
                origin: origin(&id),
            })
        }
        None => return Ok(None),
    };
    let belongs = if recorded {
        is_slots_account(slot, &known)
    } else {
        let slots = account_slots(session.catalog(), &known);
        slots.len() == 1 && slots[0].name == *name
    };
    Ok(belongs.then_some(login))
}

/// Whose account `login` is: what the blob says, else the profile service.
fn account_of(client: &oauth::Client, login: &Credentials) -> Option<Identity> {
    if identity::names_account(login.identity()) {
        return Some(login.identity().clone());
    }
    let profile = client.profile(login.access_token()).ok()?;
    Some(identity::from_profile(&profile, login))
}

/// A store of Claude Code's that holds slot `name`'s login, with the refresh token
/// it holds (the expected login of a step into it).
#[derive(Debug)]
pub struct Copy {
    pub id: StoreId,
    pub token: Secret,
}

/// Claude Code's stores that hold slot `name`'s login `current`: those holding its
/// refresh token, and, when the place is recorded for `name`, those holding another
/// (stale) login of the same account, so that its Keychain item and file never end up
/// holding two lineages.
pub fn copies(
    session: &Session<'_>,
    name: &SlotName,
    live: &Live,
    current: &Credentials,
) -> Vec<Copy> {
    let recorded = place_slot(session.catalog(), &session.place()).as_ref() == Some(name);
    let mut copies = Vec::new();
    for (id, blob) in live.held() {
        let Ok(token) = creds::stored_refresh_token(blob.as_bytes()) else {
            continue;
        };
        let same = token == *current.refresh_token();
        let stale = !same
            && recorded
            && !token.is_empty()
            && Credentials::parse(blob.as_bytes())
                .is_ok_and(|login| login.identity().same_account(current.identity()) == Some(true));
        if same || stale {
            copies.push(Copy { id, token });
        }
    }
    copies
}

/// Whether slot `name`'s login is in this place: a store there holds the archive's
/// refresh token, or the place is recorded for `name`.
pub fn is_live_here(
    session: &Session<'_>,
    name: &SlotName,
    live: &Live,
    archived: &Credentials,
) -> bool {
    if place_slot(session.catalog(), &session.place()).as_ref() == Some(name) {
        return true;
    }
    live.held().iter().any(|(_, blob)| {
        creds::stored_refresh_token(blob.as_bytes()).is_ok_and(|t| t == *archived.refresh_token())
    })
}

/// An entry set aside in `journal/attention/` that holds a newer login of slot `name`
/// than `current` (a later `expiresAt`, another refresh token): refreshing `current`
/// would send a token older than one we hold.
pub fn held_aside(
    session: &Session<'_>,
    name: &SlotName,
    current: &Credentials,
) -> Result<Option<PathBuf>, Error> {
    let aside = session.journal().attention_entries()?;
    Ok(held_aside_in(&aside, name, current))
}

/// [`held_aside`] over entries already read.
pub fn held_aside_in(
    aside: &[AsideEntry],
    name: &SlotName,
    current: &Credentials,
) -> Option<PathBuf> {
    let archive = StoreId::Archive(name.clone());
    aside.iter().find_map(|(path, entry)| {
        let entry = entry.as_ref().ok()?;
        holds_newer(entry, &archive, current).then(|| path.clone())
    })
}

fn holds_newer(entry: &Entry, archive: &StoreId, current: &Credentials) -> bool {
    entry.steps.iter().any(|step| {
        let Step::Ours(ours) = step else { return false };
        if ours.store != *archive {
            return false;
        }
        let login = match &ours.new {
            OurNew::Bytes(Some(new)) => parse(new),
            OurNew::Bytes(None) => None,
            OurNew::Grant => granted(entry, ours.expected.as_ref()),
        };
        login.is_some_and(|login| {
            login.refresh_token() != current.refresh_token()
                && login.expires_at_ms() > current.expires_at_ms()
        })
    })
}

fn parse(blob: &Blob) -> Option<Credentials> {
    Credentials::parse(blob.as_bytes()).ok()
}

/// The login a grant step of `entry` leads to.
fn granted(entry: &Entry, expected: Option<&Blob>) -> Option<Credentials> {
    let grant = entry.grant.as_ref()?;
    let base = parse(expected?)?;
    let refreshed = creds::Refreshed::from_grant(&grant.tokens, grant.received_at_ms);
    Credentials::parse(&base.with_refreshed_tokens(&refreshed).ok()?).ok()
}
