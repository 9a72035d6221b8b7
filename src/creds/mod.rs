//! Claude Code's credentials blob: the bytes exactly as read, a validated view of the
//! login in them, and the two splice edits we make to such a blob (new tokens after a
//! refresh; an account swap).
//!
//! A blob is a JSON object. Its `claudeAiOauth` member is the login; it and the other
//! [`ACCOUNT_KEYS`] belong to the account, every other member (`mcpOAuth`,
//! `pluginSecrets`, keys we do not know) belongs to the machine. [`Credentials::parse`]
//! refuses anything we could misread: not UTF-8, a BOM, not an object, a repeated key at
//! the top level or anywhere inside `claudeAiOauth`, a lone surrogate escape inside
//! `claudeAiOauth` or the top-level `organizationUuid`, missing or mistyped members we
//! read, and husks (empty tokens, `expiresAt` absent, not an integer, or not positive).
//! Repeated keys deeper inside machine members, or inside account-bound members other
//! than `claudeAiOauth`, are accepted: we never read them and carry their bytes as they
//! are, so whatever Claude Code makes of them stays what it makes of them.
//!
//! Edits splice values into the original text (`json::Editor`): every byte they do not
//! mean to change stays, and every result is re-parsed and re-validated before it is
//! returned. This module never reads or writes a store, never prints, and never puts
//! blob content into an error or a `Debug` line.

mod error;
mod read;
mod refresh;
mod stored;
mod swap;

pub use error::{CredsError, Husk, Problem, Scope, Side};
pub use refresh::Refreshed;
pub use stored::{sign_out, stored_refresh_token};
pub use swap::swap_account;

use crate::redact::Secret;
use std::fmt;

/// The member that holds the login.
pub const LOGIN: &str = "claudeAiOauth";

/// The top-level members that belong to the signed-in account: Claude Code (2.1.332)
/// deletes exactly these at sign-in and logout, and an account swap moves exactly these.
pub const ACCOUNT_KEYS: [&str; 12] = [
    LOGIN,
    "organizationUuid",
    "trustedDeviceToken",
    "trustedDeviceEnrolledAfterRefusalAtMs",
    "enterpriseGateway",
    "designOauth",
    "chatHistoryOauth",
    "cloudSessionsOauth",
    "cloudSessionsSignInEnded",
    "hybridOauth",
    "hybridGatewayAuth",
    "hybridGatewayIdp",
];

/// Whether a top-level key belongs to the account rather than the machine.
pub fn is_account_key(key: &str) -> bool {
    ACCOUNT_KEYS.contains(&key)
}

/// Who a login belongs to, as far as the blob says (`claudeAiOauth.tokenAccount`,
/// written by `/login`; the organization falls back to the top-level
/// `organizationUuid`). Older blobs carry none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub account_uuid: Option<String>,
    pub email: Option<String>,
    pub organization_uuid: Option<String>,
    pub organization_name: Option<String>,
}

impl Identity {
    /// Whether two identities are the same account: by account uuid when both have
    /// one, else by email when both have one (both ignoring ASCII case), else `None`
    /// (unknown; the caller falls back to [`same_lineage`]).
    pub fn same_account(&self, other: &Identity) -> Option<bool> {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => Some(a.eq_ignore_ascii_case(b)),
            _ => None,
        };
        same(&self.account_uuid, &other.account_uuid).or_else(|| same(&self.email, &other.email))
    }
}

/// A validated credentials blob: the raw bytes as read and the login in them.
#[derive(Clone)]
pub struct Credentials {
    raw: Vec<u8>,
    access_token: Secret,
    refresh_token: Secret,
    expires_at_ms: i64,
    scopes: Option<Vec<String>>,
    subscription_type: Option<String>,
    rate_limit_tier: Option<String>,
    refresh_token_expires_at_ms: Option<i64>,
    identity: Identity,
}

impl Credentials {
    /// Validates `bytes` (rules in the module docs) and keeps them verbatim.
    /// The parsed document's own copy of the bytes becomes [`Credentials::raw`] (one
    /// copy of the login, not two) and is wiped when the blob is refused.
    pub fn parse(bytes: &[u8]) -> Result<Credentials, CredsError> {
        let doc = read::parse(bytes)?;
        let login = read::check_container(&doc).and_then(|()| read::login(&doc));
        let mut raw = doc.into_bytes();
        let login = match login {
            Ok(login) => login,
            Err(err) => {
                crate::sys::mem::wipe(&mut raw);
                return Err(err);
            }
        };
        Ok(Credentials {
            raw,
            access_token: login.access_token,
            refresh_token: login.refresh_token,
            expires_at_ms: login.expires_at_ms,
            scopes: login.scopes,
            subscription_type: login.subscription_type,
            rate_limit_tier: login.rate_limit_tier,
            refresh_token_expires_at_ms: login.refresh_token_expires_at_ms,
            identity: login.identity,
        })
    }

    /// The blob exactly as it was parsed.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    pub fn refresh_token(&self) -> &Secret {
        &self.refresh_token
    }

    /// When the access token expires, in epoch milliseconds (always positive).
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }

    /// The granted scopes, when the blob lists them.
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }

    /// The plan (`max`, `pro`, ...), when the blob says.
    pub fn subscription_type(&self) -> Option<&str> {
        self.subscription_type.as_deref()
    }

    pub fn rate_limit_tier(&self) -> Option<&str> {
        self.rate_limit_tier.as_deref()
    }

    /// When the refresh token itself dies (about 30 days after login), when known.
    pub fn refresh_token_expires_at_ms(&self) -> Option<i64> {
        self.refresh_token_expires_at_ms
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

impl fmt::Debug for Credentials {
    /// No bytes of the blob and no token: sizes, times and the account only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("bytes", &self.raw.len())
            .field("expires_at_ms", &self.expires_at_ms)
            .field("subscription_type", &self.subscription_type)
            .field("rate_limit_tier", &self.rate_limit_tier)
            .field(
                "refresh_token_expires_at_ms",
                &self.refresh_token_expires_at_ms,
            )
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        crate::sys::mem::wipe(&mut self.raw);
    }
}

/// Whether two logins are one lineage: the same refresh token (compared in constant
/// time). A refresh rotates the token, so a login and its refreshed self are not equal
/// here; the engine, which journals every rotation it makes, compares against the
/// newest token it holds, and a rotation made by Claude Code alone is recognised by
/// [`Identity::same_account`] instead.
pub fn same_lineage(a: &Credentials, b: &Credentials) -> bool {
    a.refresh_token == b.refresh_token
}

/// Whether `bytes` are a husk: a well-formed blob whose login has empty tokens or no
/// usable `expiresAt` (see [`Husk`]). A husk must never be archived over a good copy;
/// anything else that fails [`Credentials::parse`] must not be archived either, but is
/// a fault to report rather than an expected state.
pub fn looks_like_husk(bytes: &[u8]) -> bool {
    Credentials::parse(bytes).is_err_and(|e| e.is_husk())
}
