//! A daemon that launchd started with a bad setting: what it does instead of exiting.
//!
//! launchd's `KeepAlive` cannot tell exit codes apart: with `SuccessfulExit` false, a
//! daemon that exits 2 on a bad setting is started again at once, and again, every
//! `ThrottleInterval`, for ever. So when launchd started it (its `XPC_SERVICE_NAME` is
//! our job's label), the daemon logs the bad setting once and waits for a signal:
//! SIGTERM or SIGINT (`launchctl bootout`, logout) ends it, and launchd does not
//! start again a job it stopped itself; SIGHUP (`launchctl kill HUP …`) ends it with
//! the same error, so launchd starts it again and the setting is read anew.
//! Anywhere else the error is returned at once, as before. It decides nothing else.

use super::log::Log;
use super::service::LAUNCHD_LABEL;
use super::signals::Signals;
use crate::Error;
use std::ffi::OsStr;
use std::time::Duration;

/// The variable launchd sets to the label of the job it started.
pub const SERVICE_NAME_VAR: &str = "XPC_SERVICE_NAME";

/// How long one wait for a signal lasts before it is taken up again.
const WAIT: Duration = Duration::from_secs(3600);

/// Whether launchd started this process as our job, by its `XPC_SERVICE_NAME`.
pub fn started_by_launchd(service_name: Option<&OsStr>) -> bool {
    service_name == Some(OsStr::new(LAUNCHD_LABEL))
}

/// Logs the bad setting `err` and waits for a signal, then returns `err` (see the
/// module notes). A failing wait returns at once.
pub fn hold_bad_setting(err: Error, signals: &mut dyn Signals, log: &mut dyn Log) -> Error {
    log.line(&format!(
        "not started: {err}; fix it in ~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist, \
         then run `launchctl bootout gui/$(id -u)/{LAUNCHD_LABEL}` and bootstrap the file again \
         (the daemon waits here so that launchd does not restart it in a loop)"
    ));
    loop {
        match signals.wait(WAIT) {
            Ok(Some(_)) | Err(_) => return err,
            Ok(None) => {}
        }
    }
}
