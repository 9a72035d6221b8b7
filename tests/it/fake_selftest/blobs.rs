//! The blobs the fake hands out: `/login` shapes, machine members, and Claude Code's
//! own refresh rewriting a blob in place.

use claude_token::json;
use claude_token::oauth::{Error, CLIENT_ID};

use super::{keys, logged_in, secret, tokens_of};
use crate::fake::{Fake, Plan, Via};

#[test]
fn login_blob_has_claude_codes_members_in_order() {
    let (fake, account, blob) = logged_in();
    assert!(
        !blob.contains('\n') && !blob.contains(": ") && !blob.contains(", "),
        "{blob}"
    );
    let doc = json::parse(blob.as_bytes()).expect("JSON");
    assert_eq!(keys(&doc, &[]), ["claudeAiOauth", "organizationUuid"]);
    let oauth = [
        "accessToken",
        "refreshToken",
        "expiresAt",
        "scopes",
        "subscriptionType",
        "rateLimitTier",
        "refreshTokenExpiresAt",
        "clientId",
        "tokenAccount",
    ];
    assert_eq!(keys(&doc, &["claudeAiOauth"]), oauth);
    let account_keys = [
        "uuid",
        "emailAddress",
        "organizationUuid",
        "organizationName",
    ];
    assert_eq!(keys(&doc, &["claudeAiOauth", "tokenAccount"]), account_keys);
    let text = |path: &[&str]| {
        doc.get(path)
            .and_then(|n| n.as_str())
            .expect("string")
            .into_owned()
    };
    assert_eq!(text(&["organizationUuid"]), account.organization_uuid);
    assert_eq!(text(&["claudeAiOauth", "clientId"]), CLIENT_ID);
    assert_eq!(text(&["claudeAiOauth", "subscriptionType"]), "max");
    assert_eq!(
        text(&["claudeAiOauth", "rateLimitTier"]),
        "default_claude_max_20x"
    );
    assert_eq!(
        text(&["claudeAiOauth", "tokenAccount", "emailAddress"]),
        account.email
    );
    assert_eq!(
        text(&["claudeAiOauth", "tokenAccount", "uuid"]),
        account.uuid
    );
    let now = claude_token::time::now_ms();
    let expires = doc
        .get(&["claudeAiOauth", "expiresAt"])
        .and_then(|n| n.as_i64())
        .unwrap();
    assert!(
        expires > now + 7 * 3_600_000 && expires <= now + 8 * 3_600_000,
        "{expires}"
    );
    let (access, refresh) = tokens_of(&blob);
    assert_eq!(fake.all_issued_tokens(), [refresh.clone(), access.clone()]);
    for (token, prefix) in [(access, "sk-ant-oat01-"), (refresh, "sk-ant-ort01-")] {
        let tail = token.strip_prefix(prefix).expect("prefix");
        assert_eq!(tail.len(), 24);
        assert!(tail
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}

#[test]
fn machine_members_come_first_and_their_secrets_are_listed() {
    let fake = Fake::start();
    let account = fake.add_account_with_plan("bo@example.com", Plan::Pro);
    let blob = fake.login_with_machine_members(&account);
    let doc = json::parse(blob.as_bytes()).expect("JSON");
    let top = [
        "mcpOAuth",
        "pluginSecrets",
        "zzFutureMember",
        "claudeAiOauth",
        "organizationUuid",
    ];
    assert_eq!(keys(&doc, &[]), top);
    let plan = doc
        .get(&["claudeAiOauth", "subscriptionType"])
        .and_then(|n| n.as_str());
    assert_eq!(plan.as_deref(), Some("pro"));
    let issued = fake.all_issued_tokens();
    assert_eq!(issued.len(), 5, "two tokens and three machine secrets");
    for token in &issued {
        assert!(blob.contains(token.as_str()));
        assert!(token.len() < 40, "{} characters", token.len());
    }
}

#[test]
fn claude_code_refresh_splices_new_tokens_in_place() {
    let fake = Fake::start();
    let account = fake.add_account("ed@example.com");
    let before = fake.login_with_machine_members(&account);
    let after = fake.refresh_as_claude_code(&account, before.as_bytes());
    let (old_access, old_refresh) = tokens_of(&before);
    let (new_access, new_refresh) = tokens_of(&after);
    assert_ne!((&old_access, &old_refresh), (&new_access, &new_refresh));
    let expires = |blob: &str| {
        let doc = json::parse(blob.as_bytes()).expect("JSON");
        doc.get(&["claudeAiOauth", "expiresAt"])
            .expect("expiresAt")
            .raw()
            .to_owned()
    };
    let undone = after
        .replacen(&new_access, &old_access, 1)
        .replacen(&new_refresh, &old_refresh, 1)
        .replacen(
            &format!("\"expiresAt\":{},\"scopes\"", expires(&after)),
            &format!("\"expiresAt\":{},\"scopes\"", expires(&before)),
            1,
        );
    assert_eq!(undone, before, "only the three values changed");
    let client = fake.client();
    assert!(client.usage(&secret(&new_access)).is_ok());
    assert!(matches!(
        client.refresh(&secret(&old_refresh)),
        Err(Error::LoginDead { .. })
    ));
    assert_eq!(fake.spent_token_reuses(), 1);
    let vias: Vec<_> = fake.refreshes().iter().map(|r| r.via).collect();
    assert_eq!(vias, [Via::ClaudeCode, Via::Http]);
}

#[test]
fn claude_code_refresh_chains_on_its_own_output() {
    let (fake, account, blob) = logged_in();
    let once = fake.refresh_as_claude_code(&account, &blob);
    let twice = fake.refresh_as_claude_code(&account, &once);
    assert!(fake.client().refresh(&secret(&tokens_of(&twice).1)).is_ok());
    assert_eq!(fake.spent_token_reuses(), 0);
}
