//! Proxy variables, proxy URLs, base64, the CONNECT answer reader, and tunnels through a
//! test proxy.

use std::ffi::OsString;
use std::io::{Cursor, Read};

use claude_token::net::{self, Error, NoProxy, Proxy, ProxyConfig, Url};

use super::{
    closed_port, exchange, options, proxy_server, tls_server, trusting_test_ca, url, Behaviour,
};

/// A proxy config read from `vars` instead of the process environment.
fn config(vars: &[(&str, &str)]) -> Result<ProxyConfig, Error> {
    ProxyConfig::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| OsString::from(v))
    })
}

fn proxy_host(config: &ProxyConfig, target: &str) -> Option<String> {
    let url = Url::parse(target).expect("test url parses");
    config
        .proxy_for(&url)
        .map(|p| format!("{}:{}", p.host(), p.port()))
}

#[test]
fn reads_lower_case_before_upper_case_and_https_before_all() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:1"),
            ],
            "lower:1",
        ),
        (
            &[
                ("ALL_PROXY", "http://all:1"),
                ("HTTPS_PROXY", "http://upper:1"),
            ],
            "upper:1",
        ),
        (
            &[
                ("all_proxy", "http://lowall:1"),
                ("ALL_PROXY", "http://all:1"),
            ],
            "lowall:1",
        ),
        (&[("ALL_PROXY", "http://all:1")], "all:1"),
        (
            &[("https_proxy", ""), ("HTTPS_PROXY", "http://upper:1")],
            "upper:1",
        ),
        (
            &[("https_proxy", "  "), ("ALL_PROXY", "http://all:1")],
            "all:1",
        ),
    ];
    for (vars, want) in cases {
        let config = config(vars).expect("config reads");
        assert_eq!(
            proxy_host(&config, "https://api.anthropic.com/").as_deref(),
            Some(*want),
            "{vars:?}"
        );
    }
}

#[test]
fn ignores_http_proxy_and_empty_values() {
    let config = config(&[
        ("http_proxy", "http://p:1"),
        ("HTTP_PROXY", "http://p:1"),
        ("HTTPS_PROXY", ""),
    ])
    .expect("reads");
    assert_eq!(proxy_host(&config, "https://api.anthropic.com/"), None);
}

#[test]
fn no_proxy_lower_case_wins_and_bypasses_the_proxy() {
    let vars = [
        ("HTTPS_PROXY", "http://p:3128"),
        ("no_proxy", ".anthropic.com"),
        ("NO_PROXY", "*"),
    ];
    let config = config(&vars).expect("reads");
    assert_eq!(proxy_host(&config, "https://api.anthropic.com/"), None);
    assert_eq!(
        proxy_host(&config, "https://platform.claude.com/").as_deref(),
        Some("p:3128")
    );
}

#[test]
fn loopback_and_plain_http_targets_never_use_the_proxy() {
    let config = config(&[("HTTPS_PROXY", "http://p:3128")]).expect("reads");
    for target in [
        "https://localhost:1/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "http://127.0.0.1:8080/",
    ] {
        assert_eq!(proxy_host(&config, target), None, "{target}");
    }
}

#[test]
fn parses_proxy_urls() {
    let cases = [
        ("http://proxy.corp:3128", "proxy.corp:3128", false),
        ("http://proxy.corp:3128/", "proxy.corp:3128", false),
        ("HTTP://Proxy.Corp", "proxy.corp:80", false),
        ("proxy.corp:8080", "proxy.corp:8080", false),
        (" http://10.1.2.3:8080 ", "10.1.2.3:8080", false),
        ("http://[2001:db8::1]:3128", "[2001:db8::1]:3128", false),
        ("http://u:p@proxy.corp:3128", "proxy.corp:3128", true),
        ("http://u@proxy.corp:3128", "proxy.corp:3128", true),
        ("u:p%40x@proxy.corp:3128", "proxy.corp:3128", true),
    ];
    for (text, want, creds) in cases {
        let proxy = Proxy::parse(text, "HTTPS_PROXY").unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(format!("{}:{}", proxy.host(), proxy.port()), want, "{text}");
        assert_eq!(proxy.has_credentials(), creds, "{text}");
    }
}

