//! The signals the daemon listens to, as events a loop can wait for.
//!
//! [`Signals`] is the seam: the process implementation sleeps on the self-pipe of
//! `sys::signal` (waking only for a signal or the timeout), and tests script their
//! own. It never interprets an event; the loop decides what SIGHUP means.

use crate::sys::signal::{Caught, SignalPipe};
use crate::Error;
use std::io;
use std::time::Duration;

/// A signal the daemon acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: stop.
    Terminate,
    /// SIGINT: stop.
    Interrupt,
    /// SIGHUP: sweep now.
    Hangup,
}

impl Signal {
    /// Whether it asks the daemon to stop.
    pub fn is_stop(self) -> bool {
        matches!(self, Signal::Terminate | Signal::Interrupt)
    }

    /// `SIGTERM`, `SIGINT` or `SIGHUP`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Terminate => "SIGTERM",
            Signal::Interrupt => "SIGINT",
            Signal::Hangup => "SIGHUP",
        }
    }
}

/// Where signals come from.
pub trait Signals {
    /// Sleeps until a signal arrives or `timeout` passes (`None`). A stop signal, once
    /// received, is reported again at every later call; a hangup once.
    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Signal>>;
}

/// The process's own SIGTERM, SIGINT and SIGHUP.
#[derive(Debug)]
pub struct ProcessSignals {
    pipe: SignalPipe,
}

impl ProcessSignals {
    /// Installs the handlers; once per process.
    pub fn install() -> Result<ProcessSignals, Error> {
        SignalPipe::install()
            .map(|pipe| ProcessSignals { pipe })
            .map_err(|source| Error::Signals { source })
    }
}

impl Signals for ProcessSignals {
    fn wait(&mut self, timeout: Duration) -> io::Result<Option<Signal>> {
        let caught = self.pipe.wait(timeout)?;
        Ok(caught.map(|c| match c {
            Caught::Terminate => Signal::Terminate,
            Caught::Interrupt => Signal::Interrupt,
            Caught::Hangup => Signal::Hangup,
        }))
    }
}
