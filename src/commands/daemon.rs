//! `daemon`: stay running and sweep every slot on a schedule; `daemon --print KIND`
//! prints a service file that runs claude-token unattended instead.
//!
//! Checks the interval setting first (a usage error before anything happens), then
//! installs the signal handlers, takes `<data>/daemon.lock` and runs the loop of
//! `crate::daemon` until SIGTERM or SIGINT. What a sweep does comes from the
//! [`Sweeper`] it is given. It never prints a secret: the loop logs slot names and
//! error messages only.

use crate::cli::Service;
use crate::daemon::{
    self, DaemonLock, Interval, ProcessSignals, StderrLog, SweepContext, SweepReport, Sweeper,
    LOCK_FILE,
};
use crate::paths::Paths;
use crate::{fs, term, Error};
use std::path::PathBuf;

/// Runs `daemon`, or prints the service file `print` names.
pub fn run(print: Option<Service>, sweeper: &mut dyn Sweeper) -> Result<(), Error> {
    if let Some(kind) = print {
        return print_service(kind);
    }
    let interval = Interval::from_env()?;
    let paths = Paths::from_env()?;
    fs::create_private_dir_all(&paths.data_dir)?;
    let mut signals = ProcessSignals::install()?;
    let lock = DaemonLock::acquire(&paths.data_dir.join(LOCK_FILE))?;
    daemon::run(interval, sweeper, &mut signals, &mut StderrLog)?;
    drop(lock);
    Ok(())
}

/// The sweeper the `daemon` command runs.
///
/// WIRING (at merge): return the refresh operation's sweeper here (`ops::refresh`:
/// every slot inside the 7-hour window, `SlotOutcome` per slot, a pause between slots).
/// Until then every sweep fails with a plain message and changes nothing.
pub fn sweeper() -> impl Sweeper {
    Unwired
}

/// Stands in for the refresh operation until it is wired in.
#[derive(Debug)]
struct Unwired;

impl Sweeper for Unwired {
    fn sweep(&mut self, _ctx: &mut SweepContext<'_>) -> SweepReport {
        SweepReport::Failed {
            reason: "the refresh operation is not wired into the daemon yet".into(),
        }
    }
}

/// Prints the service file for this binary's real path.
fn print_service(kind: Service) -> Result<(), Error> {
    let exe = binary_path()?;
    let paths = Paths::from_env()?;
    let text = daemon::render(kind, &exe, &paths.home_dir)
        .map_err(|source| Error::ServiceFile { path: exe, source })?;
    term::out(&text)
}

/// The running binary, with links resolved: what a service manager should start.
fn binary_path() -> Result<PathBuf, Error> {
    let io_error = |source| Error::Io {
        action: "find",
        path: "the running claude-token binary".into(),
        source,
    };
    let exe = std::env::current_exe().map_err(io_error)?;
    std::fs::canonicalize(&exe).map_err(io_error)
}
