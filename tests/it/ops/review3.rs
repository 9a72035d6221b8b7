//! Review 3 of the lineage fixes: `add` of a login whose slot cannot be told, a fresh
//! slot beside an undecided live login, and which older copies `use` may replace.

use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::ops::add::{self, Source};
use claude_token::ops::{exec, refresh, use_slot};
use claude_token::store::StoreId;
use claude_token::Error;

use super::{anonymous_login, client, login, name, sent_refresh_token, World, HOUR, NOW};
use crate::server::{json, Server};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

/// `first` and `second` of one account, `active` active, no place record, Claude
/// Code's file holding `live`.
fn two_slots(active: &str, live: &str) -> World {
    let world = World::linux();
    let slots = [
        ("first", "ada", "f1", NOW + HOUR),
        ("second", "ada", "s1", NOW + HOUR),
    ];
    world.with_slots(&slots, Some(active));
    world.put(&StoreId::ClaudeFile, live);
    world
}

/// `refresh <slot> --force` against a server that refuses every token: the token it
/// sent, if any.
fn sent_by_refresh(world: &World, slot_name: &str, profile: Option<&str>) -> Option<String> {
    let mut replies = Vec::new();
    if let Some(body) = profile {
        replies.push(json(200, body));
    }
    replies.push(json(400, r#"{"error":"invalid_grant"}"#));
    let server = Server::tls("localhost", replies);
    let target = RefreshTarget::One(slot(slot_name));
    let _ = world.session(|s| refresh::run(s, &client(&server), &target, true));
    server
        .received()
        .iter()
        .find(|req| req.target.contains("oauth/token"))
        .map(|req| sent_refresh_token(&req.body))
}

/// Claude Code rotated a1 to a2 (its rebuild names no account) and sat idle: the
/// profile service refuses a2's expired access token. `add` of that login used to make
/// a new slot holding a2, taking it from ada by lineage, and `refresh ada` then sent
/// a1, which Claude Code had spent. Now `add` refuses, and the hint no longer sends
/// the user there.
#[test]
fn add_of_a_live_login_whose_account_cannot_be_told_is_refused() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW - 8 * HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &anonymous_login("a2", NOW - HOUR));
    let server = Server::tls("localhost", vec![json(401, r#"{"error":"expired"}"#)]);
    let target = RefreshTarget::One(slot("ada"));
    let results = world.session(|s| refresh::run(s, &client(&server), &target, true));
    let err = results.unwrap().remove(0).outcome.expect_err("refused");
    assert!(err.is_owner_undecided(), "{err:?}");
    assert!(
        !err.hint().unwrap().contains("claude-token add"),
        "the hint sends the user to `add`: {:?}",
        err.hint()
    );

    let server = Server::tls("localhost", vec![json(401, r#"{"error":"expired"}"#)]);
    let added = world.session(|s| add::run(s, &client(&server), &Source::Live, None));
    assert!(
        matches!(added, Err(Error::UnidentifiedLogin { refused: true, .. })),
        "{added:?}"
    );
    assert_eq!(world.catalog().slots.len(), 1, "a slot was added");
    assert_ne!(
        sent_by_refresh(&world, "ada", None).as_deref(),
        Some("sk-ant-ort01-R-a1"),
        "refresh ada sent a1, which Claude Code had spent"
    );
}

/// Review 2's two slots of one account (first active, no record, Claude Code rotated
/// second's s1 to s2). `add` used to archive s2 over first's own f1 (the active slot,
/// else the first in catalog order) and record the place as first's: f1 was held
/// nowhere and `refresh second` sent s1. Now `add` refuses unless `--name` says which
/// slot it is; named, it goes there and the place is recorded for it.
#[test]
fn add_of_a_login_several_slots_share_needs_the_slot_named() {
    let world = two_slots("first", &login("ada", "s2", NOW + 8 * HOUR));
    let server = Server::tls("localhost", vec![json(200, &super::profile_body("ada"))]);
    let added = world.session(|s| add::run(s, &client(&server), &Source::Live, None));
    assert!(
        matches!(&added, Err(Error::AmbiguousLogin { slots, .. })
            if slots == &[name("first"), name("second")]),
        "{added:?}"
    );
    let first = world.text(&super::archive("first")).unwrap();
    assert!(
        first.contains("sk-ant-ort01-R-f1"),
        "f1 left first's archive: {first}"
    );

    let server = Server::tls("localhost", vec![json(200, &super::profile_body("ada"))]);
    let added = world
        .session(|s| add::run(s, &client(&server), &Source::Live, Some(&name("second"))))
        .expect("add --name second");
    assert_eq!(added.slot.name, name("second"));
    let second = world.text(&super::archive("second")).unwrap();
    assert!(second.contains("sk-ant-ort01-R-s2"), "{second}");
    let first = world.text(&super::archive("first")).unwrap();
    assert!(
        first.contains("sk-ant-ort01-R-f1"),
        "f1 left first's archive: {first}"
    );
    assert_eq!(
        sent_by_refresh(&world, "second", None).as_deref(),
        Some("sk-ant-ort01-R-s2"),
        "refresh second did not send Claude Code's rotated token"
    );
}

/// A fresh slot sends nothing: an undecided live login beside it must not make `exec`
/// (5 minutes of margin) or a plain `refresh` and the daemon's sweep (7 hours) fail;
/// only what would send the archive's token is refused.
#[test]
fn a_fresh_slot_is_not_refused_for_an_ambiguous_live_login() {
    let world = two_slots("first", &login("ada", "n1", NOW + 8 * HOUR));
    let server = Server::tls("localhost", vec![]);
    let result = world.session(|s| exec::run(s, &client(&server), &slot("first")));
    assert!(result.is_ok(), "{result:?}");
    // One hour left: a refresh would send f1, which may be what Claude Code spent.
    let target = RefreshTarget::One(slot("first"));
    let results = world
        .session(|s| refresh::run(s, &client(&server), &target, false))
        .expect("first exists");
    assert!(
        matches!(&results[0].outcome, Err(err) if err.is_owner_undecided()),
        "{:?}",
        results[0].outcome
    );
    // Eight hours left: fresh, nothing adopted.
    world.put(
        &super::archive("first"),
        &login("ada", "f1", NOW + 8 * HOUR),
    );
    let results = world
        .session(|s| refresh::run(s, &client(&server), &target, false))
        .expect("first exists");
    assert!(
        matches!(
            results[0].outcome,
            Ok(refresh::Outcome::Fresh { adopted: false, .. })
        ),
        "{:?}",
        results[0].outcome
    );
    assert!(!server.got_another_request(), "a request was sent");
}

/// Claude Code's file holds an older login of ada that claude-token never saw there
/// (a `/login` behind our back, before a refresh of ada's own lineage elsewhere): it
/// may be a lineage of its own, still valid. `use ada` keeps it rather than
/// overwrite it without archiving it.
#[test]
fn use_keeps_an_older_login_of_the_target_it_never_saw_in_that_place() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a2", NOW + 8 * HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "l1", NOW + HOUR));
    let server = Server::tls("localhost", vec![]);
    let switched = world
        .session(|s| use_slot::run(s, &client(&server), &slot("ada")))
        .expect("use ada");
    assert!(switched.already);
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(
        file.contains("sk-ant-ort01-R-l1"),
        "use ada overwrote a login it never saw there: {file}"
    );
}
