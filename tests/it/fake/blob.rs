//! Credentials blobs as Claude Code 2.1.332 writes them: compact JSON, no trailing
//! newline, `claudeAiOauth` then `organizationUuid` (after any machine members, since
//! Claude Code deletes and re-adds the login's members at `/login`). Also Claude Code's
//! own rewrite after a refresh: the three changed values spliced in place, every other
//! byte (and so the key order) kept.

use std::ops::Range;

use claude_token::json::{self, quote};
use claude_token::oauth::CLIENT_ID;

use super::account::AccountHandle;
use super::random;
use super::state::{Tokens, ACCESS_LIFETIME_S, LOGIN_LIFETIME_MS};

/// The scopes a login blob lists.
pub const BLOB_SCOPES: &str =
    r#"["user:inference","user:mcp_servers","user:profile","user:sessions:claude_code"]"#;

/// A blob's members that belong to the machine, not the login, with the secrets in them.
pub struct MachineMembers {
    /// Comma-separated members, without the enclosing braces.
    pub json: String,
    pub secrets: Vec<String>,
}

/// `expiresAt` for tokens issued at `real_now_ms` (Claude Code counts from its own
/// clock, so this is real time, not the fake's server clock).
fn expires_at(real_now_ms: i64) -> i64 {
    real_now_ms + 1000 * i64::try_from(ACCESS_LIFETIME_S).expect("small")
}

/// The blob `/login` leaves.
pub fn login_blob(who: &AccountHandle, tokens: &Tokens, real_now_ms: i64) -> String {
    format!("{{{}}}", login_members(who, tokens, real_now_ms))
}

/// The blob `/login` leaves on a machine that already had `machine` members.
pub fn login_blob_after(
    machine: &MachineMembers,
    who: &AccountHandle,
    tokens: &Tokens,
    real_now_ms: i64,
) -> String {
    let login = login_members(who, tokens, real_now_ms);
    format!("{{{},{login}}}", machine.json)
}

fn login_members(who: &AccountHandle, tokens: &Tokens, real_now_ms: i64) -> String {
    let token_account = format!(
        r#"{{"uuid":{},"emailAddress":{},"organizationUuid":{},"organizationName":{}}}"#,
        quote(&who.uuid),
        quote(&who.email),
        quote(&who.organization_uuid),
        quote(&who.organization_name),
    );
    format!(
        r#""claudeAiOauth":{{"accessToken":{},"refreshToken":{},"expiresAt":{},"scopes":{BLOB_SCOPES},"subscriptionType":{},"rateLimitTier":{},"refreshTokenExpiresAt":{},"clientId":{},"tokenAccount":{token_account}}},"organizationUuid":{}"#,
        quote(&tokens.access),
        quote(&tokens.refresh),
        expires_at(real_now_ms),
        quote(who.plan.subscription_type()),
        quote(who.rate_limit_tier()),
        real_now_ms + LOGIN_LIFETIME_MS,
        quote(CLIENT_ID),
        quote(&who.organization_uuid),
    )
}

/// An MCP server login, a plugin secret and a member no version of Claude Code knows,
/// written with a trailing-zero number and a `\u` escape so a re-serialisation shows.
pub fn machine_members(real_now_ms: i64) -> MachineMembers {
    let mcp_access = random::token("gho_");
    let mcp_refresh = random::token("ghr_");
    let plugin_key = random::token("pk_");
    let json = format!(
        r#""mcpOAuth":{{"github|6f3a9c0e12b4d5e7":{{"serverName":"github","serverUrl":"https://api.githubcopilot.com/mcp/","accessToken":{},"refreshToken":{},"expiresAt":{},"clientId":"Iv1.0123456789abcdef"}}}},"pluginSecrets":{{"weather-tools":{{"API_KEY":{}}}}},"zzFutureMember":{{"nested":[1,2.50,"caf\u00e9"],"flag":true,"empty":{{}}}}"#,
        quote(&mcp_access),
        quote(&mcp_refresh),
        real_now_ms + 3_600_000,
        quote(&plugin_key),
    );
    MachineMembers {
        json,
        secrets: vec![mcp_access, mcp_refresh, plugin_key],
    }
}

/// `claudeAiOauth.refreshToken` of a blob; panics when it has none.
pub fn refresh_token_of(blob: &[u8]) -> String {
    let doc = json::parse(blob).expect("the credentials blob is JSON");
    let token = doc.get(&["claudeAiOauth", "refreshToken"]);
    token
        .and_then(|node| node.as_str())
        .expect("the blob has claudeAiOauth.refreshToken")
        .into_owned()
}

/// The blob as Claude Code rewrites it after a refresh that issued `tokens` at
/// `real_now_ms`: new `accessToken`, `refreshToken` and `expiresAt`, nothing else moved.
pub fn rewrite_after_refresh(blob: &[u8], tokens: &Tokens, real_now_ms: i64) -> String {
    let doc = json::parse(blob).expect("the credentials blob is JSON");
    let span = |key: &str| -> Range<usize> {
        doc.get(&["claudeAiOauth", key])
            .unwrap_or_else(|| panic!("the blob has claudeAiOauth.{key}"))
            .span()
    };
    let mut edits = vec![
        (span("accessToken"), quote(&tokens.access)),
        (span("refreshToken"), quote(&tokens.refresh)),
        (span("expiresAt"), expires_at(real_now_ms).to_string()),
    ];
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut out = doc.source().to_owned();
    for (range, text) in edits {
        out.replace_range(range, &text);
    }
    out
}

/// The blob with `claudeAiOauth.expiresAt` set to `expires_at_ms`, nothing else moved.
pub fn with_expires_at(blob: &[u8], expires_at_ms: i64) -> String {
    let doc = json::parse(blob).expect("the credentials blob is JSON");
    let span = doc
        .get(&["claudeAiOauth", "expiresAt"])
        .expect("the blob has claudeAiOauth.expiresAt")
        .span();
    let mut out = doc.source().to_owned();
    out.replace_range(span, &expires_at_ms.to_string());
    out
}
