//! Endpoints from explicit variable lookups (the process environment is never touched).

use std::ffi::OsString;

use claude_token::net::{self, Url};
use claude_token::oauth::{Endpoints, Error};

fn from(vars: &[(&str, &str)]) -> Result<Endpoints, Error> {
    Endpoints::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| OsString::from(v))
    })
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("test url")
}

#[test]
fn defaults_are_the_real_service() {
    let endpoints = from(&[]).expect("defaults");
    assert_eq!(
        endpoints.token,
        url("https://platform.claude.com/v1/oauth/token")
    );
    assert_eq!(
        endpoints.usage,
        url("https://api.anthropic.com/api/oauth/usage")
    );
    assert_eq!(
        endpoints.profile,
        url("https://api.anthropic.com/api/oauth/profile")
    );
    assert_eq!(endpoints, Endpoints::production());
    assert_eq!(
        from(&[("CLAUDE_TOKEN_OAUTH_TOKEN_URL", "")]).expect("empty"),
        endpoints
    );
}

#[test]
fn variables_override_each_endpoint() {
    let endpoints = from(&[
        (
            "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
            "https://gw.example.com:8443/oauth/token?x=1",
        ),
        (
            "CLAUDE_TOKEN_API_BASE_URL",
            "https://gw.example.com/anthropic/",
        ),
    ])
    .expect("overrides");
    assert_eq!(
        endpoints.token,
        url("https://gw.example.com:8443/oauth/token?x=1")
    );
    assert_eq!(
        endpoints.usage,
        url("https://gw.example.com/anthropic/api/oauth/usage")
    );
    assert_eq!(
        endpoints.profile,
        url("https://gw.example.com/anthropic/api/oauth/profile")
    );
}

#[test]
fn plain_http_is_allowed_to_loopback_only() {
    let local = from(&[("CLAUDE_TOKEN_API_BASE_URL", "http://127.0.0.1:8080")]).expect("loopback");
    assert_eq!(local.usage, url("http://127.0.0.1:8080/api/oauth/usage"));
    let err = from(&[(
        "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
        "http://gw.example.com/token",
    )])
    .expect_err("plain http");
    assert!(
        matches!(
            err,
            Error::Setting {
                variable: "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
                source: net::Error::InsecureScheme { .. }
            }
        ),
        "{err:?}"
    );
}

#[test]
fn bad_values_name_the_variable_and_exit_2() {
    for (variable, value) in [
        (
            "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
            "platform.claude.com/v1/oauth/token",
        ),
        ("CLAUDE_TOKEN_OAUTH_TOKEN_URL", "ftp://x/y"),
        (
            "CLAUDE_TOKEN_API_BASE_URL",
            "https://gw.example.com/?tenant=sk-ant-ort01-secret",
        ),
        (
            "CLAUDE_TOKEN_API_BASE_URL",
            "https://user:pw@gw.example.com",
        ),
    ] {
        let err = from(&[(variable, value)]).expect_err(value);
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("bad url in {variable}: ")),
            "{shown}"
        );
        assert!(
            !shown.contains("secret") && !shown.contains("pw"),
            "{shown}"
        );
        let crate_err = claude_token::Error::from(err);
        assert_eq!(crate_err.exit_code(), 2);
        assert!(crate_err.hint().expect("hint").contains("https://"));
    }
}
