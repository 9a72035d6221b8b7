//! `NO_PROXY` matcher tables.

use claude_token::net::{NoProxy, Url};

/// Does `list` make a request to `url` bypass the proxy?
fn bypasses(list: &str, url: &str) -> bool {
    let url = Url::parse(url).expect("test url parses");
    NoProxy::parse(list).matches(url.host(), url.port())
}

/// `(NO_PROXY value, request url, bypasses the proxy)`.
const TABLE: &[(&str, &str, bool)] = &[
    // Names match themselves and everything under them, with or without a leading dot.
    ("example.com", "https://example.com/", true),
    ("example.com", "https://api.example.com/", true),
    ("example.com", "https://a.b.example.com/", true),
    (".example.com", "https://api.example.com/", true),
    (".example.com", "https://example.com/", true),
    ("*.example.com", "https://api.example.com/", true),
    ("*.example.com", "https://example.com/", true),
    ("example.com", "https://notexample.com/", false),
    ("example.com", "https://example.com.evil.net/", false),
    ("example.com", "https://example.org/", false),
    ("api.example.com", "https://example.com/", false),
    ("example.com.", "https://api.example.com/", true),
    // Case and whitespace.
    ("EXAMPLE.COM", "https://api.example.com/", true),
    ("example.com", "https://API.Example.Com/", true),
    ("  foo.test ,\texample.com  ", "https://example.com/", true),
    (" , ,example.com,,", "https://example.com/", true),
    ("", "https://example.com/", false),
    (" , ", "https://example.com/", false),
    // Everything.
    ("*", "https://api.anthropic.com/", true),
    ("foo.test, *", "https://192.0.2.1/", true),
    ("*foo", "https://api.anthropic.com/", false),
    // IP addresses match IP hosts only, never by resolving names.
    ("192.0.2.7", "https://192.0.2.7/", true),
    ("192.0.2.7", "https://192.0.2.8/", false),
    ("::1", "https://[::1]/", true),
    ("[::1]", "https://[::1]/", true),
    ("2001:db8::1", "https://[2001:DB8::1]/", true),
    ("2001:db8::1", "https://[2001:db8::2]/", false),
    ("192.0.2.7", "https://host.test/", false),
    // CIDR blocks.
    ("10.0.0.0/8", "https://10.200.3.4/", true),
    ("10.0.0.0/8", "https://11.0.0.1/", false),
    ("192.168.1.0/24", "https://192.168.1.255/", true),
    ("192.168.1.0/24", "https://192.168.2.1/", false),
    ("192.168.1.77/24", "https://192.168.1.3/", true),
    ("0.0.0.0/0", "https://203.0.113.9/", true),
    ("0.0.0.0/0", "https://[2001:db8::1]/", false),
    ("198.51.100.1/32", "https://198.51.100.1/", true),
    ("198.51.100.1/32", "https://198.51.100.2/", false),
    ("::1/128", "https://[::1]/", true),
    ("::1/128", "https://[::2]/", false),
    ("2001:db8::/32", "https://[2001:db8:ffff::1]/", true),
    ("2001:db8::/32", "https://[2001:db9::1]/", false),
    ("[2001:db8::]/32", "https://[2001:db8::5]/", true),
    ("10.0.0.0/8", "https://ten.test/", false),
    ("10.0.0.0/33", "https://10.0.0.1/", false),
    ("::/129", "https://[::1]/", false),
    ("10.0.0.0/x", "https://10.0.0.1/", false),
    // Ports: an entry with a port matches that port only.
    ("example.com:8443", "https://example.com:8443/", true),
    ("example.com:8443", "https://example.com/", false),
    ("example.com:443", "https://api.example.com/", true),
    ("192.0.2.7:443", "https://192.0.2.7/", true),
    ("192.0.2.7:444", "https://192.0.2.7/", false),
    ("[::1]:8443", "https://[::1]:8443/", true),
    ("[::1]:8443", "https://[::1]/", false),
    ("example.com:0", "https://example.com/", false),
    ("example.com:http", "https://example.com/", false),
    // Entries we cannot read are skipped, the rest still count.
    ("bad..name, example.com", "https://example.com/", true),
    ("bad..name", "https://name.test/", false),
    ("%%%, 10.0.0.0/8", "https://10.1.1.1/", true),
];

#[test]
fn matches_hosts_by_the_documented_rules() {
    for &(list, url, want) in TABLE {
        assert_eq!(bypasses(list, url), want, "NO_PROXY={list:?} url={url}");
    }
}

#[test]
fn empty_list_is_empty() {
    assert!(NoProxy::parse("").is_empty());
    assert!(NoProxy::parse(" , ,").is_empty());
    assert!(!NoProxy::parse("x.test").is_empty());
}
