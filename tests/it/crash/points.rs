//! Every operation killed at every hit of every crash point (`CLAUDE_TOKEN_CRASH_AT=
//! <point>#<n>`, n from 1 until the operation finishes without reaching it), then the
//! next command's replay and the checks of `check`. Also: each operation's pending
//! entry replayed by a `list` killed at every hit of every point (kills during
//! replay), and the operations that write Claude Code's file killed while Claude Code
//! keeps writing `mcpOAuth` into it (kills beside a concurrent Claude Code).

use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use claude_token::crash::{self, Point};

use super::check::{self, Expect};
use super::scenario::Scenario;
use super::{every_scenario, Tally};
use crate::stand_in::StandIn;
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

/// The operations whose journal entry writes Claude Code's stores, so that a pending
/// one is replayed under Claude Code's locks.
const REPLAYED: [Scenario; 5] = [
    Scenario::Use,
    Scenario::UseExpiring,
    Scenario::RefreshActive,
    Scenario::RemoveActive,
    Scenario::ExportForce,
];

/// Kills `scenario` once its entry is durable (`journal-written`), then kills the
/// replaying `list --no-usage` at each hit of `point`; returns how many kills.
fn each_replay_hit(scenario: Scenario, point: Point, expect: &Expect, tally: &Tally) -> u32 {
    for hit in 1.. {
        let world = scenario.set_up();
        let armed = format!("{}#1", Point::JournalWritten.name());
        let first = world
            .command(scenario.args())
            .env(crash::ENV, &armed)
            .output()
            .expect("run claude-token");
        assert_eq!(first.status.signal(), Some(libc::SIGKILL), "{scenario:?}");
        check::age_claude_code_locks(&world);
        let target = format!("{}#{hit}", point.name());
        let label = format!("{scenario:?}, then its replay at {target}");
        let replay = world
            .command(&["list", "--no-usage"])
            .env(crash::ENV, &target)
            .output()
            .expect("run claude-token");
        if replay.status.signal() != Some(libc::SIGKILL) {
            assert_eq!(
                replay.status.code(),
                Some(0),
                "{label}: {}",
                stderr(&replay)
            );
            return hit - 1;
        }
        // The answer was durable before either kill: nothing may be lost.
        let lost = check::recover(&world, scenario, expect, &label, |_| false);
        tally.count(lost);
    }
    unreachable!("hits are counted until the replay finishes")
}

#[test]
fn every_crash_point_of_a_replay_keeps_every_login() {
    let started = Instant::now();
    let tally = Tally::default();
    std::thread::scope(|scope| {
        for scenario in REPLAYED {
            let tally = &tally;
            scope.spawn(move || {
                let expect = Expect::learn(scenario);
                let kills: u32 = crash::points()
                    .iter()
                    .map(|&point| each_replay_hit(scenario, point, &expect, tally))
                    .sum();
                assert!(kills > 0, "{scenario:?}: its replay was never killed");
            });
        }
    });
    report_replays(&tally, started);
    assert_eq!(tally.windows(), 0);
}

#[allow(clippy::print_stdout)] // the run count is this test's report (`--nocapture`)
fn report_replays(tally: &Tally, started: Instant) {
    println!(
        "crash points of replays: {} runs killed, {} losses, {:?}",
        tally.runs(),
        tally.windows(),
        started.elapsed()
    );
}

/// Kills `scenario` at each hit of `point` while Claude Code keeps writing `mcpOAuth`
/// into its file (under `.storage-write.lock` alone, as it does); returns how many
/// kills. After the replay, Claude Code's file holds the last value it wrote.
fn each_hit_beside_claude_code(
    scenario: Scenario,
    point: Point,
    expect: &Expect,
    tally: &Tally,
) -> u32 {
    for hit in 1.. {
        let world = scenario.set_up();
        let target = format!("{}#{hit}", point.name());
        let label = format!("{scenario:?} at {target}, Claude Code writing meanwhile");
        let claude = StandIn::on(&world.home, &world.fake);
        let stop = AtomicBool::new(false);
        let (out, last) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let mut last = None;
                for n in 0u32.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let value = format!(r#"{{"srv|n":{{"n":{n}}}}}"#);
                    if claude.try_write_member("mcpOAuth", &value).is_ok() {
                        last = Some(value);
                    }
                    // Claude Code writes a member now and then, not in a tight loop.
                    std::thread::sleep(std::time::Duration::from_millis(15));
                }
                last
            });
            let out = world
                .command(scenario.args())
                .env(crash::ENV, &target)
                .output()
                .expect("run claude-token");
            stop.store(true, Ordering::SeqCst);
            (out, writer.join().expect("the writer"))
        });
        let killed = out.status.signal() == Some(libc::SIGKILL);
        if !killed {
            assert_eq!(
                out.status.code(),
                Some(scenario.exit_code()),
                "{label}: {}",
                stderr(&out)
            );
        }
        let window = check::recover(&world, scenario, expect, &label, |held| {
            point == Point::FsTempWritten && held.temp
        });
        tally.count(window);
        if let Some(last) = last {
            let live = std::fs::read_to_string(world.home.credentials_file()).unwrap_or_default();
            assert!(
                live.contains(&format!(r#""mcpOAuth":{last}"#)),
                "{label}: Claude Code's last mcpOAuth is gone: {}",
                live.len()
            );
        }
        if !killed {
            return hit - 1;
        }
    }
    unreachable!("hits are counted until the operation finishes")
}

#[test]
fn every_crash_point_beside_a_writing_claude_code_keeps_every_login_and_its_bytes() {
    let started = Instant::now();
    let tally = Tally::default();
    std::thread::scope(|scope| {
        for scenario in [
            Scenario::Use,
            Scenario::RefreshActive,
            Scenario::RemoveActive,
        ] {
            let tally = &tally;
            scope.spawn(move || {
                let expect = Expect::learn(scenario);
                for &point in crash::points() {
                    each_hit_beside_claude_code(scenario, point, &expect, tally);
                }
            });
        }
    });
    report_beside(&tally, started);
}

#[allow(clippy::print_stdout)] // the run count is this test's report (`--nocapture`)
fn report_beside(tally: &Tally, started: Instant) {
    println!(
        "crash points beside a writing Claude Code: {} runs, {} in the window, {:?}",
        tally.runs(),
        tally.windows(),
        started.elapsed()
    );
}
