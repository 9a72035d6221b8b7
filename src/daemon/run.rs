//! The loop: sweep, then sleep until the next sweep is due or a signal arrives.
//!
//! Owns the order of events and the per-sweep log lines. It sleeps in one
//! [`Signals::wait`] per interval (no polling), sweeps at start, on time and on
//! SIGHUP, and returns on SIGTERM or SIGINT, never in the middle of a slot. It never
//! touches a file, the network or the lock: the caller holds the lock, the
//! [`Sweeper`] does the work.

use super::context::SweepContext;
use super::log::Log;
use super::schedule::{self, Interval};
use super::signals::{Signal, Signals};
use super::{SweepReport, Sweeper};
use crate::cli::SlotName;
use crate::{time, Error};
use std::collections::BTreeSet;
use std::time::Instant;

/// Why a sweep starts.
#[derive(Debug, Clone, Copy)]
enum Why {
    Start,
    Timer,
    Hangup,
}

/// How a sweep left the loop's state.
#[derive(Debug)]
struct Ended {
    stop: Option<Signal>,
    hangup: bool,
}

/// Runs the daemon until SIGTERM or SIGINT, which it returns. Sweeps at once, then
/// every `interval` (measured from the start of a sweep), and at every SIGHUP.
pub fn run(
    interval: Interval,
    sweeper: &mut dyn Sweeper,
    signals: &mut dyn Signals,
    log: &mut dyn Log,
) -> Result<Signal, Error> {
    log.line(&format!(
        "daemon started (pid {}), sweeping every {} min",
        std::process::id(),
        interval.minutes()
    ));
    let mut dead = BTreeSet::new();
    let mut why = Why::Start;
    loop {
        let started = Instant::now();
        let ended = sweep(why, sweeper, signals, log, &mut dead, |now| {
            schedule::next_due(started, now, interval.duration())
        })?;
        if let Some(stop) = ended.stop {
            return Ok(stopped(log, stop));
        }
        if ended.hangup {
            why = Why::Hangup;
            continue;
        }
        let due = schedule::next_due(started, Instant::now(), interval.duration());
        let left = due.saturating_duration_since(Instant::now());
        why = match signals
            .wait(left)
            .map_err(|source| Error::Signals { source })?
        {
            None => Why::Timer,
            Some(Signal::Hangup) => Why::Hangup,
            Some(stop) => return Ok(stopped(log, stop)),
        };
    }
}

/// One sweep with its start and end lines. `due` says when the next one will be, for
/// the end line.
fn sweep(
    why: Why,
    sweeper: &mut dyn Sweeper,
    signals: &mut dyn Signals,
    log: &mut dyn Log,
    dead: &mut BTreeSet<SlotName>,
    due: impl Fn(Instant) -> Instant,
) -> Result<Ended, Error> {
    log.line(&format!("sweep started ({})", why.text()));
    let mut ctx = SweepContext::new(signals, log, dead);
    let report = sweeper.sweep(&mut ctx);
    let SweepContext {
        tally,
        stop,
        hangup,
        failure,
        ..
    } = ctx;
    if let Some(source) = failure {
        return Err(Error::Signals { source });
    }
    if report == SweepReport::Done {
        // Forget dead logins of slots that are gone, so the set cannot grow forever.
        dead.retain(|slot| tally.seen.contains(slot));
    }
    let tail = match (stop, hangup) {
        (Some(_), _) => String::new(),
        (None, true) => "; next sweep now (SIGHUP)".to_owned(),
        (None, false) => format!("; next sweep at {}", wall_clock(due(Instant::now()))),
    };
    let counts = format!(
        "{} slots, {} refreshed, {} failed, {} dead",
        tally.seen.len(),
        tally.refreshed,
        tally.failed,
        tally.dead
    );
    log.line(&match report {
        SweepReport::Failed { reason } => format!("sweep failed: {reason}{tail}"),
        SweepReport::Stopped => format!("sweep stopped early: {counts}"),
        SweepReport::Done => format!("sweep done: {counts}{tail}"),
    });
    Ok(Ended { stop, hangup })
}

/// Logs the stop and passes the signal on.
fn stopped(log: &mut dyn Log, signal: Signal) -> Signal {
    log.line(&format!("daemon stopping on {}", signal.name()));
    signal
}

/// `at` on the wall clock, as an RFC 3339 UTC time to the second.
fn wall_clock(at: Instant) -> String {
    let left = at.saturating_duration_since(Instant::now());
    let ms = time::now_ms() + i64::try_from(left.as_millis()).unwrap_or(i64::MAX / 2);
    time::format_rfc3339(ms - ms.rem_euclid(1000))
}

impl Why {
    fn text(self) -> &'static str {
        match self {
            Why::Start => "at start",
            Why::Timer => "on schedule",
            Why::Hangup => "on SIGHUP",
        }
    }
}
