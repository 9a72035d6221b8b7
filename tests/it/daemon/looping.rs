//! The loop in-process: scripted signals (no real sleeping), fake sweepers, lines in
//! memory.

use super::{slot, Lines, Scripted};
use claude_token::cli::SlotName;
use claude_token::daemon::{
    self, Flow, Interval, Signal, SlotOutcome, SweepContext, SweepReport, Sweeper, MAX_JITTER,
};
use claude_token::Error;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// A sweeper that plays one list of slot outcomes per sweep, pausing between slots.
#[derive(Debug, Default)]
struct Playbook {
    sweeps: VecDeque<Vec<(SlotName, SlotOutcome)>>,
    done: usize,
}

impl Playbook {
    fn new(sweeps: Vec<Vec<(&str, SlotOutcome)>>) -> Self {
        let sweeps = sweeps
            .into_iter()
            .map(|outcomes| {
                outcomes
                    .into_iter()
                    .map(|(name, outcome)| (slot(name), outcome))
                    .collect()
            })
            .collect();
        Playbook { sweeps, done: 0 }
    }
}

impl Sweeper for Playbook {
    fn sweep(&mut self, ctx: &mut SweepContext<'_>) -> SweepReport {
        self.done += 1;
        let outcomes = self.sweeps.pop_front().unwrap_or_default();
        for (i, (name, outcome)) in outcomes.into_iter().enumerate() {
            if i > 0 && ctx.pause_between_slots() == Flow::Stop {
                return SweepReport::Stopped;
            }
            ctx.record(&name, outcome);
        }
        SweepReport::Done
    }
}

fn minutes(n: u32) -> Interval {
    Interval::from_minutes(n).expect("valid interval")
}

fn run(sweeper: &mut dyn Sweeper, signals: &Scripted, lines: &mut Lines) -> Result<Signal, Error> {
    daemon::run(minutes(30), sweeper, &mut signals.clone(), lines)
}

fn dead(reason: &str) -> SlotOutcome {
    SlotOutcome::Dead {
        reason: reason.into(),
    }
}

fn failed(reason: &str) -> SlotOutcome {
    SlotOutcome::Failed {
        reason: reason.into(),
    }
}

fn refreshed() -> SlotOutcome {
    SlotOutcome::Refreshed {
        expires_at_ms: 1_700_000_000_000,
    }
}

#[test]
fn sweeps_at_start_and_each_time_the_interval_runs_out_until_sigterm() {
    let signals = Scripted::new([None, None, Some(Signal::Terminate)]);
    let mut sweeper = Playbook::default();
    let mut lines = Lines::default();
    let stop = run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(stop, Signal::Terminate);
    assert_eq!(sweeper.done, 3);
    assert_eq!(lines.count("sweep started (at start)"), 1);
    assert_eq!(lines.count("sweep started (on schedule)"), 2);
    assert_eq!(
        lines.0.last().map(String::as_str),
        Some("daemon stopping on SIGTERM")
    );
    // One wait per interval, each for (almost all of) the 30 minutes: no polling.
    let asked = signals.asked();
    assert_eq!(asked.len(), 3);
    for timeout in asked {
        assert!(timeout <= Duration::from_secs(1800), "{timeout:?}");
        assert!(timeout > Duration::from_secs(1790), "{timeout:?}");
    }
}

#[test]
fn sigint_stops_like_sigterm() {
    let signals = Scripted::new([Some(Signal::Interrupt)]);
    let mut lines = Lines::default();
    let stop = run(&mut Playbook::default(), &signals, &mut lines).expect("runs");
    assert_eq!(stop, Signal::Interrupt);
    assert_eq!(lines.count("daemon stopping on SIGINT"), 1);
}

#[test]
fn sighup_sweeps_at_once() {
    let signals = Scripted::new([Some(Signal::Hangup), Some(Signal::Terminate)]);
    let mut sweeper = Playbook::default();
    let mut lines = Lines::default();
    run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(sweeper.done, 2);
    assert_eq!(lines.count("sweep started (on SIGHUP)"), 1);
}

