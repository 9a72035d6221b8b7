//! `refresh`: adoption of Claude Code's own rotation (the newer token is sent), the
//! splice of token fields only, dead logins marked and nothing deleted, `--all` going
//! on past failures, and the answer journaled before any store is written.

use claude_token::catalog::{RefreshOutcome, TokenFingerprint};
use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::engine::{decode_entry, HmacKey, OurNew, OurStep, Step, KEY_LEN};
use claude_token::ops::refresh::{self, Outcome, SlotResult};
use claude_token::redact::Secret;
use claude_token::store::StoreId;
use claude_token::Error;

use super::{
    anonymous_login, archive, client, grant_body, login, name, offline, sent_refresh_token, World,
    HOUR, NOW,
};
use crate::server::{json, Server};

const EIGHT_HOURS: i64 = 8 * HOUR;

fn run(world: &World, server: &Server, target: &RefreshTarget, force: bool) -> Vec<SlotResult> {
    world
        .session(|s| refresh::run(s, &client(server), target, force))
        .expect("targets exist")
}

fn one(text: &str) -> RefreshTarget {
    RefreshTarget::One(SlotRef::Name(name(text)))
}

#[test]
fn the_active_slot_adopts_claude_codes_rotation_and_sends_the_newer_token() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    // Claude Code refreshed on its own: its file holds a newer lineage.
    let rotated = login("ada", "a2", NOW + 2 * HOUR);
    world.put(&StoreId::ClaudeFile, &rotated);
    let server = Server::tls("localhost", vec![json(200, &grant_body("a3"))]);
    let results = run(&world, &server, &RefreshTarget::Active, false);
    assert!(matches!(
        results[0].outcome,
        Ok(Outcome::Refreshed { adopted: true, expires_at_ms, complete: true }) if expires_at_ms == NOW + EIGHT_HOURS
    ));
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a2"
    );
    let expected = login("ada", "a3", NOW + EIGHT_HOURS);
    assert_eq!(world.text(&archive("ada")), Some(expected.clone()));
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(expected));
    assert!(world.journal_files().is_empty());
}

#[test]
fn a_fresh_slot_is_left_alone_without_a_request() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + 7 * HOUR + 1)], Some("ada"));
    let server = Server::tls("localhost", vec![json(200, &grant_body("x"))]);
    let results = run(&world, &server, &RefreshTarget::Active, false);
    assert!(matches!(
        results[0].outcome,
        Ok(Outcome::Fresh { adopted: false, .. })
    ));
    assert!(!server.got_another_request());
    assert_eq!(world.stores.writes(), []);
}

#[test]
fn only_token_fields_change_and_the_login_deadline_never_moves_later() {
    let world = World::linux();
    world.with_slots(&[("old", "ada", "a1", NOW + HOUR)], None);
    let stored = concat!(
        "{\"claudeAiOauth\": {\"accessToken\": \"sk-ant-oat01-A-a1\", \"refreshToken\": \"sk-ant-ort01-R-a1\",",
        " \"expiresAt\": 1750003600000, \"refreshTokenExpiresAt\": 1750086400000, \"x\": 1},",
        " \"mcpOAuth\": {}}"
    );
    world.put(&archive("old"), stored);
    let grant = concat!(
        r#"{"access_token":"sk-ant-oat01-A-a2","refresh_token":"sk-ant-ort01-R-a2","#,
        r#""expires_in":28800,"refresh_token_expires_in":2592000}"#
    );
    let server = Server::tls("localhost", vec![json(200, grant)]);
    run(&world, &server, &one("old"), true);
    let expected = concat!(
        "{\"claudeAiOauth\": {\"accessToken\": \"sk-ant-oat01-A-a2\", \"refreshToken\": \"sk-ant-ort01-R-a2\",",
        " \"expiresAt\": 1750028800000, \"refreshTokenExpiresAt\": 1750086400000, \"x\": 1},",
        " \"mcpOAuth\": {}}"
    );
    assert_eq!(world.text(&archive("old")).as_deref(), Some(expected));
}

