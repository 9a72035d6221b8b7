//! Tests for `oauth`: the three requests against the scripted loopback TLS server
//! (`server`), every outcome of the status table, transport failures, endpoints from
//! explicit variables, permissive usage parsing, and that no token ever shows in an
//! error. `interop` runs against real nginx and tinyproxy (ignored; `.ci/interop.sh`
//! runs it), `bench` times a refresh (ignored).

mod bench;
mod endpoints;
mod failures;
mod interop;
mod parse;
mod refresh;
mod usage;

use std::time::Duration;

use claude_token::net::{self, ProxyConfig};
use claude_token::oauth::{Client, Endpoints, Error};
use claude_token::redact::Secret;

use crate::server::{trusting_test_ca, Server};

pub const REFRESH_TOKEN: &str = "sk-ant-ort01-Refresh0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
pub const ACCESS_TOKEN: &str = "sk-ant-oat01-Access0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHI";
pub const NEW_REFRESH: &str = "sk-ant-ort01-NewRefresh9876543210zyxwvutsrqponmlkjihgfedcbaZYXWV";
pub const NEW_ACCESS: &str = "sk-ant-oat01-NewAccess9876543210zyxwvutsrqponmlkjihgfedcbaZYXWVU";

/// A grant as the token endpoint sends it.
pub fn grant_body() -> String {
    format!(
        r#"{{"token_type":"Bearer","access_token":"{NEW_ACCESS}","expires_in":28800,"refresh_token":"{NEW_REFRESH}","scope":"user:inference user:profile","refresh_token_expires_in":2592000,"account":{{"uuid":"4f1c0000-0000-4000-8000-000000000001","email_address":"ada@example.com"}},"organization":{{"uuid":"0rg00000-0000-4000-8000-000000000002","name":"Ada's Org"}}}}"#
    )
}

/// A client for `server` trusting the test CA, with `budget` per request.
pub fn client_for(server: &Server, budget: Duration) -> Client {
    let endpoints =
        Endpoints::new(&server.url("/v1/oauth/token"), &server.url("")).expect("endpoints parse");
    client_with(endpoints, ProxyConfig::direct(), budget)
}

pub fn client_with(endpoints: Endpoints, proxy: ProxyConfig, budget: Duration) -> Client {
    Client::new(endpoints, net::Options::new(trusting_test_ca(), proxy)).with_budget(budget)
}

pub fn client(server: &Server) -> Client {
    client_for(server, Duration::from_secs(10))
}

pub fn secret(text: &str) -> Secret {
    Secret::from(text)
}

/// Fails when any token of the tests, or any part of one after its prefix, shows in the
/// error's Display or Debug; returns the Display.
pub fn assert_clean(err: &Error) -> String {
    let shown = [err.to_string(), format!("{err:?}")];
    for text in &shown {
        for token in [REFRESH_TOKEN, ACCESS_TOKEN, NEW_REFRESH, NEW_ACCESS] {
            let tail = &token["sk-ant-ort01-".len()..];
            assert!(!text.contains(tail), "token in error text: {text}");
        }
    }
    shown[0].clone()
}
