//! Lineage: which slot a Claude Code place holds, whether a login there continues a
//! slot's chain of refresh tokens, which refresh tokens the server refused, and what
//! the journal's attention folder still holds (DESIGN.md §4 "Places and lineage").
//!
//! Which slot a place holds is read from the place, never trusted from the catalog:
//! (a) a slot's archive holds the very refresh token; else (b) the login's account
//! and organization is that of the slot the place's record names (an explicit record:
//! the active slot never tells apart two slots of one account); else (c) exactly one
//! slot has that account and organization. A newer login there (later `expiresAt`) of the
//! slot's is adopted: Claude Code rotated it, or the account signed in again. A refused
//! token is remembered by fingerprint and never sent again, nor adopted. It reads
//! stores and may ask the profile service; it never writes.

use std::path::PathBuf;

use crate::catalog::{Catalog, CatalogFile, PlaceRecord, RefreshOutcome, Slot, TokenFingerprint};
use crate::cli::SlotName;
use crate::creds::{self, same_lineage, Credentials, Identity};
use crate::engine::{AsideEntry, Entry, OurNew, Step};
use crate::oauth;
use crate::redact::Secret;
use crate::store::{Blob, Place, StoreId};
use crate::Error;

use super::identity;
use super::live::Live;
use super::{origin, Session};

/// The slot `place` is recorded as holding; without a record, the active slot (what
/// to show and where to start, never whose a login is).
pub fn place_slot(catalog: &Catalog, place: &Place) -> Option<SlotName> {
    recorded_slot(catalog, place).or_else(|| catalog.active.clone())
}

/// The slot `place`'s own record names (written only where the place was seen holding
/// that slot's login): what tells apart slots of one account.
pub fn recorded_slot(catalog: &Catalog, place: &Place) -> Option<SlotName> {
    place_key(place).and_then(|(dir, keychain)| {
        catalog
            .place(&dir, keychain.as_deref())
            .map(|r| r.slot.clone())
    })
}

/// Whether `place`'s record names `slot` and says we last saw or wrote `token` there:
/// a later token in the slot's archive then continues from it, so it is spent.
pub fn seen_here(catalog: &Catalog, place: &Place, slot: &SlotName, token: &Secret) -> bool {
    place_key(place)
        .and_then(|(dir, keychain)| catalog.place(&dir, keychain.as_deref()))
        .is_some_and(|r| r.slot == *slot && r.seen == Some(TokenFingerprint::of(token)))
}

/// How the catalog names `place`: its credentials directory as text and its Keychain
/// service (`None` when the path is not UTF-8: such a place gets no record).
pub fn place_key(place: &Place) -> Option<(String, Option<String>)> {
    let dir = place.credentials_dir.to_str()?.to_owned();
    Some((dir, place.keychain.as_ref().map(|k| k.service.clone())))
}

/// The record saying `place` holds `slot`'s login without a token we can vouch for
/// (one we did not write there, nor archive): `seen` stays empty, so it never reads as
/// a token of ours that the slot's chain has moved on from.
pub fn place_record_unseen(place: &Place, slot: &SlotName) -> Option<PlaceRecord> {
    place_record(place, slot, &Secret::from("")).map(|record| PlaceRecord {
        seen: None,
        ..record
    })
}

/// The record saying `slot` is in `place`, last seen with `token`: one we wrote there
/// or hold in the slot's archive.
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
    identity::is_account_of(slot, identity)
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

/// `catalog` with slot `name`'s dead mark cleared when its archive now holds `login`,
/// another token than the refused one (a mark written before fingerprints were kept
/// named whatever the archive held, which is no longer there).
pub fn revived(
    catalog: CatalogFile,
    name: &SlotName,
    login: &Credentials,
) -> Result<CatalogFile, Error> {
    let Some(RefreshOutcome::LoginDead { refused, .. }) =
        catalog.catalog().get(name).and_then(|s| s.refresh)
    else {
        return Ok(catalog);
    };
    if refused == Some(TokenFingerprint::of(login.refresh_token())) {
        return Ok(catalog);
    }
    catalog.set_refresh(name, None)
}

/// Since when `login` is dead for slot `slot`: its refresh token is the one refused.
pub fn dead_since(slot: &Slot, archived: &Credentials, login: &Credentials) -> Option<i64> {
    let (since, refused) = refused(slot, archived)?;
    (TokenFingerprint::of(login.refresh_token()) == refused).then_some(since)
}

