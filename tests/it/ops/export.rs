//! `export`: the slot's bytes exactly, to a file 0600 or, through the engine, to
//! Claude Code's credentials file (an inactive slot only with --force, and never over
//! a login that has no slot).

use std::os::unix::fs::PermissionsExt;

use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::ops::export::{self, From};
use claude_token::ops::refresh;
use claude_token::store::StoreId;
use claude_token::Error;

use super::{archive, client, grant_body, login, name, sent_refresh_token, World, HOUR, NOW};
use crate::server::{json, Server};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

#[test]
fn a_file_gets_the_archived_bytes_exactly_and_mode_0600() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", NOW + HOUR),
            ("bob", "bob", "b1", NOW + HOUR),
        ],
        Some("ada"),
    );
    let out = world.dir.join("bob.json");
    let exported = world
        .session(|s| export::run(s, None, &slot("bob"), Some(&out), false))
        .expect("exported");
    assert_eq!(
        (exported.from, exported.claude_file),
        (From::Archive, false)
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        login("bob", "b1", NOW + HOUR)
    );
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_active_slot_exports_the_live_login() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    let rotated = login("ada", "a2", NOW + 2 * HOUR);
    world.put(&StoreId::ClaudeFile, &rotated);
    let out = world.dir.join("ada.json");
    let exported = world
        .session(|s| export::run(s, None, &slot("ada"), Some(&out), false))
        .expect("exported");
    assert_eq!(exported.from, From::Live);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), rotated);
}

#[test]
fn an_inactive_slot_goes_into_claude_codes_file_only_with_force() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", NOW + HOUR),
            ("bob", "bob", "b1", NOW + HOUR),
        ],
        Some("ada"),
    );
    let rotated = login("ada", "a2", NOW + 2 * HOUR);
    world.put(&StoreId::ClaudeFile, &rotated);
    let err = world
        .session(|s| export::run(s, None, &slot("bob"), None, false))
        .unwrap_err();
    assert!(matches!(err, Error::WouldSwitch { .. }), "{err:?}");
    assert!(err.hint().unwrap().contains("--force"));
    assert_eq!(world.stores.writes(), []);
    let exported = world
        .session(|s| export::run(s, None, &slot("bob"), None, true))
        .expect("forced");
    assert!(exported.claude_file);
    // Bob's login, switched in as `use` does: the machine's own members stay.
    let switched = format!(
        r#"{{"claudeAiOauth":{},"mcpOAuth":{{"srv|ada":{{"accessToken":"mcp-ada"}}}},"organizationUuid":"org-bob"}}"#,
        super::oauth("bob", "b1", NOW + HOUR)
    );
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(switched));
    // The login it replaced went into its own slot first.
    assert_eq!(world.text(&archive("ada")), Some(rotated));
    assert_eq!(world.catalog().active, Some(name("bob")));
}

#[test]
fn a_login_without_a_slot_is_never_replaced_even_with_force() {
    let world = World::linux();
    world.with_slots(&[("bob", "bob", "b1", NOW + HOUR)], None);
    world.put(&StoreId::ClaudeFile, &login("cy", "c1", NOW + HOUR));
    let err = world
        .session(|s| export::run(s, None, &slot("bob"), None, true))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownLogin { .. }), "{err:?}");
    assert_eq!(
        world.text(&StoreId::ClaudeFile),
        Some(login("cy", "c1", NOW + HOUR))
    );
}

/// macOS, slots ada (active, her login in Claude Code's Keychain item and file) and
/// bob: `export bob --force` into Claude Code's file.
pub fn bob_forced_beside_adas_keychain_login() -> (World, export::Exported) {
    let world = World::mac();
    world.with_slots(
        &[
            ("ada", "ada", "a1", NOW + HOUR),
            ("bob", "bob", "b1", NOW + HOUR),
        ],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeKeychain, &login("ada", "a1", NOW + HOUR));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let exported = world
        .session(|s| export::run(s, None, &slot("bob"), None, true))
        .expect("forced");
    (world, exported)
}

#[test]
fn forced_export_beside_a_keychain_login_keeps_the_catalog_and_refresh_adopts_its_rotation() {
    let (world, exported) = bob_forced_beside_adas_keychain_login();
    assert!(exported.claude_file);
    assert!(
        exported.keychain_first,
        "Claude Code reads its Keychain item (ada's login) before the file"
    );
    assert_eq!(
        world.catalog().active,
        Some(name("ada")),
        "Claude Code goes on using ada's login from its Keychain item"
    );
    // Claude Code rotates the login it uses, in its Keychain item.
    world.put(
        &StoreId::ClaudeKeychain,
        &login("ada", "a2", NOW + 2 * HOUR),
    );
    let server = Server::tls("localhost", vec![json(200, &grant_body("a3"))]);
    let target = RefreshTarget::One(slot("ada"));
    let results = world
        .session(|s| refresh::run(s, &client(&server), &target, true))
        .expect("ada exists");
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a2",
        "refresh ada sent the archive's token, which Claude Code had spent"
    );
    assert!(results[0].outcome.is_ok(), "{:?}", results[0].outcome);
    assert!(world.text(&archive("ada")).unwrap().contains("R-a3"));
}
