//! The refresh request: a refresh token in, a [`TokenGrant`] out.
//!
//! The body is what Claude Code 2.1.332 sends: `grant_type`, `refresh_token`,
//! `client_id`, `scope`, in that order, written with `json::quote` into a buffer of its
//! final size and kept in a [`Secret`] (wiped when dropped).
//!
//! The answer is read as received, not judged: a 2xx answer that carries a new
//! `refresh_token` has rotated the login, so it is handed back however odd the rest is
//! (a missing, empty or mistyped `access_token`, a missing or mistyped `expires_in`
//! read as absent), because the caller must keep the new refresh token whatever else
//! is wrong. Only an answer without a new refresh token must be complete (a non-empty
//! `access_token` and a non-negative integer `expires_in`): the old refresh token then
//! stays valid, and an incomplete answer gives nothing to keep. A `refresh_token` that
//! is present but empty or not a string is refused (we cannot tell whether the old one
//! still works). Every other member is optional and a wrong type there reads as
//! absent. This module never stores the grant: the caller journals it before anything
//! else, because the old refresh token may already be dead.

use crate::json::{self, Node};
use crate::redact::Secret;

use super::{read_json, Client, Endpoint, Error};

/// Claude Code's OAuth client id.
pub const CLIENT_ID: &str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
/// The scopes Claude Code asks for when it refreshes.
pub const SCOPES: &str = "user:profile user:inference user:sessions:claude_code \
                          user:mcp_servers user:file_upload user:plugins";

/// A successful refresh, as received (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// `None` when the answer's `access_token` is missing, empty or not a string (only
    /// possible beside a new refresh token).
    pub access_token: Option<Secret>,
    /// The new refresh token; `None` when the server kept the old one valid.
    pub refresh_token: Option<Secret>,
    /// Lifetime of the access token in seconds, from when the answer arrived; `None`
    /// when missing or not a non-negative integer (only beside a new refresh token).
    pub expires_in: Option<u64>,
    /// `scope`, split at spaces; `None` when absent.
    pub scopes: Option<Vec<String>>,
    pub token_type: Option<String>,
    /// Lifetime of the refresh token in seconds, when the server says.
    pub refresh_token_expires_in: Option<u64>,
    pub account: Option<GrantAccount>,
    pub organization: Option<GrantOrganization>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantAccount {
    pub uuid: Option<String>,
    pub email_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantOrganization {
    pub uuid: Option<String>,
    pub name: Option<String>,
}

impl TokenGrant {
    /// Whether the answer holds a usable access token and its lifetime.
    pub fn is_complete(&self) -> bool {
        self.access_token.is_some() && self.expires_in.is_some()
    }

    /// When the access token expires, for an answer received at `received_ms`
    /// (`None` when the answer did not say).
    pub fn expires_at_ms(&self, received_ms: i64) -> Option<i64> {
        self.expires_in
            .map(|seconds| add_seconds(received_ms, seconds))
    }

    /// When the refresh token expires, if the server said.
    pub fn refresh_token_expires_at_ms(&self, received_ms: i64) -> Option<i64> {
        self.refresh_token_expires_in
            .map(|seconds| add_seconds(received_ms, seconds))
    }
}

fn add_seconds(ms: i64, seconds: u64) -> i64 {
    let delta = i64::try_from(seconds).unwrap_or(i64::MAX);
    ms.saturating_add(delta.saturating_mul(1000))
}

impl Client {
    /// Trades `refresh_token` for new tokens. On success the old refresh token may be
    /// dead already: store the grant before doing anything else.
    pub fn refresh(&self, refresh_token: &Secret) -> Result<TokenGrant, Error> {
        let body = request_body(refresh_token);
        let response = self.post_token(&body)?;
        drop(body);
        read_json(Endpoint::Token, response.body(), read_grant)
    }
}

/// `{"grant_type":"refresh_token","refresh_token":…,"client_id":…,"scope":…}`.
pub(super) fn request_body(refresh_token: &Secret) -> Secret {
    let quoted = Secret::new(json::quote(refresh_token.expose()));
    let parts = [
        r#"{"grant_type":"refresh_token","refresh_token":"#,
        quoted.expose(),
        r#","client_id":"#,
        &json::quote(CLIENT_ID),
        r#","scope":"#,
        &json::quote(SCOPES),
        "}",
    ];
    let mut body = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        body.push_str(part);
    }
    Secret::new(body)
}

fn read_grant(root: Node<'_>) -> Result<TokenGrant, Error> {
    let missing = |name| Error::field(Endpoint::Token, name);
    let refresh_token = match root.get("refresh_token") {
        None => None,
        Some(node) if node.is_null() => None,
        Some(_) => Some(
            secret(root, "refresh_token")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("refresh_token"))?,
        ),
    };
    let access_token = secret(root, "access_token").filter(|s| !s.is_empty());
    let expires_in = root.get("expires_in").and_then(|n| n.as_u64());
    if refresh_token.is_none() {
        // Nothing was rotated: an incomplete answer gives nothing worth keeping.
        access_token
            .as_ref()
            .ok_or_else(|| missing("access_token"))?;
        expires_in.ok_or_else(|| missing("expires_in"))?;
    }
    Ok(TokenGrant {
        access_token,
        refresh_token,
        expires_in,
        scopes: text(root, "scope").map(|s| s.split_whitespace().map(str::to_owned).collect()),
        token_type: text(root, "token_type"),
        refresh_token_expires_in: root
            .get("refresh_token_expires_in")
            .and_then(|n| n.as_u64()),
        account: root.get("account").and_then(read_account),
        organization: root.get("organization").and_then(read_organization),
    })
}

fn read_account(node: Node<'_>) -> Option<GrantAccount> {
    (node.kind() == json::Kind::Object).then(|| GrantAccount {
        uuid: text(node, "uuid"),
        email_address: text(node, "email_address"),
    })
}

fn read_organization(node: Node<'_>) -> Option<GrantOrganization> {
    (node.kind() == json::Kind::Object).then(|| GrantOrganization {
        uuid: text(node, "uuid"),
        name: text(node, "name"),
    })
}

/// Member `key` when it is a string.
pub(super) fn text(node: Node<'_>, key: &str) -> Option<String> {
    node.get(key)
        .and_then(|v| v.as_str())
        .map(std::borrow::Cow::into_owned)
}

/// Member `key` as a secret, copied once at its exact size (an escaped string is
/// unescaped into a temporary that is wiped too).
fn secret(node: Node<'_>, key: &str) -> Option<Secret> {
    match node.get(key)?.as_str()? {
        std::borrow::Cow::Borrowed(s) => Some(Secret::from(s)),
        std::borrow::Cow::Owned(s) => {
            let temporary = Secret::new(s);
            Some(Secret::from(temporary.expose()))
        }
    }
}
