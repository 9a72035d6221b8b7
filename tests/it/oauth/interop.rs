//! Interop with real software: nginx serving TLS with the test CA's certificates, and
//! tinyproxy as the CONNECT proxy. Ignored by default; `.ci/interop.sh` starts both and
//! runs these by name (`cargo test --test it -- --ignored interop_`), passing where
//! they listen in `CLAUDE_TOKEN_INTEROP_*` variables (read here, never set).

use std::time::Duration;

use claude_token::client::{self, Request};
use claude_token::http::Method;
use claude_token::net::{self, NoProxy, Proxy, ProxyConfig, Url};
use claude_token::oauth::{Client, Endpoints, Error};

use super::secret;

/// What nginx answers on the token path (see `.ci/interop.sh`).
const ACCESS: &str = "sk-ant-oat01-interop-access";

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by .ci/interop.sh"))
}

fn tls() -> net::Options {
    let ca = var("CLAUDE_TOKEN_INTEROP_CA");
    let roots = net::load_roots(std::path::Path::new(&ca)).expect("CA file loads");
    net::Options::new(net::config_with_roots(roots), ProxyConfig::direct())
}

fn client(base: &str, proxy: ProxyConfig) -> Client {
    let endpoints = Endpoints::new(&format!("{base}/v1/oauth/token"), base).expect("interop urls");
    let mut opts = tls();
    opts.proxy = proxy;
    Client::new(endpoints, opts).with_budget(Duration::from_secs(10))
}

fn round_trip(client: &Client) {
    let grant = client
        .refresh(&secret("sk-ant-ort01-interop-old"))
        .expect("refresh");
    assert_eq!(grant.access_token.as_ref().unwrap().expose(), ACCESS);
    let new_refresh = grant.refresh_token.as_ref().expect("a new refresh token");
    assert_eq!(new_refresh.expose(), "sk-ant-ort01-interop-new");
    let usage = client
        .usage(grant.access_token.as_ref().unwrap())
        .expect("usage");
    assert_eq!(usage.five_hour.map(|w| w.utilization), Some(12.0));
    assert_eq!(usage.other_windows.len(), 1);
    let profile = client
        .profile(grant.access_token.as_ref().unwrap())
        .expect("profile");
    assert_eq!(profile.account.email.as_deref(), Some("ada@example.com"));
}

#[test]
#[ignore = "needs nginx; run by .ci/interop.sh"]
fn interop_nginx_refresh_usage_profile() {
    round_trip(&client(
        &var("CLAUDE_TOKEN_INTEROP_DIRECT_BASE"),
        ProxyConfig::direct(),
    ));
}

#[test]
#[ignore = "needs nginx and tinyproxy; run by .ci/interop.sh"]
fn interop_tinyproxy_refresh_usage_profile() {
    let proxy_url = format!("http://{}", var("CLAUDE_TOKEN_INTEROP_PROXY"));
    let proxy = Proxy::parse(&proxy_url, "HTTPS_PROXY").expect("proxy url");
    let config = ProxyConfig::new(Some(proxy), NoProxy::default());
    round_trip(&client(&var("CLAUDE_TOKEN_INTEROP_PROXIED_BASE"), config));
}

#[test]
#[ignore = "needs nginx; run by .ci/interop.sh"]
fn interop_nginx_chunked() {
    let base = format!("{}/chunked", var("CLAUDE_TOKEN_INTEROP_DIRECT_BASE"));
    let url = Url::parse(&format!("{base}/api/oauth/usage")).expect("url");
    let request = Request {
        method: Method::Get,
        url: &url,
        headers: &[("Accept", "application/json")],
        body: None,
    };
    let response = client::send(&request, &tls()).expect("response");
    assert_eq!(response.status(), 200);
    assert!(
        response.head.is_chunked(),
        "nginx did not chunk: {:?}",
        response.head.headers
    );
    let usage = client(&base, ProxyConfig::direct())
        .usage(&secret(ACCESS))
        .expect("chunked usage parses");
    assert_eq!(usage.seven_day.map(|w| w.utilization), Some(35.0));
}

#[test]
#[ignore = "needs nginx; run by .ci/interop.sh"]
fn interop_nginx_error_statuses() {
    let base = var("CLAUDE_TOKEN_INTEROP_DIRECT_BASE");
    let dead = client(&format!("{base}/dead"), ProxyConfig::direct());
    let err = dead
        .refresh(&secret("sk-ant-ort01-interop-old"))
        .expect_err("dead");
    assert!(
        matches!(err, Error::LoginDead { status: 400, .. }),
        "{err:?}"
    );
    let busy = client(&format!("{base}/busy"), ProxyConfig::direct());
    let err = busy.usage(&secret(ACCESS)).expect_err("busy");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_at_ms: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    let direct = client(&base, ProxyConfig::direct());
    let err = direct
        .usage(&secret("sk-ant-oat01-wrong"))
        .expect_err("401");
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}
