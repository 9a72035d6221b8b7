//! The daemon's machinery: when to sweep, how to sleep, how to stop, what to log.
//!
//! `schedule` parses the interval and draws the jitter, `signals` turns SIGTERM, SIGINT
//! and SIGHUP into events to wait on, `lock` keeps a second daemon out, `run` is the
//! loop, `context` is what a sweep sees, `log` writes the one line per action, and
//! `service` prints files for launchd, systemd and cron, and `launchd` keeps a daemon
//! launchd started with a bad setting from being restarted in a loop. What a sweep does to a slot is
//! not decided here: the loop calls a [`Sweeper`], and the refresh operation is one.
//!
//! ```text
//!   start ──► sweep ──► sleep until the next sweep ──┬─ time is up ──► sweep
//!               ▲                                    ├─ SIGHUP ───────► sweep
//!               └────────────────────────────────────┘
//!                                                    └─ SIGTERM/SIGINT ─► exit
//! ```
//!
//! A stop signal during a sweep is seen between two slots: the slot in flight is
//! finished (its transaction committed), the rest wait for the next start.

mod context;
mod launchd;
mod lock;
mod log;
mod run;
mod schedule;
mod service;
mod signals;

pub use context::SweepContext;
pub use launchd::{hold_bad_setting, started_by_launchd, SERVICE_NAME_VAR};
pub use lock::{DaemonLock, LOCK_FILE};
pub use log::{Log, StderrLog};
pub use run::run;
pub use schedule::{jitter_from, next_due, Interval, IntervalError, INTERVAL_VAR, MAX_JITTER};
pub use service::{render, ServiceError};
pub use signals::{ProcessSignals, Signal, Signals};

/// One pass over every slot, refreshing those that need it. The refresh operation
/// implements it; tests implement it with fakes.
pub trait Sweeper {
    /// Looks at every slot in turn: after each one it calls [`SweepContext::record`],
    /// and between two slots [`SweepContext::pause_between_slots`], stopping when that
    /// says [`Flow::Stop`].
    fn sweep(&mut self, ctx: &mut SweepContext<'_>) -> SweepReport;
}

/// How a sweep ended, beyond the slots it recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepReport {
    /// Every slot was looked at.
    Done,
    /// It stopped between two slots because the daemon is stopping.
    Stopped,
    /// It could not run (an unreadable catalog, a busy lock); retried at the next
    /// sweep. `reason` is one line and holds no secret.
    Failed { reason: String },
}

/// What happened to one slot in a sweep. Reasons are one line and hold no secret
/// (they come from error messages, which never do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotOutcome {
    /// New tokens were stored; they expire at `expires_at_ms` (Unix ms).
    Refreshed { expires_at_ms: i64 },
    /// The tokens are fresh enough; nothing was done.
    NotDue,
    /// It failed in a way waiting may fix (network, server, busy); retried at the next
    /// sweep.
    Failed { reason: String },
    /// The server refused the refresh token: only a new login helps. Logged once, not
    /// at every sweep, until the slot works again.
    Dead { reason: String },
}

/// Whether a sweep should go on to the next slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Flow {
    Continue,
    /// The daemon is stopping: return [`SweepReport::Stopped`] now.
    Stop,
}
