//! The identity rule: which slot a login belongs to.
//!
//! In order: (a) the same refresh token as a slot's archive (one lineage); (b) the
//! account uuid the blob names (`claudeAiOauth.tokenAccount`, or the profile service
//! when the blob names nobody) equal to a slot's; (c) the email, ignoring ASCII case.
//! One account may sign in to several organizations (a personal plan and a team), and
//! those are separate logins: when both sides know an organization uuid and they
//! differ, (b) and (c) do not match; nor does (c) when both sides know account uuids
//! and they differ. No match: an account without a slot ([`Owner::Unknown`]), whose
//! login is never archived over another slot's. Several slots of the account
//! ([`Owner::Several`]: the catalog allows it) are told apart only by lineage or by
//! the slot a place records ([`Owner::prefer`]). Nothing to go by at all:
//! [`Owner::Undetermined`], which callers treat as "do not touch".
//!
//! It reads archives and may ask the profile service; it never writes.

use crate::catalog::{Catalog, Slot};
use crate::cli::SlotName;
use crate::creds::{same_lineage, Credentials, Identity};
use crate::oauth::{self, Profile};
use crate::store::StoreId;
use crate::Error;

use super::Session;

/// Whose login a blob is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Slot(SlotName),
    /// Several slots have the account and organization (in catalog order).
    Several(Vec<SlotName>),
    /// An account no slot holds (its email when known).
    Unknown {
        email: Option<String>,
    },
    /// The blob names no account, no archive shares its lineage, and no profile
    /// answer was available; `refused`: the profile service refused the blob's access
    /// token (expired or revoked), rather than not answering.
    Undetermined {
        refused: bool,
    },
}

impl Owner {
    /// Whether the blob is slot `name`'s.
    pub fn is(&self, name: &SlotName) -> bool {
        matches!(self, Owner::Slot(owner) if owner == name)
    }

    /// Several slots resolved to `slot` when it is one of them (the slot a place
    /// records); anything else as it is.
    #[must_use]
    pub fn prefer(self, slot: Option<&SlotName>) -> Owner {
        match (self, slot) {
            (Owner::Several(all), Some(slot)) if all.contains(slot) => Owner::Slot(slot.clone()),
            (owner, _) => owner,
        }
    }
}

/// Whose login `blob` is, asking the profile service (when `client` is given) only
/// when neither lineage nor the blob itself tells.
pub fn identify(
    session: &Session<'_>,
    client: Option<&oauth::Client>,
    blob: &Credentials,
) -> Result<Owner, Error> {
    if let Some(slot) = by_lineage(session, blob)? {
        return Ok(Owner::Slot(slot));
    }
    if names_account(blob.identity()) {
        return Ok(by_account(session.catalog(), blob.identity()));
    }
    let Some(client) = client else {
        return Ok(Owner::Undetermined { refused: false });
    };
    Ok(match client.profile(blob.access_token()) {
        Ok(profile) => by_account(session.catalog(), &from_profile(&profile, blob)),
        Err(err) => Owner::Undetermined {
            refused: matches!(
                err,
                oauth::Error::Unauthorized { .. } | oauth::Error::LoginDead { .. }
            ),
        },
    })
}

/// Whose login `blob` is, given what is known of its account (`identity`, e.g. from a
/// profile answer); lineage first.
pub fn owner(
    session: &Session<'_>,
    blob: &Credentials,
    identity: &Identity,
) -> Result<Owner, Error> {
    if let Some(slot) = by_lineage(session, blob)? {
        return Ok(Owner::Slot(slot));
    }
    if names_account(identity) {
        Ok(by_account(session.catalog(), identity))
    } else {
        Ok(Owner::Undetermined { refused: false })
    }
}

/// The slot whose archive holds the same refresh token as `blob`. Archives that do
/// not parse are skipped (they share no lineage with a good login).
pub fn by_lineage(session: &Session<'_>, blob: &Credentials) -> Result<Option<SlotName>, Error> {
    for slot in &session.catalog().slots {
        let Some(archived) = session.read(&StoreId::Archive(slot.name.clone()))? else {
            continue;
        };
        let same = Credentials::parse(archived.as_bytes()).is_ok_and(|a| same_lineage(&a, blob));
        if same {
            return Ok(Some(slot.name.clone()));
        }
    }
    Ok(None)
}

/// Rules (b) and (c) of the module docs: the slots of the account (by uuid, else by
/// email) and organization.
pub fn by_account(catalog: &Catalog, identity: &Identity) -> Owner {
    let by_uuid: Vec<&Slot> = identity
        .account_uuid
        .as_deref()
        .map_or_else(Vec::new, |uuid| {
            catalog
                .slots
                .iter()
                .filter(|slot| {
                    slot.account_uuid
                        .as_deref()
                        .is_some_and(|known| known.eq_ignore_ascii_case(uuid))
                        && same_organization(slot, identity)
                })
                .collect()
        });
    let found = if by_uuid.is_empty() {
        identity.email.as_deref().map_or_else(Vec::new, |email| {
            catalog
                .with_email(email)
                .filter(|slot| compatible_uuid(slot, identity) && same_organization(slot, identity))
                .collect()
        })
    } else {
        by_uuid
    };
    match found.as_slice() {
        [] => Owner::Unknown {
            email: identity.email.clone(),
        },
        [one] => Owner::Slot(one.name.clone()),
        several => Owner::Several(several.iter().map(|s| s.name.clone()).collect()),
    }
}

