//! The account swap: account-bound members come from the target byte for byte, every
//! other live member stays byte for byte and in place; husk and signed-out live blobs
//! take a login; bad inputs are refused naming which one.

use super::{creds, members, raw_value, text};
use claude_token::creds::{is_account_key, swap_account, CredsError, Side};
use claude_token::Error;

const A: &str = concat!(
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-test-a","refreshToken":"sk-ant-ort01-test-a","expiresAt":1},"#,
    r#""mcpOAuth":{"s":{"accessToken":"mcp-a"}},"organizationUuid":"org-a","pluginSecrets":{"p":"x"},"#,
    r#""trustedDeviceToken":"tdt-a","zFuture":[1, 2]}"#
);

const B: &str = concat!(
    r#"{"organizationUuid":"org-b","#,
    r#""claudeAiOauth":{"accessToken":"sk-ant-oat01-test-b","refreshToken":"sk-ant-ort01-test-b","expiresAt":2,"scopes":["user:inference"]},"#,
    r#""designOauth":{"d":1},"mcpOAuth":{"s":{"accessToken":"mcp-b"}},"pluginSecrets":{}}"#
);

const B_LOGIN: &str = r#"{"accessToken":"sk-ant-oat01-test-b","refreshToken":"sk-ant-ort01-test-b","expiresAt":2,"scopes":["user:inference"]}"#;

fn swapped(live: &str, target: &str) -> String {
    let out =
        swap_account(live.as_bytes(), target.as_bytes()).unwrap_or_else(|e| panic!("refused: {e}"));
    text(&out).to_owned()
}

fn machine_members(bytes: &[u8]) -> Vec<(String, String)> {
    let mut all = members(bytes);
    all.retain(|(key, _)| !is_account_key(key));
    all
}

#[test]
fn compact_swap_moves_account_members_and_keeps_the_rest() {
    let expected = concat!(
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-test-b","refreshToken":"sk-ant-ort01-test-b","expiresAt":2,"scopes":["user:inference"]},"#,
        r#""mcpOAuth":{"s":{"accessToken":"mcp-a"}},"organizationUuid":"org-b","pluginSecrets":{"p":"x"},"#,
        r#""zFuture":[1, 2],"designOauth":{"d":1}}"#
    );
    let out = swapped(A, B);
    assert_eq!(out, expected);
    assert_eq!(
        machine_members(out.as_bytes()),
        machine_members(A.as_bytes())
    );
    assert_eq!(
        raw_value(out.as_bytes(), "claudeAiOauth").as_deref(),
        Some(B_LOGIN)
    );
}

#[test]
fn swapping_back_restores_the_first_login() {
    let expected = concat!(
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-test-a","refreshToken":"sk-ant-ort01-test-a","expiresAt":1},"#,
        r#""mcpOAuth":{"s":{"accessToken":"mcp-a"}},"organizationUuid":"org-a","pluginSecrets":{"p":"x"},"#,
        r#""zFuture":[1, 2],"trustedDeviceToken":"tdt-a"}"#
    );
    assert_eq!(swapped(&swapped(A, B), A), expected);
}

#[test]
fn pretty_live_blob_takes_a_compact_login_in_its_own_layout() {
    let live = r#"{
  "mcpOAuth": {
    "server": {"accessToken": "mcp-a"}
  },
  "claudeAiOauth": {
    "accessToken": "sk-ant-oat01-test-a",
    "refreshToken": "sk-ant-ort01-test-a",
    "expiresAt": 1
  },
  "unknownThing": true
}"#;
    let expected = r#"{
  "mcpOAuth": {
    "server": {"accessToken": "mcp-a"}
  },
  "claudeAiOauth": {"accessToken":"sk-ant-oat01-test-b","refreshToken":"sk-ant-ort01-test-b","expiresAt":2,"scopes":["user:inference"]},
  "unknownThing": true,
  "organizationUuid": "org-b",
  "designOauth": {"d":1}
}"#;
    let out = swapped(live, B);
    assert_eq!(out, expected);
    assert_eq!(
        machine_members(out.as_bytes()),
        machine_members(live.as_bytes())
    );
}

#[test]
fn compact_live_blob_takes_a_pretty_login_verbatim() {
    let target = "{\n  \"claudeAiOauth\": {\n    \"accessToken\": \"sk-ant-oat01-test-p\",\n    \"refreshToken\": \"sk-ant-ort01-test-p\",\n    \"expiresAt\": 3\n  }\n}";
    let expected = "{\"claudeAiOauth\":{\n    \"accessToken\": \"sk-ant-oat01-test-p\",\n    \"refreshToken\": \"sk-ant-ort01-test-p\",\n    \"expiresAt\": 3\n  },\"mcpOAuth\":{\"s\":{\"accessToken\":\"mcp-a\"}},\"pluginSecrets\":{\"p\":\"x\"},\"zFuture\":[1, 2]}";
    assert_eq!(swapped(A, target), expected);
}