/// Whose login a place holds, read from the place itself (its primary store: the
/// Keychain item when it holds something, else the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOwner {
    /// The place holds this slot's login.
    Slot(SlotName),
    /// No login (no store, a husk, bytes nobody can read), or an account no slot has.
    Nobody,
    /// A login whose slot cannot be told: its account is unknown (the blob names none
    /// and the profile service did not say). `refused`: the profile service refused
    /// its access token (the network is fine).
    Unknown { refused: bool },
    /// A login of an account several slots have (in catalog order), none of which the
    /// place's record names: any of them may be its owner.
    Several(Vec<SlotName>),
}

/// Whose login `live` (this place) holds, by the place's own content; the place's
/// record (never the active slot) only tells apart slots the content cannot: (a) a slot's archive holds the very refresh token; else (b) the login's
/// account and organization (the blob's, else the profile service's when `client`
/// is given) is the recorded slot's; else (c) exactly one slot has that account. A
/// login whose account cannot be told is [`PlaceOwner::Unknown`], whatever the
/// record says: a login is never given to a slot on the catalog's word alone.
pub fn place_owner(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    live: &Live,
) -> Result<PlaceOwner, Error> {
    let Some((_, blob)) = live.primary() else {
        return Ok(PlaceOwner::Nobody);
    };
    let Ok(login) = Credentials::parse(blob.as_bytes()) else {
        return Ok(PlaceOwner::Nobody);
    };
    owner_of(session, client, &login)
}

/// [`place_owner`] of a login read from this place.
pub fn owner_of(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    login: &Credentials,
) -> Result<PlaceOwner, Error> {
    if let Some(slot) = identity::by_lineage(session, login)? {
        return Ok(PlaceOwner::Slot(slot));
    }
    Ok(owner_by_account(session, client, login))
}

/// Rules (b) and (c) of [`place_owner`], for a login no archive shares a token with.
pub fn owner_by_account(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    login: &Credentials,
) -> PlaceOwner {
    let catalog = session.catalog();
    let recorded = recorded_slot(catalog, &session.place());
    let account = match account_of(client, login) {
        Ok(account) => account,
        Err(refused) => return PlaceOwner::Unknown { refused },
    };
    let slots = account_slots(catalog, &account);
    if let Some(slot) = recorded.filter(|r| slots.iter().any(|s| s.name == *r)) {
        return PlaceOwner::Slot(slot);
    }
    match slots.as_slice() {
        [] => PlaceOwner::Nobody,
        [one] => PlaceOwner::Slot(one.name.clone()),
        several => PlaceOwner::Several(several.iter().map(|s| s.name.clone()).collect()),
    }
}

/// Whose account `login` is: what the blob says, else the profile service (when
/// `client` is given). `Err(refused)` when it cannot be told; `refused`: the service
/// refused the login's access token (expired or revoked), rather than not answering.
fn account_of(client: Option<&oauth::Client>, login: &Credentials) -> Result<Identity, bool> {
    if identity::names_account(login.identity()) {
        return Ok(login.identity().clone());
    }
    let Some(client) = client else {
        return Err(false);
    };
    match client.profile(login.access_token()) {
        Ok(profile) => Ok(identity::from_profile(&profile, login)),
        Err(err) => Err(matches!(
            err,
            oauth::Error::Unauthorized { .. } | oauth::Error::LoginDead { .. }
        )),
    }
}

/// Whether `login`, whose account cannot be told, may still be slot `slot`'s: Claude
/// Code drops `claudeAiOauth.tokenAccount` when it rebuilds a login it refreshed on
/// its own, keeping only the top-level `organizationUuid`, so a login rotated there
/// names an organization at most. It may be the slot's unless both organizations are
/// known and differ. A hint for what to look at closer, never a reason to archive.
pub fn may_be_slots(slot: &Slot, login: &Credentials) -> bool {
    let theirs = login.identity().organization_uuid.as_deref();
    match (slot.organization.as_ref(), theirs) {
        (Some(ours), Some(theirs)) => ours.uuid.eq_ignore_ascii_case(theirs),
        _ => true,
    }
}

