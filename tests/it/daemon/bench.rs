//! The idle daemon's footprint, from `/proc` (Linux): resident memory, and context
//! switches over a stretch of sleep, which must not grow (no polling, no timer
//! ticks). Ignored by default; run them with
//! `cargo test --release --test it -- --ignored daemon_idle --nocapture`.
//! `daemon_idle_after_a_real_sweep` measures the binary in `CLAUDE_TOKEN_BENCH_BIN`
//! when set (the static build, say) and watches for `CLAUDE_TOKEN_BENCH_IDLE_SECS`
//! (default 20).

use super::process::Daemon;
use super::sweep::World;
use crate::support::Home;
use std::process::Command;
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

/// The `daemon` command of the binary under measurement, in `world`'s home.
fn bench_daemon(world: &World) -> Command {
    let mut cmd = match std::env::var_os("CLAUDE_TOKEN_BENCH_BIN") {
        Some(binary) => {
            let mut cmd = Command::new(binary);
            cmd.arg("daemon")
                .env_clear()
                .env("HOME", world.home.path())
                .env("PATH", "/usr/bin:/bin");
            cmd
        }
        None => world.home.command(["daemon"]),
    };
    cmd.envs(world.fake.env());
    cmd
}

fn idle_watch() -> Duration {
    let secs = std::env::var("CLAUDE_TOKEN_BENCH_IDLE_SECS").map_or(20, |s| {
        s.parse()
            .expect("CLAUDE_TOKEN_BENCH_IDLE_SECS: whole seconds")
    });
    Duration::from_secs(secs)
}

/// After a sweep that refreshed a slot (so TLS, the HTTP client and the stores have
/// all run): resident memory, context switches while asleep (expected: none), and
/// the switches one sweep costs (a SIGHUP sweep with nothing due). At the 30-minute
/// default the daemon wakes twice an hour, once per sweep.
#[test]
#[allow(clippy::print_stdout)] // a benchmark's whole output is its figures
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn daemon_idle_after_a_real_sweep() {
    let world = World::new();
    let ada = world.fake.add_account("ada@example.com");
    world.login_and_add(&ada, "ada");
    let mut daemon = Daemon::spawn(bench_daemon(&world));
    daemon.wait_for("slot ada: refreshed");
    daemon.wait_until_asleep();
    std::thread::sleep(Duration::from_millis(300)); // let it reach its poll
    let pid = daemon.pid();
    let watch = idle_watch();
    let before = switches(pid);
    std::thread::sleep(watch);
    let after = switches(pid);
    let (rss, hwm) = (status_field(pid, "VmRSS"), status_field(pid, "VmHWM"));
    daemon.signal("HUP");
    daemon.wait_for("sweep started (on SIGHUP)");
    daemon.wait_until_asleep();
    std::thread::sleep(Duration::from_millis(300));
    let swept = switches(pid);
    println!("daemon idle after a refreshing sweep: VmRSS {rss} kB, VmHWM {hwm} kB");
    println!(
        "context switches over {watch:?} asleep: voluntary {} -> {}, involuntary {} -> {}",
        before.0, after.0, before.1, after.1
    );
    println!(
        "one sweep with nothing due: {} voluntary, {} involuntary switches",
        swept.0 - after.0,
        swept.1 - after.1
    );
    println!("wake-ups per hour at the 30-minute default: 2 (one per sweep, none between)");
    assert_eq!(before, after, "the idle daemon woke up");
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
}
