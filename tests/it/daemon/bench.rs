//! The idle daemon's footprint, from `/proc` (Linux): resident memory, and context
//! switches over a few seconds of sleep, which must not grow (no polling, no timer
//! ticks). Ignored by default; run it with
//! `cargo test --release --test it -- --ignored daemon_idle --nocapture`.

use super::process::Daemon;
use crate::support::Home;
use std::time::Duration;

/// A `Name:  value` field of `/proc/<pid>/status`, as its first number.
fn status_field(pid: u32, name: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"));
    let number = line.split_whitespace().next().expect("a value");
    number.parse().expect("a number")
}

fn switches(pid: u32) -> (u64, u64) {
    (
        status_field(pid, "voluntary_ctxt_switches"),
        status_field(pid, "nonvoluntary_ctxt_switches"),
    )
}

#[test]
#[allow(clippy::print_stdout)] // a benchmark's whole output is its figures
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn daemon_idle_footprint() {
    const WATCH: Duration = Duration::from_secs(5);
    let home = Home::new();
    let mut daemon = Daemon::start(&home);
    daemon.wait_until_asleep();
    std::thread::sleep(Duration::from_millis(300)); // let it reach its poll
    let pid = daemon.pid();
    let before = switches(pid);
    std::thread::sleep(WATCH);
    let after = switches(pid);
    let rss = status_field(pid, "VmRSS");
    let hwm = status_field(pid, "VmHWM");
    println!("daemon idle: VmRSS {rss} kB, VmHWM {hwm} kB");
    println!(
        "context switches over {WATCH:?} asleep: voluntary {} -> {}, involuntary {} -> {}",
        before.0, after.0, before.1, after.1
    );
    assert_eq!(before, after, "the idle daemon woke up");
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
}
