//! What the fake remembers of its traffic: one [`RequestRecord`] per request (no token
//! in it at all) and one [`RefreshRecord`] per refresh attempt (holds the refresh token
//! for tests to compare, but its `Debug` shows only the token's prefix).

use std::fmt;

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The request target without its query.
    pub path: String,
    /// Email of the account the presented token belongs to, when the fake knows it.
    pub account: Option<String>,
    /// Names of the headers sent, lower-cased, in order (values are never kept).
    pub headers: Vec<String>,
    /// The status the fake answered.
    pub status: u16,
}

impl RequestRecord {
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// How the fake treated a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The lineage's current token: new tokens issued, this one spent.
    Rotated,
    /// A token already spent by an earlier refresh (refused; may revoke its lineage).
    Spent,
    /// The lineage was revoked (logout, or an earlier reuse).
    Revoked,
    /// The login's deadline (`refreshTokenExpiresAt`) has passed.
    Expired,
    /// Never issued by this fake.
    Unknown,
}

/// Who asked for a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Over HTTPS, through the token endpoint.
    Http,
    /// [`super::Fake::refresh_as_claude_code`], straight into the state.
    ClaudeCode,
}

/// One refresh attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The refresh token presented.
    pub token: String,
    /// Which login (lineage) it belongs to, numbered from 0 in login order.
    pub lineage: Option<usize>,
    /// Email of the lineage's account.
    pub account: Option<String>,
    pub outcome: RefreshOutcome,
    pub via: Via,
}

impl fmt::Debug for RefreshRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self
            .token
            .get(.."sk-ant-ort01-".len())
            .unwrap_or("")
            .to_owned()
            + "[REDACTED]";
        f.debug_struct("RefreshRecord")
            .field("token", &shown)
            .field("lineage", &self.lineage)
            .field("account", &self.account)
            .field("outcome", &self.outcome)
            .field("via", &self.via)
            .finish()
    }
}
