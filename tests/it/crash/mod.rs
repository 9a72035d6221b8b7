//! "Never lose a login", proved with real processes: the binary is killed at every
//! crash point (`points`), made to fail at every fsync and write (`faults`), and killed
//! at every state-changing system call under strace (`strace`, ignored: `.ci/run` runs
//! it through `.ci/strace-crash.sh`). Each run sets up a fresh home and a fresh fake
//! service (`world`), runs one operation (`scenario`), lets the next command replay,
//! and checks the invariants (`check`).

pub(crate) mod check;
mod faults;
mod known;

mod points;
pub(crate) mod scenario;
mod strace;
mod window;

pub(crate) mod world;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use scenario::Scenario;

/// What a set of runs found, summed over scenarios.
#[derive(Debug, Default)]
pub struct Tally {
    /// Runs made (each a fresh home and fake).
    pub runs: AtomicUsize,
    /// Runs whose kill or fault came between the server's answer and the journal
    /// write: the rotated refresh token is lost (see SPEC.md §6 "Crash testing").
    pub window: AtomicUsize,
}

impl Tally {
    pub fn count(&self, window: bool) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if window {
            self.window.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    pub fn windows(&self) -> usize {
        self.window.load(Ordering::Relaxed)
    }
}

/// Runs `each` for every scenario on its own thread (each run has its own home and
/// fake) and returns what they counted.
pub fn every_scenario(each: impl Fn(Scenario, &Tally) + Sync) -> Tally {
    let tally = Tally::default();
    thread::scope(|scope| {
        for &scenario in Scenario::ALL {
            let (each, tally) = (&each, &tally);
            thread::Builder::new()
                .name(format!("{scenario:?}"))
                .spawn_scoped(scope, move || each(scenario, tally))
                .expect("spawn a scenario thread");
        }
    });
    tally
}
