//! What a sweep sees of the daemon: a pause between slots that a stop signal cuts
//! short, and a place to record each slot's outcome.
//!
//! Owns the log lines for slots and the memory of dead logins (a dead login is logged
//! once, then again only after it has worked in between). It never decides whether a
//! slot needs refreshing; the [`Sweeper`](super::Sweeper) does.

use super::log::Log;
use super::schedule;
use super::signals::{Signal, Signals};
use super::{Flow, SlotOutcome};
use crate::cli::SlotName;
use crate::time;
use std::collections::BTreeSet;
use std::io;
use std::time::{Duration, Instant};

/// Handed to [`Sweeper::sweep`](super::Sweeper::sweep) for one sweep.
pub struct SweepContext<'a> {
    signals: &'a mut dyn Signals,
    log: &'a mut dyn Log,
    /// Slots whose dead login has been logged; kept across sweeps by the loop.
    dead: &'a mut BTreeSet<SlotName>,
    pub(super) tally: Tally,
    pub(super) stop: Option<Signal>,
    /// A SIGHUP came during the sweep: sweep again right after it.
    pub(super) hangup: bool,
    /// Waiting for signals failed; the loop ends with this error after the sweep.
    pub(super) failure: Option<io::Error>,
}

/// What the slots of one sweep came to.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) seen: BTreeSet<SlotName>,
    pub(super) refreshed: usize,
    pub(super) failed: usize,
    pub(super) dead: usize,
}

impl std::fmt::Debug for SweepContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepContext")
            .field("tally", &self.tally)
            .field("stop", &self.stop)
            .field("hangup", &self.hangup)
            .finish_non_exhaustive()
    }
}

impl<'a> SweepContext<'a> {
    pub(super) fn new(
        signals: &'a mut dyn Signals,
        log: &'a mut dyn Log,
        dead: &'a mut BTreeSet<SlotName>,
    ) -> Self {
        SweepContext {
            signals,
            log,
            dead,
            tally: Tally::default(),
            stop: None,
            hangup: false,
            failure: None,
        }
    }

    /// Sleeps 0 to 2 s (random), so the slots of a sweep do not reach the server in
    /// one burst. A stop signal ends the pause at once with [`Flow::Stop`]; a SIGHUP
    /// is remembered (another sweep follows this one) and the pause goes on.
    pub fn pause_between_slots(&mut self) -> Flow {
        self.pause(schedule::jitter())
    }

    /// Whether the daemon has been asked to stop.
    pub fn stopping(&self) -> bool {
        self.stop.is_some() || self.failure.is_some()
    }

    /// Records what happened to `slot`, logging it when it is news.
    pub fn record(&mut self, slot: &SlotName, outcome: SlotOutcome) {
        self.tally.seen.insert(slot.clone());
        match outcome {
            SlotOutcome::Refreshed { expires_at_ms } => {
                self.tally.refreshed += 1;
                self.dead.remove(slot);
                let expiry = time::format_rfc3339(expires_at_ms);
                self.log.line(&format!(
                    "slot {slot}: refreshed; new tokens expire at {expiry}"
                ));
            }
            SlotOutcome::NotDue => {
                if self.dead.remove(slot) {
                    self.log
                        .line(&format!("slot {slot}: the login works again"));
                }
            }
            SlotOutcome::Failed { reason } => {
                self.tally.failed += 1;
                self.log.line(&format!(
                    "slot {slot}: refresh failed: {reason}; retrying at the next sweep"
                ));
            }
            SlotOutcome::Dead { reason } => self.record_dead(slot, &reason),
        }
    }

    fn record_dead(&mut self, slot: &SlotName, reason: &str) {
        self.tally.dead += 1;
        if self.dead.insert(slot.clone()) {
            self.log.line(&format!(
                "slot {slot}: login dead: {reason}; log in again in Claude Code, then run \
                 `claude-token add` (not logged again until the slot works)"
            ));
        }
    }

    /// Sleeps `pause` unless a stop signal comes first.
    pub(super) fn pause(&mut self, pause: Duration) -> Flow {
        if self.stopping() {
            return Flow::Stop;
        }
        let deadline = Instant::now() + pause;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.signals.wait(left) {
                Ok(None) => return Flow::Continue,
                Ok(Some(Signal::Hangup)) => self.hangup = true,
                Ok(Some(stop)) => {
                    self.stop = Some(stop);
                    return Flow::Stop;
                }
                Err(err) => {
                    self.failure = Some(err);
                    return Flow::Stop;
                }
            }
        }
    }
}
