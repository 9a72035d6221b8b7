//! Reproduction 4: journal replay writes Claude Code's stores, so it holds Claude
//! Code's refresh locks like any other write of a login there. A `use` killed with its
//! entry pending is replayed by the next command (`list` too) while Claude Code
//! refreshes the live login: the replay waits, and Claude Code's new tokens are saved.

use std::cell::RefCell;
use std::process::{Child, Stdio};

use super::{assert_no_login_lost, finish, let_run, use_ada_killed_at, HOLD};
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::stderr;

#[test]
fn replay_waits_for_claude_codes_refresh_and_loses_no_login() {
    let world = Scenario::Use.set_up();
    use_ada_killed_at(&world, "journal-written");

    let claude = StandIn::on(&world.home, &world.fake);
    let replay: RefCell<Option<Child>> = RefCell::new(None);
    let report = claude
        .refresh()
        .before_post(|| {
            let child = world
                .command(&["list", "--no-usage"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start claude-token");
            *replay.borrow_mut() = Some(child);
        })
        .after_post(|| {
            let_run(replay.borrow_mut().as_mut().unwrap(), HOLD);
        })
        .run()
        .expect("Claude Code's refresh of bob");
    let out = finish(replay.into_inner().unwrap());
    assert_eq!(out.status.code(), Some(0), "list: {}", stderr(&out));

    assert_no_login_lost(&world, "replay during Claude Code's refresh");
    assert!(
        report.saved,
        "Claude Code discarded its new tokens: under .storage-write.lock its file held \
         another login (the replay wrote while Claude Code held its refresh locks)"
    );
}
