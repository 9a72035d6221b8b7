//! The profile request: who a login belongs to.
//!
//! `account.uuid` is required (a non-empty string): it is the stable identity, unlike
//! the email address, which a user can change. Everything else is optional, and a
//! member of the wrong type reads as absent. This module never caches the answer.

use crate::json::{self, Node};
use crate::redact::Secret;

use super::refresh::text;
use super::{read_json, Client, Endpoint, Error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub uuid: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub uuid: Option<String>,
    pub name: Option<String>,
    pub organization_type: Option<String>,
    pub rate_limit_tier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub account: Account,
    pub organization: Option<Organization>,
}

impl Client {
    /// The login's account and organization. A 401 is [`Error::Unauthorized`].
    pub fn profile(&self, access_token: &Secret) -> Result<Profile, Error> {
        let url = &self.endpoints.profile;
        let response = self.get_authorized(Endpoint::Profile, url, access_token)?;
        read_json(Endpoint::Profile, response.body(), read_profile)
    }
}

impl Profile {
    /// Reads a profile answer (see the module docs).
    pub fn parse(body: &[u8]) -> Result<Profile, Error> {
        read_json(Endpoint::Profile, body, read_profile)
    }
}

fn read_profile(root: Node<'_>) -> Result<Profile, Error> {
    let account = root
        .get("account")
        .and_then(read_account)
        .ok_or_else(|| Error::field(Endpoint::Profile, "account.uuid"))?;
    Ok(Profile {
        account,
        organization: root.get("organization").and_then(read_organization),
    })
}

fn read_account(node: Node<'_>) -> Option<Account> {
    let uuid = text(node, "uuid").filter(|uuid| !uuid.is_empty())?;
    Some(Account {
        uuid,
        email: text(node, "email"),
        full_name: text(node, "full_name"),
        display_name: text(node, "display_name"),
    })
}

fn read_organization(node: Node<'_>) -> Option<Organization> {
    (node.kind() == json::Kind::Object).then(|| Organization {
        uuid: text(node, "uuid"),
        name: text(node, "name"),
        organization_type: text(node, "organization_type"),
        rate_limit_tier: text(node, "rate_limit_tier"),
    })
}
