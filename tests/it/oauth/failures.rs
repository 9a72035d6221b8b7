//! Every way a request can fail, each error checked for its variant, its wording and
//! for tokens (none may show).

use std::time::{Duration, Instant};

use claude_token::http;
use claude_token::net::{self, NoProxy, Proxy, ProxyConfig, TlsReason};
use claude_token::oauth::{Client, Endpoint, Endpoints, Error, Protocol};
use claude_token::redact::Secret;

use super::{
    assert_clean, client, client_for, client_with, grant_body, secret, ACCESS_TOKEN, REFRESH_TOKEN,
};
use crate::net::proxy_server;
use crate::server::{cert_path, json, reply, Reply, Server};

fn refresh_error(server: &Server) -> Error {
    client(server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect_err("refresh fails")
}

fn usage_error(server: &Server) -> Error {
    client(server)
        .usage(&secret(ACCESS_TOKEN))
        .expect_err("usage fails")
}

#[test]
fn invalid_grant_means_the_login_is_dead() {
    let body =
        r#"{"error":"invalid_grant","error_description":"Refresh token not found or invalid"}"#;
    let server = Server::tls("localhost", vec![json(400, body)]);
    let err = refresh_error(&server);
    let Error::LoginDead { status: 400, text } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(text.code.as_deref(), Some("invalid_grant"));
    assert_eq!(
        assert_clean(&err),
        "the login is dead: the token endpoint refused the refresh token \
         (status 400, invalid_grant: Refresh token not found or invalid)"
    );
    let crate_err = claude_token::Error::from(err);
    assert_eq!(crate_err.exit_code(), 3);
    assert!(crate_err.hint().expect("hint").contains("log in again"));
}

#[test]
fn other_400s_are_rejections_not_dead_logins() {
    let body = r#"{"error":"invalid_request","error_description":"missing scope"}"#;
    let server = Server::tls("localhost", vec![json(400, body)]);
    let err = refresh_error(&server);
    assert!(
        matches!(&err, Error::Rejected { endpoint: Endpoint::Token, status: 400, text } if text.code.as_deref() == Some("invalid_request")),
        "{err:?}"
    );
    assert_eq!(claude_token::Error::from(err).exit_code(), 1);
}

#[test]
fn unauthorized_at_the_token_endpoint_means_the_login_is_dead() {
    let server = Server::tls("localhost", vec![json(401, "{}")]);
    let err = refresh_error(&server);
    assert!(
        matches!(err, Error::LoginDead { status: 401, .. }),
        "{err:?}"
    );
    assert_clean(&err);
}

#[test]
fn unauthorized_at_usage_and_profile_asks_for_a_refresh() {
    let body = r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired."}}"#;
    let server = Server::tls("localhost", vec![json(401, body), json(401, body)]);
    let err = usage_error(&server);
    let Error::Unauthorized {
        endpoint: Endpoint::Usage,
        text,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(text.code.as_deref(), Some("authentication_error"));
    assert_eq!(
        assert_clean(&err),
        "usage request refused the access token \
         (status 401, authentication_error: OAuth token has expired.)"
    );
    let err = client(&server)
        .profile(&secret(ACCESS_TOKEN))
        .expect_err("401");
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                endpoint: Endpoint::Profile,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn rate_limit_with_seconds_names_the_instant() {
    let server = Server::tls("localhost", vec![reply(429, &["Retry-After: 120"], "{}")]);
    let before = claude_token::time::now_ms();
    let err = usage_error(&server);
    let after = claude_token::time::now_ms();
    let Error::RateLimited {
        endpoint: Endpoint::Usage,
        retry_at_ms: Some(at),
    } = err
    else {
        panic!("{err:?}")
    };
    assert!((before + 120_000..=after + 120_000).contains(&at), "{at}");
    assert!(assert_clean(&err).starts_with("usage request rate limited (status 429); retry after "));
    assert_eq!(claude_token::Error::from(err).exit_code(), 4);
}

#[test]
fn rate_limit_with_a_date_names_that_date() {
    let header = ["Retry-After: Wed, 05 Nov 2025 04:59:59 GMT"];
    let server = Server::tls("localhost", vec![reply(429, &header, "")]);
    let err = usage_error(&server);
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_at_ms: Some(1_762_318_799_000),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        assert_clean(&err),
        "usage request rate limited (status 429); retry after 2025-11-05T04:59:59Z"
    );
}

#[test]
fn rate_limit_without_a_readable_date_has_no_instant() {
    let server = Server::tls("localhost", vec![reply(429, &["Retry-After: soon"], "")]);
    let err = refresh_error(&server);
    assert!(
        matches!(
            err,
            Error::RateLimited {
                endpoint: Endpoint::Token,
                retry_at_ms: None
            }
        ),
        "{err:?}"
    );
}

#[test]
fn server_errors_are_transient() {
    let server = Server::tls("localhost", vec![json(500, r#"{"error":"server_error"}"#)]);
    let err = refresh_error(&server);
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(
        assert_clean(&err),
        "token refresh failed: server error (status 500, server_error)"
    );
    assert_eq!(claude_token::Error::from(err).exit_code(), 4);
}

#[test]
fn server_text_is_scrubbed_stripped_and_cut() {
    let body = format!(
        r#"{{"error":"invalid_request","error_description":"bad token {REFRESH_TOKEN} \u001b[31mred\u202e\n{}"}}"#,
        "x".repeat(500)
    );
    let server = Server::tls("localhost", vec![json(400, &body)]);
    let err = refresh_error(&server);
    let shown = assert_clean(&err);
    assert!(
        shown.contains("bad token sk-ant-ort01-[REDACTED]"),
        "{shown}"
    );
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{shown:?}"
    );
    assert!(shown.ends_with("...)"), "{shown}");
    assert!(shown.len() < 400, "{}", shown.len());
}

#[test]
fn non_json_error_bodies_add_nothing_to_the_message() {
    let server = Server::tls("localhost", vec![reply(403, &[], "<html>Forbidden</html>")]);
    let err = usage_error(&server);
    assert_eq!(assert_clean(&err), "usage request refused (status 403)");
}

#[test]
fn truncated_body_is_a_protocol_error() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"access_token\":".to_vec();
    let server = Server::tls("localhost", vec![Reply::Bytes(raw)]);
    let err = refresh_error(&server);
    assert!(
        matches!(
            err,
            Error::Protocol {
                reason: Protocol::Http(http::Error::Truncated),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(assert_clean(&err).contains("closed before the response was complete"));
    assert_eq!(claude_token::Error::from(err).exit_code(), 4);
}

#[test]
fn oversize_declared_body_fails_before_it_is_read() {
    // The server sends 1 KiB of a declared 2 MiB and then waits: reading on would time out.
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n".to_vec();
    raw.extend([b' '; 1024]);
    let server = Server::tls("localhost", vec![Reply::BytesThenHold(raw)]);
    let err = refresh_error(&server);
    assert!(
        matches!(
            err,
            Error::Protocol {
                reason: Protocol::Http(http::Error::BodyTooLarge),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn oversize_streamed_bodies_fail_at_the_cap() {
    let streams = [
        b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
    ];
    for (i, head) in streams.into_iter().enumerate() {
        let chunk = if i == 0 {
            vec![b' '; 64 * 1024]
        } else {
            let mut c = b"10000\r\n".to_vec();
            c.extend(vec![b' '; 0x10000]);
            c.extend(b"\r\n");
            c
        };
        let server = Server::tls(
            "localhost",
            vec![Reply::Stream {
                head,
                chunk,
                count: 64,
            }],
        );
        let err = refresh_error(&server);
        assert!(
            matches!(
                err,
                Error::Protocol {
                    reason: Protocol::Http(http::Error::BodyTooLarge),
                    ..
                }
            ),
            "stream {i}: {err:?}"
        );
    }
}

#[test]
fn a_silent_server_times_out_within_the_budget() {
    let server = Server::tls("localhost", vec![Reply::BytesThenHold(Vec::new())]);
    let started = Instant::now();
    let err = client_for(&server, Duration::from_secs(1))
        .refresh(&secret(REFRESH_TOKEN))
        .expect_err("timeout");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        matches!(
            err,
            Error::Network {
                source: net::Error::Timeout { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        assert_clean(&err),
        "token refresh failed: timed out receiving"
    );
    assert_eq!(claude_token::Error::from(err).exit_code(), 4);
}

#[test]
fn a_certificate_for_another_host_is_refused() {
    let server = Server::tls("wrong-host", vec![json(200, &grant_body())]);
    let err = refresh_error(&server);
    assert!(
        matches!(
            &err,
            Error::Network {
                source: net::Error::Tls {
                    reason: TlsReason::WrongHost,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(assert_clean(&err).contains("certificate not valid for localhost"));
    assert!(!server.got_another_request());
}

#[test]
fn an_untrusted_ca_is_refused_unless_given_as_a_root() {
    let server = Server::tls("other-localhost", vec![json(200, &grant_body()); 2]);
    let err = refresh_error(&server);
    assert!(
        matches!(
            &err,
            Error::Network {
                source: net::Error::Tls {
                    reason: TlsReason::UnknownIssuer,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let hint = claude_token::Error::from(err).hint().expect("hint");
    assert!(hint.contains("SSL_CERT_FILE"), "{hint}");
    let tls = net::config_from_cert_file(Some(cert_path("other-ca.pem").as_os_str()))
        .expect("other CA loads");
    let endpoints = Endpoints::new(&server.url("/v1/oauth/token"), &server.url("")).expect("urls");
    let client = Client::new(endpoints, net::Options::new(tls, ProxyConfig::direct()));
    client.refresh(&secret(REFRESH_TOKEN)).expect("trusted now");
}

#[test]
fn a_redirect_is_refused_and_not_followed() {
    let location = ["Location: https://elsewhere.example/v1/oauth/token"];
    let server = Server::tls(
        "localhost",
        vec![reply(302, &location, ""), json(200, &grant_body())],
    );
    let err = refresh_error(&server);
    assert!(
        matches!(
            err,
            Error::Protocol {
                reason: Protocol::Redirect { status: 302 },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(assert_clean(&err).contains("302"));
    server.request();
    assert!(!server.got_another_request());
}

fn proxied(proxy: &str, no_proxy: &str, server: &Server) -> Client {
    let proxy = Proxy::parse(&format!("http://{proxy}"), "HTTPS_PROXY").expect("proxy url");
    let base = format!("https://wrong.example:{}", server.port());
    let endpoints = Endpoints::new(&format!("{base}/v1/oauth/token"), &base).expect("urls");
    let config = ProxyConfig::new(Some(proxy), NoProxy::parse(no_proxy));
    client_with(endpoints, config, Duration::from_secs(10))
}

#[test]
fn refreshes_through_a_connect_proxy() {
    // The name wrong.example is never resolved here: the proxy splices to the server.
    let server = Server::tls("wrong-host", vec![json(200, &grant_body())]);
    let established = "HTTP/1.1 200 Connection established\r\n\r\n";
    let (proxy, heads) = proxy_server(established, Some(server.addr));
    let grant = proxied(&proxy.to_string(), "", &server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect("grant through the proxy");
    assert!(grant.refresh_token.is_some());
    let head = heads.recv().expect("proxy saw the tunnel request");
    let connect = format!("CONNECT wrong.example:{} HTTP/1.1\r\n", server.port());
    assert!(head.starts_with(&connect), "{head}");
    assert_eq!(server.request().target, "/v1/oauth/token");
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let server = Server::tls("wrong-host", vec![json(200, &grant_body())]);
    let (proxy, heads) = proxy_server("HTTP/1.1 403 Forbidden\r\n\r\n", None);
    let err = proxied(&proxy.to_string(), "example", &server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect_err("wrong.example does not resolve when asked directly");
    assert!(
        matches!(
            &err,
            Error::Network {
                source: net::Error::Dns { .. } | net::Error::Connect { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(heads.try_recv().is_err(), "the proxy was used");
    assert_clean(&err);
}

#[test]
fn a_refused_tunnel_is_a_network_error() {
    let server = Server::tls("wrong-host", vec![]);
    let (proxy, _heads) = proxy_server("HTTP/1.1 403 Forbidden\r\n\r\n", None);
    let err = proxied(&proxy.to_string(), "", &server)
        .usage(&Secret::from(ACCESS_TOKEN))
        .expect_err("refused");
    assert!(
        matches!(
            &err,
            Error::Network {
                source: net::Error::Proxy { status: 403 },
                ..
            }
        ),
        "{err:?}"
    );
    assert_clean(&err);
}