#[test]
fn husk_live_blob_takes_a_login() {
    let husk = r#"{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0},"mcpOAuth":{"m":1}}"#;
    let expected = format!(
        r#"{{"claudeAiOauth":{B_LOGIN},"mcpOAuth":{{"m":1}},"organizationUuid":"org-b","designOauth":{{"d":1}}}}"#
    );
    assert_eq!(swapped(husk, B), expected);
}

#[test]
fn live_account_members_are_never_read() {
    let broken =
        r#"{"claudeAiOauth":"not a login","hybridOauth":[{"k":1,"k":2}],"mcpOAuth":{"m":1}}"#;
    let expected = format!(
        r#"{{"claudeAiOauth":{B_LOGIN},"mcpOAuth":{{"m":1}},"organizationUuid":"org-b","designOauth":{{"d":1}}}}"#
    );
    assert_eq!(swapped(broken, B), expected);
}

#[test]
fn signed_out_live_blob_gets_the_login_appended() {
    let expected = format!(
        r#"{{"mcpOAuth":{{"m":1}},"organizationUuid":"org-b","claudeAiOauth":{B_LOGIN},"designOauth":{{"d":1}}}}"#
    );
    assert_eq!(swapped(r#"{"mcpOAuth":{"m":1}}"#, B), expected);
    let expected = format!(
        r#"{{"organizationUuid":"org-b","claudeAiOauth":{B_LOGIN},"designOauth":{{"d":1}}}}"#
    );
    assert_eq!(swapped("{}", B), expected);
}

#[test]
fn repeated_keys_deep_in_live_machine_members_survive() {
    let live = r#"{"mcpOAuth":{"s":1,"s":2},"claudeAiOauth":{}}"#;
    let expected = format!(
        r#"{{"mcpOAuth":{{"s":1,"s":2}},"claudeAiOauth":{B_LOGIN},"organizationUuid":"org-b","designOauth":{{"d":1}}}}"#
    );
    assert_eq!(swapped(live, B), expected);
}

#[test]
fn identical_account_members_leave_the_live_blob_unchanged() {
    assert_eq!(swapped(A, A), A);
}

fn swap_refusal(live: &[u8], target: &[u8]) -> CredsError {
    swap_account(live, target).expect_err("swap should be refused")
}

#[test]
fn refusals_name_the_blob_at_fault() {
    let husk = r#"{"claudeAiOauth":{"accessToken":"","refreshToken":"sk-ant-ort01-test-h","expiresAt":0}}"#;
    let cases: [(&[u8], &[u8], &str); 6] = [
        (A.as_bytes(), husk.as_bytes(), "the credentials to switch to: the login is unusable (a husk): expiresAt is not after 1970"),
        (A.as_bytes(), br#"{"mcpOAuth":{}}"#, "the credentials to switch to: the credentials hold no claudeAiOauth login"),
        (b"[]", B.as_bytes(), "the live credentials: the credentials are not a JSON object"),
        (br#"{"mcpOAuth":1,"mcpOAuth":2}"#, B.as_bytes(), "the live credentials: the credentials repeat a key at the top level (byte 14)"),
        (b"\xEF\xBB\xBF{}", B.as_bytes(), "the live credentials: the credentials start with a byte order mark"),
        (b"{\"a\":\"\xc3\"}", B.as_bytes(), "the live credentials: the credentials are not UTF-8 text (byte 6)"),
    ];
    for (live, target, message) in cases {
        let err = swap_refusal(live, target);
        assert_eq!(err.to_string(), message);
        assert!(!format!("{err:?}").contains("sk-ant"));
    }
}

#[test]
fn refusal_keeps_the_side_and_the_cause_apart() {
    let err = swap_refusal(b"[]", B.as_bytes());
    assert_eq!(
        err,
        CredsError::Swap {
            side: Side::Live,
            source: Box::new(CredsError::NotAnObject)
        }
    );
}

#[test]
fn husk_target_gets_the_husk_hint() {
    let husk = r#"{"claudeAiOauth":{"accessToken":"a","refreshToken":"","expiresAt":5}}"#;
    let err = Error::Creds {
        origin: "archive:work".into(),
        source: swap_refusal(A.as_bytes(), husk.as_bytes()),
    };
    let hint = err.hint().expect("a hint");
    assert!(hint.contains("/login"), "{hint}");
}

#[test]
fn swapped_blob_validates_as_the_target_login() {
    let out = swapped(A, B);
    let login = creds(&out);
    assert_eq!(login.refresh_token().expose(), "sk-ant-ort01-test-b");
    assert_eq!(login.identity().organization_uuid.as_deref(), Some("org-b"));
}
