//! Reproduction 8: a 2xx refresh answer that carries a new refresh token but is odd
//! otherwise (no `expires_in`, no `access_token`). The server has rotated the login,
//! so the answer is journaled before it is validated and the new refresh token is
//! kept (with an empty access token and an `expiresAt` in the past, so that the next
//! use refreshes again); the next refresh sends it, not the spent one.

use claude_token::json;

use super::{archive, newest};
use crate::crash::scenario::Scenario;
use crate::fake::OddGrant;
use crate::support::stderr;

fn odd_answer_keeps_the_new_refresh_token(odd: OddGrant) {
    let world = Scenario::RefreshActive.set_up();
    let bob = world.account("bob");
    world.fake.set_odd_grant(odd);
    let out = world.run(&["refresh", "--force"]);
    let rotated = newest(&world, bob);
    let kept = archive(&world, "bob");
    assert!(
        kept.contains(&rotated),
        "{odd:?}: the server rotated bob's login but his archive does not hold the new \
         refresh token (exit {:?}: {})",
        out.status.code(),
        stderr(&out).trim()
    );
    let doc = json::parse(kept.as_bytes()).expect("the archive is JSON");
    let expires = doc
        .get(&["claudeAiOauth", "expiresAt"])
        .and_then(|n| n.as_i64());
    assert!(
        expires.is_some_and(|ms| ms <= world.fake.now_ms()),
        "{odd:?}: the archive's expiresAt must be in the past so the next use refreshes"
    );
    let again = world.run(&["refresh", "--force"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{odd:?}: the next refresh: {}",
        stderr(&again)
    );
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "{odd:?}: a spent token was sent"
    );
}

#[test]
fn refresh_answer_without_expires_in_keeps_the_new_refresh_token() {
    odd_answer_keeps_the_new_refresh_token(OddGrant::NoExpiresIn);
}

#[test]
fn refresh_answer_without_access_token_keeps_the_new_refresh_token() {
    odd_answer_keeps_the_new_refresh_token(OddGrant::NoAccessToken);
}
