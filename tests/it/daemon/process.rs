//! The real binary as a daemon in a temporary home: the lock race, fast exits on
//! SIGTERM and SIGINT while it sleeps, SIGHUP sweeps, the log's format, bad settings.

use crate::support::{stderr, Home};
use claude_token::time::parse_rfc3339;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Generous: these bound a failure, not the speed of a passing run.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running daemon whose stderr lines arrive on a channel; killed on drop.
pub struct Daemon {
    child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Daemon {
    pub fn start(home: &Home) -> Daemon {
        Daemon::start_with(home, &[])
    }

    pub fn start_with(home: &Home, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = home.command(["daemon"]);
        cmd.envs(env.iter().copied());
        Daemon::spawn(cmd)
    }

    /// Starts `cmd` (a `daemon` command line) with its stderr read line by line.
    pub fn spawn(mut cmd: Command) -> Daemon {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the daemon");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line containing `needle` and returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(err) => panic!("no line with {needle:?} ({err}); saw {:#?}", self.seen),
            }
        }
    }

    /// Waits until the daemon sleeps after its first sweep.
    pub fn wait_until_asleep(&mut self) {
        self.wait_for("next sweep at");
    }

    /// Sends `signal` (`TERM`, `INT`, `HUP`) through the shell's `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("/bin/sh")
            .args(["-c", "kill -s \"$1\" \"$2\"", "sh", signal])
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// Waits for the process to end.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            thread::sleep(Duration::from_millis(2));
        }
        panic!("the daemon did not exit; saw {:#?}", self.seen);
    }

    /// The rest of stderr after exit.
    pub fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lock_file(home: &Home) -> PathBuf {
    home.path()
        .join(".local/share/claude-token-cli/daemon.lock")
}

#[test]
fn two_daemons_race_for_the_lock_and_the_loser_names_the_winner() {
    let home = Home::new();
    let mut first = Daemon::start(&home);
    let mut second = Daemon::start(&home);
    let deadline = Instant::now() + PATIENCE;
    let (loser, winner, status) = loop {
        if let Some(status) = first.child.try_wait().expect("try_wait") {
            break (&mut first, &mut second, status);
        }
        if let Some(status) = second.child.try_wait().expect("try_wait") {
            break (&mut second, &mut first, status);
        }
        assert!(Instant::now() < deadline, "neither daemon gave way");
        thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(status.code(), Some(5), "{:?}", loser.drain());
    let said = loser.drain().join("\n");
    assert!(
        said.contains(&format!("another daemon is running (pid {})", winner.pid())),
        "{said}"
    );
    winner.wait_until_asleep();
    winner.signal("TERM");
    assert!(winner.wait_exit().success());
}

#[test]
fn a_daemon_started_while_one_sleeps_exits_busy_at_once() {
    let home = Home::new();
    let mut first = Daemon::start(&home);
    first.wait_until_asleep();
    let lock = std::fs::read_to_string(lock_file(&home)).expect("lock file");
    assert_eq!(lock, format!("{}\n", first.pid()));
    let out = home.run(&["daemon"]);
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(
        stderr(&out),
        format!(
            "claude-token: another daemon is running (pid {})\n  hint: one daemon per user is \
             enough; stop that one first to start another\n",
            first.pid()
        )
    );
    // The loser left the holder's pid in place.
    let lock = std::fs::read_to_string(lock_file(&home)).expect("lock file");
    assert_eq!(lock, format!("{}\n", first.pid()));
}

/// Stops a sleeping daemon with `signal`; returns how long it took to exit.
fn stop_while_asleep(signal: &str) -> (Duration, Vec<String>) {
    let home = Home::new();
    let mut daemon = Daemon::start(&home);
    daemon.wait_until_asleep();
    let sent = Instant::now();
    daemon.signal(signal);
    let status = daemon.wait_exit();
    let took = sent.elapsed();
    assert!(status.success(), "{status:?}");
    let lines = daemon.drain();
    // The pid is cleared on the way out; the lock file itself stays.
    let lock = std::fs::read_to_string(lock_file(&home)).expect("lock file");
    assert_eq!(lock, "");
    (took, lines)
}

#[test]
#[allow(clippy::print_stdout)] // the figure is reported, the bound asserted
fn sigterm_while_asleep_exits_fast() {
    let (took, lines) = stop_while_asleep("TERM");
    println!("daemon exit after SIGTERM while asleep: {took:?} (including spawning kill)");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(lines
        .last()
        .is_some_and(|l| l.ends_with("daemon stopping on SIGTERM")));
}

#[test]
#[allow(clippy::print_stdout)] // the figure is reported, the bound asserted
fn sigint_while_asleep_exits_fast() {
    let (took, lines) = stop_while_asleep("INT");
    println!("daemon exit after SIGINT while asleep: {took:?} (including spawning kill)");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(lines
        .last()
        .is_some_and(|l| l.ends_with("daemon stopping on SIGINT")));
}

#[test]
fn sighup_sweeps_now() {
    let home = Home::new();
    let mut daemon = Daemon::start(&home);
    daemon.wait_until_asleep();
    daemon.signal("HUP");
    daemon.wait_for("sweep started (on SIGHUP)");
    daemon.wait_until_asleep();
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
}

#[test]
fn every_log_line_starts_with_a_utc_timestamp() {
    let home = Home::new();
    let mut daemon = Daemon::start_with(&home, &[("CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES", "45")]);
    daemon.wait_until_asleep();
    daemon.signal("TERM");
    daemon.wait_exit();
    let lines = daemon.drain();
    assert!(lines.len() >= 4, "{lines:#?}");
    assert!(lines[0].ends_with(&format!(
        "daemon started (pid {}), sweeping every 45 min",
        daemon.pid()
    )));
    for line in &lines {
        let (stamp, _) = line.split_once(' ').expect("a stamp and a message");
        assert_eq!(stamp.len(), "2025-01-02T03:04:05Z".len(), "{line}");
        assert!(stamp.ends_with('Z'), "{line}");
        parse_rfc3339(stamp).unwrap_or_else(|e| panic!("{line}: {e:?}"));
    }
}

#[test]
fn a_bad_interval_is_a_usage_error_before_anything_starts() {
    for value in ["0", "-5", "1.5", "garbage", "99999999999999999999"] {
        let home = Home::new();
        let out = home
            .command(["daemon"])
            .env("CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES", value)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{value}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES"),
            "{value}"
        );
        assert!(!lock_file(&home).exists(), "{value}");
    }
}

#[test]
fn under_launchd_a_bad_setting_is_logged_and_held_until_a_signal() {
    let home = Home::new();
    let label = ("XPC_SERVICE_NAME", "ai.2lab.claude-token-cli.daemon");
    for bad in [
        ("CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES", "0"),
        ("CLAUDE_CONFIG_DIR", "relative/dir"),
    ] {
        let mut daemon = Daemon::start_with(&home, &[label, bad]);
        let line = daemon.wait_for("not started:");
        assert!(line.contains(bad.0), "{line}");
        // Still there: launchd sees no exit, so it restarts nothing.
        thread::sleep(Duration::from_millis(300));
        assert!(daemon.child.try_wait().unwrap().is_none(), "{bad:?}");
        daemon.signal("TERM");
        assert_eq!(daemon.wait_exit().code(), Some(2), "{bad:?}");
    }
    // Not launchd's job: the same setting exits at once.
    let mut daemon = Daemon::start_with(&home, &[("CLAUDE_CONFIG_DIR", "relative/dir")]);
    assert_eq!(daemon.wait_exit().code(), Some(2));
}
