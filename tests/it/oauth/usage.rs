//! The usage and profile requests on the wire, and the one-retry helper.

use std::cell::Cell;

use claude_token::oauth::{retry_once_on_unauthorized, Endpoint, Error};

use super::{assert_clean, client, secret, ACCESS_TOKEN, NEW_ACCESS};
use crate::server::{json, Server};

pub const USAGE_BODY: &str = r#"{"five_hour":{"utilization":12.0,"resets_at":"2025-11-04T04:59:59.943648+00:00"},"seven_day":{"utilization":35.0,"resets_at":"2025-11-06T03:59:59.943679+00:00"},"seven_day_oauth_apps":null,"seven_day_opus":null,"seven_day_sonnet":{"utilization":1.0,"resets_at":null},"iguana_necktie":{"utilization":3.0,"resets_at":null},"extra_usage":{"is_enabled":false,"monthly_limit":null,"used_credits":null,"utilization":null}}"#;

pub const PROFILE_BODY: &str = r#"{"account":{"uuid":"4f1c0000-0000-4000-8000-000000000001","full_name":"Ada Lovelace","display_name":"Ada","email":"ada@example.com","has_claude_max":true},"organization":{"uuid":"0rg00000-0000-4000-8000-000000000002","name":"Ada's Org","organization_type":"claude_max","billing_type":"stripe_subscription","rate_limit_tier":"default_claude_max_20x"}}"#;

fn check_authorized_get(server: &Server, path: &str, token: &str) {
    let seen = server.request();
    assert_eq!((seen.method.as_str(), seen.target.as_str()), ("GET", path));
    let version = env!("CARGO_PKG_VERSION");
    let bearer = format!("Bearer {token}");
    let expected = [
        ("user-agent", format!("claude-token/{version}")),
        ("accept", "application/json".into()),
        ("authorization", bearer),
        ("anthropic-beta", "oauth-2025-04-20".into()),
        ("connection", "close".into()),
    ];
    for (name, value) in &expected {
        assert_eq!(seen.header(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(seen.headers.len(), expected.len() + 1, "{:?}", seen.headers);
    assert!(seen.body.is_empty());
}

#[test]
fn usage_sends_the_bearer_and_beta_headers() {
    let server = Server::tls("localhost", vec![json(200, USAGE_BODY)]);
    let usage = client(&server).usage(&secret(ACCESS_TOKEN)).expect("usage");
    check_authorized_get(&server, "/api/oauth/usage", ACCESS_TOKEN);
    assert_eq!(usage.five_hour.map(|w| w.utilization), Some(12.0));
}

#[test]
fn profile_sends_the_bearer_and_beta_headers() {
    let server = Server::tls("localhost", vec![json(200, PROFILE_BODY)]);
    let profile = client(&server)
        .profile(&secret(ACCESS_TOKEN))
        .expect("profile");
    check_authorized_get(&server, "/api/oauth/profile", ACCESS_TOKEN);
    assert_eq!(profile.account.uuid, "4f1c0000-0000-4000-8000-000000000001");
    assert_eq!(profile.account.email.as_deref(), Some("ada@example.com"));
    let org = profile.organization.expect("organization");
    assert_eq!(
        org.rate_limit_tier.as_deref(),
        Some("default_claude_max_20x")
    );
}

#[test]
fn an_api_base_with_a_path_prefix_keeps_it() {
    let server = Server::tls("localhost", vec![json(200, USAGE_BODY)]);
    let endpoints = claude_token::oauth::Endpoints::new(
        &server.url("/v1/oauth/token"),
        &server.url("/gateway/"),
    )
    .expect("urls");
    let client = super::client_with(
        endpoints,
        claude_token::net::ProxyConfig::direct(),
        std::time::Duration::from_secs(10),
    );
    client.usage(&secret(ACCESS_TOKEN)).expect("usage");
    assert_eq!(server.request().target, "/gateway/api/oauth/usage");
}

#[test]
fn retries_once_with_a_refreshed_token_after_a_401() {
    let server = Server::tls("localhost", vec![json(401, "{}"), json(200, USAGE_BODY)]);
    let client = client(&server);
    let refreshed = Cell::new(0);
    let usage = retry_once_on_unauthorized(
        &secret(ACCESS_TOKEN),
        || {
            refreshed.set(refreshed.get() + 1);
            Ok(secret(NEW_ACCESS))
        },
        |token| client.usage(token),
    )
    .expect("second try works");
    assert_eq!(refreshed.get(), 1);
    assert!(usage.seven_day.is_some());
    check_authorized_get(&server, "/api/oauth/usage", ACCESS_TOKEN);
    check_authorized_get(&server, "/api/oauth/usage", NEW_ACCESS);
}

#[test]
fn a_second_401_is_returned_without_a_third_try() {
    let server = Server::tls(
        "localhost",
        vec![json(401, "{}"), json(401, "{}"), json(200, "{}")],
    );
    let client = client(&server);
    let err = retry_once_on_unauthorized(
        &secret(ACCESS_TOKEN),
        || Ok(secret(NEW_ACCESS)),
        |token| client.usage(token),
    )
    .expect_err("still 401");
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                endpoint: Endpoint::Usage,
                ..
            }
        ),
        "{err:?}"
    );
    assert_clean(&err);
    server.request();
    server.request();
    assert!(!server.got_another_request());
}

#[test]
fn other_errors_are_not_retried() {
    let server = Server::tls("localhost", vec![json(500, "{}"), json(200, USAGE_BODY)]);
    let client = client(&server);
    let err = retry_once_on_unauthorized(
        &secret(ACCESS_TOKEN),
        || panic!("no refresh for a 500"),
        |token| client.usage(token),
    )
    .expect_err("500");
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
}

#[test]
fn a_failed_refresh_ends_the_retry() {
    let server = Server::tls("localhost", vec![json(401, "{}")]);
    let client = client(&server);
    let err = retry_once_on_unauthorized(
        &secret(ACCESS_TOKEN),
        || {
            Err(Error::RateLimited {
                endpoint: Endpoint::Token,
                retry_at_ms: None,
            })
        },
        |token| client.usage(token),
    )
    .expect_err("refresh failed");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                endpoint: Endpoint::Token,
                ..
            }
        ),
        "{err:?}"
    );
}
