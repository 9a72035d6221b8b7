//! Tests for `client`: one request and its response over a loopback TLS (or plain)
//! server, what goes on the wire, how the body ends, and the refusals (redirects,
//! truncation, a caller's Connection header).

use std::time::Duration;

use claude_token::client::{self, Error, Request, Response};
use claude_token::http::{self, Method};
use claude_token::net::{self, Deadline, ProxyConfig, Url};

use crate::server::{chunked_json, json, reply, trusting_test_ca, Reply, Server};

fn options() -> net::Options {
    let mut opts = net::Options::new(trusting_test_ca(), ProxyConfig::direct());
    opts.deadline = Deadline::after(Duration::from_secs(10));
    opts
}

fn get(url: &str, headers: &[(&str, &str)]) -> Result<Response, Error> {
    let url = Url::parse(url).expect("test url parses");
    let request = Request {
        method: Method::Get,
        url: &url,
        headers,
        body: None,
    };
    client::send(&request, &options())
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .header(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

#[test]
fn returns_status_headers_and_body_and_asks_to_close() {
    let server = Server::tls("localhost", vec![reply(203, &["X-Test: a b"], "hello")]);
    let response = get(&server.url("/p?q=1"), &[("Accept", "text/plain")]).expect("response");
    assert_eq!(response.status(), 203);
    assert_eq!(header(&response, "x-test").as_deref(), Some("a b"));
    assert_eq!(response.body(), b"hello");
    let seen = server.request();
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("GET", "/p?q=1")
    );
    let host = format!("localhost:{}", server.port());
    assert_eq!(seen.header("host"), Some(host.as_str()));
    assert_eq!(seen.header("connection"), Some("close"));
    assert_eq!(seen.header("accept"), Some("text/plain"));
    assert_eq!(seen.header("content-length"), None);
}

#[test]
fn posts_a_body_with_its_length() {
    let server = Server::tls("localhost", vec![json(200, "{}")]);
    let url = Url::parse(&server.url("/t")).expect("url");
    let request = Request {
        method: Method::Post,
        url: &url,
        headers: &[("Content-Type", "application/json")],
        body: Some(br#"{"a":1}"#),
    };
    let response = client::send(&request, &options()).expect("response");
    assert_eq!(response.body(), b"{}");
    let seen = server.request();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.header("content-length"), Some("7"));
    assert_eq!(seen.body, br#"{"a":1}"#);
}

#[test]
fn decodes_a_chunked_body_and_shows_the_framing() {
    let body = r#"{"five_hour":{"utilization":1.0,"resets_at":null}}"#;
    let server = Server::tls("localhost", vec![chunked_json(200, body, 7)]);
    let response = get(&server.url("/"), &[]).expect("response");
    assert!(response.head.is_chunked());
    assert_eq!(
        header(&response, "transfer-encoding").as_deref(),
        Some("chunked")
    );
    assert_eq!(response.body(), body.as_bytes());
}

#[test]
fn reads_a_close_delimited_body_that_ends_with_close_notify() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end".to_vec();
    let server = Server::tls("localhost", vec![Reply::Bytes(raw)]);
    let response = get(&server.url("/"), &[]).expect("response");
    assert_eq!(response.body(), b"until the end");
}

#[test]
fn close_delimited_body_cut_without_close_notify_is_truncated() {
    let raw = b"HTTP/1.1 200 OK\r\n\r\nmaybe more".to_vec();
    let server = Server::tls("localhost", vec![Reply::BytesThenCut(raw)]);
    let err = get(&server.url("/"), &[]).expect_err("cut");
    assert!(
        matches!(err, Error::Http(http::Error::Truncated)),
        "{err:?}"
    );
}

#[test]
fn length_body_cut_short_is_truncated() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec();
    for reply in [Reply::Bytes(raw.clone()), Reply::BytesThenCut(raw)] {
        let server = Server::tls("localhost", vec![reply]);
        let err = get(&server.url("/"), &[]).expect_err("truncated");
        assert!(
            matches!(err, Error::Http(http::Error::Truncated)),
            "{err:?}"
        );
    }
}

#[test]
fn head_cut_short_is_truncated() {
    let server = Server::tls(
        "localhost",
        vec![Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-".to_vec())],
    );
    let err = get(&server.url("/"), &[]).expect_err("truncated");
    assert!(
        matches!(err, Error::Http(http::Error::Truncated)),
        "{err:?}"
    );
}

#[test]
fn refuses_every_redirect_and_names_its_status() {
    for status in [300, 301, 302, 303, 304, 307, 308] {
        let location = ["Location: /elsewhere"];
        let server = Server::tls(
            "localhost",
            vec![reply(status, &location, ""), json(200, "{}")],
        );
        let err = get(&server.url("/"), &[]).expect_err("redirect");
        assert!(
            matches!(err, Error::Redirect { status: s } if s == status),
            "{err:?}"
        );
        assert!(err.to_string().contains(&status.to_string()), "{err}");
        server.request();
        assert!(
            !server.got_another_request(),
            "redirect {status} was followed"
        );
    }
}

#[test]
fn refuses_a_callers_connection_header_before_connecting() {
    let err = get("https://localhost:1/", &[("Connection", "keep-alive")]).expect_err("refused");
    assert!(
        matches!(err, Error::Http(http::Error::ReservedHeader)),
        "{err:?}"
    );
}

#[test]
fn speaks_plain_http_to_loopback() {
    let server = Server::plain(vec![reply(200, &[], "plain")]);
    let url = format!("http://127.0.0.1:{}/x", server.port());
    let response = get(&url, &[]).expect("response");
    assert_eq!(response.body(), b"plain");
}

#[test]
fn debug_shows_status_and_length_not_the_body() {
    let server = Server::tls(
        "localhost",
        vec![json(200, r#"{"access_token":"sk-ant-oat01-x"}"#)],
    );
    let response = get(&server.url("/"), &[]).expect("response");
    let debug = format!("{response:?}");
    assert!(
        debug.contains("200") && debug.contains("body_len"),
        "{debug}"
    );
    assert!(!debug.contains("sk-ant"), "{debug}");
}

#[test]
fn request_debug_shows_header_names_not_values() {
    let url = Url::parse("https://localhost/x").expect("url");
    let request = Request {
        method: Method::Post,
        url: &url,
        headers: &[("Authorization", "Bearer sk-ant-oat01-secretvalue")],
        body: Some(b"{\"refresh_token\":\"sk-ant-ort01-secretvalue\"}"),
    };
    let debug = format!("{request:?}");
    assert!(
        debug.contains("Authorization") && debug.contains("body_len"),
        "{debug}"
    );
    assert!(!debug.contains("secretvalue"), "{debug}");
}
