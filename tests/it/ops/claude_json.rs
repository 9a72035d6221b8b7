//! `oauthAccount` in Claude Code's `~/.claude.json`: `add` records it with the live
//! login's slot, `use` splices the target's back in (every other byte stays), and an
//! absent file or member is never created.

use claude_token::cli::SlotRef;
use claude_token::ops::add::{self, Source};
use claude_token::ops::use_slot;
use claude_token::store::StoreId;

use super::{archive, login, name, offline, World, HOUR, NOW};

const ADA_ACCOUNT: &str =
    r#"{"accountUuid":"uuid-ada","emailAddress":"ada@example.com","organizationUuid":"org-ada"}"#;

/// Claude Code's settings file as it writes it (two-space indent, other members
/// around the account), with `account` as the `oauthAccount` value.
fn settings(account: &str) -> String {
    format!(
        "{{\n  \"numStartups\": 3,\n  \"theme\": \"dark\",\n  \"oauthAccount\": {account},\n  \"projects\": {{\n    \"/w\": {{ \"allowedTools\": [] }}\n  }},\n  \"note\": \"caf\\u00e9 ☕\"\n}}"
    )
}

const ADA_PRETTY: &str = "{\n    \"accountUuid\": \"uuid-ada\",\n    \"emailAddress\": \"ada@example.com\",\n    \"organizationUuid\": \"org-ada\"\n  }";

fn settings_path(world: &World) -> std::path::PathBuf {
    world.paths.claude_json.clone()
}

fn read_settings(world: &World) -> Option<String> {
    std::fs::read_to_string(settings_path(world)).ok()
}

/// `ada` active and live, `bob` with a recorded `oauthAccount`.
fn two_slots(world: &World) {
    let catalog = concat!(
        "{\n  \"version\": 1,\n  \"active\": \"ada\",\n  \"slots\": [",
        r#"{"name":"ada","email":"ada@example.com","account_uuid":"uuid-ada"}, "#,
        r#"{"name":"bob","email":"bob@example.com","account_uuid":"uuid-bob","oauth_account":{"accountUuid":"uuid-bob","emailAddress":"bob@example.com"}}"#,
        "]\n}\n"
    );
    world.put(&StoreId::Catalog, catalog);
    world.put(&archive("ada"), &login("ada", "a1", NOW + 8 * HOUR));
    world.put(&archive("bob"), &login("bob", "b1", NOW + 8 * HOUR));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + 8 * HOUR));
}

fn use_bob(world: &World) -> use_slot::Switched {
    world
        .session(|s| use_slot::run(s, &offline(), &SlotRef::Name(name("bob"))))
        .expect("switched")
}

#[test]
fn add_records_claude_codes_oauth_account_with_the_live_login() {
    let world = World::linux();
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    std::fs::write(settings_path(&world), settings(ADA_PRETTY)).unwrap();
    world
        .session(|s| add::run(s, &offline(), &Source::Live, None))
        .expect("added");
    let slot = world.catalog().slots.remove(0);
    assert_eq!(slot.oauth_account.as_deref(), Some(ADA_ACCOUNT));
}

#[test]
fn add_of_another_accounts_login_records_no_oauth_account() {
    let world = World::linux();
    world.put(&StoreId::ClaudeFile, &login("bob", "b1", NOW + HOUR));
    std::fs::write(settings_path(&world), settings(ADA_PRETTY)).unwrap();
    world
        .session(|s| add::run(s, &offline(), &Source::Live, None))
        .expect("added");
    assert_eq!(world.catalog().slots[0].oauth_account, None);
}

#[test]
fn use_splices_only_the_targets_oauth_account_into_the_settings_file() {
    let world = World::linux();
    two_slots(&world);
    std::fs::write(settings_path(&world), settings(ADA_PRETTY)).unwrap();
    let switched = use_bob(&world);
    assert!(switched.account_not_shown.is_none());
    let expected = settings(r#"{"accountUuid":"uuid-bob","emailAddress":"bob@example.com"}"#);
    assert_eq!(read_settings(&world), Some(expected));
    assert!(!world.paths.claude_json.with_extension("json.lock").exists());
}

#[test]
fn use_creates_neither_the_settings_file_nor_the_member() {
    let world = World::linux();
    two_slots(&world);
    use_bob(&world);
    assert_eq!(read_settings(&world), None, "no file was created");

    let world = World::linux();
    two_slots(&world);
    let without = "{\n  \"numStartups\": 3\n}\n";
    std::fs::write(settings_path(&world), without).unwrap();
    use_bob(&world);
    assert_eq!(read_settings(&world).as_deref(), Some(without));
}
