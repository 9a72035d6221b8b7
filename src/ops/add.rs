//! `add`: register a login as a slot, or update the slot that already holds its
//! account.
//!
//! ```text
//! read source (Keychain item / credentials file / --path) ─ parse (husk refused)
//!   profile request ─ fails ─> identity from the blob, "offline"
//!   identity rule ─ a slot S ─> archive:S = source (unless S holds a newer login),
//!                 │             identity fields refreshed
//!                 └ none ─────> new slot (--name, else from the email)
//!   active = the new slot when it is the first, or when the source is the live login
//!   one transaction: archive:S, catalog
//! ```
//!
//! It never writes Claude Code's stores and never archives over another account.

use std::path::PathBuf;

use crate::catalog::{CatalogFile, Organization, Slot};
use crate::cli::{SlotName, MAX_NAME_LEN, RESERVED_NAME};
use crate::creds::{Credentials, Identity};
use crate::engine::Transaction;
use crate::oauth::{self, Profile};
use crate::store::file::MAX_FILE_LEN;
use crate::store::{Blob, StoreId};
use crate::{fs, Error};

use super::claude_json;
use super::identity::{self, Owner};
use super::lineage;
use super::live::Live;
use super::{origin, Session, SlotSummary};

/// Where the login comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The platform's default: Claude Code's Keychain item when it holds a login,
    /// else its credentials file.
    Live,
    Keychain,
    ClaudeFile,
    /// Any credentials file.
    Path(PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Added,
    Updated,
}

/// What `add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub action: Action,
    pub slot: SlotSummary,
    /// The profile service was not reachable; identity came from the blob.
    pub offline: bool,
    /// The slot already held a newer login of the account, which was kept.
    pub kept_newer: bool,
    /// `--name` was given but the account already had this other slot.
    pub name_ignored: Option<SlotName>,
}

/// Adds (or updates) the slot for the login at `source`.
pub fn run(
    session: &mut Session<'_>,
    client: &oauth::Client,
    source: &Source,
    name: Option<&SlotName>,
) -> Result<Added, Error> {
    let live = Live::read(session.stores())?;
    let (bytes, from) = read_source(session, &live, source)?;
    let login = Credentials::parse(bytes.as_bytes()).map_err(|source| Error::Creds {
        origin: from.clone(),
        source,
    })?;
    let is_live = live
        .primary()
        .is_some_and(|(_, blob)| blob.as_bytes() == bytes.as_bytes());
    let answer = client.profile(login.access_token());
    let refused = matches!(
        answer,
        Err(oauth::Error::Unauthorized { .. } | oauth::Error::LoginDead { .. })
    );
    let profile = answer.ok();
    let known = Known::of(&login, profile.as_ref());
    let oauth_account = if is_live {
        shown_account(session, &known)
    } else {
        None
    };
    let plan = Plan {
        bytes: &bytes,
        login: &login,
        known: &known,
        is_live,
        offline: profile.is_none(),
        oauth_account,
    };
    // Only the place's own record tells apart slots of one account, never the active
    // slot; else `--name` says which.
    let recorded = is_live
        .then(|| lineage::recorded_slot(session.catalog(), &session.place()))
        .flatten();
    match identity::owner(session, &login, &known.identity)?.prefer(recorded.as_ref()) {
        Owner::Slot(slot) => update(session, &plan, &slot, name),
        Owner::Several(slots) => match name.filter(|n| slots.contains(n)) {
            Some(chosen) => update(session, &plan, chosen, name),
            // Archiving it into the wrong one would lose that slot's own login.
            None => Err(Error::AmbiguousLogin {
                email: known.identity.email.clone(),
                slots,
            }),
        },
        // A login that names no account (Claude Code drops `tokenAccount` when it
        // refreshes on its own) may be an existing slot's: a new slot holding it would
        // take it from that slot by lineage, and that slot's spent token be sent.
        Owner::Undetermined { .. } if may_be_a_slots(session, &login) => {
            Err(Error::UnidentifiedLogin {
                origin: from,
                refused,
            })
        }
        Owner::Unknown { .. } | Owner::Undetermined { .. } => insert(session, &plan, name),
    }
}

/// Whether a login whose account cannot be told may be one of the catalog's slots.
fn may_be_a_slots(session: &Session<'_>, login: &Credentials) -> bool {
    session
        .catalog()
        .slots
        .iter()
        .any(|slot| lineage::may_be_slots(slot, login))
}

/// The `oauthAccount` of Claude Code's settings file when it is this account's (an
/// unreadable file is no reason to fail `add`: it is display data).
fn shown_account(session: &Session<'_>, known: &Known) -> Option<String> {
    let text = claude_json::oauth_account(&session.paths().claude_json).ok()??;
    let uuid = known.identity.account_uuid.as_deref();
    claude_json::names_account(&text, uuid).then_some(text)
}