/// Slot `name`'s login in this place when it is newer than the archive (Claude Code
/// rotated it, or the account signed in there again): the place holds `name`'s login
/// by [`place_owner`]'s rules, the profile service asked where the blob names no
/// account. A newer live login whose owner cannot be told, and that may be `name`'s
/// (its organization does not rule it out, or several slots of its account include
/// `name` and no record tells them apart), stops the refresh: the archive's token may
/// be the one Claude Code spent.
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
    match owner_of(session, Some(client), &login)? {
        PlaceOwner::Slot(owner) => Ok((owner == *name).then_some(login)),
        PlaceOwner::Unknown { refused } if may_be_slots(slot, &login) => {
            Err(Error::UnidentifiedLogin {
                origin: origin(&id),
                refused,
            })
        }
        // Several slots of the account and no record to tell them apart: adopting it
        // may move another slot's login over this one's, and sending the archive's
        // token may spend what Claude Code already spent.
        PlaceOwner::Several(slots) if slots.contains(name) => Err(Error::AmbiguousLogin {
            email: login.identity().email.clone(),
            slots,
        }),
        PlaceOwner::Unknown { .. } | PlaceOwner::Several(_) | PlaceOwner::Nobody => Ok(None),
    }
}

/// A store of Claude Code's that holds slot `name`'s login, with the refresh token
/// it holds (the expected login of a step into it).
#[derive(Debug)]
pub struct Copy {
    pub id: StoreId,
    pub token: Secret,
}

/// Claude Code's stores that hold slot `name`'s login `current`: those holding its
/// refresh token, and, when the place holds `name`'s login (`owned`), those holding
/// another (stale) login of the same account and organization, so that its Keychain
/// item and file never end up holding two lineages.
pub fn copies(live: &Live, current: &Credentials, owned: bool) -> Vec<Copy> {
    let mut copies = Vec::new();
    for (id, blob) in live.held() {
        let Ok(token) = creds::stored_refresh_token(blob.as_bytes()) else {
            continue;
        };
        let same = token == *current.refresh_token();
        let stale = !same
            && owned
            && !token.is_empty()
            && Credentials::parse(blob.as_bytes())
                .is_ok_and(|login| same_account_and_organization(&login, current));
        if same || stale {
            copies.push(Copy { id, token });
        }
    }
    copies
}

/// Whether two logins are of one account (both name it) and organization (they do not
/// name two).
fn same_account_and_organization(a: &Credentials, b: &Credentials) -> bool {
    let (a, b) = (a.identity(), b.identity());
    let organizations = match (&a.organization_uuid, &b.organization_uuid) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => true,
    };
    a.same_account(b) == Some(true) && organizations
}

/// Whether slot `name`'s login may be in this place: a store there holds the
/// archive's very refresh token, or the place holds `name`'s login by
/// [`place_owner`]'s rules (told without the network), or it holds a login whose
/// owner cannot be told without the network and that may be `name`'s
/// ([`may_be_slots`]: a refresh then looks closer, under the locks, with the profile
/// service, before it sends anything).
pub fn is_live_here(
    session: &Session<'_>,
    name: &SlotName,
    live: &Live,
    archived: &Credentials,
) -> Result<bool, Error> {
    let holds_token = live.held().iter().any(|(_, blob)| {
        creds::stored_refresh_token(blob.as_bytes()).is_ok_and(|t| t == *archived.refresh_token())
    });
    if holds_token {
        return Ok(true);
    }
    let Some(login) = live
        .primary()
        .and_then(|(_, blob)| Credentials::parse(blob.as_bytes()).ok())
    else {
        return Ok(false);
    };
    Ok(match owner_of(session, None, &login)? {
        PlaceOwner::Slot(owner) => owner == *name,
        PlaceOwner::Unknown { .. } => session
            .catalog()
            .get(name)
            .is_some_and(|slot| may_be_slots(slot, &login)),
        PlaceOwner::Several(slots) => slots.contains(name),
        PlaceOwner::Nobody => false,
    })
}

/// Whether this place provably holds slot `name`'s login (told without the network):
/// what a place record may be written from.
pub fn holds(session: &Session<'_>, name: &SlotName, live: &Live) -> Result<bool, Error> {
    Ok(place_owner(session, None, live)? == PlaceOwner::Slot(name.clone()))
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
