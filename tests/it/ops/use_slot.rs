//! `use`: the live login is archived only into its own slot, the swap keeps the live
//! blob's machine members byte for byte, an expiring target is refreshed first.

use claude_token::catalog::{RefreshOutcome, TokenFingerprint};
use claude_token::cli::SlotRef;
use claude_token::ops::use_slot;
use claude_token::redact::Secret;
use claude_token::store::StoreId;
use claude_token::Error;

use super::{
    archive, client, grant_body, login, name, oauth, offline, sent_refresh_token, World, HOUR,
    HUSK, MINUTE, NOW,
};
use crate::server::{json, Server};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

const LATER: i64 = NOW + 6 * HOUR;

/// The live blob as a user's machine has it: machine members around the login, in
/// Claude Code's order, plus a key we do not know.
fn live_of(account: &str, tag: &str) -> String {
    format!(
        r#"{{"mcpOAuth":{{"srv|1":{{"accessToken":"mcp-secret","expiresAt":0}}}},"claudeAiOauth":{},"futureKey":[1, 2],"organizationUuid":"org-{account}","pluginSecrets":{{"p":"s"}}}}"#,
        oauth(account, tag, LATER)
    )
}

#[test]
fn a_round_trip_keeps_machine_members_and_carries_account_members() {
    let world = World::linux();
    world.with_slots(
        &[("ada", "ada", "a1", LATER), ("bob", "bob", "b1", LATER)],
        Some("ada"),
    );
    let ada_live = live_of("ada", "a1");
    world.put(&StoreId::ClaudeFile, &ada_live);
    let server = Server::tls("localhost", vec![]);
    let switched = world
        .session(|s| use_slot::run(s, &client(&server), &slot("bob")))
        .expect("switched");
    assert_eq!(switched.previous, Some(name("ada")));
    assert_eq!(switched.archived, Some(name("ada")));
    assert!(!switched.refreshed && !switched.already);
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(live_of("bob", "b1")));
    assert_eq!(world.text(&archive("ada")), Some(ada_live.clone()));
    assert_eq!(world.catalog().active, Some(name("bob")));
    world
        .session(|s| use_slot::run(s, &client(&server), &slot("ada")))
        .expect("switched back");
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(ada_live));
    assert_eq!(world.text(&archive("bob")), Some(live_of("bob", "b1")));
    assert!(!server.got_another_request());
}

#[test]
fn a_live_login_of_an_account_without_a_slot_is_never_archived_over_another() {
    let world = World::linux();
    world.with_slots(
        &[("ada", "ada", "a1", LATER), ("bob", "bob", "b1", LATER)],
        Some("ada"),
    );
    let stranger = login("cy", "c1", LATER);
    world.put(&StoreId::ClaudeFile, &stranger);
    let before = world.stores.snapshot();
    let err = world
        .session(|s| use_slot::run(s, &offline(), &slot("bob")))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownLogin { email: Some(e) } if e == "cy@example.com"),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 1);
    assert!(err.hint().unwrap().contains("claude-token add"));
    assert_eq!(world.stores.snapshot(), before);
}

#[test]
fn a_husk_is_never_archived_over_the_good_copy() {
    let world = World::linux();
    world.with_slots(
        &[("ada", "ada", "a1", LATER), ("bob", "bob", "b1", LATER)],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeFile, HUSK);
    world
        .session(|s| use_slot::run(s, &offline(), &slot("bob")))
        .expect("switched");
    assert_eq!(world.text(&archive("ada")), Some(login("ada", "a1", LATER)));
    // The husk's machine member stays; the login is bob's.
    let expected = format!(
        r#"{{"claudeAiOauth":{},"mcpOAuth":{{"srv|m":{{"accessToken":"mcp-m"}}}},"organizationUuid":"org-bob"}}"#,
        oauth("bob", "b1", LATER)
    );
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(expected));
}

#[test]
fn the_active_slot_with_its_own_live_login_changes_nothing() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", LATER)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", LATER));
    let switched = world
        .session(|s| use_slot::run(s, &offline(), &slot("ada")))
        .expect("nothing to do");
    assert!(switched.already);
    assert_eq!(world.stores.writes(), []);
}

#[test]
fn on_macos_both_live_stores_get_the_target_and_a_missing_file_stays_missing() {
    let world = World::mac();
    world.with_slots(
        &[("ada", "ada", "a1", LATER), ("bob", "bob", "b1", LATER)],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeKeychain, &login("ada", "a1", LATER));
    world
        .session(|s| use_slot::run(s, &offline(), &slot("bob")))
        .expect("switched");
    // The item's machine member (this machine's MCP login) stays.
    let expected = format!(
        r#"{{"claudeAiOauth":{},"mcpOAuth":{{"srv|ada":{{"accessToken":"mcp-ada"}}}},"organizationUuid":"org-bob"}}"#,
        oauth("bob", "b1", LATER)
    );
    assert_eq!(world.text(&StoreId::ClaudeKeychain), Some(expected));
    assert_eq!(world.text(&StoreId::ClaudeFile), None);
}

#[test]
fn an_expiring_target_is_refreshed_first() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", LATER),
            ("bob", "bob", "b1", NOW + 2 * MINUTE),
        ],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", LATER));
    let server = Server::tls("localhost", vec![json(200, &grant_body("b2"))]);
    let switched = world
        .session(|s| use_slot::run(s, &client(&server), &slot("bob")))
        .expect("switched");
    assert!(switched.refreshed);
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-b1"
    );
    let live = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(live.contains("sk-ant-ort01-R-b2"), "{live}");
    assert_eq!(
        world.text(&archive("bob")).map(|a| a.contains("R-b2")),
        Some(true)
    );
    let bob = world.catalog().slots[1].refresh;
    assert_eq!(bob, Some(RefreshOutcome::Ok { at_ms: NOW }));
}

#[test]
fn a_dead_target_is_not_switched_to() {
    let world = World::linux();
    world.with_slots(
        &[
            ("ada", "ada", "a1", LATER),
            ("bob", "bob", "b1", NOW - HOUR),
        ],
        Some("ada"),
    );
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", LATER));
    let server = Server::tls("localhost", vec![json(400, r#"{"error":"invalid_grant"}"#)]);
    let err = world
        .session(|s| use_slot::run(s, &client(&server), &slot("bob")))
        .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert_eq!(
        world.text(&StoreId::ClaudeFile),
        Some(login("ada", "a1", LATER))
    );
    assert_eq!(world.catalog().active, Some(name("ada")));
    let refused = TokenFingerprint::of(&Secret::from("sk-ant-ort01-R-b1"));
    assert_eq!(
        world.catalog().slots[1].refresh,
        Some(RefreshOutcome::LoginDead {
            since_ms: NOW,
            refused: Some(refused)
        })
    );
}
