//! Every fsync and every write of every operation made to fail (`CLAUDE_TOKEN_FAULT=
//! fsync#<n>` with EIO, `nospace#<n>` with ENOSPC), n from 1 until the operation
//! succeeds: the command fails with a clear error (a full disk says so), and after the
//! next command's replay the checks of `check` hold.

use std::time::Instant;

use claude_token::fs::fault;

use super::check::{self, Expect};
use super::scenario::Scenario;
use super::{every_scenario, Tally};
use crate::fake::RefreshOutcome;
use crate::support::stderr;

/// The faults tried, as `CLAUDE_TOKEN_FAULT` names them, and what the error says.
const KINDS: [(&str, &str); 2] = [("fsync", "sync"), ("nospace", "disk full")];

/// An operation that finishes this many times in a row has no more writes to fail
/// (more than one, in case a fault is ever absorbed on purpose).
const CLEAN_RUNS_TO_STOP: u32 = 2;

/// Fails `scenario` at each `kind` operation in turn; returns how many failed.
fn each_nth(scenario: Scenario, kind: (&str, &str), expect: &Expect, tally: &Tally) -> u32 {
    let (name, says) = kind;
    let (mut failed, mut clean) = (0, 0);
    for nth in 1.. {
        let world = scenario.set_up();
        let plan = format!("{name}#{nth}");
        let label = format!("{scenario:?} with {plan}");
        let asked = world.fake.refreshes().len();
        let out = world
            .command(scenario.args())
            .env(fault::ENV, &plan)
            .output();
        let out = out.expect("run claude-token");
        if out.status.code() == Some(scenario.exit_code()) {
            clean += 1;
        } else {
            clean = 0;
            failed += 1;
            let text = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{label}: {text}");
            assert!(
                text.starts_with("claude-token: ") && text.contains(says),
                "{label}: {text}"
            );
            // A refresh whose answer could not be stored as planned: the message says
            // where the tokens are, never to run the command again.
            let refreshes = matches!(
                scenario,
                Scenario::RefreshActive | Scenario::RefreshInactive
            );
            let rotated = world.fake.refreshes()[asked..]
                .iter()
                .any(|r| r.outcome == RefreshOutcome::Rotated);
            assert!(
                !(refreshes && rotated && text.contains("run the command again")),
                "{label}: says to run the command again after a token was spent: {text}"
            );
        }
        // The journal entry is reserved before the request, and when writing the
        // answer into it still fails, the new tokens go straight to the stores: no
        // failure of a write or a sync may lose one (a loss fails `recover`).
        let window = check::recover(&world, scenario, expect, &label, |_| false);
        tally.count(window);
        if clean == CLEAN_RUNS_TO_STOP {
            return failed;
        }
    }
    unreachable!("faults are planned until the operation finishes")
}

#[test]
fn every_failed_fsync_and_full_disk_of_every_operation_keeps_every_login() {
    let started = Instant::now();
    let tally = every_scenario(|scenario, tally| {
        let expect = Expect::learn(scenario);
        for kind in KINDS {
            let failed = each_nth(scenario, kind, &expect, tally);
            assert!(failed > 0, "{scenario:?}: no {} fault fired", kind.0);
        }
    });
    report(&tally, started);
    assert!(tally.runs() > 0);
}

#[allow(clippy::print_stdout)] // the run count is this test's report (`--nocapture`)
fn report(tally: &Tally, started: Instant) {
    println!(
        "faults: {} runs, {} losing the answer of a refresh whose journal write failed, {:?}",
        tally.runs(),
        tally.windows(),
        started.elapsed()
    );
}