#[test]
fn a_dead_login_is_marked_and_nothing_is_deleted() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    let server = Server::tls("localhost", vec![json(400, r#"{"error":"invalid_grant"}"#)]);
    let results = run(&world, &server, &RefreshTarget::Active, false);
    let outcome = results[0].outcome.as_ref().expect("an outcome");
    assert!(matches!(outcome, Outcome::LoginDead { status: 400, .. }));
    assert_eq!(outcome.dead_error(&name("ada")).unwrap().exit_code(), 3);
    let refused = TokenFingerprint::of(&Secret::from("sk-ant-ort01-R-a1"));
    assert_eq!(
        world.catalog().slots[0].refresh,
        Some(RefreshOutcome::LoginDead {
            since_ms: NOW,
            refused: Some(refused)
        })
    );
    assert_eq!(
        world.text(&archive("ada")),
        Some(login("ada", "a1", NOW + HOUR))
    );
    assert_eq!(
        world.text(&StoreId::ClaudeFile),
        Some(login("ada", "a1", NOW + HOUR))
    );
    assert_eq!(world.stores.writes(), [StoreId::Catalog]);
}

#[test]
fn all_goes_on_past_a_failing_slot_and_reports_each() {
    let world = World::linux();
    world.with_slots(
        &[
            ("a", "ada", "a1", NOW + HOUR),
            ("b", "bob", "b1", NOW + HOUR),
            ("c", "cy", "c1", NOW + HOUR),
        ],
        None,
    );
    let server = Server::tls(
        "localhost",
        vec![
            json(503, r#"{"error":"overloaded"}"#),
            json(200, &grant_body("b2")),
            json(400, r#"{"error":"invalid_grant"}"#),
        ],
    );
    let results = run(&world, &server, &RefreshTarget::All, false);
    let slots: Vec<&str> = results.iter().map(|r| r.slot.as_str()).collect();
    assert_eq!(slots, ["a", "b", "c"]);
    assert!(matches!(&results[0].outcome, Err(e) if e.exit_code() == 4));
    assert!(matches!(results[1].outcome, Ok(Outcome::Refreshed { .. })));
    assert!(matches!(results[2].outcome, Ok(Outcome::LoginDead { .. })));
    assert_eq!(
        world.text(&archive("a")),
        Some(login("ada", "a1", NOW + HOUR))
    );
    assert!(world.text(&archive("b")).unwrap().contains("R-b2"));
}

#[test]
fn the_new_tokens_are_journaled_before_any_store_is_written() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], None);
    world.stores.fail_next_write(&archive("ada"));
    let server = Server::tls("localhost", vec![json(200, &grant_body("a2"))]);
    let results = run(&world, &server, &one("ada"), false);
    assert!(results[0].outcome.is_err());
    assert_eq!(
        world.text(&archive("ada")),
        Some(login("ada", "a1", NOW + HOUR))
    );
    let files = world.journal_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let key: [u8; KEY_LEN] = std::fs::read(world.paths.hmac_key())
        .unwrap()
        .try_into()
        .unwrap();
    let bytes = std::fs::read(world.paths.journal_dir().join(&files[0])).unwrap();
    let entry = decode_entry(&files[0], &bytes, &HmacKey::from_bytes(key)).expect("authentic");
    let step = entry
        .steps
        .iter()
        .find(|s| *s.store() == archive("ada"))
        .expect("archive step");
    assert!(
        matches!(
            step,
            Step::Ours(OurStep {
                new: OurNew::Grant,
                ..
            })
        ),
        "{step:?}"
    );
    let grant = entry.grant.as_ref().expect("the answer, as received");
    let sent = grant.tokens.refresh_token.as_ref().map(Secret::expose);
    assert_eq!(sent, Some("sk-ant-ort01-R-a2"));
    // The next command's replay stores them.
    world.session(|_| ());
    assert_eq!(
        world.text(&archive("ada")),
        Some(login("ada", "a2", NOW + EIGHT_HOURS))
    );
    assert!(world.journal_files().is_empty());
}

#[test]
fn a_newer_live_login_nobody_can_place_stops_the_refresh_before_any_request() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &anonymous_login("z9", NOW + 2 * HOUR));
    let err = world
        .session(|s| {
            refresh::slot(
                s,
                &offline(),
                &name("ada"),
                refresh::Options {
                    force: true,
                    live: true,
                },
            )
        })
        .unwrap_err();
    assert!(matches!(err, Error::UnidentifiedLogin { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 4);
    assert_eq!(world.stores.writes(), []);
}

#[test]
fn a_newer_live_login_whose_token_the_profile_service_refuses_is_not_blamed_on_the_network() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &anonymous_login("z9", NOW + 2 * HOUR));
    let refused = r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired."}}"#;
    let server = Server::tls("localhost", vec![json(401, refused)]);
    let err = world
        .session(|s| {
            refresh::slot(
                s,
                &client(&server),
                &name("ada"),
                refresh::Options {
                    force: true,
                    live: true,
                },
            )
        })
        .unwrap_err();
    assert!(matches!(err, Error::UnidentifiedLogin { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 4);
    let hint = err.hint().expect("a hint");
    assert!(
        !hint.contains("network"),
        "the profile service answered (401): the network is fine, yet the hint says: {hint}"
    );
    assert!(hint.contains("refused"), "{hint}");
    assert_eq!(
        server.request().target,
        "/api/oauth/profile",
        "the one request is the profile call"
    );
    assert!(!server.got_another_request(), "no refresh token was sent");
    assert_eq!(world.stores.writes(), []);
}

#[test]
fn no_active_slot_is_a_usage_error() {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], None);
    let err = world
        .session(|s| refresh::run(s, &offline(), &RefreshTarget::Active, false))
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(err.to_string(), "no active slot; name one or use --all");
}

#[test]
fn a_refresh_the_keychain_item_could_not_take_is_refused_before_the_token_is_sent() {
    let world = World::mac();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    let live = login("ada", "a1", NOW + HOUR);
    world.put(&StoreId::ClaudeKeychain, &live);
    world.put(&StoreId::ClaudeFile, &live);
    // The item holds the login now, but not with room for the tokens to come (as a
    // login near `security`'s bound would be).
    world
        .stores
        .set_room(&StoreId::ClaudeKeychain, live.len() + 100);
    let server = Server::tls("localhost", vec![json(200, &grant_body("a2"))]);
    let results = run(&world, &server, &RefreshTarget::Active, false);
    let err = results[0].outcome.as_ref().unwrap_err();
    assert!(matches!(err, Error::Keychain { .. }), "{err}");
    assert!(err.to_string().contains("at most"), "{err}");
    assert!(server.received().is_empty(), "the token was never sent");
    assert_eq!(world.text(&archive("ada")), Some(live.clone()));
    assert_eq!(world.text(&StoreId::ClaudeKeychain), Some(live.clone()));
    assert!(world.journal_files().is_empty());
    // With room, the same refresh goes through and every store gets the new tokens.
    world.stores.set_room(&StoreId::ClaudeKeychain, 1 << 20);
    let results = run(&world, &server, &RefreshTarget::Active, false);
    assert!(results[0].outcome.is_ok(), "{:?}", results[0].outcome);
    let refreshed = login("ada", "a2", NOW + EIGHT_HOURS);
    assert_eq!(world.text(&StoreId::ClaudeKeychain), Some(refreshed));
}
