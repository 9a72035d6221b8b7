//! What a compare-and-swap on Claude Code's stores looks at, and the logout edit.
//!
//! Claude Code decides each save of its credentials by the refresh token the store
//! holds now (it saves only when that is "" or the token it posted), not by the whole
//! bytes, because it writes other members (`mcpOAuth`, plan and account stamps) at any
//! moment. [`stored_refresh_token`] reads that token the same way for any blob, good
//! login or not. [`sign_out`] is Claude Code's own logout: the account-bound members
//! go, every other member stays byte for byte. Nothing here reads a store or prints.

use super::error::{CredsError, Scope};
use super::{read, ACCOUNT_KEYS, LOGIN};
use crate::json::Kind;
use crate::redact::Secret;

/// The refresh token `bytes` store (`claudeAiOauth.refreshToken`), "" when there is
/// none (signed out, a husk, a member of the wrong type), or why the bytes are not a
/// blob anyone could read without guessing (not UTF-8, not a JSON object, a repeated
/// key at the top level or inside `claudeAiOauth`).
pub fn stored_refresh_token(bytes: &[u8]) -> Result<Secret, CredsError> {
    let doc = read::open(bytes)?;
    let Some(oauth) = doc.root().get(LOGIN) else {
        return Ok(Secret::from(""));
    };
    if oauth.kind() != Kind::Object {
        return Ok(Secret::from(""));
    }
    let inside = oauth.span();
    if let Some(dup) = doc
        .duplicate_keys()
        .iter()
        .find(|d| inside.contains(&d.offset))
    {
        return Err(CredsError::DuplicateKey {
            scope: Scope::Login,
            offset: dup.offset,
        });
    }
    let token = oauth.get("refreshToken").and_then(|n| n.as_str());
    Ok(token.map_or_else(|| Secret::from(""), |t| Secret::from(t.as_ref())))
}

/// `bytes` without the account-bound members ([`ACCOUNT_KEYS`]), as Claude Code's
/// logout leaves its store: `None` when nothing else is left (the store then goes),
/// else the other members byte for byte in their places.
pub fn sign_out(bytes: &[u8]) -> Result<Option<Vec<u8>>, CredsError> {
    let doc = read::open(bytes)?;
    let root = doc.root();
    let mut editor = doc.editor();
    let mut left = 0;
    for member in root.members() {
        if ACCOUNT_KEYS.iter().any(|key| member.key_is(key)) {
            editor.remove(&[&member.key()])?;
        } else {
            left += 1;
        }
    }
    if left == 0 {
        return Ok(None);
    }
    Ok(Some(editor.finish()?))
}
