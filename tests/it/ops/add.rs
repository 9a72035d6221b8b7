//! `add`: identity from the profile service or, offline, from the blob; a new slot or
//! the account's existing one; which slot becomes active; what is refused.

use claude_token::creds::Credentials;
use claude_token::ops::add::{self, Action, Source};
use claude_token::store::StoreId;
use claude_token::Error;

use super::{archive, client, login, name, offline, profile_body, World, HOUR, HUSK, NOW};
use crate::server::{json, Server};

#[test]
fn the_first_login_becomes_the_active_slot_named_after_the_email() {
    let world = World::linux();
    let live = login("ada", "a1", NOW + 8 * HOUR);
    world.put(&StoreId::ClaudeFile, &live);
    let server = Server::tls("localhost", vec![json(200, &profile_body("ada"))]);
    let added = world
        .session(|s| add::run(s, &client(&server), &Source::Live, None))
        .expect("added");
    assert_eq!(added.action, Action::Added);
    assert!(!added.offline);
    assert_eq!(added.slot.name, name("ada"));
    assert!(added.slot.active);
    assert_eq!(world.text(&archive("ada")), Some(live.clone()));
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(live));
    let catalog = world.catalog();
    assert_eq!(catalog.active, Some(name("ada")));
    let slot = &catalog.slots[0];
    assert_eq!(slot.email.as_deref(), Some("ada@example.com"));
    assert_eq!(slot.account_uuid.as_deref(), Some("uuid-ada"));
    assert_eq!(slot.organization.as_ref().unwrap().uuid, "org-ada");
    assert_eq!(slot.plan.as_deref(), Some("max"));
    assert_eq!(slot.created_at_ms, Some(NOW));
    let seen = server.request();
    assert_eq!(seen.target, "/api/oauth/profile");
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer sk-ant-oat01-A-a1")
    );
    assert!(world.journal_files().is_empty());
}

#[test]
fn offline_the_identity_comes_from_the_blob() {
    let world = World::linux();
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let added = world
        .session(|s| add::run(s, &offline(), &Source::ClaudeFile, None))
        .expect("added");
    assert!(added.offline);
    assert_eq!(added.slot.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        world.catalog().slots[0].account_uuid.as_deref(),
        Some("uuid-ada")
    );
}

#[test]
fn a_second_account_from_a_file_is_added_beside_the_active_one() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let file = world.dir.join("bob.json");
    std::fs::write(&file, login("bob", "b1", NOW + HOUR)).unwrap();
    let server = Server::tls("localhost", vec![json(200, &profile_body("bob"))]);
    let added = world
        .session(|s| {
            add::run(
                s,
                &client(&server),
                &Source::Path(file),
                Some(&name("work")),
            )
        })
        .expect("added");
    assert_eq!((added.action, added.slot.active), (Action::Added, false));
    assert_eq!(world.catalog().active, Some(name("ada")));
    assert_eq!(
        world.text(&archive("work")),
        Some(login("bob", "b1", NOW + HOUR))
    );
}

#[test]
fn an_account_with_a_slot_is_updated_not_twinned_and_becomes_active_when_live() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", NOW + HOUR),
            ("bob", "bob", "b1", NOW + HOUR),
        ],
        Some("bob"),
    );
    // Ada logged in again in Claude Code: a new lineage of her account.
    let relogin = login("ada", "a2", NOW + 8 * HOUR);
    world.put(&StoreId::ClaudeFile, &relogin);
    let added = world
        .session(|s| add::run(s, &offline(), &Source::Live, Some(&name("other"))))
        .expect("updated");
    assert_eq!(added.action, Action::Updated);
    assert_eq!(added.name_ignored, Some(name("other")));
    assert_eq!(world.catalog().slots.len(), 2);
    assert_eq!(world.catalog().active, Some(name("ada")));
    assert_eq!(world.text(&archive("ada")), Some(relogin));
}

#[test]
fn one_account_in_another_organization_gets_its_own_slot() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    let team = login("ada", "t1", NOW + HOUR).replace("org-ada", "org-team");
    let file = world.dir.join("team.json");
    std::fs::write(&file, &team).unwrap();
    let added = world
        .session(|s| add::run(s, &offline(), &Source::Path(file), Some(&name("team"))))
        .expect("added");
    assert_eq!(added.action, Action::Added);
    assert_eq!(
        world.text(&archive("ada")),
        Some(login("ada", "a1", NOW + HOUR))
    );
    assert_eq!(world.text(&archive("team")), Some(team));
}

#[test]
fn an_older_copy_never_replaces_a_newer_archived_login() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a2", NOW + 8 * HOUR)], None);
    let file = world.dir.join("old.json");
    std::fs::write(&file, login("ada", "a1", NOW + HOUR)).unwrap();
    let added = world
        .session(|s| add::run(s, &offline(), &Source::Path(file), None))
        .expect("updated");
    assert!(added.kept_newer);
    assert_eq!(
        world.text(&archive("ada")),
        Some(login("ada", "a2", NOW + 8 * HOUR))
    );
}

#[test]
fn a_husk_is_refused_with_the_login_hint_and_nothing_is_written() {
    let world = World::linux();
    world.put(&StoreId::ClaudeFile, HUSK);
    let err = world
        .session(|s| add::run(s, &offline(), &Source::Live, None))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Creds { source, .. } if source.is_husk()),
        "{err:?}"
    );
    assert!(err.hint().unwrap().contains("/login"));
    assert_eq!(world.stores.writes(), []);
}

#[test]
fn a_name_another_account_holds_is_refused() {
    let world = World::linux();
    world.with_slots(&[("work", "ada", "a1", NOW + HOUR)], Some("work"));
    let file = world.dir.join("bob.json");
    std::fs::write(&file, login("bob", "b1", NOW + HOUR)).unwrap();
    let err = world
        .session(|s| add::run(s, &offline(), &Source::Path(file), Some(&name("work"))))
        .unwrap_err();
    assert!(matches!(err, Error::SlotExists { .. }), "{err:?}");
    assert_eq!(
        world.text(&archive("work")),
        Some(login("ada", "a1", NOW + HOUR))
    );
}

#[test]
fn the_keychain_is_a_usage_error_where_there_is_none() {
    let world = World::linux();
    let err = world
        .session(|s| add::run(s, &offline(), &Source::Keychain, None))
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn on_macos_the_keychain_item_is_the_default_source() {
    let world = World::mac();
    let item = login("ada", "k1", NOW + HOUR);
    world.put(&StoreId::ClaudeKeychain, &item);
    world.put(&StoreId::ClaudeFile, &login("ada", "f0", NOW - HOUR));
    world
        .session(|s| add::run(s, &offline(), &Source::Live, None))
        .expect("added");
    let archived = world.stores.get(&archive("ada")).unwrap();
    assert_eq!(archived, item.as_bytes());
    Credentials::parse(&archived).expect("a good login");
}
