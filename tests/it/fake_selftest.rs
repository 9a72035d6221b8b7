//! Tests of the OAuth fake itself (`fake`), driven through the crate's own OAuth client
//! and raw HTTPS requests: blob shapes, rotation and reuse detection, the usage and
//! profile checks, the controls, and many clients at once.

mod api;
mod blobs;
mod controls;
mod refresh;

use std::time::Duration;

use claude_token::client::{self, Request, Response};
use claude_token::http::Method;
use claude_token::json;
use claude_token::net::{self, ProxyConfig, Url};
use claude_token::redact::Secret;

use crate::fake::{AccountHandle, Fake};
use crate::server::trusting_test_ca;

const HOUR: Duration = Duration::from_secs(3600);

pub fn secret(text: &str) -> Secret {
    Secret::from(text)
}

/// `(accessToken, refreshToken)` of a blob.
pub fn tokens_of(blob: &str) -> (String, String) {
    let doc = json::parse(blob.as_bytes()).expect("blob is JSON");
    let get = |key| {
        doc.get(&["claudeAiOauth", key])
            .and_then(|n| n.as_str())
            .expect("token member")
            .into_owned()
    };
    (get("accessToken"), get("refreshToken"))
}

pub fn keys(doc: &json::Document, path: &[&str]) -> Vec<String> {
    let node = if path.is_empty() {
        doc.root()
    } else {
        doc.get(path).expect("object at path")
    };
    node.members().map(|m| m.key().into_owned()).collect()
}

/// A fake with one Max account logged in once: `(fake, account, blob)`.
pub fn logged_in() -> (Fake, AccountHandle, String) {
    let fake = Fake::start();
    let account = fake.add_account("ada@example.com");
    let blob = fake.login(&account);
    (fake, account, blob)
}

pub fn send(
    fake: &Fake,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let url = Url::parse(&fake.url(path)).expect("url");
    let request = Request {
        method,
        url: &url,
        headers,
        body,
    };
    let opts = net::Options::new(trusting_test_ca(), ProxyConfig::direct());
    client::send(&request, &opts).expect("the fake answers")
}

pub fn post_token(fake: &Fake, body: &str) -> Response {
    let headers = [("Content-Type", "application/json")];
    send(
        fake,
        Method::Post,
        "/v1/oauth/token",
        &headers,
        Some(body.as_bytes()),
    )
}

/// `error` of an OAuth error body, or `error.type` of an API error body.
pub fn error_code(response: &Response) -> String {
    let doc = json::parse(response.body()).expect("error body is JSON");
    let node = doc.get(&["error", "type"]).or_else(|| doc.get(&["error"]));
    node.and_then(|n| n.as_str())
        .expect("error code")
        .into_owned()
}

pub fn refresh_body(
    refresh: &str,
    grant_type: &str,
    client_id: &str,
    scope: Option<&str>,
) -> String {
    let scope = scope.map_or(String::new(), |s| format!(",\"scope\":{}", json::quote(s)));
    format!(
        r#"{{"grant_type":{},"refresh_token":{},"client_id":{}{scope}}}"#,
        json::quote(grant_type),
        json::quote(refresh),
        json::quote(client_id)
    )
}