/// A sweeper whose first slot's "transaction" is in flight when SIGTERM arrives.
struct SignalledMidSlot {
    signals: Scripted,
    committed: Vec<SlotName>,
    started: Vec<SlotName>,
}

impl Sweeper for SignalledMidSlot {
    fn sweep(&mut self, ctx: &mut SweepContext<'_>) -> SweepReport {
        for (i, name) in ["a", "b", "c"].into_iter().map(slot).enumerate() {
            if i > 0 && ctx.pause_between_slots() == Flow::Stop {
                return SweepReport::Stopped;
            }
            self.started.push(name.clone());
            self.signals.send(Signal::Terminate); // arrives mid-transaction
            self.committed.push(name.clone());
            ctx.record(&name, refreshed());
        }
        SweepReport::Done
    }
}

#[test]
fn sigterm_during_a_slot_lets_it_finish_then_stops_before_the_next() {
    let signals = Scripted::new([]);
    let mut sweeper = SignalledMidSlot {
        signals: signals.clone(),
        committed: Vec::new(),
        started: Vec::new(),
    };
    let mut lines = Lines::default();
    let stop = run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(stop, Signal::Terminate);
    assert_eq!(sweeper.started, vec![slot("a")]);
    assert_eq!(sweeper.committed, vec![slot("a")]);
    assert_eq!(lines.count("slot a: refreshed"), 1);
    assert_eq!(lines.count("sweep stopped early: 1 slots, 1 refreshed"), 1);
    assert_eq!(
        lines.0.last().map(String::as_str),
        Some("daemon stopping on SIGTERM")
    );
    // Only the pause was waited on: after a stop the loop does not sleep again.
    assert_eq!(signals.asked().len(), 1);
}

#[test]
fn pauses_between_slots_last_at_most_two_seconds() {
    let outcomes = vec![
        ("a", SlotOutcome::NotDue),
        ("b", SlotOutcome::NotDue),
        ("c", SlotOutcome::NotDue),
        ("d", SlotOutcome::NotDue),
    ];
    let signals = Scripted::new([Some(Signal::Terminate)]);
    let mut lines = Lines::default();
    run(&mut Playbook::new(vec![outcomes]), &signals, &mut lines).expect("runs");
    let asked = signals.asked();
    assert_eq!(asked.len(), 4, "three pauses, then the sleep: {asked:?}");
    for pause in &asked[..3] {
        assert!(*pause <= MAX_JITTER, "{pause:?}");
    }
    assert_eq!(
        lines.count("sweep done: 4 slots, 0 refreshed, 0 failed, 0 dead"),
        1
    );
}

#[test]
fn sighup_during_a_pause_sweeps_again_right_after() {
    let outcomes = || vec![("a", SlotOutcome::NotDue), ("b", SlotOutcome::NotDue)];
    // SIGHUP arrives during the first sweep; its pause then runs out. No sleep
    // before sweep 2, then SIGTERM in the sleep after it.
    let signals = Scripted::new([Some(Signal::Terminate)]);
    signals.send(Signal::Hangup);
    let mut sweeper = Playbook::new(vec![outcomes(), outcomes()]);
    let mut lines = Lines::default();
    run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(sweeper.done, 2);
    let sleeps = signals.asked().iter().filter(|t| **t > MAX_JITTER).count();
    assert_eq!(sleeps, 1, "{:?}", signals.asked());
    assert_eq!(lines.count("next sweep now (SIGHUP)"), 1);
    assert_eq!(lines.count("sweep started (on SIGHUP)"), 1);
}

#[test]
fn a_dead_login_is_logged_once_until_it_works_again() {
    let sweeps = vec![
        vec![("a", dead("login refused")), ("b", refreshed())],
        vec![("a", dead("login refused")), ("b", SlotOutcome::NotDue)],
        vec![("a", dead("login refused"))],
        vec![("a", refreshed())],
        vec![("a", dead("login refused"))],
    ];
    let signals = Scripted::new((0..4).map(|_| None));
    let mut lines = Lines::default();
    let mut sweeper = Playbook::new(sweeps);
    run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(sweeper.done, 5);
    assert_eq!(lines.count("slot a: login dead: login refused"), 2);
    // Each sweep still counts it.
    assert_eq!(lines.count(", 1 dead"), 4);
}