#[test]
fn refuses_other_proxy_schemes() {
    for (text, scheme) in [
        ("socks5://p:1080", "socks5"),
        ("SOCKS5H://p:1080", "socks5h"),
        ("https://p:443", "https"),
    ] {
        match Proxy::parse(text, "ALL_PROXY") {
            Err(err @ Error::ProxyUnsupported { .. }) => {
                assert_eq!(err.to_string(), format!("unsupported proxy scheme {scheme:?} in ALL_PROXY; only http:// proxies work"));
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn refuses_bad_proxy_urls_without_showing_them() {
    let cases = [
        ("http://user:hunter2@proxy:99999", "bad port"),
        ("http://user:hunter2@", "empty host"),
        (
            "http://user:hunter2@proxy:3128/path",
            "a proxy url has no path or query",
        ),
        (
            "http://user:hunter2%zz@proxy:3128",
            "bad percent escape in the password",
        ),
        (
            "http://us%er:hunter2@proxy:3128",
            "bad percent escape in the user name",
        ),
        (
            "http://user:hunter2@proxy:3128#x",
            "fragments are not allowed",
        ),
        ("://user:hunter2@proxy", "bad scheme"),
    ];
    for (text, want) in cases {
        let err = Proxy::parse(text, "HTTPS_PROXY").expect_err(text);
        assert!(
            matches!(err, Error::BadProxy { variable: "HTTPS_PROXY", reason } if reason == want),
            "{text}: {err:?}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    }
}

#[test]
fn never_shows_the_password_in_debug() {
    let config = config(&[("HTTPS_PROXY", "http://alice:hunter2@proxy:3128")]).expect("reads");
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("aHVudGVyMg"),
        "{debug}"
    );
    assert!(debug.contains("[REDACTED]"), "{debug}");
}

#[test]
#[cfg(unix)]
fn non_utf8_proxy_variable_is_an_error_naming_it() {
    use std::os::unix::ffi::OsStringExt;
    let err = ProxyConfig::from_lookup(|name| {
        (name == "HTTPS_PROXY").then(|| OsString::from_vec(vec![0xff]))
    })
    .expect_err("refused");
    assert!(
        matches!(
            err,
            Error::BadProxy {
                variable: "HTTPS_PROXY",
                reason: "not utf-8"
            }
        ),
        "{err:?}"
    );
}

#[test]
fn base64_matches_rfc4648_vectors() {
    // RFC 4648 §10.
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (input, want) in vectors {
        assert_eq!(net::base64(input.as_bytes()), want, "{input:?}");
    }
    assert_eq!(net::base64(&[0xfb, 0xff, 0xfe]), "+//+");
}

#[test]
fn status_reads_http1_status_lines() {
    let ok = [
        ("HTTP/1.1 200 Connection established\r\n\r\n", 200),
        ("HTTP/1.0 200\r\n\r\n", 200),
        ("HTTP/1.1 407 Auth\n\n", 407),
        ("HTTP/1.1 502 \r\n\r\n", 502),
    ];
    for (head, want) in ok {
        assert_eq!(net::status(head.as_bytes()).expect(head), want);
    }
    for head in [
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 20\r\n\r\n",
        "HTTP/1.1 2000 x\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1  200\r\n\r\n",
        "SSH-2.0-x\r\n\r\n",
        "",
    ] {
        assert!(
            matches!(net::status(head.as_bytes()), Err(Error::ProxyAnswer { .. })),
            "{head:?}"
        );
    }
}

#[test]
fn read_head_stops_at_the_blank_line_and_consumes_nothing_after() {
    for (answer, head_len) in [
        ("HTTP/1.1 200 OK\r\nVia: x\r\n\r\n\x16\x03\x01", 27),
        ("HTTP/1.1 200 OK\n\nrest", 17),
    ] {
        let mut reader = Cursor::new(answer.as_bytes());
        let head = net::read_head(&mut reader).expect("head");
        assert_eq!(head.len(), head_len, "{answer:?}");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).expect("rest");
        assert_eq!(rest, answer.as_bytes()[head_len..]);
    }
}

#[test]
fn read_head_refuses_truncated_and_oversized_answers() {
    let err =
        net::read_head(&mut Cursor::new(b"HTTP/1.1 200 OK\r\n".to_vec())).expect_err("truncated");
    assert!(
        matches!(
            err,
            Error::ProxyAnswer {
                reason: "proxy closed the connection"
            }
        ),
        "{err:?}"
    );
    let huge = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(16 * 1024));
    let err = net::read_head(&mut Cursor::new(huge.into_bytes())).expect_err("oversized");
    assert!(
        matches!(
            err,
            Error::ProxyAnswer {
                reason: "answer head longer than 16 KiB"
            }
        ),
        "{err:?}"
    );
}

fn proxied_options(proxy_url: &str) -> net::Options {
    let proxy = Proxy::parse(proxy_url, "HTTPS_PROXY").expect("proxy parses");
    let mut opts = options(trusting_test_ca());
    opts.proxy = ProxyConfig::new(Some(proxy), NoProxy::default());
    opts
}

#[test]
fn tunnels_through_the_proxy_with_credentials() {
    // The target name is never resolved here: only the proxy knows where it leads.
    let server = tls_server("wrong-host", Behaviour::Answer);
    let (proxy, heads) = proxy_server("HTTP/1.1 200 Connection established\r\n\r\n", Some(server));
    let opts = proxied_options(&format!("http://alice:s%3Acr%40t%20w@{proxy}"));
    let mut conn =
        net::connect(&url("https://wrong.example/"), &opts).expect("tunnel and handshake");
    assert!(exchange(&mut conn, "wrong.example").ends_with("\r\n\r\nhello"));
    let head = heads.recv().expect("proxy saw a request");
    let lines: Vec<&str> = head.split("\r\n").collect();
    assert_eq!(lines[0], "CONNECT wrong.example:443 HTTP/1.1");
    assert!(lines.contains(&"Host: wrong.example:443"), "{head}");
    // base64("alice:s:cr@t w"), computed with `openssl base64`.
    assert!(
        lines.contains(&"Proxy-Authorization: Basic YWxpY2U6czpjckB0IHc="),
        "{head}"
    );
}

#[test]
fn tunnels_without_credentials_sends_no_authorization() {
    let server = tls_server("wrong-host", Behaviour::Answer);
    let (proxy, heads) = proxy_server("HTTP/1.0 200 OK\r\n\r\n", Some(server));
    let opts = proxied_options(&format!("http://{proxy}"));
    let mut conn = net::connect(&url("https://wrong.example:8443/x"), &opts).expect("tunnel");
    assert!(exchange(&mut conn, "wrong.example").ends_with("hello"));
    let head = heads.recv().expect("proxy saw a request");
    assert!(
        head.starts_with("CONNECT wrong.example:8443 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        !head.to_ascii_lowercase().contains("proxy-authorization"),
        "{head}"
    );
}

#[test]
fn proxy_answering_407_is_proxy_auth() {
    let (proxy, _heads) = proxy_server("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n", None);
    let err = net::connect(
        &url("https://wrong.example/"),
        &proxied_options(&format!("http://bob:pw@{proxy}")),
    )
    .expect_err("refused");
    assert!(matches!(err, Error::ProxyAuth), "{err:?}");
    assert_eq!(
        err.to_string(),
        "proxy authentication required (status 407)"
    );
}

#[test]
fn proxy_refusing_the_tunnel_names_the_status() {
    let (proxy, _heads) = proxy_server("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", None);
    let err = net::connect(
        &url("https://wrong.example/"),
        &proxied_options(&format!("http://{proxy}")),
    )
    .expect_err("refused");
    assert!(matches!(err, Error::Proxy { status: 403 }), "{err:?}");
    assert_eq!(err.to_string(), "proxy refused the tunnel with status 403");
}

#[test]
fn proxy_speaking_something_else_is_a_bad_answer() {
    let (proxy, _heads) = proxy_server("SSH-2.0-OpenSSH_9.6\r\n\r\n", None);
    let err = net::connect(
        &url("https://wrong.example/"),
        &proxied_options(&format!("http://{proxy}")),
    )
    .expect_err("refused");
    assert!(matches!(err, Error::ProxyAnswer { .. }), "{err:?}");
}

#[test]
fn loopback_target_bypasses_a_configured_proxy() {
    let server = tls_server("localhost", Behaviour::Answer);
    let opts = proxied_options(&format!("http://127.0.0.1:{}", closed_port()));
    let mut conn = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &opts,
    )
    .expect("direct");
    assert!(exchange(&mut conn, "localhost").ends_with("hello"));
}
