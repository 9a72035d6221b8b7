//! `daemon`: stay running and sweep every slot on a schedule; `daemon --print KIND`
//! prints a service file that runs claude-token unattended instead.
//!
//! Checks the interval setting first (a usage error before anything happens), then
//! installs the signal handlers, takes `<data>/daemon.lock` and runs the loop of
//! `crate::daemon` until SIGTERM or SIGINT. What a sweep does comes from the
//! [`Sweeper`] it is given. It never prints a secret: the loop logs slot names and
//! error messages only.

use super::in_session;
use crate::cli::{Service, SlotName};
use crate::daemon::{
    self, DaemonLock, Flow, Interval, ProcessSignals, SlotOutcome, StderrLog, SweepContext,
    SweepReport, Sweeper, LOCK_FILE,
};
use crate::error::exit;
use crate::log::Log;
use crate::ops::refresh::{self, Outcome};
use crate::ops::Session;
use crate::paths::Paths;
use crate::{fs, oauth, term, Error};
use std::path::PathBuf;

/// Runs `daemon`, or prints the service file `print` names.
pub fn run(print: Option<Service>, sweeper: &mut dyn Sweeper) -> Result<(), Error> {
    if let Some(kind) = print {
        return print_service(kind);
    }
    let settings = Interval::from_env().and_then(|i| Ok((i, Paths::from_env()?)));
    let (interval, paths) = match settings {
        Ok(settings) => settings,
        // launchd would restart a daemon that exits on a bad setting in a loop.
        Err(err) if err.is_usage() && launchd_job() => {
            let mut signals = ProcessSignals::install()?;
            return Err(daemon::hold_bad_setting(err, &mut signals, &mut StderrLog));
        }
        Err(err) => return Err(err),
    };
    fs::create_private_dir_all(&paths.data_dir)?;
    let mut signals = ProcessSignals::install()?;
    let lock = DaemonLock::acquire(&paths.data_dir.join(LOCK_FILE))?;
    daemon::run(interval, sweeper, &mut signals, &mut StderrLog)?;
    drop(lock);
    Ok(())
}

/// Whether launchd started this process as our agent.
fn launchd_job() -> bool {
    daemon::started_by_launchd(std::env::var_os(daemon::SERVICE_NAME_VAR).as_deref())
}

/// The sweeper the `daemon` command runs: the refresh operation over every slot.
pub fn sweeper() -> RefreshSweeper {
    RefreshSweeper
}

/// Refreshes every slot inside the 7-hour window, one state-lock session per slot, so
/// interactive commands get the lock between slots and a stop signal waits for at
/// most one slot's transaction.
#[derive(Debug)]
pub struct RefreshSweeper;

impl Sweeper for RefreshSweeper {
    fn sweep(&mut self, ctx: &mut SweepContext<'_>) -> SweepReport {
        let log = Log::new(0);
        let client = match oauth::Client::from_env() {
            Ok(client) => client,
            Err(err) => {
                return SweepReport::Failed {
                    reason: err.to_string(),
                }
            }
        };
        let names = match in_session(&log, |session| Ok(slot_names(session))) {
            Ok(names) => names,
            Err(err) => {
                return SweepReport::Failed {
                    reason: err.to_string(),
                }
            }
        };
        for (i, name) in names.iter().enumerate() {
            if i > 0 && ctx.pause_between_slots() == Flow::Stop {
                return SweepReport::Stopped;
            }
            let options = refresh::Options {
                force: false,
                live: true,
            };
            let result = in_session(&log, |session| {
                refresh::slot(session, &client, name, options)
            });
            ctx.record(name, outcome(name, result));
        }
        SweepReport::Done
    }
}

fn slot_names(session: &Session<'_>) -> Vec<SlotName> {
    session
        .catalog()
        .slots
        .iter()
        .map(|s| s.name.clone())
        .collect()
}

/// The daemon's view of one slot's refresh.
fn outcome(name: &SlotName, result: Result<Outcome, Error>) -> SlotOutcome {
    match result {
        Ok(Outcome::Refreshed { expires_at_ms, .. }) => SlotOutcome::Refreshed { expires_at_ms },
        Ok(Outcome::Fresh { .. }) => SlotOutcome::NotDue,
        Ok(dead @ (Outcome::LoginDead { .. } | Outcome::KnownDead { .. })) => SlotOutcome::Dead {
            reason: dead
                .dead_error(name)
                .map_or_else(String::new, |e| e.to_string()),
        },
        Err(err) if err.exit_code() == exit::LOGIN_DEAD => SlotOutcome::Dead {
            reason: err.to_string(),
        },
        Err(err) => SlotOutcome::Failed {
            reason: err.to_string(),
        },
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
