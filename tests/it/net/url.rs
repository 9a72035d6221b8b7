//! URL parser tables: what request URLs we accept and how each bad one is refused.

use claude_token::net::{Error, Host, Scheme, Url};

/// `(input, scheme, host as displayed, port, request target, Host header value)`.
const VALID: &[(&str, Scheme, &str, u16, &str, &str)] = &[
    (
        "https://api.anthropic.com/api/oauth/usage",
        Scheme::Https,
        "api.anthropic.com",
        443,
        "/api/oauth/usage",
        "api.anthropic.com",
    ),
    (
        "https://platform.claude.com/v1/oauth/token",
        Scheme::Https,
        "platform.claude.com",
        443,
        "/v1/oauth/token",
        "platform.claude.com",
    ),
    (
        "HTTPS://API.Anthropic.COM",
        Scheme::Https,
        "api.anthropic.com",
        443,
        "/",
        "api.anthropic.com",
    ),
    (
        "https://example.com?x=1",
        Scheme::Https,
        "example.com",
        443,
        "/?x=1",
        "example.com",
    ),
    (
        "https://example.com:8443/a?b=c%20d&e=%2F",
        Scheme::Https,
        "example.com",
        8443,
        "/a?b=c%20d&e=%2F",
        "example.com:8443",
    ),
    (
        "https://example.com:443/",
        Scheme::Https,
        "example.com",
        443,
        "/",
        "example.com",
    ),
    (
        "https://example.com:65535/",
        Scheme::Https,
        "example.com",
        65535,
        "/",
        "example.com:65535",
    ),
    (
        "https://gw_1.corp-internal/x/",
        Scheme::Https,
        "gw_1.corp-internal",
        443,
        "/x/",
        "gw_1.corp-internal",
    ),
    (
        "https://127.0.0.1:4443/t",
        Scheme::Https,
        "127.0.0.1",
        4443,
        "/t",
        "127.0.0.1:4443",
    ),
    (
        "https://[::1]:4443/x",
        Scheme::Https,
        "[::1]",
        4443,
        "/x",
        "[::1]:4443",
    ),
    (
        "https://[2001:DB8::1]/",
        Scheme::Https,
        "[2001:db8::1]",
        443,
        "/",
        "[2001:db8::1]",
    ),
    (
        "http://localhost:8080/token",
        Scheme::Http,
        "localhost",
        8080,
        "/token",
        "localhost:8080",
    ),
    (
        "http://LocalHost/",
        Scheme::Http,
        "localhost",
        80,
        "/",
        "localhost",
    ),
    (
        "http://127.0.0.1:1/",
        Scheme::Http,
        "127.0.0.1",
        1,
        "/",
        "127.0.0.1:1",
    ),
    (
        "http://127.200.3.4/",
        Scheme::Http,
        "127.200.3.4",
        80,
        "/",
        "127.200.3.4",
    ),
    ("http://[::1]:9/", Scheme::Http, "[::1]", 9, "/", "[::1]:9"),
];

/// `(input, reason)` for [`Error::BadUrl`].
const BAD: &[(&str, &str)] = &[
    ("api.anthropic.com/x", "missing scheme"),
    ("//api.anthropic.com/x", "missing scheme"),
    ("ftp://example.com/", "scheme must be https"),
    ("wss://example.com/", "scheme must be https"),
    (
        "https://user:pw@example.com/",
        "user info is not allowed in a request url",
    ),
    (
        "https://user@example.com/",
        "user info is not allowed in a request url",
    ),
    ("https://example.com/#frag", "fragments are not allowed"),
    (
        "https://example.com/a b",
        "contains a space, control or non-ascii character",
    ),
    (
        " https://example.com/",
        "contains a space, control or non-ascii character",
    ),
    (
        "https://example.com/\t",
        "contains a space, control or non-ascii character",
    ),
    (
        "https://exa\nmple.com/",
        "contains a space, control or non-ascii character",
    ),
    (
        "https://example.com/\u{7f}",
        "contains a space, control or non-ascii character",
    ),
    (
        "https://ex\u{e4}mple.com/",
        "contains a space, control or non-ascii character",
    ),
    ("https:///path", "empty host"),
    ("https://", "empty host"),
    ("https://:443/", "empty host"),
    ("https://::1/", "empty host"),
    ("https://example.com:/", "bad port"),
    ("https://example.com:0/", "bad port"),
    ("https://example.com:65536/", "bad port"),
    ("https://example.com:123456/", "bad port"),
    ("https://example.com:+443/", "bad port"),
    ("https://example.com:443x/", "bad port"),
    ("https://example.com:44:3/", "bad port"),
    ("https://[::1/", "unclosed bracket in host"),
    ("https://[::g]/", "bad ipv6 address"),
    ("https://[fe80::1%25eth0]/", "bad ipv6 address"),
    ("https://[::1]x/", "unexpected text after the host"),
    ("https://256.1.1.1/", "bad ipv4 address"),
    ("https://1.2.3/", "bad ipv4 address"),
    ("https://127.0.0.01/", "bad ipv4 address"),
    ("https://example.123/", "bad ipv4 address"),
    ("https://-bad.com/", "bad host name"),
    ("https://bad-.com/", "bad host name"),
    ("https://a..b/", "bad host name"),
    ("https://example.com./", "bad host name"),
    ("https://.example.com/", "bad host name"),
    ("https://exa%6dple.com/", "bad host name"),
    ("https://example.com\\path", "bad host name"),
    ("https://example.com/a\\b", "backslash in path"),
    ("https://example.com/%zz", "bad percent escape in path"),
    ("https://example.com/%2", "bad percent escape in path"),
    ("https://example.com/?q=%", "bad percent escape in path"),
];

