//! Tests for `creds`: what a blob must be (`validate`), the refresh splice
//! (`refresh`), the account swap (`swap`), and both edits over many generated blobs
//! (`generated`). Expected outputs are written out by hand.

mod generated;
mod refresh;
mod swap;
mod validate;

use claude_token::creds::{Credentials, CredsError};
use claude_token::json::Document;

/// A login as Claude Code writes it after `/login`: compact, no trailing newline.
const LIVE: &str = concat!(
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-test-access-a","#,
    r#""refreshToken":"sk-ant-ort01-test-refresh-a","expiresAt":1764000000000,"#,
    r#""scopes":["user:inference","user:profile"],"subscriptionType":"max","#,
    r#""rateLimitTier":"default_claude_max_20x","refreshTokenExpiresAt":1766000000000,"#,
    r#""clientId":"9d1c250a-e61b-44d9-88ed-5944d1962f5e","#,
    r#""tokenAccount":{"uuid":"acc-a","emailAddress":"a@example.com","#,
    r#""organizationUuid":"org-a","organizationName":"Org A"}},"#,
    r#""mcpOAuth":{"srv|1":{"accessToken":"mcp-secret-a","expiresAt":0}},"#,
    r#""organizationUuid":"org-a"}"#
);

/// Parses `text`, failing the test with the error when it is refused.
fn creds(text: &str) -> Credentials {
    Credentials::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The error parsing `input`, failing the test when it is accepted.
fn refusal(input: &[u8]) -> CredsError {
    match Credentials::parse(input) {
        Ok(_) => panic!("accepted: {}", String::from_utf8_lossy(input)),
        Err(e) => e,
    }
}

/// Each top-level member as (decoded key, its text from key to value end), in order.
fn members(bytes: &[u8]) -> Vec<(String, String)> {
    let doc = Document::parse(bytes).expect("JSON");
    let src = doc.source();
    doc.root()
        .members()
        .map(|m| (m.key().into_owned(), src[m.span()].to_owned()))
        .collect()
}

/// The raw text of top-level member `key`'s value.
fn raw_value(bytes: &[u8], key: &str) -> Option<String> {
    let doc = Document::parse(bytes).expect("JSON");
    doc.get(&[key]).map(|n| n.raw().to_owned())
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8")
}
