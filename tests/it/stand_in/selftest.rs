//! The stand-in itself against the fake, without the binary: it saves its new tokens
//! when the file still holds the token it posted, splicing them into the current bytes;
//! it discards them when the file holds another login; it holds the refresh locks
//! while its hooks run; `write_member` changes one member and no other byte.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use claude_token::json;

use super::StandIn;
use crate::fake::Fake;
use crate::support::Home;

fn signed_in(fake: &Fake, home: &Home, blob: &str) -> StandIn {
    let file = home.credentials_file();
    Home::put(&file, blob.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    StandIn::on(home, fake)
}

/// The top-level members of a JSON text: key and raw value, in order.
fn members(text: &[u8]) -> Vec<(String, String)> {
    let doc = json::parse(text).unwrap();
    let root = doc.root();
    root.members()
        .map(|m| (m.key().into_owned(), m.value().raw().to_owned()))
        .collect()
}

#[test]
fn stand_in_saves_its_refresh_into_the_current_bytes_when_the_token_matches() {
    let fake = Fake::start();
    let ada = fake.add_account("ada@example.com");
    let home = Home::new();
    let blob = fake.login_with_machine_members(&ada);
    let claude = signed_in(&fake, &home, &blob);
    let report = claude.refresh().run().expect("refreshed");
    assert!(report.saved, "{report:?}");
    assert_eq!(report.found, report.posted);
    let newest = fake.current_refresh_token(&ada).unwrap();
    assert_eq!(report.new_refresh_token, newest);
    let after = fs::read(home.credentials_file()).unwrap();
    let (old, new) = (members(blob.as_bytes()), members(&after));
    assert_eq!(old.len(), new.len());
    for (before, now) in old.iter().zip(&new) {
        assert_eq!(before.0, now.0, "member order");
        if before.0 != "claudeAiOauth" {
            assert_eq!(before, now, "a machine member changed");
        }
    }
    // Inside the login only the three token members moved, and the account `/login`
    // wrote there is gone, as Claude Code's rebuild drops it.
    let doc = json::parse(&after).unwrap();
    let raw = |key: &str| doc.get(&["claudeAiOauth", key]).unwrap().raw().to_owned();
    let before = json::parse(blob.as_bytes()).unwrap();
    let mut editor = before.editor();
    for key in ["accessToken", "refreshToken", "expiresAt"] {
        editor.replace(&["claudeAiOauth", key], &raw(key)).unwrap();
    }
    for key in ["tokenAccount", "profile"] {
        if before.get(&["claudeAiOauth", key]).is_some() {
            editor.remove(&["claudeAiOauth", key]).unwrap();
        }
    }
    let respliced = editor.finish().unwrap();
    assert!(
        before.get(&["claudeAiOauth", "tokenAccount"]).is_some(),
        "the blob names its account before the refresh"
    );
    assert!(
        doc.get(&["claudeAiOauth", "tokenAccount"]).is_none(),
        "the refreshed login still names its account"
    );
    assert_eq!(respliced, after, "bytes other than the tokens changed");
    assert!(String::from_utf8_lossy(&after).contains(&newest));
    let mode = fs::metadata(home.credentials_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn stand_in_discards_its_tokens_when_the_file_holds_another_login() {
    let fake = Fake::start();
    let ada = fake.add_account("ada@example.com");
    let home = Home::new();
    let claude = signed_in(&fake, &home, &fake.login(&ada));
    let other = fake.login(&ada);
    let report = claude
        .refresh()
        .after_post(|| Home::put(&home.credentials_file(), other.as_bytes()))
        .run()
        .expect("refreshed");
    assert!(!report.saved, "{report:?}");
    assert_ne!(report.found, report.posted);
    assert_eq!(fs::read_to_string(home.credentials_file()).unwrap(), other);
}

#[test]
fn stand_in_holds_its_refresh_locks_through_the_hooks_and_releases_everything() {
    let fake = Fake::start();
    let ada = fake.add_account("ada@example.com");
    let home = Home::new();
    let claude = signed_in(&fake, &home, &fake.login(&ada));
    let dir = home.path().join(".claude");
    let locks = [
        dir.join(".oauth_refresh.lock"),
        home.path().join(".claude.lock"),
        dir.join(".oauth_refresh.lock.owner"),
    ];
    let held = || locks.iter().all(|p| p.exists());
    let (mut before, mut after) = (false, false);
    claude
        .refresh()
        .before_post(|| before = held() && fake.refreshes().is_empty())
        .after_post(|| after = held() && fake.refreshes().len() == 1)
        .run()
        .expect("refreshed");
    assert!(before, "refresh locks not held before the POST");
    assert!(after, "refresh locks not held after the POST");
    assert!(!locks.iter().any(|p| p.exists()), "a lock was left behind");
    assert!(!dir.join(".storage-write.lock").exists());
}

#[test]
fn stand_in_write_member_changes_that_member_alone() {
    let fake = Fake::start();
    let ada = fake.add_account("ada@example.com");
    let home = Home::new();
    let blob = fake.login_with_machine_members(&ada);
    let claude = signed_in(&fake, &home, &blob);
    claude.write_member("mcpOAuth", r#"{"x":{"accessToken":"gho_new"}}"#);
    claude.write_member("zzStamp", "12");
    let after = fs::read(home.credentials_file()).unwrap();
    let mut expected = members(blob.as_bytes());
    expected[0].1 = r#"{"x":{"accessToken":"gho_new"}}"#.to_owned();
    expected.push(("zzStamp".to_owned(), "12".to_owned()));
    assert_eq!(members(&after), expected);
    let old_tail = &blob[blob.find(",\"pluginSecrets\"").unwrap()..blob.len() - 1];
    assert!(
        String::from_utf8_lossy(&after).contains(old_tail),
        "bytes outside the member changed"
    );
    assert!(!home.path().join(".claude/.storage-write.lock").exists());
}