/// What we know about the login's account and plan.
#[derive(Debug)]
struct Known {
    identity: Identity,
    plan: Option<String>,
    rate_limit_tier: Option<String>,
}

impl Known {
    fn of(login: &Credentials, profile: Option<&Profile>) -> Known {
        let organization = profile.and_then(|p| p.organization.as_ref());
        Known {
            identity: profile.map_or_else(
                || login.identity().clone(),
                |p| identity::from_profile(p, login),
            ),
            plan: login
                .subscription_type()
                .map(str::to_owned)
                .or_else(|| organization.and_then(|o| o.organization_type.clone())),
            rate_limit_tier: login
                .rate_limit_tier()
                .map(str::to_owned)
                .or_else(|| organization.and_then(|o| o.rate_limit_tier.clone())),
        }
    }

    /// Writes what is known into `slot`, keeping what it had where we know nothing.
    fn apply_to(&self, slot: &mut Slot) {
        let id = &self.identity;
        keep_or_set(&mut slot.email, id.email.as_ref());
        keep_or_set(&mut slot.account_uuid, id.account_uuid.as_ref());
        keep_or_set(&mut slot.plan, self.plan.as_ref());
        keep_or_set(&mut slot.rate_limit_tier, self.rate_limit_tier.as_ref());
        if let Some(uuid) = &id.organization_uuid {
            let name = id
                .organization_name
                .clone()
                .or_else(|| slot.organization.as_ref().and_then(|o| o.name.clone()));
            slot.organization = Some(Organization {
                uuid: uuid.clone(),
                name,
            });
        }
    }
}

fn keep_or_set(field: &mut Option<String>, value: Option<&String>) {
    if let Some(value) = value {
        *field = Some(value.clone());
    }
}

/// Everything `update` and `insert` share.
struct Plan<'p> {
    bytes: &'p Blob,
    login: &'p Credentials,
    known: &'p Known,
    is_live: bool,
    offline: bool,
    /// Claude Code's `oauthAccount` for this login (only when it is the live one).
    oauth_account: Option<String>,
}

/// The source's bytes and how to name the source in messages.
fn read_source(
    session: &Session<'_>,
    live: &Live,
    source: &Source,
) -> Result<(Blob, String), Error> {
    let (blob, from) = match source {
        Source::Path(path) => {
            let read = fs::read_regular(path, MAX_FILE_LEN)?;
            (read.map(|r| Blob::new(r.bytes)), path.display().to_string())
        }
        Source::Keychain if !live.has_keychain() => {
            return Err(Error::Usage {
                message: "--from keychain: there is no Keychain on this platform".into(),
                hint: Some("use --from file (the default here)".into()),
            })
        }
        Source::Keychain => store_content(session, &StoreId::ClaudeKeychain)?,
        Source::ClaudeFile => store_content(session, &StoreId::ClaudeFile)?,
        Source::Live => match live.primary() {
            Some((id, blob)) => (Some(blob.clone()), origin(&id)),
            None => (None, origin(&StoreId::ClaudeFile)),
        },
    };
    match blob {
        Some(blob) => Ok((blob, from)),
        None => Err(Error::NoLogin { origin: from }),
    }
}

fn store_content(session: &Session<'_>, id: &StoreId) -> Result<(Option<Blob>, String), Error> {
    Ok((session.read(id)?, origin(id)))
}

/// The account already has `slot`: archive the source there (unless the archive is a
/// newer login of it) and refresh the slot's identity.
fn update(
    session: &mut Session<'_>,
    plan: &Plan<'_>,
    slot: &SlotName,
    name: Option<&SlotName>,
) -> Result<Added, Error> {
    let id = StoreId::Archive(slot.clone());
    let current = session.read(&id)?;
    let kept_newer = current
        .as_ref()
        .and_then(|blob| Credentials::parse(blob.as_bytes()).ok())
        .is_some_and(|archived| !identity::supersedes(plan.login, &archived));
    let new = if kept_newer {
        current.clone()
    } else {
        Some(plan.bytes.clone())
    };
    let archive_changes = new != current;
    let mut catalog = session.catalog_file().update_slot(slot, |s| {
        plan.known.apply_to(s);
        if plan.oauth_account.is_some() {
            s.oauth_account.clone_from(&plan.oauth_account);
        }
        if archive_changes {
            s.refresh = None;
        }
    })?;
    if plan.is_live {
        catalog = catalog.set_active(Some(slot))?;
        // A live login older than the archive, kept out of it, is not vouched for.
        let ours = new
            .as_ref()
            .and_then(|blob| Credentials::parse(blob.as_bytes()).ok())
            .is_some_and(|archived| archived.refresh_token() == plan.login.refresh_token());
        catalog = if ours {
            record_place(session, catalog, slot, plan.login)?
        } else {
            match lineage::place_record_unseen(&session.place(), slot) {
                Some(record) => catalog.set_place(record)?,
                None => catalog,
            }
        };
    }
    let tx = Transaction::new("add")?.step(id, current, new)?;
    let tx = session.catalog_step(tx, &catalog)?;
    let summary = summary(&catalog, slot);
    session.commit(tx, Some(catalog))?;
    Ok(Added {
        action: Action::Updated,
        slot: summary,
        offline: plan.offline,
        kept_newer,
        name_ignored: name.filter(|n| *n != slot).cloned(),
    })
}

