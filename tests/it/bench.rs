//! Benchmarks, ignored by default; they print figures and assert no timing (run:
//! `cargo test --release --test it bench -- --ignored --nocapture --test-threads 1`).
//! - `list --no-usage` with 50 slots: median wall time of [`RUNS`] runs of the binary,
//!   output to /dev/null (as hyperfine times commands), next to the floor every run
//!   pays (the same binary printing `--version`: exec, dynamic linking, runtime
//!   start-up). A first, untimed run is checked: exit 0 and no token in its output.
//! - `list` with 16 slots against the fake answering each request 300 ms late: wall
//!   time of a run that asks every slot (parallel requests keep it near 300 ms).
//! - The release binary's size (built here when `target/release` has none).

#![allow(clippy::print_stdout)] // benchmarks report their figures on stdout

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::stderr;
use crate::usage_cmd::{age_snapshots, Setup};

/// `n` slots, `s1`@example.com to `s<n>`@example.com.
fn setup(n: usize) -> Setup {
    let emails: Vec<String> = (1..=n).map(|i| format!("s{i}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    Setup::new(&refs)
}

/// Runs `args` once, checked: exit 0 and no token in either stream.
fn checked(setup: &Setup, args: &[&str]) {
    let out = setup.run_showing_tokens(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    setup.assert_no_token(args, &out);
}

/// Runs `args` once and returns how long the process took, end to end, with its
/// output going to /dev/null as a benchmark tool would send it (pipes and reading
/// them back would be timed too); [`checked`] runs look at the output.
fn timed(setup: &Setup, args: &[&str]) -> Duration {
    let mut command = setup.home.command(args);
    command
        .envs(setup.fake.env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let status = command.status().expect("run claude-token");
    let took = start.elapsed();
    assert_eq!(status.code(), Some(0), "{args:?}");
    took
}

/// Runs of `list --no-usage` (and of the floor) timed; the median is reported.
const RUNS: usize = 200;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

#[test]
#[ignore = "benchmark: prints figures"]
fn bench_list_no_usage_with_50_slots() {
    let setup = setup(50);
    checked(&setup, &["list", "--no-usage"]); // also warms the page cache
    let mut floor = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        floor.push(timed(&setup, &["--version"]));
        runs.push(timed(&setup, &["list", "--no-usage"]));
    }
    let (min, max) = (*runs.iter().min().unwrap(), *runs.iter().max().unwrap());
    println!(
        "bench list --no-usage, 50 slots: median {:?} (min {min:?}, max {max:?}) over {RUNS} \
         runs; floor (`--version`, same binary) median {:?}",
        median(runs),
        median(floor)
    );
    keep_home_if_asked(setup);
}

/// With `CLAUDE_TOKEN_BENCH_KEEP_HOME` set, the home survives the run and its path is
/// printed, to profile the binary against it (`HOME=<path> claude-token list --no-usage`).
fn keep_home_if_asked(setup: Setup) {
    if std::env::var_os("CLAUDE_TOKEN_BENCH_KEEP_HOME").is_some() {
        println!("bench home kept: {}", setup.home.path().display());
        std::mem::forget(setup);
    }
}

#[test]
#[ignore = "benchmark: prints figures"]
fn bench_list_with_16_slots_and_a_300ms_service() {
    let setup = setup(16);
    setup.fake.set_delay(Duration::from_millis(300));
    let mut runs = Vec::new();
    for _ in 0..3 {
        let before = setup.usage_requests();
        runs.push(timed(&setup, &["list"]));
        assert_eq!(setup.usage_requests(), before + 16, "every slot was asked");
        age_snapshots(&setup, 10);
    }
    println!(
        "bench list, 16 slots, service 300 ms late: runs {runs:?}, median {:?}",
        median(runs.clone())
    );
}

#[test]
#[ignore = "benchmark: prints figures"]
fn bench_release_binary_size() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = root.join("target/release/claude-token");
    if !binary.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--locked"])
            .current_dir(&root)
            .status()
            .expect("run cargo build --release");
        assert!(status.success());
    }
    let bytes = std::fs::metadata(&binary).unwrap().len();
    #[allow(clippy::cast_precision_loss)] // a binary's size
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "bench release binary {}: {bytes} bytes ({mib:.2} MiB)",
        binary.display()
    );
}
