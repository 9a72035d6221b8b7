//! Tests for `daemon`: the interval table, the loop in-process with scripted signals
//! and fake sweepers, the real binary (the lock race, SIGTERM, SIGINT and SIGHUP), the
//! printed service files checked by the tools that read them, the real sweep against
//! the stateful fake, the static binary in an empty chroot (ignored; run by
//! `.ci/static-chroot.sh`), and an ignored benchmark of the idle daemon
//! (`cargo test --release -- --ignored daemon_idle --nocapture`).

// Reads the daemon's footprint from `/proc`.
#[cfg(target_os = "linux")]
mod bench;
mod interval;
mod launchd;
mod looping;
mod process;
mod services;
mod static_chroot;
mod sweep;

use claude_token::cli::SlotName;
use claude_token::daemon::{Log, Signal, Signals, MAX_JITTER};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// What the scripted signal source answers, call by call.
#[derive(Debug, Default)]
pub struct Script {
    /// Signals that "arrived": the next wait of any kind returns the first.
    pub pending: VecDeque<Signal>,
    /// Answers to the loop's sleeps between sweeps (any wait longer than the longest
    /// pause between slots); `None`: the time ran out. Used up: `SIGTERM`.
    pub sleeps: VecDeque<Option<Signal>>,
    /// Every timeout asked for, in order.
    pub asked: Vec<Duration>,
    /// Fail the next wait with this error kind.
    pub fail: Option<io::ErrorKind>,
}

/// A signal source that never sleeps: it answers from a shared [`Script`], so a fake
/// sweeper can "send" a signal while a slot is in flight. A pause between slots runs
/// out at once unless a signal is pending.
#[derive(Debug, Clone, Default)]
pub struct Scripted(pub Rc<RefCell<Script>>);

impl Scripted {
    pub fn new(sleeps: impl IntoIterator<Item = Option<Signal>>) -> Self {
        let script = Script {
            sleeps: sleeps.into_iter().collect(),
            ..Script::default()
        };
        Scripted(Rc::new(RefCell::new(script)))
    }

    /// `signal` arrives now: the next wait returns it.
    pub fn send(&self, signal: Signal) {
        self.0.borrow_mut().pending.push_back(signal);
    }

    pub fn asked(&self) -> Vec<Duration> {
        self.0.borrow().asked.clone()
    }
}

impl Signals for Scripted {
    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Signal>> {
        let mut script = self.0.borrow_mut();
        script.asked.push(timeout);
        if let Some(kind) = script.fail.take() {
            return Err(io::Error::from(kind));
        }
        if let Some(signal) = script.pending.pop_front() {
            return Ok(Some(signal));
        }
        if timeout <= MAX_JITTER {
            return Ok(None);
        }
        Ok(script.sleeps.pop_front().unwrap_or(Some(Signal::Terminate)))
    }
}

/// Log lines kept in memory, without timestamps.
#[derive(Debug, Default)]
pub struct Lines(pub Vec<String>);

impl Log for Lines {
    fn line(&mut self, message: &str) {
        self.0.push(message.to_owned());
    }
}

impl Lines {
    /// How many lines contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.0.iter().filter(|line| line.contains(needle)).count()
    }
}

pub fn slot(name: &str) -> SlotName {
    SlotName::parse(name).expect("valid test slot name")
}