/// A new slot for an account without one.
fn insert(
    session: &mut Session<'_>,
    plan: &Plan<'_>,
    name: Option<&SlotName>,
) -> Result<Added, Error> {
    let name = match name {
        Some(name) => name.clone(),
        None => default_name(plan.known.identity.email.as_deref()),
    };
    let id = StoreId::Archive(name.clone());
    let current = session.read(&id)?;
    // A leftover archive under a name the catalog does not list may be a login too.
    let orphan = current
        .as_ref()
        .is_some_and(|blob| blob.as_bytes() != plan.bytes.as_bytes());
    if orphan || session.catalog().get(&name).is_some() {
        return Err(Error::SlotExists { name });
    }
    let mut slot = Slot::new(name.clone());
    plan.known.apply_to(&mut slot);
    slot.created_at_ms = Some(session.now());
    slot.oauth_account.clone_from(&plan.oauth_account);
    let first = session.catalog().slots.is_empty();
    let mut catalog: CatalogFile = session.catalog_file().add_slot(slot)?;
    if first || plan.is_live {
        catalog = catalog.set_active(Some(&name))?;
    }
    if plan.is_live {
        catalog = record_place(session, catalog, &name, plan.login)?;
    }
    let tx = Transaction::new("add")?.step(id, current, Some(plan.bytes.clone()))?;
    let tx = session.catalog_step(tx, &catalog)?;
    let summary = summary(&catalog, &name);
    session.commit(tx, Some(catalog))?;
    Ok(Added {
        action: Action::Added,
        slot: summary,
        offline: plan.offline,
        kept_newer: false,
        name_ignored: None,
    })
}

/// `catalog` recording that this place holds slot `slot`'s `login`.
fn record_place(
    session: &Session<'_>,
    catalog: CatalogFile,
    slot: &SlotName,
    login: &Credentials,
) -> Result<CatalogFile, Error> {
    match lineage::place_record(&session.place(), slot, login.refresh_token()) {
        Some(record) => catalog.set_place(record),
        None => Ok(catalog),
    }
}

fn summary(catalog: &CatalogFile, name: &SlotName) -> SlotSummary {
    let catalog = catalog.catalog();
    let slot = catalog.get(name).expect("the slot was just written");
    SlotSummary::of(catalog, slot)
}

/// A slot name from an email's local part: lower case, every other character `-`,
/// leading `-`/`_` dropped, at most [`MAX_NAME_LEN`] bytes; `account` when nothing
/// valid is left.
pub fn default_name(email: Option<&str>) -> SlotName {
    let local = email.map_or("", |e| e.split('@').next().unwrap_or(""));
    let mapped: String = local
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_start_matches(['-', '_']);
    let cut: String = trimmed.chars().take(MAX_NAME_LEN).collect();
    let cut = cut.trim_end_matches('-');
    match SlotName::parse(cut) {
        Ok(name) if name.as_str() != RESERVED_NAME => name,
        _ => SlotName::parse("account").expect("a valid name"),
    }
}

#[cfg(test)]
mod tests {
    use super::default_name;

    fn name(email: Option<&str>) -> String {
        default_name(email).to_string()
    }

    #[test]
    fn default_names_come_from_the_local_part() {
        assert_eq!(name(Some("Ada.Lovelace@example.com")), "ada-lovelace");
        assert_eq!(name(Some("__x+tag@example.com")), "x-tag");
        assert_eq!(name(Some("all@example.com")), "account");
        assert_eq!(name(Some("@example.com")), "account");
        assert_eq!(name(Some("ünï@example.com")), "n");
        assert_eq!(name(Some("éé@example.com")), "account");
        assert_eq!(name(None), "account");
        let long = format!("{}@example.com", "a".repeat(40));
        assert_eq!(name(Some(&long)), "a".repeat(32));
    }
}
