//! `use ada` killed once its entry is durable but before any store is written, then
//! Claude Code refreshes the login still in its file: bob's, the outgoing one. Replay
//! makes the catalog say ada is active here, but which slot a place holds is read
//! from the place: the next refresh of bob sends the token Claude Code rotated, never
//! the spent one in bob's archive.

use super::{archive, assert_no_login_lost, newest, use_ada_killed_at};
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::stderr;

#[test]
fn use_killed_then_claude_code_refreshing_the_outgoing_login_sends_no_spent_token() {
    let world = Scenario::Use.set_up(); // bob live and active
    use_ada_killed_at(&world, "journal-written#1");
    let report = StandIn::on(&world.home, &world.fake)
        .refresh()
        .run()
        .expect("Claude Code's refresh of bob");
    assert!(report.saved, "{report:?}");

    let out = world.run(&["refresh", "--all", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh --all --force sent bob's spent archive token (the catalog said the \
         place holds ada): {}",
        stderr(&out)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh --all --force: {}",
        stderr(&out)
    );
    assert!(
        archive(&world, "bob").contains(&newest(&world, world.account("bob"))),
        "bob's archive does not hold his newest token"
    );
    assert_no_login_lost(&world, "refresh --all after the interrupted use");
}
