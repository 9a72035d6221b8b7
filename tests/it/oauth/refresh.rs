//! The refresh request on the wire, and reading its answer.

use claude_token::json::{self, Kind};
use claude_token::oauth::{Endpoint, Error, Protocol, CLIENT_ID};
use claude_token::redact::Secret;

use super::{assert_clean, client, grant_body, secret, NEW_ACCESS, NEW_REFRESH, REFRESH_TOKEN};
use crate::server::{chunked_json, json, Server};

const CLAUDE_CODE_SCOPE: &str = "user:profile user:inference user:sessions:claude_code \
                                 user:mcp_servers user:file_upload user:plugins";

#[test]
fn sends_what_claude_code_sends() {
    let server = Server::tls("localhost", vec![json(200, &grant_body())]);
    client(&server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect("grant");
    let seen = server.request();
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("POST", "/v1/oauth/token")
    );
    let host = format!("localhost:{}", server.port());
    let version = env!("CARGO_PKG_VERSION");
    let expected = [
        ("host", host.as_str()),
        ("user-agent", &format!("claude-token/{version}")),
        ("accept", "application/json"),
        ("content-type", "application/json"),
        ("connection", "close"),
        ("content-length", &seen.body.len().to_string()),
    ];
    for (name, value) in expected {
        assert_eq!(seen.header(name), Some(value), "{name}");
    }
    assert_eq!(seen.headers.len(), expected.len(), "{:?}", seen.headers);
    let doc = json::parse(&seen.body).expect("json body");
    let members: Vec<(String, String)> = doc
        .root()
        .members()
        .map(|m| {
            (
                m.key().into_owned(),
                m.value().as_str().expect("string").into_owned(),
            )
        })
        .collect();
    let want = [
        ("grant_type", "refresh_token"),
        ("refresh_token", REFRESH_TOKEN),
        ("client_id", "9d1c250a-e61b-44d9-88ed-5944d1962f5e"),
        ("scope", CLAUDE_CODE_SCOPE),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    assert_eq!(members, want);
    assert_eq!(CLIENT_ID, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
}

#[test]
fn escapes_a_refresh_token_with_json_metacharacters() {
    let server = Server::tls("localhost", vec![json(200, &grant_body())]);
    let odd = "a\"b\\c\nd";
    client(&server).refresh(&secret(odd)).expect("grant");
    let doc = json::parse(&server.request().body).expect("still json");
    let sent = doc.root().get("refresh_token").and_then(|n| n.as_str());
    assert_eq!(sent.as_deref(), Some(odd));
}

#[test]
fn reads_the_whole_grant() {
    let server = Server::tls("localhost", vec![json(200, &grant_body())]);
    let grant = client(&server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect("grant");
    assert_eq!(grant.access_token.as_ref().unwrap().expose(), NEW_ACCESS);
    assert_eq!(
        grant.refresh_token.as_ref().map(Secret::expose),
        Some(NEW_REFRESH)
    );
    assert_eq!(grant.expires_in, Some(28_800));
    assert_eq!(grant.expires_at_ms(1_000), Some(1_000 + 28_800_000));
    assert_eq!(grant.refresh_token_expires_at_ms(0), Some(2_592_000_000));
    assert_eq!(
        grant.scopes,
        Some(vec!["user:inference".to_owned(), "user:profile".to_owned()])
    );
    assert_eq!(grant.token_type.as_deref(), Some("Bearer"));
    let account = grant.account.as_ref().expect("account");
    assert_eq!(account.email_address.as_deref(), Some("ada@example.com"));
    let org = grant.organization.as_ref().expect("organization");
    assert_eq!(org.name.as_deref(), Some("Ada's Org"));
    let debug = format!("{grant:?}");
    assert!(
        !debug.contains("NewAccess") && !debug.contains("NewRefresh"),
        "{debug}"
    );
}

#[test]
fn reads_a_chunked_grant() {
    let server = Server::tls("localhost", vec![chunked_json(200, &grant_body(), 5)]);
    let grant = client(&server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect("grant");
    assert_eq!(grant.access_token.as_ref().unwrap().expose(), NEW_ACCESS);
}

#[test]
fn a_grant_without_refresh_token_keeps_the_old_one() {
    for body in [
        format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":3600}}"#),
        format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":3600,"refresh_token":null}}"#),
    ] {
        let server = Server::tls("localhost", vec![json(200, &body)]);
        let grant = client(&server)
            .refresh(&secret(REFRESH_TOKEN))
            .expect("grant");
        assert!(grant.refresh_token.is_none());
        assert!(grant.scopes.is_none() && grant.account.is_none());
    }
}

#[test]
fn refuses_grants_without_usable_required_fields() {
    let cases = [
        (r#"{"expires_in":3600}"#.to_owned(), "access_token"),
        (
            r#"{"access_token":"","expires_in":3600}"#.into(),
            "access_token",
        ),
        (
            r#"{"access_token":7,"expires_in":3600}"#.into(),
            "access_token",
        ),
        (
            format!(r#"{{"access_token":"{NEW_ACCESS}"}}"#),
            "expires_in",
        ),
        (
            format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":-1}}"#),
            "expires_in",
        ),
        (
            format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":"3600"}}"#),
            "expires_in",
        ),
        (
            format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":3600,"refresh_token":""}}"#),
            "refresh_token",
        ),
        (
            format!(r#"{{"access_token":"{NEW_ACCESS}","expires_in":3600,"refresh_token":1}}"#),
            "refresh_token",
        ),
        (format!(r#"["{NEW_ACCESS}"]"#), "(top-level object)"),
    ];
    for (body, field) in cases {
        let server = Server::tls("localhost", vec![json(200, &body)]);
        let err = client(&server)
            .refresh(&secret(REFRESH_TOKEN))
            .expect_err(&body);
        assert!(
            matches!(&err, Error::Protocol { endpoint: Endpoint::Token, reason: Protocol::Field { name } } if *name == field),
            "{body}: {err:?}"
        );
        assert!(assert_clean(&err).contains(field));
    }
}

#[test]
fn a_success_that_is_not_json_is_a_protocol_error() {
    let server = Server::tls("localhost", vec![json(200, "<html>portal</html>")]);
    let err = client(&server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect_err("not json");
    assert!(
        matches!(
            err,
            Error::Protocol {
                reason: Protocol::Json(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_clean(&err);
}

#[test]
fn the_sent_body_is_one_json_object_of_strings() {
    let server = Server::tls("localhost", vec![json(200, &grant_body())]);
    client(&server)
        .refresh(&secret(REFRESH_TOKEN))
        .expect("grant");
    let doc = json::parse(&server.request().body).expect("json");
    assert_eq!(doc.root().kind(), Kind::Object);
    assert!(doc
        .root()
        .members()
        .all(|m| m.value().kind() == Kind::String));
    assert!(doc.duplicate_keys().is_empty());
}