#[test]
fn a_login_that_comes_back_fresh_is_said_to_work_again() {
    let sweeps = vec![
        vec![("a", dead("refused"))],
        vec![("a", SlotOutcome::NotDue)],
    ];
    let signals = Scripted::new([None]);
    let mut lines = Lines::default();
    run(&mut Playbook::new(sweeps), &signals, &mut lines).expect("runs");
    assert_eq!(lines.count("slot a: the login works again"), 1);
}

#[test]
fn a_removed_dead_slot_is_forgotten() {
    let sweeps = vec![
        vec![("a", dead("refused"))],
        vec![("b", SlotOutcome::NotDue)],
        vec![("a", dead("refused"))],
    ];
    let signals = Scripted::new([None, None]);
    let mut lines = Lines::default();
    run(&mut Playbook::new(sweeps), &signals, &mut lines).expect("runs");
    assert_eq!(lines.count("slot a: login dead"), 2);
}

#[test]
fn a_failing_slot_is_logged_at_every_sweep_and_the_others_go_on() {
    let sweep = || vec![("a", failed("network down")), ("b", refreshed())];
    let signals = Scripted::new([None, None, Some(Signal::Terminate)]);
    let mut lines = Lines::default();
    run(
        &mut Playbook::new(vec![sweep(), sweep()]),
        &signals,
        &mut lines,
    )
    .expect("runs");
    assert_eq!(
        lines.count("slot a: refresh failed: network down; retrying at the next sweep"),
        2
    );
    assert_eq!(lines.count("slot b: refreshed"), 2);
}

/// A sweeper that cannot start (the catalog is unreadable, say).
struct Broken(usize);

impl Sweeper for Broken {
    fn sweep(&mut self, _ctx: &mut SweepContext<'_>) -> SweepReport {
        self.0 += 1;
        SweepReport::Failed {
            reason: "slots.json: bad\nthing".into(),
        }
    }
}

#[test]
fn a_failed_sweep_is_logged_and_tried_again_on_schedule() {
    let signals = Scripted::new([None, Some(Signal::Terminate)]);
    let mut sweeper = Broken(0);
    let mut lines = Lines::default();
    run(&mut sweeper, &signals, &mut lines).expect("runs");
    assert_eq!(sweeper.0, 2);
    assert_eq!(
        lines.count("sweep failed: slots.json: bad\nthing; next sweep at "),
        2
    );
}

#[test]
fn a_failing_signal_wait_ends_the_daemon_with_an_error() {
    let signals = Scripted::new([]);
    signals.0.borrow_mut().fail = Some(io::ErrorKind::Other);
    let mut lines = Lines::default();
    let err = run(&mut Playbook::default(), &signals, &mut lines).expect_err("fails");
    assert!(matches!(err, Error::Signals { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn the_first_line_names_the_pid_and_interval() {
    let signals = Scripted::new([]);
    let mut lines = Lines::default();
    daemon::run(
        minutes(7),
        &mut Playbook::default(),
        &mut signals.clone(),
        &mut lines,
    )
    .expect("runs");
    assert_eq!(
        lines.0.first(),
        Some(&format!(
            "daemon started (pid {}), sweeping every 7 min",
            std::process::id()
        ))
    );
}

/// Shares a sweep count with the test while the loop owns the sweeper.
struct Counting(Rc<RefCell<usize>>);

impl Sweeper for Counting {
    fn sweep(&mut self, ctx: &mut SweepContext<'_>) -> SweepReport {
        *self.0.borrow_mut() += 1;
        assert!(!ctx.stopping());
        SweepReport::Done
    }
}

#[test]
fn a_stop_signal_while_sleeping_ends_the_loop_without_another_sweep() {
    let count = Rc::new(RefCell::new(0));
    let signals = Scripted::new([Some(Signal::Terminate)]);
    let mut lines = Lines::default();
    run(&mut Counting(count.clone()), &signals, &mut lines).expect("runs");
    assert_eq!(*count.borrow(), 1);
}
