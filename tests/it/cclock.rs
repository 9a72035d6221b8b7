//! Claude Code's lock directories: taking, waiting, breaking stale locks, keeping them
//! fresh, noticing theft, the refresh-lock pair with its owner record, and a waiter
//! that follows Claude Code's own rules.

mod dirlock;
// Checked against what Linux says about this process (`/proc`).
#[cfg(target_os = "linux")]
mod refresh;
mod waiter;

use claude_token::cclock::Options;
use std::fs::File;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Options scaled down for tests: stale 60 s as Claude Code's refresh lock, `retries`
/// quick retries, and a touch every `refresh_ms`.
pub fn quick(retries: u32, refresh_ms: u64) -> Options {
    Options {
        stale: Duration::from_secs(60),
        retries,
        retry_min: Duration::from_millis(5),
        retry_max: Duration::from_millis(20),
        refresh_every: Duration::from_millis(refresh_ms),
    }
}

pub fn mtime(path: &Path) -> SystemTime {
    std::fs::symlink_metadata(path).unwrap().modified().unwrap()
}

/// Sets the mtime of the directory at `path` as another process would.
pub fn set_mtime(path: &Path, to: SystemTime) {
    File::open(path).unwrap().set_modified(to).unwrap();
}

/// Polls `done` every 10 ms for up to 20 s; whether it came true. The deadline only
/// bounds a failing test; no assertion depends on how long it took.
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    done()
}
