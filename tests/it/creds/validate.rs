//! What `Credentials::parse` accepts and refuses, with the exact message for every
//! refusal; identity and lineage helpers; no token text in errors or `Debug`.

use super::{creds, refusal, LIVE};
use claude_token::creds::{
    looks_like_husk, same_lineage, Credentials, CredsError, Husk, Identity, Problem,
};
use claude_token::Error;

/// A blob whose `claudeAiOauth` holds the members `login` (comma-joined) and whose
/// top level has `top` after it.
fn blob(login: &str, top: &str) -> String {
    format!(r#"{{"claudeAiOauth":{{{login}}}{top}}}"#)
}

const TOKENS: &str = r#""accessToken":"sk-ant-oat01-test-x","refreshToken":"sk-ant-ort01-test-x""#;

fn with_tokens(rest: &str) -> String {
    blob(&format!("{TOKENS},{rest}"), "")
}

#[test]
fn reads_every_field_of_a_compact_login() {
    let c = creds(LIVE);
    assert_eq!(c.raw(), LIVE.as_bytes());
    assert_eq!(c.access_token().expose(), "sk-ant-oat01-test-access-a");
    assert_eq!(c.refresh_token().expose(), "sk-ant-ort01-test-refresh-a");
    assert_eq!(c.expires_at_ms(), 1_764_000_000_000);
    let scopes = ["user:inference", "user:profile"].map(String::from);
    assert_eq!(c.scopes(), Some(&scopes[..]));
    assert_eq!(c.subscription_type(), Some("max"));
    assert_eq!(c.rate_limit_tier(), Some("default_claude_max_20x"));
    assert_eq!(c.refresh_token_expires_at_ms(), Some(1_766_000_000_000));
    let identity = Identity {
        account_uuid: Some("acc-a".into()),
        email: Some("a@example.com".into()),
        organization_uuid: Some("org-a".into()),
        organization_name: Some("Org A".into()),
    };
    assert_eq!(c.identity(), &identity);
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    let bare = creds(&with_tokens(r#""expiresAt":5"#));
    let nulls = creds(&with_tokens(concat!(
        r#""expiresAt":5,"scopes":null,"subscriptionType":null,"rateLimitTier":null,"#,
        r#""refreshTokenExpiresAt":null,"tokenAccount":null"#
    )));
    for c in [bare, nulls] {
        assert_eq!(c.scopes(), None);
        assert_eq!(c.subscription_type(), None);
        assert_eq!(c.rate_limit_tier(), None);
        assert_eq!(c.refresh_token_expires_at_ms(), None);
        assert_eq!(c.identity(), &Identity::default());
    }
}

#[test]
fn organization_falls_back_to_the_top_level_member() {
    let c = creds(&blob(
        &format!(r#"{TOKENS},"expiresAt":5,"tokenAccount":{{"uuid":"u"}}"#),
        r#","organizationUuid":"org-top""#,
    ));
    assert_eq!(c.identity().organization_uuid.as_deref(), Some("org-top"));
    assert_eq!(c.identity().account_uuid.as_deref(), Some("u"));
}

#[test]
fn expiry_written_as_an_exact_float_is_an_integer() {
    assert_eq!(
        creds(&with_tokens(r#""expiresAt":1.764e12"#)).expires_at_ms(),
        1_764_000_000_000
    );
}

/// Every refusal, with its exact message.
#[allow(clippy::too_many_lines)] // one table of alike cases
fn refusals() -> Vec<(Vec<u8>, &'static str)> {
    let s = |text: String, message| (text.into_bytes(), message);
    vec![
        (
            b"{\"a\":\"\xff\"}".to_vec(),
            "the credentials are not UTF-8 text (byte 6)",
        ),
        (
            b"\xEF\xBB\xBF{}".to_vec(),
            "the credentials start with a byte order mark",
        ),
        (
            b"".to_vec(),
            "the credentials are not JSON: unexpected end of input at byte 0",
        ),
        s(
            r#"{"claudeAiOauth":"#.into(),
            "the credentials are not JSON: unexpected end of input at byte 17",
        ),
        s(
            format!("{LIVE}\n{{}}"),
            "the credentials are not JSON: unexpected data after the value at byte 541",
        ),
        s("[]".into(), "the credentials are not a JSON object"),
        s(
            r#""sk-ant-oat01-test-x""#.into(),
            "the credentials are not a JSON object",
        ),
        s(
            blob(TOKENS, r#","x":1,"x":2"#),
            "the credentials repeat a key at the top level (byte 98)",
        ),
        s(
            format!(r#"{{"claudeAiOauth":1,{}"#, &LIVE[1..]),
            "the credentials repeat a key at the top level (byte 19)",
        ),
        s(
            with_tokens(r#""expiresAt":5,"expiresAt":6"#),
            "the credentials repeat a key inside claudeAiOauth (byte 105)",
        ),
        s(
            with_tokens(r#""expiresAt":5,"tokenAccount":{"uuid":"u","uuid":"v"}"#),
            "the credentials repeat a key inside claudeAiOauth (byte 132)",
        ),
        s(
            blob(
                r#""accessToken":"sk-ant-oat01-\ud800","refreshToken":"r","expiresAt":5"#,
                "",
            ),
            "the login has a lone surrogate escape (byte 46)",
        ),
        s(
            blob(
                &format!(r#"{TOKENS},"expiresAt":5"#),
                r#","organizationUuid":"\udc00""#,
            ),
            "the login has a lone surrogate escape (byte 126)",
        ),
        s(
            r#"{"mcpOAuth":{}}"#.into(),
            "the credentials hold no claudeAiOauth login",
        ),
        s(
            r#"{"claudeAiOauth":null}"#.into(),
            "claudeAiOauth is not a JSON object",
        ),
        s(
            r#"{"claudeAiOauth":["sk-ant-oat01-test-x"]}"#.into(),
            "claudeAiOauth is not a JSON object",
        ),
        s(
            blob(r#""refreshToken":"r","expiresAt":5"#, ""),
            "claudeAiOauth.accessToken is missing",
        ),
        s(
            blob(r#""accessToken":null,"refreshToken":"r","expiresAt":5"#, ""),
            "claudeAiOauth.accessToken is not a string",
        ),
        s(
            blob(r#""accessToken":"a","expiresAt":5"#, ""),
            "claudeAiOauth.refreshToken is missing",
        ),
        s(
            blob(r#""accessToken":"a","refreshToken":7,"expiresAt":5"#, ""),
            "claudeAiOauth.refreshToken is not a string",
        ),
        s(
            blob(r#""accessToken":"","refreshToken":"","expiresAt":5"#, ""),
            "the login is unusable (a husk): both tokens are empty",
        ),
        s(
            blob(r#""accessToken":"a","refreshToken":"","expiresAt":5"#, ""),
            "the login is unusable (a husk): the refresh token is empty",
        ),
        s(
            blob(TOKENS, ""),
            "the login is unusable (a husk): it has no expiresAt",
        ),
        s(
            with_tokens(r#""expiresAt":null"#),
            "the login is unusable (a husk): it has no expiresAt",
        ),
        s(
            with_tokens(r#""expiresAt":"1764000000000""#),
            "the login is unusable (a husk): expiresAt is not an integer",
        ),
        s(
            with_tokens(r#""expiresAt":1764000000000.5"#),
            "the login is unusable (a husk): expiresAt is not an integer",
        ),
        s(
            with_tokens(r#""expiresAt":0"#),
            "the login is unusable (a husk): expiresAt is not after 1970",
        ),
        s(
            with_tokens(r#""expiresAt":-1"#),
            "the login is unusable (a husk): expiresAt is not after 1970",
        ),
        s(
            with_tokens(r#""expiresAt":5,"scopes":"user:inference""#),
            "claudeAiOauth.scopes is not an array of strings",
        ),
        s(
            with_tokens(r#""expiresAt":5,"scopes":["a",1]"#),
            "claudeAiOauth.scopes is not an array of strings",
        ),
        s(
            with_tokens(r#""expiresAt":5,"subscriptionType":1"#),
            "claudeAiOauth.subscriptionType is not a string",
        ),
        s(
            with_tokens(r#""expiresAt":5,"rateLimitTier":{}"#),
            "claudeAiOauth.rateLimitTier is not a string",
        ),
        s(
            with_tokens(r#""expiresAt":5,"refreshTokenExpiresAt":"soon""#),
            "claudeAiOauth.refreshTokenExpiresAt is not an integer",
        ),
        s(
            with_tokens(r#""expiresAt":5,"tokenAccount":"acc""#),
            "claudeAiOauth.tokenAccount is not an object",
        ),
        s(
            with_tokens(r#""expiresAt":5,"tokenAccount":{"uuid":1}"#),
            "claudeAiOauth.tokenAccount.uuid is not a string",
        ),
        s(
            with_tokens(r#""expiresAt":5,"tokenAccount":{"emailAddress":[]}"#),
            "claudeAiOauth.tokenAccount.emailAddress is not a string",
        ),
        s(
            blob(
                &format!(r#"{TOKENS},"expiresAt":5"#),
                r#","organizationUuid":5"#,
            ),
            "organizationUuid is not a string",
        ),
    ]
}

#[test]
fn refuses_each_fault_with_its_own_message() {
    for (input, message) in refusals() {
        let err = refusal(&input);
        assert_eq!(
            err.to_string(),
            message,
            "{}",
            String::from_utf8_lossy(&input)
        );
    }
}

#[test]
fn refusals_never_show_token_text() {
    for (input, _) in refusals() {
        let err = refusal(&input);
        let shown = format!("{err} {err:?}");
        let wrapped = Error::Creds {
            origin: "claude-file".into(),
            source: err,
        };
        let shown = format!("{shown} {wrapped} {wrapped:?} {:?}", wrapped.hint());
        assert!(
            !shown.contains("sk-ant") && !shown.contains("test-"),
            "{shown}"
        );
    }
}

#[test]
fn debug_never_shows_tokens_or_bytes() {
    let shown = format!("{:?}", creds(LIVE));
    assert!(
        !shown.contains("sk-ant") && !shown.contains("mcp-secret"),
        "{shown}"
    );
    assert!(shown.contains("bytes: 540"), "{shown}");
}

#[test]
fn refuses_duplicates_only_where_we_read() {
    let deep = format!(
        r#"{},"pluginSecrets":{{"s":{{"t":1,"t":2}}}},"designOauth":{{"k":1,"k":2}}}}"#,
        &LIVE[..LIVE.len() - 1]
    );
    assert_eq!(creds(&deep).raw(), deep.as_bytes());
}

#[test]
fn accepts_lone_surrogates_in_machine_members() {
    let text = format!(
        r#"{},"pluginSecrets":{{"\ud800":"\udfff"}}}}"#,
        &LIVE[..LIVE.len() - 1]
    );
    assert_eq!(creds(&text).raw(), text.as_bytes());
}

#[test]
fn husk_check_tells_husks_from_good_and_broken_blobs() {
    let husk = blob(
        r#""accessToken":"","refreshToken":"","expiresAt":0"#,
        r#","mcpOAuth":{}"#,
    );
    assert!(looks_like_husk(husk.as_bytes()));
    assert!(looks_like_husk(with_tokens(r#""expiresAt":0"#).as_bytes()));
    assert!(!looks_like_husk(LIVE.as_bytes()));
    for broken in [
        &b"{"[..],
        b"[]",
        br#"{"mcpOAuth":{}}"#,
        br#"{"claudeAiOauth":{}}"#,
    ] {
        assert!(
            !looks_like_husk(broken),
            "{}",
            String::from_utf8_lossy(broken)
        );
    }
    assert!(refusal(husk.as_bytes()).is_husk());
}

#[test]
fn husk_errors_carry_their_reason() {
    let err = refusal(with_tokens(r#""expiresAt":0"#).as_bytes());
    assert_eq!(err, CredsError::Husk(Husk::ExpiryNotPositive));
    let err = refusal(blob(r#""refreshToken":"r""#, "").as_bytes());
    assert_eq!(
        err,
        CredsError::Field {
            object: "claudeAiOauth",
            key: "accessToken",
            problem: Problem::Missing
        }
    );
}

#[test]
fn crate_error_names_the_origin_and_exits_1() {
    let err = Error::Creds {
        origin: "archive:work".into(),
        source: refusal(b"[]"),
    };
    assert_eq!(
        err.to_string(),
        "archive:work: the credentials are not a JSON object"
    );
    assert_eq!(err.exit_code(), 1);
    assert_eq!(
        err.hint().as_deref(),
        Some("the credentials were left as they are")
    );
}

fn identity(uuid: Option<&str>, email: Option<&str>) -> Identity {
    Identity {
        account_uuid: uuid.map(String::from),
        email: email.map(String::from),
        ..Identity::default()
    }
}

#[test]
fn same_account_prefers_uuid_then_email() {
    let a = identity(Some("ABC-1"), Some("a@example.com"));
    assert_eq!(
        a.same_account(&identity(Some("abc-1"), Some("b@example.com"))),
        Some(true)
    );
    assert_eq!(
        a.same_account(&identity(Some("abc-2"), Some("a@example.com"))),
        Some(false)
    );
    assert_eq!(
        a.same_account(&identity(None, Some("A@Example.com"))),
        Some(true)
    );
    assert_eq!(
        a.same_account(&identity(None, Some("b@example.com"))),
        Some(false)
    );
    assert_eq!(a.same_account(&identity(None, None)), None);
    assert_eq!(
        identity(Some("u"), None).same_account(&identity(None, Some("e"))),
        None
    );
}

#[test]
fn same_lineage_compares_refresh_tokens() {
    let a = creds(LIVE);
    let rotated = LIVE.replace("sk-ant-oat01-test-access-a", "sk-ant-oat01-test-access-b");
    assert!(same_lineage(&a, &creds(&rotated)));
    let other = LIVE.replace("sk-ant-ort01-test-refresh-a", "sk-ant-ort01-test-refresh-b");
    assert!(!same_lineage(&a, &creds(&other)));
}

#[test]
fn keeps_the_bytes_verbatim() {
    let pretty = "{\r\n\t\"claudeAiOauth\" : {\"accessToken\":\"a\",\"refreshToken\":\"r\",\"expiresAt\":5}\r\n}";
    let c: Credentials = creds(pretty);
    assert_eq!(c.raw(), pretty.as_bytes());
}
