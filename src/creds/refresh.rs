//! The refresh splice: a login's blob with the tokens of a refresh answer written in.
//!
//! Only values that differ are replaced: `accessToken`, `refreshToken` (when the server
//! sent one; without one the old token stays valid, as Claude Code does it),
//! `expiresAt`, `scopes` (when the server listed them) and `refreshTokenExpiresAt`,
//! which never moves later: the new value is the earlier of the stored one and the
//! server's. A member the blob lacks is added at the end of `claudeAiOauth`, where
//! Claude Code's JavaScript would append it. It never touches another member.
//!
//! An answer that rotated the refresh token but lacks a usable access token or
//! lifetime ([`Refreshed::from_grant`]) still gives a login: the new refresh token,
//! an empty access token and an `expiresAt` just before the answer arrived, so the
//! next use refreshes again instead of losing the rotation.

use super::error::CredsError;
use super::{Credentials, LOGIN};
use crate::json::{quote, Document, Editor, Node, Position};
use crate::oauth::TokenGrant;
use crate::redact::Secret;

/// What a successful refresh gives, as the blob stores it (the oauth module converts
/// the server's answer into this).
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub access_token: Secret,
    /// `None`: the server sent no new refresh token, so the old one stays.
    pub refresh_token: Option<Secret>,
    /// When the new access token expires, in epoch milliseconds.
    pub expires_at_ms: i64,
    /// The granted scopes, when the server listed them.
    pub scopes: Option<Vec<String>>,
    /// When the refresh token dies, when the server said.
    pub refresh_token_expires_at_ms: Option<i64>,
}

impl Refreshed {
    /// What `grant`, received at `received_at_ms`, gives the blob. An incomplete
    /// answer (no usable access token or lifetime) gives an empty access token that
    /// expired just before the answer arrived: the login keeps the new refresh token
    /// and is refreshed again at its next use.
    pub fn from_grant(grant: &TokenGrant, received_at_ms: i64) -> Refreshed {
        let (access_token, expires_at_ms) =
            match (&grant.access_token, grant.expires_at_ms(received_at_ms)) {
                (Some(token), Some(at)) => (token.clone(), at),
                _ => (Secret::from(""), received_at_ms.saturating_sub(1).max(1)),
            };
        Refreshed {
            access_token,
            refresh_token: grant.refresh_token.clone(),
            expires_at_ms,
            scopes: grant.scopes.clone(),
            refresh_token_expires_at_ms: grant.refresh_token_expires_at_ms(received_at_ms),
        }
    }

    /// Whether the access token is usable (see [`Refreshed::from_grant`]).
    pub fn has_access_token(&self) -> bool {
        !self.access_token.is_empty()
    }
}

impl Credentials {
    /// This blob with `grant` spliced in; the result is a valid blob.
    pub fn with_refreshed_tokens(&self, grant: &Refreshed) -> Result<Vec<u8>, CredsError> {
        check(grant)?;
        let doc = Document::parse(&self.raw).map_err(CredsError::NotJson)?;
        let oauth = doc.get(&[LOGIN]).ok_or(CredsError::NoLogin)?;
        let mut edit = Splice {
            editor: doc.editor(),
            oauth,
        };
        let access = &grant.access_token;
        edit.set(
            "accessToken",
            &quote(access.expose()),
            *access == self.access_token,
        )?;
        if let Some(refresh) = &grant.refresh_token {
            edit.set(
                "refreshToken",
                &quote(refresh.expose()),
                *refresh == self.refresh_token,
            )?;
        }
        edit.set_integer("expiresAt", grant.expires_at_ms)?;
        if let Some(scopes) = &grant.scopes {
            let text = scopes_text(scopes, oauth.get("scopes"));
            edit.set("scopes", &text, self.scopes() == Some(scopes.as_slice()))?;
        }
        if let Some(new) = grant.refresh_token_expires_at_ms {
            let old = self.refresh_token_expires_at_ms;
            edit.set_integer("refreshTokenExpiresAt", old.map_or(new, |old| old.min(new)))?;
        }
        let out = edit.editor.finish()?;
        Credentials::parse(&out)?;
        Ok(out)
    }
}

/// Refuses an answer that would leave a husk behind. An empty access token is
/// allowed: the refresh token is what keeps the login (see `from_grant`).
fn check(grant: &Refreshed) -> Result<(), CredsError> {
    let reason = if grant.refresh_token.as_ref().is_some_and(Secret::is_empty) {
        "the new refresh token is empty"
    } else if grant.expires_at_ms <= 0 {
        "the new expiry time is not after 1970"
    } else {
        return Ok(());
    };
    Err(CredsError::BadGrant { reason })
}

/// Edits of the members of `claudeAiOauth`.
struct Splice<'d> {
    editor: Editor<'d>,
    oauth: Node<'d>,
}

impl Splice<'_> {
    /// Sets member `key` to `text` unless `unchanged`; adds it at the end when absent.
    fn set(&mut self, key: &str, text: &str, unchanged: bool) -> Result<(), CredsError> {
        if self.oauth.get(key).is_none() {
            self.editor.insert(&[LOGIN], key, text, Position::End)?;
        } else if !unchanged {
            self.editor.replace(&[LOGIN, key], text)?;
        }
        Ok(())
    }

    fn set_integer(&mut self, key: &str, value: i64) -> Result<(), CredsError> {
        let unchanged = self.oauth.get(key).and_then(|n| n.as_i64()) == Some(value);
        self.set(key, &value.to_string(), unchanged)
    }
}

/// `scopes` as a JSON array laid out like the array it replaces: the same text after
/// `[`, between elements and before `]`. Without a non-empty old array, compact.
fn scopes_text(scopes: &[String], old: Option<Node<'_>>) -> String {
    if scopes.is_empty() {
        return "[]".into();
    }
    let items: Vec<String> = scopes.iter().map(|s| quote(s)).collect();
    let (lead, sep, tail) = old.and_then(array_layout).unwrap_or_default();
    let sep = if sep.is_empty() { "," } else { &sep };
    format!("[{lead}{}{tail}]", items.join(sep))
}

/// The whitespace and commas of a non-empty array: lead, separator, tail.
fn array_layout(array: Node<'_>) -> Option<(String, String, String)> {
    let src = array.document().source();
    let span = array.span();
    let elements: Vec<Node<'_>> = array.elements().collect();
    let (first, last) = (elements.first()?, elements.last()?);
    let lead = &src[span.start + 1..first.span().start];
    let sep = match elements.get(1) {
        Some(second) => src[first.span().end..second.span().start].to_owned(),
        None => format!(",{lead}"),
    };
    let tail = &src[last.span().end..span.end - 1];
    Some((lead.to_owned(), sep, tail.to_owned()))
}
