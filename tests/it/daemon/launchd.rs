//! A daemon launchd started with a bad setting waits for a signal instead of exiting
//! into launchd's restart loop; anywhere else it exits at once.

use super::{Lines, Scripted};
use claude_token::daemon::{hold_bad_setting, started_by_launchd, Signal};
use claude_token::Error;
use std::ffi::OsStr;

fn bad_setting() -> Error {
    Error::Usage {
        message: "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES is not a number".into(),
        hint: None,
    }
}

#[test]
fn only_our_own_launchd_job_counts_as_started_by_launchd() {
    assert!(started_by_launchd(Some(OsStr::new(
        "ai.2lab.claude-token-cli.daemon"
    ))));
    for other in ["0", "", "com.apple.Terminal", "ai.2lab.claude-token-cli"] {
        assert!(!started_by_launchd(Some(OsStr::new(other))), "{other}");
    }
    assert!(!started_by_launchd(None));
}

#[test]
fn a_bad_setting_under_launchd_is_logged_once_and_held_until_a_signal() {
    // Three waits run out (hours pass), then launchd stops the job.
    let mut signals = Scripted::new([None, None, None, Some(Signal::Terminate)]);
    let mut log = Lines::default();
    let err = hold_bad_setting(bad_setting(), &mut signals, &mut log);
    assert_eq!(err.exit_code(), 2);
    assert_eq!(signals.asked().len(), 4, "it waited until the signal");
    assert_eq!(log.0.len(), 1);
    assert!(log.count("not started: CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES") == 1);
    assert!(log.count("launchctl bootout") == 1);
}

#[test]
fn a_hangup_ends_the_hold_so_launchd_reads_the_setting_again() {
    let mut signals = Scripted::new([Some(Signal::Hangup)]);
    let mut log = Lines::default();
    let err = hold_bad_setting(bad_setting(), &mut signals, &mut log);
    assert_eq!(err.exit_code(), 2);
    assert_eq!(signals.asked().len(), 1);
}

#[test]
fn the_printed_plist_throttles_restarts() {
    let plist = claude_token::daemon::render(
        claude_token::cli::Service::Launchd,
        std::path::Path::new("/usr/local/bin/claude-token"),
        std::path::Path::new("/Users/a"),
    );
    let plist = plist.expect("a plist");
    assert!(
        plist.contains("<key>ThrottleInterval</key>\n\t<integer>60</integer>"),
        "{plist}"
    );
}
