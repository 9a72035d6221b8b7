//! The real binary killed by strace at the n-th call of each state-changing system
//! call (`strace -f -e inject=<syscall>:signal=KILL:when=<n>`), for every n of a
//! `use` and of a `refresh --force` of the active slot, then the checks of `check`.
//!
//! strace counts `when=` per system call of the set (and per traced thread), not over
//! the set, so one system call is tried at a time: every n of every call in [`SET`]
//! covers every state-changing call the operation makes. Slow (hundreds of runs), so
//! ignored: `.ci/strace-crash.sh` installs strace and runs it by name.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use std::time::Instant;

use super::check::{self, Expect};
use super::scenario::Scenario;
use super::world::World;
use super::Tally;
use crate::support::stderr;

/// The calls that change files (x86-64 names; a name this machine's strace does not
/// know is skipped).
const SET: [&str; 15] = [
    "openat",
    "write",
    "pwrite64",
    "fsync",
    "fdatasync",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "link",
    "linkat",
    "mkdir",
    "mkdirat",
    "ftruncate",
];

/// The binary with `args` in `world`, run by strace with `options` (its environment
/// only, none of ours).
pub fn under_strace(world: &World, args: &[&str], options: &[OsString]) -> Output {
    let inner = world.command(args);
    let mut cmd = Command::new("strace");
    cmd.args(options)
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear();
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.output().expect("run strace (is it installed?)")
}

/// `scenario`'s command under strace, killed at the `nth` call of `syscall`.
fn traced(world: &World, scenario: Scenario, syscall: &str, nth: u32) -> Output {
    let inject = format!("inject={syscall}:signal=KILL:when={nth}");
    let options = ["-f", "-o", "/dev/null", "-e", &inject].map(OsString::from);
    under_strace(world, scenario.args(), &options)
}

/// Kills `scenario` at each call of `syscall`; returns how many kills it made.
fn each_call(scenario: Scenario, syscall: &str, expect: &Expect, tally: &Tally) -> u32 {
    for nth in 1.. {
        let world = scenario.set_up();
        let label = format!("{scenario:?} killed at {syscall} #{nth}");
        let out = traced(&world, scenario, syscall, nth);
        if out.status.signal() != Some(libc::SIGKILL) {
            let text = stderr(&out);
            if nth == 1 && text.contains("invalid system call") {
                return 0;
            }
            assert_eq!(
                out.status.code(),
                Some(scenario.exit_code()),
                "{label}: {text}"
            );
            return nth - 1;
        }
        // Only a kill while the answer's entry is written (its bytes, their sync)
        // may lose the new token: the window. Any other loss fails `recover`.
        let in_window = matches!(syscall, "pwrite64" | "fsync" | "fdatasync");
        let window = check::recover(&world, scenario, expect, &label, |_| in_window);
        tally.count(window);
    }
    unreachable!("calls are counted until the operation finishes")
}

#[test]
#[ignore = "slow: run by .ci/strace-crash.sh (needs strace)"]
fn crash_strace_use_and_refresh() {
    let started = Instant::now();
    let counts = std::thread::scope(|scope| {
        let runs = [Scenario::Use, Scenario::RefreshActive].map(|scenario| {
            scope.spawn(move || {
                let (expect, tally) = (Expect::learn(scenario), Tally::default());
                let kills: u32 = SET
                    .iter()
                    .map(|syscall| each_call(scenario, syscall, &expect, &tally))
                    .sum();
                (scenario, kills, tally.windows())
            })
        });
        runs.map(|run| run.join().expect("a scenario thread panicked"))
    });
    report(&counts, started);
    assert!(counts.iter().all(|(_, kills, _)| *kills > 0));
}

#[allow(clippy::print_stdout)] // the run counts are this test's report (`--nocapture`)
fn report(counts: &[(Scenario, u32, usize)], started: Instant) {
    for (scenario, kills, windows) in counts {
        println!("strace: {scenario:?}: {kills} kills, {windows} in the answer-to-journal window");
    }
    println!("strace: {:?} in all", started.elapsed());
}
