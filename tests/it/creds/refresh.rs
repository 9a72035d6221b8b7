//! The refresh splice: only the values a refresh changes change, in compact and pretty
//! blobs; `refreshTokenExpiresAt` never moves later; bad answers are refused.

use super::{creds, text, LIVE};
use claude_token::creds::{Credentials, Refreshed};
use claude_token::redact::Secret;

fn grant(access: &str, refresh: Option<&str>, expires_at_ms: i64) -> Refreshed {
    Refreshed {
        access_token: Secret::from(access),
        refresh_token: refresh.map(Secret::from),
        expires_at_ms,
        scopes: None,
        refresh_token_expires_at_ms: None,
    }
}

fn refreshed(blob: &str, grant: &Refreshed) -> String {
    let out = creds(blob)
        .with_refreshed_tokens(grant)
        .unwrap_or_else(|e| panic!("refused: {e}"));
    text(&out).to_owned()
}

#[test]
fn compact_blob_changes_only_the_refreshed_values() {
    let g = Refreshed {
        scopes: Some(vec!["user:inference".into(), "user:profile".into()]),
        refresh_token_expires_at_ms: Some(1_768_000_000_000),
        ..grant(
            "sk-ant-oat01-test-access-b",
            Some("sk-ant-ort01-test-refresh-b"),
            1_764_028_800_000,
        )
    };
    let expected = concat!(
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-test-access-b","#,
        r#""refreshToken":"sk-ant-ort01-test-refresh-b","expiresAt":1764028800000,"#,
        r#""scopes":["user:inference","user:profile"],"subscriptionType":"max","#,
        r#""rateLimitTier":"default_claude_max_20x","refreshTokenExpiresAt":1766000000000,"#,
        r#""clientId":"9d1c250a-e61b-44d9-88ed-5944d1962f5e","#,
        r#""tokenAccount":{"uuid":"acc-a","emailAddress":"a@example.com","#,
        r#""organizationUuid":"org-a","organizationName":"Org A"}},"#,
        r#""mcpOAuth":{"srv|1":{"accessToken":"mcp-secret-a","expiresAt":0}},"#,
        r#""organizationUuid":"org-a"}"#
    );
    assert_eq!(refreshed(LIVE, &g), expected);
}

const PRETTY: &str = r#"{
  "claudeAiOauth": {
    "accessToken": "sk-ant-oat01-test-old",
    "refreshToken": "sk-ant-ort01-test-old",
    "expiresAt": 1764000000000,
    "scopes": [
      "user:inference"
    ],
    "subscriptionType": "pro"
  },
  "mcpOAuth": {}
}"#;

#[test]
fn pretty_blob_keeps_its_layout_for_new_scopes_and_new_members() {
    let g = Refreshed {
        scopes: Some(vec!["user:inference".into(), "user:profile".into()]),
        refresh_token_expires_at_ms: Some(1_766_592_000_000),
        ..grant("sk-ant-oat01-test-new", None, 1_764_028_800_000)
    };
    let expected = r#"{
  "claudeAiOauth": {
    "accessToken": "sk-ant-oat01-test-new",
    "refreshToken": "sk-ant-ort01-test-old",
    "expiresAt": 1764028800000,
    "scopes": [
      "user:inference",
      "user:profile"
    ],
    "subscriptionType": "pro",
    "refreshTokenExpiresAt": 1766592000000
  },
  "mcpOAuth": {}
}"#;
    assert_eq!(refreshed(PRETTY, &g), expected);
}

#[test]
fn earlier_refresh_token_expiry_replaces_the_stored_one() {
    let g = Refreshed {
        refresh_token_expires_at_ms: Some(1_765_000_000_000),
        ..grant("sk-ant-oat01-test-access-a", None, 1_764_000_000_000)
    };
    let expected = LIVE.replace(
        r#""refreshTokenExpiresAt":1766000000000"#,
        r#""refreshTokenExpiresAt":1765000000000"#,
    );
    assert_eq!(refreshed(LIVE, &g), expected);
}

#[test]
fn later_refresh_token_expiry_never_extends_the_stored_one() {
    let g = Refreshed {
        refresh_token_expires_at_ms: Some(1_799_000_000_000),
        ..grant("sk-ant-oat01-test-access-a", None, 1_764_000_000_000)
    };
    assert_eq!(refreshed(LIVE, &g), LIVE);
}

#[test]
fn null_refresh_token_expiry_takes_the_servers_value() {
    let blob = r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":5,"refreshTokenExpiresAt":null}}"#;
    let g = Refreshed {
        refresh_token_expires_at_ms: Some(9),
        ..grant("a", None, 5)
    };
    let expected = r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":5,"refreshTokenExpiresAt":9}}"#;
    assert_eq!(refreshed(blob, &g), expected);
}