#[test]
fn parses_the_urls_we_use() {
    for &(input, scheme, host, port, target, authority) in VALID {
        let url = Url::parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
        assert_eq!(url.scheme(), scheme, "{input}");
        assert_eq!(url.host().to_string(), host, "{input}");
        assert_eq!(url.port(), port, "{input}");
        assert_eq!(url.target(), target, "{input}");
        assert_eq!(url.authority(), authority, "{input}");
    }
}

#[test]
fn rejects_malformed_urls_with_a_reason() {
    for &(input, want) in BAD {
        match Url::parse(input) {
            Err(Error::BadUrl { reason }) => assert_eq!(reason, want, "{input:?}"),
            other => panic!("{input:?}: expected BadUrl({want}), got {other:?}"),
        }
    }
}

#[test]
fn refuses_plain_http_to_hosts_that_are_not_loopback() {
    let cases = [
        ("http://example.com/", "example.com"),
        (
            "http://api.anthropic.com/api/oauth/usage",
            "api.anthropic.com",
        ),
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://128.0.0.1/", "128.0.0.1"),
        ("http://[2001:db8::1]/", "[2001:db8::1]"),
        ("http://localhost.example.com/", "localhost.example.com"),
        ("http://127.0.0.1.nip.io/", "127.0.0.1.nip.io"),
    ];
    for (input, want) in cases {
        match Url::parse(input) {
            Err(Error::InsecureScheme { host }) => assert_eq!(host, want, "{input}"),
            other => panic!("{input}: expected InsecureScheme, got {other:?}"),
        }
    }
}

#[test]
fn insecure_scheme_error_names_the_host_and_the_fix() {
    let err = Url::parse("http://example.com/").expect_err("refused");
    assert_eq!(
        err.to_string(),
        "plain http is allowed only to loopback hosts, not example.com; use https"
    );
}

#[test]
fn stores_hosts_by_kind() {
    let host = |text: &str| Url::parse(text).expect("parses").host().clone();
    assert_eq!(
        host("https://Example.COM/"),
        Host::Domain("example.com".into())
    );
    assert_eq!(
        host("https://192.0.2.7/"),
        Host::Ipv4([192, 0, 2, 7].into())
    );
    assert_eq!(
        host("https://[::1]/"),
        Host::Ipv6(std::net::Ipv6Addr::LOCALHOST)
    );
}

#[test]
fn knows_which_hosts_are_loopback() {
    let loopback = |text: &str| Url::parse(text).expect("parses").host().is_loopback();
    for yes in [
        "https://localhost/",
        "https://127.0.0.1/",
        "https://127.9.9.9/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
    ] {
        assert!(loopback(yes), "{yes}");
    }
    for no in [
        "https://localhost.localdomain/",
        "https://128.0.0.1/",
        "https://[::2]/",
        "https://0.0.0.0/",
        "https://[::]/",
    ] {
        assert!(!loopback(no), "{no}");
    }
}

#[test]
fn displays_back_without_the_default_port() {
    let url = Url::parse("HTTPS://Example.com:443?a=b").expect("parses");
    assert_eq!(url.to_string(), "https://example.com/?a=b");
    let url = Url::parse("http://[::1]:8080/x").expect("parses");
    assert_eq!(url.to_string(), "http://[::1]:8080/x");
}
