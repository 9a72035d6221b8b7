//! Claude Code on its own, in print mode (`claude -p`): it answers with the stored
//! login (appending `subscriptionTypeSource` to it), and it refreshes a login about to
//! expire, rewriting `.credentials.json` compact with the login's members rebuilt.

use super::harness::Scenario;
use super::{keys, members, string_at};
use crate::fake::{greeting, RefreshOutcome, Via};

use std::os::unix::fs::PermissionsExt;

/// The calls Claude Code 2.1.332 makes for one `claude -p` (with the switches the
/// harness sets), sorted: some come once or twice (connector servers, with and without
/// `include_additional_installs`), so only which ones is fixed.
const EXPECTED_CALLS: [(&str, &str); 3] = [
    ("GET", "/api/oauth/profile"),
    ("GET", "/v1/mcp_servers"),
    ("POST", "/v1/messages"),
];

/// `claudeAiOauth` as Claude Code 2.1.332 writes it after its own refresh: rebuilt in
/// this order from what it knows, so `tokenAccount` (from `/login`) is gone and
/// `subscriptionTypeSource` appears; the top level keeps its order.
const REBUILT_LOGIN: [&str; 9] = [
    "accessToken",
    "refreshToken",
    "expiresAt",
    "refreshTokenExpiresAt",
    "scopes",
    "subscriptionType",
    "subscriptionTypeSource",
    "rateLimitTier",
    "clientId",
];

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_answers_as_the_stored_login() {
    let s = Scenario::start("answers_as_the_stored_login");
    let ada = s.fake.add_account("ada@example.com");
    let creds = s.fake.login(&ada);
    s.write_credentials(&creds);

    let run = s.claude_p("claude", "say hi");
    s.note_requests("requests of one `claude -p` with a fresh login:");
    run.assert_success("claude -p");
    assert_eq!(run.stdout.trim(), greeting("ada@example.com"));
    let calls: Vec<_> = s.fake.requests();
    let messages: Vec<_> = calls.iter().filter(|r| r.path == "/v1/messages").collect();
    assert_eq!(messages.len(), 1, "one message request");
    assert_eq!(messages[0].account.as_deref(), Some("ada@example.com"));
    assert_eq!(messages[0].status, 200);
    assert!(
        s.fake.refreshes().is_empty(),
        "a fresh login is not refreshed"
    );
    let after = s.credentials();
    note_rewrite(&s, &creds, &after);
    assert_eq!(members(&after, &[]).len(), 2, "same top-level members");
    let login = ["claudeAiOauth"];
    let (old, new) = (members(&creds, &login), members(&after, &login));
    assert_eq!(
        new[..old.len()],
        old[..],
        "the login's members are kept as they were"
    );
    assert_eq!(
        keys(&new[old.len()..]),
        ["subscriptionTypeSource"],
        "what it adds"
    );
    assert!(
        s.fake.not_found_requests().is_empty(),
        "calls the stand-in lacks"
    );
    let mut seen: Vec<_> = calls
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, EXPECTED_CALLS);
    assert!(
        calls.iter().all(|r| r.status == 200),
        "every call answered 200"
    );
}

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_refreshes_a_login_about_to_expire_keeping_the_file_shape() {
    let s = Scenario::start("refreshes_a_login_about_to_expire");
    let ada = s.fake.add_account("ada@example.com");
    let before = s.fake.login_expiring_in(&ada, 60_000);
    s.write_credentials(&before);

    let run = s.claude_p("claude", "say hi");
    s.note_requests("requests of `claude -p` with a login expiring in 60 s:");
    let after = s.credentials();
    note_rewrite(&s, &before, &after);
    run.assert_success("claude -p");
    assert_eq!(run.stdout.trim(), greeting("ada@example.com"));

    let refreshes = s.fake.refreshes();
    assert_eq!(refreshes.len(), 1, "one refresh: {refreshes:?}");
    assert_eq!(refreshes[0].outcome, RefreshOutcome::Rotated);
    assert_eq!(refreshes[0].via, Via::Http);
    assert_eq!(
        string_at(&after, &["claudeAiOauth", "refreshToken"]),
        s.fake.current_refresh_token(&ada),
        "the file holds the rotated refresh token"
    );
    let mode = std::fs::metadata(s.credentials_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        !after.contains('\n') && !after.contains("\": "),
        "compact: {after}"
    );
    let (old_top, new_top) = (members(&before, &[]), members(&after, &[]));
    assert_eq!(keys(&new_top), keys(&old_top), "top-level key order kept");
    let login = ["claudeAiOauth"];
    let (old_login, new_login) = (members(&before, &login), members(&after, &login));
    assert_eq!(
        keys(&new_login),
        REBUILT_LOGIN,
        "claudeAiOauth rebuilt in its order"
    );
    let deadline = |m: &[(String, String)]| {
        let found = m.iter().find(|(k, _)| k == "refreshTokenExpiresAt");
        found.map(|(_, v)| v.clone())
    };
    assert_eq!(
        deadline(&new_login),
        deadline(&old_login),
        "login deadline kept"
    );
}

/// Notes which members of the blob Claude Code changed, added or dropped.
fn note_rewrite(s: &Scenario, before: &str, after: &str) {
    s.note(&format!(
        "credentials file: {} bytes before, {} after; newline in it: {}",
        before.len(),
        after.len(),
        after.contains('\n')
    ));
    for path in [&[][..], &["claudeAiOauth"][..]] {
        let (old, new) = (members(before, path), members(after, path));
        s.note(&format!("  {path:?} keys before: {:?}", keys(&old)));
        s.note(&format!("  {path:?} keys after:  {:?}", keys(&new)));
        for (key, value) in &new {
            match old.iter().find(|(k, _)| k == key) {
                Some((_, was)) if was == value => {}
                Some(_) => s.note(&format!("  {path:?}.{key} changed")),
                None => s.note(&format!("  {path:?}.{key} added")),
            }
        }
    }
}
