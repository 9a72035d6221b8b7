//! The catalog as plain data: the slots with their identity, last usage snapshot and
//! last refresh outcome, which slot is active, the place records (which slot each
//! Claude Code login location last held), and the lookups commands need (`#N`, name,
//! account uuid, email, place).
//!
//! It never reads or writes text: `read` builds these values from a parsed document,
//! `encode` and `edit` turn them back into JSON. Nothing here is a secret (a catalog
//! never holds a token), so the types derive `Debug`.

use super::TokenFingerprint;
use crate::cli::{SlotName, SlotRef};
use crate::Error;

/// What the catalog says, without the text it was read from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// The active slot; `None` when `active` is absent, null, or names no slot.
    pub active: Option<SlotName>,
    /// The slots in file order; slot `#N` is `slots[N - 1]`.
    pub slots: Vec<Slot>,
    /// What we last put or saw in each place, in file order; at most one record per
    /// place, each naming a slot in `slots` (a record naming no slot is not read).
    pub places: Vec<PlaceRecord>,
}

/// One place (a Claude Code login location) and the slot we last put or saw there. A
/// hint, rebuilt when missing: the original tool does not know it and may drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRecord {
    /// The canonical path of the directory holding the place's `.credentials.json`.
    pub credentials_dir: String,
    /// On macOS, the Keychain service name of the place's item; `None` elsewhere.
    pub keychain: Option<String>,
    pub slot: SlotName,
    /// The last refresh token we saw or wrote there.
    pub seen: Option<TokenFingerprint>,
}

/// One slot: a saved Claude login and what we last learned about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub name: SlotName,
    pub email: Option<String>,
    pub account_uuid: Option<String>,
    pub organization: Option<Organization>,
    /// The subscription (`max`, `pro`, `team`, ...), as the server names it.
    pub plan: Option<String>,
    pub rate_limit_tier: Option<String>,
    /// When the slot was added, in milliseconds since the Unix epoch.
    pub created_at_ms: Option<i64>,
    pub usage: Option<UsageSnapshot>,
    pub refresh: Option<RefreshOutcome>,
    /// Claude Code's `oauthAccount` from `~/.claude.json` for this account, as compact
    /// JSON text of an object (opaque to us; `use` puts it back).
    pub oauth_account: Option<String>,
}

/// The organization a login belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub uuid: String,
    pub name: Option<String>,
}

/// The last usage answer for a slot and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSnapshot {
    pub fetched_at_ms: i64,
    pub five_hour: Option<UsageWindow>,
    pub seven_day: Option<UsageWindow>,
    pub seven_day_sonnet: Option<UsageWindow>,
    pub seven_day_opus: Option<UsageWindow>,
}

/// One rate-limit window of a usage answer.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageWindow {
    /// Percent of the window used (0 to 100, as the server reports it).
    pub utilization: f64,
    /// When the window resets, in milliseconds since the Unix epoch.
    pub resets_at_ms: Option<i64>,
}

/// How the last refresh of a slot's login went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The server issued new tokens at `at_ms`.
    Ok { at_ms: i64 },
    /// The server refused the refresh token (re-login needed), first seen at
    /// `since_ms`; `refused` is that token, when known (a catalog written before the
    /// fingerprint was recorded does not say), so it is never sent again.
    LoginDead {
        since_ms: i64,
        refused: Option<TokenFingerprint>,
    },
}

impl Slot {
    /// A slot that knows only its name.
    pub fn new(name: SlotName) -> Self {
        Slot {
            name,
            email: None,
            account_uuid: None,
            organization: None,
            plan: None,
            rate_limit_tier: None,
            created_at_ms: None,
            usage: None,
            refresh: None,
            oauth_account: None,
        }
    }
}

impl PlaceRecord {
    /// Both records are of one place: the same `credentials_dir` and `keychain`.
    pub fn same_place(&self, other: &PlaceRecord) -> bool {
        self.is_at(&other.credentials_dir, other.keychain.as_deref())
    }

    /// This is the record of the place `(credentials_dir, keychain)`, compared exactly.
    pub fn is_at(&self, credentials_dir: &str, keychain: Option<&str>) -> bool {
        self.credentials_dir == credentials_dir && self.keychain.as_deref() == keychain
    }
}

impl Catalog {
    /// The slot called `name`.
    pub fn get(&self, name: &SlotName) -> Option<&Slot> {
        self.slots.iter().find(|slot| &slot.name == name)
    }

    /// The index into `slots` of the slot called `name`.
    pub fn position(&self, name: &SlotName) -> Option<usize> {
        self.slots.iter().position(|slot| &slot.name == name)
    }

    /// Slot `#number` (1-based, in file order, as `list` numbers them).
    pub fn by_number(&self, number: u32) -> Option<&Slot> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.slots.get(index)
    }

    /// The slot a user named, by name or by `#N`.
    pub fn lookup(&self, slot: &SlotRef) -> Option<&Slot> {
        match slot {
            SlotRef::Name(name) => self.get(name),
            SlotRef::Index(number) => self.by_number(*number),
        }
    }

    /// [`Catalog::lookup`], with an error naming the slot as typed when there is none.
    pub fn find(&self, slot: &SlotRef) -> Result<&Slot, Error> {
        self.lookup(slot).ok_or_else(|| Error::NoSuchSlot {
            slot: slot.to_string(),
        })
    }

    /// The active slot, when one is set.
    pub fn active_slot(&self) -> Option<&Slot> {
        self.active.as_ref().and_then(|name| self.get(name))
    }

    /// The record of the place `(credentials_dir, keychain)`, compared exactly.
    pub fn place(&self, credentials_dir: &str, keychain: Option<&str>) -> Option<&PlaceRecord> {
        self.places
            .iter()
            .find(|p| p.is_at(credentials_dir, keychain))
    }

    /// Slots whose account uuid is `uuid` (exactly), in file order.
    pub fn with_account_uuid<'a>(&'a self, uuid: &'a str) -> impl Iterator<Item = &'a Slot> {
        self.slots
            .iter()
            .filter(move |slot| slot.account_uuid.as_deref() == Some(uuid))
    }

    /// Slots whose email is `email`, ignoring ASCII case, in file order. An empty
    /// `email` matches nothing.
    pub fn with_email<'a>(&'a self, email: &'a str) -> impl Iterator<Item = &'a Slot> {
        self.slots.iter().filter(move |slot| {
            !email.is_empty()
                && slot
                    .email
                    .as_deref()
                    .is_some_and(|known| known.eq_ignore_ascii_case(email))
        })
    }
}