/// Whether `identity` is `slot`'s account and organization, by the rules of
/// [`by_account`] for that one slot.
pub fn is_account_of(slot: &Slot, identity: &Identity) -> bool {
    let by_uuid = identity.account_uuid.as_deref().is_some_and(|uuid| {
        slot.account_uuid
            .as_deref()
            .is_some_and(|known| known.eq_ignore_ascii_case(uuid))
    });
    let by_email = identity.email.as_deref().is_some_and(|email| {
        !email.is_empty()
            && slot
                .email
                .as_deref()
                .is_some_and(|known| known.eq_ignore_ascii_case(email))
            && compatible_uuid(slot, identity)
    });
    (by_uuid || by_email) && same_organization(slot, identity)
}

/// The identity a profile answer gives, with the blob's organization as a fallback.
pub fn from_profile(profile: &Profile, blob: &Credentials) -> Identity {
    let organization = profile.organization.as_ref();
    let own = blob.identity();
    Identity {
        account_uuid: Some(profile.account.uuid.clone()),
        email: profile.account.email.clone().or_else(|| own.email.clone()),
        organization_uuid: organization
            .and_then(|o| o.uuid.clone())
            .or_else(|| own.organization_uuid.clone()),
        organization_name: organization
            .and_then(|o| o.name.clone())
            .or_else(|| own.organization_name.clone()),
    }
}

/// Whether `new` may replace `old` of the same account: the same lineage, or a login
/// issued no earlier (a later `expiresAt`). An older copy is most likely spent: a
/// refresh token is single use, so archiving it over a newer one would lose the login.
pub fn supersedes(new: &Credentials, old: &Credentials) -> bool {
    same_lineage(new, old) || new.expires_at_ms() >= old.expires_at_ms()
}

/// Whether `identity` names an account (a uuid or an email).
pub fn names_account(identity: &Identity) -> bool {
    identity.account_uuid.is_some() || identity.email.is_some()
}

/// False only when both sides know an account uuid and they differ.
fn compatible_uuid(slot: &Slot, identity: &Identity) -> bool {
    match (&slot.account_uuid, &identity.account_uuid) {
        (Some(known), Some(uuid)) => known.eq_ignore_ascii_case(uuid),
        _ => true,
    }
}

/// False only when both sides know an organization uuid and they differ.
fn same_organization(slot: &Slot, identity: &Identity) -> bool {
    match (&slot.organization, &identity.organization_uuid) {
        (Some(org), Some(uuid)) => org.uuid.eq_ignore_ascii_case(uuid),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Organization;

    fn slot(name: &str, uuid: Option<&str>, email: Option<&str>, org: Option<&str>) -> Slot {
        let mut slot = Slot::new(SlotName::parse(name).unwrap());
        slot.account_uuid = uuid.map(str::to_owned);
        slot.email = email.map(str::to_owned);
        slot.organization = org.map(|uuid| Organization {
            uuid: uuid.into(),
            name: None,
        });
        slot
    }

    fn identity(uuid: Option<&str>, email: Option<&str>, org: Option<&str>) -> Identity {
        Identity {
            account_uuid: uuid.map(str::to_owned),
            email: email.map(str::to_owned),
            organization_uuid: org.map(str::to_owned),
            organization_name: None,
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            active: None,
            slots: vec![
                slot("personal", Some("u1"), Some("ada@example.com"), Some("o1")),
                slot("team", Some("u1"), Some("ada@example.com"), Some("o2")),
                slot("old", None, Some("Bob@Example.com"), None),
            ],
            places: Vec::new(),
        }
    }

    fn owner_of(id: &Identity) -> Owner {
        by_account(&catalog(), id)
    }

    fn slot_owner(name: &str) -> Owner {
        Owner::Slot(SlotName::parse(name).unwrap())
    }

    #[test]
    fn one_account_in_two_organizations_is_two_logins() {
        let team = identity(Some("u1"), Some("ada@example.com"), Some("o2"));
        assert_eq!(owner_of(&team), slot_owner("team"));
        let personal = identity(Some("U1"), None, Some("o1"));
        assert_eq!(owner_of(&personal), slot_owner("personal"));
    }

    #[test]
    fn an_unknown_organization_of_a_known_account_has_no_slot() {
        let other = identity(Some("u1"), Some("ada@example.com"), Some("o3"));
        assert_eq!(
            owner_of(&other),
            Owner::Unknown {
                email: Some("ada@example.com".into())
            }
        );
    }

    #[test]
    fn email_matches_ignoring_case_when_uuids_do_not_disagree() {
        assert_eq!(
            owner_of(&identity(None, Some("bob@example.COM"), None)),
            slot_owner("old")
        );
        assert_eq!(
            owner_of(&identity(Some("u9"), Some("bob@example.com"), None)),
            slot_owner("old")
        );
        let other = identity(Some("u9"), Some("ada@example.com"), None);
        assert!(matches!(owner_of(&other), Owner::Unknown { .. }));
    }
}
