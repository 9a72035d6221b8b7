//! The one window no client can close, measured: a refresh token is spent when the
//! server answers, and the new one is durable once its journal entry's bytes are
//! synced. Two measures of a real `refresh --force`:
//! - under `strace -f -ttt -T -yy`, from the end of the last read of the answer on
//!   the TLS socket to the end of the `fsync` of the reserved journal entry: which
//!   system calls the window holds (checked: only closing the socket and writing the
//!   entry's bytes; no file is opened, nothing renamed, no store written before the
//!   answer is durable), and how long it lasts there (strace slows every call down);
//! - without strace, timed inside the binary (the `crash-points` build's window
//!   probe, `CLAUDE_TOKEN_WINDOW_LOG`): from the answer's last byte to that `fsync`.
//!
//! Nothing is asserted about time (this machine's timings drift). Ignored:
//! `.ci/strace-crash.sh` runs the strace one, the benchmarks step the other (release).

use std::ffi::OsString;
use std::fs;

use super::scenario::Scenario;
use super::strace::under_strace;
use crate::support::stderr;

/// Runs measured.
const RUNS: usize = 15;

/// One traced system call: who, when, what, on which descriptor path, how long.
#[derive(Debug)]
struct Call {
    at_us: u64,
    took_us: u64,
    name: String,
    line: String,
}

impl Call {
    fn parse(line: &str) -> Option<Call> {
        // `<pid> <secs>.<micros> <name>(<args>) = <ret> <<secs>.<micros>>` (strace
        // pads the pid with spaces)
        let line = line.trim_start();
        let (_pid, rest) = line.split_once(char::is_whitespace)?;
        let (at, rest) = rest.trim_start().split_once(' ')?;
        let at_us = micros(at)?;
        if rest.starts_with('<') || rest.starts_with("+++") || rest.starts_with("---") {
            return None; // a resumed call, an exit or a signal
        }
        let name = rest.split('(').next()?.to_owned();
        let took_us = rest
            .rsplit_once('<')
            .and_then(|(_, t)| micros(t.trim_end_matches('>')))
            .unwrap_or(0);
        Some(Call {
            at_us,
            took_us,
            name,
            line: rest.to_owned(),
        })
    }

    fn end_us(&self) -> u64 {
        self.at_us + self.took_us
    }

    fn on_socket(&self) -> bool {
        self.line.contains("TCP")
    }

    fn on_journal_temp(&self) -> bool {
        self.line.contains("/journal/.") && self.line.contains(".tmp.")
    }
}

/// `123.456789` as microseconds.
fn micros(text: &str) -> Option<u64> {
    let (secs, frac) = text.split_once('.')?;
    let frac = format!("{frac:0<6}");
    Some(secs.parse::<u64>().ok()? * 1_000_000 + frac.get(..6)?.parse::<u64>().ok()?)
}

/// The window of one traced refresh: the calls after the last socket read up to and
/// including the entry's fsync, its length in microseconds, and how long the fsync
/// itself took.
fn window(calls: &[Call]) -> (Vec<String>, u64, u64) {
    let write = calls
        .iter()
        .position(|c| c.name == "pwrite64" && c.on_journal_temp())
        .expect("the answer is written into the reserved entry");
    let sync = write
        + calls[write..]
            .iter()
            .position(|c| c.name == "fsync" && c.on_journal_temp())
            .expect("and synced");
    let read = calls[..write]
        .iter()
        .rposition(|c| c.on_socket() && matches!(c.name.as_str(), "read" | "recvfrom" | "recvmsg"))
        .expect("the answer was read from the socket");
    let names = calls[read + 1..=sync]
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let width = calls[sync].end_us() - calls[read].end_us();
    (names, width, calls[sync].took_us)
}

#[test]
#[ignore = "needs strace: run by .ci/strace-crash.sh"]
fn crash_window_between_the_answer_and_the_journal_fsync() {
    let mut widths = Vec::new();
    let mut syncs = Vec::new();
    let mut calls_seen = Vec::new();
    for run in 0..RUNS {
        let world = Scenario::RefreshActive.set_up();
        let trace = world.home.path().join("refresh.strace");
        let mut options = ["-f", "-ttt", "-T", "-yy", "-o"]
            .map(OsString::from)
            .to_vec();
        options.push(trace.clone().into_os_string());
        let out = under_strace(&world, &["refresh", "--force"], &options);
        assert_eq!(out.status.code(), Some(0), "run {run}: {}", stderr(&out));
        let text = fs::read_to_string(&trace).unwrap();
        let calls: Vec<Call> = text.lines().filter_map(Call::parse).collect();
        let (names, width, sync) = window(&calls);
        syncs.push(sync);
        for name in &names {
            assert!(
                matches!(
                    name.as_str(),
                    // `fcntl(F_GETFD)` is std's debug-build check before closing
                    // the socket; the rest: close the socket, write the entry.
                    "fcntl" | "close" | "pwrite64" | "ftruncate" | "fsync" | "munmap" | "brk"
                ),
                "run {run}: {name} inside the window: {names:?}"
            );
        }
        widths.push(width);
        calls_seen = names;
    }
    widths.sort_unstable();
    syncs.sort_unstable();
    report(&calls_seen, &widths, syncs[syncs.len() / 2]);
}

#[allow(clippy::print_stdout)] // the figures are this test's report (`--nocapture`)
fn report(calls: &[String], widths: &[u64], sync: u64) {
    println!(
        "window: {} system calls from the last read of the answer to the end of the \
         entry's fsync ({}); {} runs under strace: min {} µs, median {} µs, max {} µs \
         (the fsync alone: median {sync} µs)",
        calls.len(),
        calls.join(", "),
        widths.len(),
        widths[0],
        widths[widths.len() / 2],
        widths[widths.len() - 1]
    );
}

#[test]
#[ignore = "benchmark: run by .ci/run (release)"]
fn bench_refresh_window_in_process() {
    let mut widths = Vec::new();
    for run in 0..RUNS * 2 {
        let world = Scenario::RefreshActive.set_up();
        let log = world.home.path().join("window.log");
        let out = world
            .command(&["refresh", "--force"])
            .env(claude_token::crash::WINDOW_LOG_ENV, &log)
            .output()
            .expect("run claude-token");
        assert_eq!(out.status.code(), Some(0), "run {run}: {}", stderr(&out));
        let text = fs::read_to_string(&log).expect("the window was logged");
        let lines: Vec<u64> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(lines.len(), 1, "one refresh, one window: {text}");
        widths.push(lines[0]);
    }
    widths.sort_unstable();
    report_in_process(&widths);
}

#[allow(clippy::print_stdout)] // the figures are this test's report (`--nocapture`)
fn report_in_process(widths: &[u64]) {
    println!(
        "bench window (in process, answer's last byte to the entry's fsync): {} runs: \
         min {} µs, median {} µs, max {} µs",
        widths.len(),
        widths[0],
        widths[widths.len() / 2],
        widths[widths.len() - 1]
    );
}
