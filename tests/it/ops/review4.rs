//! Review 4: the place record's `seen` vouches only for tokens that are ours there
//! (written there, or the archive's), which is what `use` asks before it replaces an
//! older copy of its target.

use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::ops::add::{self, Source};
use claude_token::ops::{refresh, use_slot};
use claude_token::store::StoreId;

use super::{client, grant_body, login, name, World, HOUR, NOW};
use crate::server::{json, Server};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

/// An older login of ada we never saw there, with another slot active: `use ada`
/// keeps it and records the place as ada's, but must not vouch for its token (the
/// record used to say seen = l1), or the next `use ada` overwrites it unarchived.
#[test]
fn a_second_use_overwrites_the_older_login_the_first_kept() {
    let world = World::linux();
    let slots = [
        ("ada", "ada", "a2", NOW + 8 * HOUR),
        ("bob", "bob", "b1", NOW + 8 * HOUR),
    ];
    world.with_slots(&slots, Some("bob"));
    world.put(&StoreId::ClaudeFile, &login("ada", "l1", NOW + HOUR));
    for _ in 0..2 {
        let server = Server::tls("localhost", vec![]);
        let switched = world
            .session(|s| use_slot::run(s, &client(&server), &slot("ada")))
            .expect("use ada");
        assert!(switched.already, "{switched:?}");
        let file = world.text(&StoreId::ClaudeFile).unwrap();
        assert!(file.contains("sk-ant-ort01-R-l1"), "l1 overwritten: {file}");
    }
}

/// `add` of the live login when the slot's archive is newer keeps the archive (l1 is
/// not archived); it used to record seen = l1, and `use ada` then dropped l1 as spent.
#[test]
fn add_that_kept_the_newer_archive_makes_use_drop_the_live_login() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a2", NOW + 8 * HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "l1", NOW + HOUR));
    let server = Server::tls("localhost", vec![json(200, &super::profile_body("ada"))]);
    let added = world
        .session(|s| add::run(s, &client(&server), &Source::Live, None))
        .expect("add");
    assert!(added.kept_newer);
    let server = Server::tls("localhost", vec![]);
    let _ = world.session(|s| use_slot::run(s, &client(&server), &slot("ada")));
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(file.contains("sk-ant-ort01-R-l1"), "l1 lost: {file}");
}

/// A refresh here puts a2 into Claude Code's file; the record used to keep the token
/// sent (a1: the refresh's catalog step is built before the answer). The archive then
/// moves on to a3 from elsewhere (a refresh that did not see this file), which spends
/// a2: `use ada` kept the spent copy as "already active". Now each refresh notes the
/// token it wrote there, and `use` replaces the spent copy.
#[test]
fn use_replaces_a_copy_a_refresh_wrote_there_once_the_archive_moved_on() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let server = Server::tls("localhost", vec![json(200, &grant_body("a2"))]);
    let target = RefreshTarget::One(slot("ada"));
    let results = world.session(|s| refresh::run(s, &client(&server), &target, true));
    assert!(results.unwrap()[0].outcome.is_ok());
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(file.contains("sk-ant-ort01-R-a2"), "{file}");
    // Elsewhere, a2 was sent and a3 came back into the archive alone.
    world.put(&super::archive("ada"), &login("ada", "a3", NOW + 9 * HOUR));
    let server = Server::tls("localhost", vec![]);
    let switched = world
        .session(|s| use_slot::run(s, &client(&server), &slot("ada")))
        .expect("use ada");
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(
        file.contains("sk-ant-ort01-R-a3"),
        "spent a2 kept (already={}): {file}",
        switched.already
    );
}

/// `exec` of a slot whose access token is still valid (two minutes left, inside its
/// five-minute margin) beside a live login several slots share: the refresh cannot
/// happen (whose login it is cannot be decided), and the valid token is handed out
/// with the reason, as when the network is down; nothing is sent.
#[test]
fn exec_hands_out_a_still_valid_token_when_the_live_owner_is_undecided() {
    let world = World::linux();
    let slots = [
        ("first", "ada", "f1", NOW + 2 * 60 * 1000),
        ("second", "ada", "s1", NOW + HOUR),
    ];
    world.with_slots(&slots, Some("first"));
    world.put(&StoreId::ClaudeFile, &login("ada", "n1", NOW + 8 * HOUR));
    let server = Server::tls("localhost", vec![]);
    let handout = world
        .session(|s| claude_token::ops::exec::run(s, &client(&server), &slot("first")))
        .expect("the valid token is handed out");
    assert_eq!(handout.access_token.expose(), "sk-ant-oat01-A-f1");
    assert!(
        handout
            .refresh_failed
            .as_ref()
            .is_some_and(claude_token::Error::is_owner_undecided),
        "{:?}",
        handout.refresh_failed
    );
    assert!(!server.got_another_request(), "a request was sent");
}