#[test]
fn members_the_blob_lacks_are_added_at_the_end_of_the_login() {
    let blob = r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":5},"x":1}"#;
    let g = Refreshed {
        scopes: Some(vec!["user:inference".into()]),
        refresh_token_expires_at_ms: Some(9),
        ..grant("A", None, 6)
    };
    let expected = concat!(
        r#"{"claudeAiOauth":{"accessToken":"A","refreshToken":"r","expiresAt":6,"#,
        r#""scopes":["user:inference"],"refreshTokenExpiresAt":9},"x":1}"#
    );
    assert_eq!(refreshed(blob, &g), expected);
}

#[test]
fn keeps_the_old_refresh_token_when_the_server_sends_none() {
    let out = refreshed(
        LIVE,
        &grant("sk-ant-oat01-test-access-b", None, 1_764_028_800_000),
    );
    let expected = LIVE
        .replace("sk-ant-oat01-test-access-a", "sk-ant-oat01-test-access-b")
        .replace("1764000000000", "1764028800000");
    assert_eq!(out, expected);
    assert_eq!(
        creds(&out).refresh_token().expose(),
        "sk-ant-ort01-test-refresh-a"
    );
}

#[test]
fn values_that_did_not_change_keep_their_text() {
    let blob = r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1.764e12,"scopes":[ "s" ]}}"#;
    let g = Refreshed {
        scopes: Some(vec!["s".into()]),
        ..grant("a", Some("r"), 1_764_000_000_000)
    };
    assert_eq!(refreshed(blob, &g), blob);
}

#[test]
fn empty_scope_list_is_written_empty() {
    let g = Refreshed {
        scopes: Some(Vec::new()),
        ..grant("sk-ant-oat01-test-access-a", None, 1_764_000_000_000)
    };
    let expected = LIVE.replace(r#"["user:inference","user:profile"]"#, "[]");
    assert_eq!(refreshed(LIVE, &g), expected);
}

#[test]
fn tokens_are_quoted_and_read_back_unchanged() {
    let g = grant("odd\"token\\", Some("line\nbreak"), 7);
    let out = refreshed(LIVE, &g);
    assert!(out.contains(r#""accessToken":"odd\"token\\","refreshToken":"line\nbreak","#));
    let back = creds(&out);
    assert_eq!(back.access_token().expose(), "odd\"token\\");
    assert_eq!(back.refresh_token().expose(), "line\nbreak");
    assert_eq!(back.expires_at_ms(), 7);
}

#[test]
fn an_answer_without_an_access_token_still_stores_the_new_refresh_token() {
    let live = creds(LIVE);
    let out = live
        .with_refreshed_tokens(&grant("", Some("sk-ant-ort01-new"), 5))
        .expect("kept");
    let back = creds(std::str::from_utf8(&out).unwrap());
    assert_eq!(back.access_token().expose(), "");
    assert_eq!(back.refresh_token().expose(), "sk-ant-ort01-new");
    assert_eq!(back.expires_at_ms(), 5);
}

#[test]
fn refuses_answers_that_would_leave_a_husk() {
    let cases = [
        (grant("a", Some(""), 5), "the new refresh token is empty"),
        (grant("a", None, 0), "the new expiry time is not after 1970"),
        (
            grant("a", None, -5),
            "the new expiry time is not after 1970",
        ),
    ];
    let live = creds(LIVE);
    for (g, reason) in cases {
        let err = live.with_refreshed_tokens(&g).expect_err(reason);
        let message = format!("the refreshed tokens cannot be stored: {reason}");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn grant_debug_hides_the_tokens() {
    let g = grant("sk-ant-oat01-test-access-b", Some("sk-ant-ort01-test-r"), 5);
    let shown = format!("{g:?}");
    assert!(!shown.contains("sk-ant"), "{shown}");
}

#[test]
fn result_is_a_valid_blob_with_the_new_values() {
    let g = Refreshed {
        refresh_token_expires_at_ms: Some(1_765_000_000_000),
        scopes: Some(vec!["user:inference".into()]),
        ..grant(
            "sk-ant-oat01-test-n",
            Some("sk-ant-ort01-test-n"),
            1_764_000_000_123,
        )
    };
    let out = creds(LIVE).with_refreshed_tokens(&g).expect("refreshed");
    let back: Credentials = Credentials::parse(&out).expect("valid");
    assert_eq!(back.access_token().expose(), "sk-ant-oat01-test-n");
    assert_eq!(back.refresh_token().expose(), "sk-ant-ort01-test-n");
    assert_eq!(back.expires_at_ms(), 1_764_000_000_123);
    assert_eq!(back.scopes(), Some(&["user:inference".to_owned()][..]));
    assert_eq!(back.refresh_token_expires_at_ms(), Some(1_765_000_000_000));
    assert_eq!(back.identity(), creds(LIVE).identity());
}
