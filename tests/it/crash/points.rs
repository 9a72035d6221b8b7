//! Every operation killed at every hit of every crash point (`CLAUDE_TOKEN_CRASH_AT=
//! <point>#<n>`, n from 1 until the operation finishes without reaching it), then the
//! next command's replay and the checks of `check`.

use std::os::unix::process::ExitStatusExt;
use std::time::Instant;

use claude_token::crash::{self, Point};

use super::check::{self, Expect};
use super::scenario::Scenario;
use super::{every_scenario, Tally};
use crate::support::stderr;

// Without crash points the binary would never die: see Cargo.toml.
const _: () = assert!(crash::ENABLED, "tests need the crash-points feature");

/// Kills `scenario` at each hit of `point`; returns how many kills it made.
fn each_hit(scenario: Scenario, point: Point, expect: &Expect, tally: &Tally) -> u32 {
    for hit in 1.. {
        let world = scenario.set_up();
        let target = format!("{}#{hit}", point.name());
        let label = format!("{scenario:?} at {target}");
        let mut cmd = world.command(scenario.args());
        let out = cmd
            .env(crash::ENV, &target)
            .output()
            .expect("run claude-token");
        if out.status.signal() != Some(libc::SIGKILL) {
            assert_eq!(
                out.status.code(),
                Some(scenario.exit_code()),
                "{label}: {}",
                stderr(&out)
            );
            return hit - 1;
        }
        // Only a kill inside the journal write that follows the server's answer loses
        // the new token: it is then in that write's temp file and nowhere else.
        let window = check::recover(&world, scenario, expect, &label, |held| {
            point == Point::FsTempWritten && held.temp
        });
        tally.count(window);
    }
    unreachable!("hits are counted until the operation finishes")
}

#[test]
fn every_crash_point_of_every_operation_keeps_every_login() {
    let started = Instant::now();
    let tally = every_scenario(|scenario, tally| {
        let expect = Expect::learn(scenario);
        let kills: Vec<(Point, u32)> = crash::points()
            .iter()
            .map(|&point| (point, each_hit(scenario, point, &expect, tally)))
            .collect();
        let journaled = kills.iter().find(|(p, _)| *p == Point::JournalWritten);
        assert!(
            journaled.is_some_and(|(_, n)| *n > 0),
            "{scenario:?} never journaled: {kills:?}"
        );
        report_scenario(scenario, &kills);
    });
    report(&tally, started);
    // A loss outside the window fails inside `recover`; inside it, only refreshes lose.
    assert!(tally.runs() > 0);
}

#[allow(clippy::print_stdout)] // the kills per point are this test's report
fn report_scenario(scenario: Scenario, kills: &[(Point, u32)]) {
    let each: Vec<String> = kills
        .iter()
        .map(|(p, n)| format!("{} {n}", p.name()))
        .collect();
    println!("crash points: {scenario:?}: {}", each.join(", "));
}

#[allow(clippy::print_stdout)] // the run count is this test's report (`--nocapture`)
fn report(tally: &Tally, started: Instant) {
    println!(
        "crash points: {} runs killed, {} in the answer-to-journal window, {:?}",
        tally.runs(),
        tally.windows(),
        started.elapsed()
    );
}
