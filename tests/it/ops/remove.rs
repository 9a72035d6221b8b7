//! `remove`: the slot and its archive go in one transaction; the active slot takes
//! Claude Code's login with it, but only when that login is the slot's.

use claude_token::cli::SlotRef;
use claude_token::ops::remove;
use claude_token::store::StoreId;

use super::{archive, login, name, World, HOUR, NOW};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

#[test]
fn an_inactive_slot_goes_with_its_archive_and_claude_code_keeps_its_login() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", NOW + HOUR),
            ("bob", "bob", "b1", NOW + HOUR),
        ],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let removal = world
        .session(|s| remove::run(s, &slot("bob")))
        .expect("removed");
    assert!(!removal.was_active);
    assert_eq!(world.text(&archive("bob")), None);
    assert_eq!(
        world.text(&StoreId::ClaudeFile),
        Some(login("ada", "a1", NOW + HOUR))
    );
    let catalog = world.catalog();
    assert_eq!(catalog.slots.len(), 1);
    assert_eq!(catalog.active, Some(name("ada")));
}

#[test]
fn the_active_slot_takes_its_own_live_login_with_it() {
    let world = World::mac();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(
        &StoreId::ClaudeKeychain,
        &login("ada", "a2", NOW + 2 * HOUR),
    );
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let planned = world
        .session(|s| remove::plan(s, &SlotRef::Index(1)))
        .expect("plan");
    assert_eq!(
        planned.live_cleared,
        [StoreId::ClaudeKeychain, StoreId::ClaudeFile]
    );
    assert_eq!(world.stores.writes(), []);
    let removal = world
        .session(|s| remove::run(s, &slot("ada")))
        .expect("removed");
    assert!(removal.was_active);
    // Signed out as Claude Code's logout leaves its store: the machine members stay.
    let machine = r#"{"mcpOAuth":{"srv|ada":{"accessToken":"mcp-ada"}}}"#;
    assert_eq!(
        world.text(&StoreId::ClaudeKeychain).as_deref(),
        Some(machine)
    );
    assert_eq!(world.text(&StoreId::ClaudeFile).as_deref(), Some(machine));
    assert_eq!(world.text(&archive("ada")), None);
    assert_eq!(world.catalog().active, None);
}

#[test]
fn a_store_left_with_nothing_once_signed_out_goes() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(
        &StoreId::ClaudeFile,
        &super::oauth_only("ada", "a1", NOW + HOUR),
    );
    world
        .session(|s| remove::run(s, &slot("ada")))
        .expect("removed");
    assert_eq!(world.text(&StoreId::ClaudeFile), None);
}

#[test]
fn the_active_slot_never_takes_another_accounts_live_login() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    let stranger = login("cy", "c1", NOW + HOUR);
    world.put(&StoreId::ClaudeFile, &stranger);
    let removal = world
        .session(|s| remove::run(s, &slot("ada")))
        .expect("removed");
    assert_eq!(removal.live_kept, [StoreId::ClaudeFile]);
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(stranger));
    assert_eq!(world.text(&archive("ada")), None);
}
