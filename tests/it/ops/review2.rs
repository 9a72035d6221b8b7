//! Review 2 of the lineage fixes: logins Claude Code rotated on its own (its real
//! rebuild drops `tokenAccount`, so the rotated blob names no account).

use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::ops::export::{self, From};
use claude_token::ops::refresh;
use claude_token::store::StoreId;

use super::{
    anonymous_login, client, grant_body, login, name, sent_refresh_token, World, HOUR, NOW,
};
use crate::server::{json, Server};

fn slot(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

/// `export ada --path out` of the active slot whose login Claude Code rotated in its
/// file: the exported bytes must not hold the archive's spent refresh token. The
/// rotated blob names no account: with the profile service it is told as ada's and
/// exported; without it, the export refuses and writes nothing.
#[test]
fn export_of_the_active_slot_after_claude_codes_rotation_never_hands_out_the_spent_token() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    // Claude Code spent a1 and wrote a2, rebuilding the blob without tokenAccount.
    world.put(&StoreId::ClaudeFile, &anonymous_login("a2", NOW + 8 * HOUR));
    let out = world.dir.path().join("out.json");

    let refused = world.session(|s| export::run(s, None, &slot("ada"), Some(&out), false));
    assert!(
        matches!(refused, Err(claude_token::Error::UnidentifiedLogin { .. })),
        "offline, an export of a slot whose rotated login cannot be told: {refused:?}"
    );
    assert!(!out.exists(), "the refused export wrote its file");

    let server = Server::tls("localhost", vec![json(200, &super::profile_body("ada"))]);
    let exported = world
        .session(|s| export::run(s, Some(&client(&server)), &slot("ada"), Some(&out), false))
        .expect("export");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("sk-ant-ort01-R-a2"),
        "export handed out the archive's spent token (from {:?}): {text}",
        exported.from
    );
    assert_eq!(exported.from, From::Live);
}

/// macOS: `export bob --force` beside ada's Keychain login (`keychain_first`: the
/// catalog is left alone), then `refresh bob` records this place as bob's because
/// the file holds his token; once Claude Code rotates ada in its Keychain item (a
/// blob naming no account), `refresh ada` takes the place as bob's and sends ada's
/// spent archive token.
#[test]
fn refresh_of_a_login_in_the_file_behind_the_keychain_does_not_record_the_place_for_it() {
    let (world, exported) = super::export::bob_forced_beside_adas_keychain_login();
    assert!(exported.keychain_first);

    let server = Server::tls("localhost", vec![json(200, &grant_body("b2"))]);
    let target = RefreshTarget::One(slot("bob"));
    let results = world
        .session(|s| refresh::run(s, &client(&server), &target, true))
        .expect("bob exists");
    assert!(results[0].outcome.is_ok(), "{:?}", results[0].outcome);
    let places = world.catalog().places;

    // Claude Code rotates ada in its Keychain item.
    world.put(
        &StoreId::ClaudeKeychain,
        &anonymous_login("a2", NOW + 8 * HOUR),
    );
    let server = Server::tls(
        "localhost",
        vec![
            json(200, &super::profile_body("ada")),
            json(200, &grant_body("a3")),
        ],
    );
    let target = RefreshTarget::One(slot("ada"));
    let _ = world.session(|s| refresh::run(s, &client(&server), &target, true));
    let mut sent = Vec::new();
    for _ in 0..2 {
        let req = server.request();
        if req.target.contains("oauth/token") {
            sent.push(sent_refresh_token(&req.body));
            break;
        }
    }
    assert!(
        !sent.iter().any(|t| t == "sk-ant-ort01-R-a1"),
        "refresh ada sent a1, which Claude Code had spent: {sent:?}"
    );
    assert!(
        !places.iter().any(|p| p.slot == name("bob")),
        "the place whose Keychain item (read first) holds ada's login is recorded as \
         bob's: {places:?}"
    );
}

/// Two slots of one account (the catalog allows it), no place record (a catalog from
/// before records), Claude Code's file holding `second`'s login, rotated by Claude
/// Code. `refresh first` used to take the active slot as the place's owner, adopt
/// second's login into first's archive (first's own, still valid lineage then held
/// nowhere) and later send second's spent archive token. Only a place record tells
/// slots of one account apart: the refresh refuses, names both slots, and sends and
/// changes nothing.
#[test]
fn the_active_fallback_never_moves_one_slots_login_over_another_slot_of_the_account() {
    let world = World::linux();
    world.with_slots(
        &[
            ("first", "ada", "f1", NOW + HOUR),
            ("second", "ada", "s1", NOW + HOUR),
        ],
        Some("first"),
    );
    // Claude Code's file held second's s1 and rotated it to s2.
    world.put(&StoreId::ClaudeFile, &login("ada", "s2", NOW + 8 * HOUR));
    let server = Server::tls("localhost", vec![json(200, &grant_body("x3"))]);
    let target = RefreshTarget::One(slot("first"));
    let results = world
        .session(|s| refresh::run(s, &client(&server), &target, true))
        .expect("first exists");
    let outcome = &results[0].outcome;
    assert!(
        matches!(outcome, Err(claude_token::Error::AmbiguousLogin { slots, .. })
            if slots == &[name("first"), name("second")]),
        "{outcome:?}"
    );
    assert!(!server.got_another_request(), "a token was sent");
    let first = world.text(&super::archive("first")).unwrap();
    assert!(
        first.contains("sk-ant-ort01-R-f1"),
        "first's own lineage f1 left its archive: {first}"
    );
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(
        file.contains("sk-ant-ort01-R-s2"),
        "Claude Code's file changed: {file}"
    );
}

/// Claude Code's file holds an older login of ada (a token her archive has since
/// rotated: a refresh that did not see the file, e.g. from another environment), and
/// the catalog says ada is active. `use ada` answers "already active" and leaves
/// Claude Code with the spent token, whose next refresh is refused (and may revoke
/// the lineage our archive holds).
#[test]
fn use_of_the_active_slot_replaces_a_spent_copy_in_claude_codes_file() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a2", NOW + 8 * HOUR)], Some("ada"));
    // We wrote a1 there (the place's record says so) before the archive moved on.
    world.record_place("ada", "a1");
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let server = Server::tls("localhost", vec![]);
    let switched = world
        .session(|s| claude_token::ops::use_slot::run(s, &client(&server), &slot("ada")))
        .expect("use ada");
    let file = world.text(&StoreId::ClaudeFile).unwrap();
    assert!(
        file.contains("sk-ant-ort01-R-a2"),
        "use ada (already: {}) left Claude Code's file with the spent token a1: {file}",
        switched.already
    );
}

/// A login whose access token is empty but whose `expiresAt` is ahead (a blob added
/// from a file, or kept by an older tool): `exec` finds it fresh, retries forced, the
/// network is down, and the retry hands out the empty access token anyway.
#[test]
fn exec_never_hands_out_an_empty_access_token_when_the_retry_cannot_reach_the_server() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + 8 * HOUR)], Some("ada"));
    let blob = login("ada", "a1", NOW + 8 * HOUR).replace("sk-ant-oat01-A-a1", "");
    world.put(&super::archive("ada"), &blob);
    world.put(&StoreId::ClaudeFile, &blob);
    let result =
        world.session(|s| claude_token::ops::exec::run(s, &super::offline(), &slot("ada")));
    if let Ok(handout) = &result {
        assert!(
            !handout.access_token.expose().is_empty(),
            "exec handed out an empty access token (refresh_failed: {:?})",
            handout.refresh_failed
        );
    }
}
