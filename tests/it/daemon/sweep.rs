//! The real daemon with the real sweep (the refresh operation) against the stateful
//! fake: a slot inside the 7-hour window is refreshed by the first sweep; SIGTERM in
//! the middle of a refresh lets that slot commit, then stops before the next, with no
//! journal entry left and no rotated token lost; a dead login is logged once across
//! sweeps.

use super::process::Daemon;
use crate::fake::{AccountHandle, Fake};
use crate::support::{stderr, Home};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

/// Inside the 7-hour window, so the first sweep refreshes it.
const TWO_HOURS_MS: i64 = 2 * 3600 * 1000;

/// A temporary home whose binary talks to the fake.
pub struct World {
    pub home: Home,
    pub fake: Fake,
}

impl World {
    pub fn new() -> World {
        World {
            home: Home::new(),
            fake: Fake::start(),
        }
    }

    /// The fake's variables, borrowed the way [`Daemon::start_with`] takes them.
    fn with_env<T>(&self, extra: &[(&str, &str)], body: impl FnOnce(&[(&str, &str)]) -> T) -> T {
        let owned = self.fake.env();
        let mut env: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.extend_from_slice(extra);
        body(&env)
    }

    /// Claude Code's `/login` of `who` (tokens expiring in two hours), then `add`.
    pub fn login_and_add(&self, who: &AccountHandle, slot: &str) {
        let file = self.home.credentials_file();
        let blob = self.fake.login_expiring_in(who, TWO_HOURS_MS);
        Home::put(&file, blob.as_bytes());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = self
            .home
            .command(["add", "--name", slot])
            .envs(self.fake.env())
            .output()
            .expect("run add");
        assert!(out.status.success(), "add {slot}: {}", stderr(&out));
    }

    /// A daemon sweeping every minute, pointed at the fake.
    pub fn daemon(&self) -> Daemon {
        let every_minute = [("CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES", "1")];
        self.with_env(&every_minute, |env| Daemon::start_with(&self.home, env))
    }

    fn data_dir(&self) -> PathBuf {
        self.home.path().join(".local/share/claude-token-cli")
    }

    /// The slot's archived login.
    pub fn archive(&self, slot: &str) -> String {
        let file = self.data_dir().join(format!("keystore/{slot}.json"));
        std::fs::read_to_string(file).expect("the slot's archive")
    }

    /// Whether the slot's archive holds `who`'s refresh token that the service takes now.
    pub fn archive_has_current_token(&self, slot: &str, who: &AccountHandle) -> bool {
        let current = self.fake.current_refresh_token(who).expect("a live login");
        self.archive(slot)
            .contains(&format!("\"refreshToken\":\"{current}\""))
    }

    /// Journal entries left behind (not the attention and quarantine folders).
    pub fn journal_entries(&self) -> Vec<String> {
        let Ok(read) = std::fs::read_dir(self.data_dir().join("journal")) else {
            return Vec::new();
        };
        read.map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "attention" && n != "quarantine")
            .collect()
    }

    /// Waits until the fake has taken `count` refresh requests.
    pub fn wait_for_refreshes(&self, count: usize) {
        let start = Instant::now();
        while self.fake.refreshes().len() < count {
            assert!(start.elapsed() < Duration::from_secs(20), "no refresh came");
            thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn the_first_sweep_refreshes_a_slot_inside_the_window() {
    let world = World::new();
    let ada = world.fake.add_account("ada@example.com");
    world.login_and_add(&ada, "ada");
    let before = world.archive("ada");
    let mut daemon = world.daemon();
    let line = daemon.wait_for("slot ada: refreshed; new tokens expire at ");
    assert!(!line.contains("sk-ant-"), "{line}");
    daemon.wait_for("sweep done: 1 slots, 1 refreshed, 0 failed, 0 dead");
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
    assert_eq!(world.fake.refreshes().len(), 1);
    assert_ne!(world.archive("ada"), before);
    assert!(world.archive_has_current_token("ada", &ada));
    assert_eq!(world.fake.spent_token_reuses(), 0);
    assert!(world.journal_entries().is_empty());
}

#[test]
fn sigterm_during_a_refresh_commits_that_slot_and_stops_before_the_next() {
    let world = World::new();
    let ada = world.fake.add_account("ada@example.com");
    let bob = world.fake.add_account("bob@example.com");
    world.login_and_add(&ada, "ada");
    world.login_and_add(&bob, "bob");
    let bob_before = world.archive("bob");
    // The answer comes long after the request: the signal lands while it is in flight.
    world.fake.set_delay(Duration::from_secs(2));
    let mut daemon = world.daemon();
    world.wait_for_refreshes(1);
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
    let lines = daemon.drain();
    let refreshed = lines.iter().position(|l| l.contains("slot ada: refreshed"));
    let stopping = lines
        .iter()
        .position(|l| l.ends_with("daemon stopping on SIGTERM"));
    assert!(refreshed.is_some() && refreshed < stopping, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("sweep stopped early")),
        "{lines:#?}"
    );
    // Ada's rotated token is stored; bob was never started.
    assert!(world.archive_has_current_token("ada", &ada));
    assert_eq!(world.fake.refreshes().len(), 1);
    assert_eq!(world.archive("bob"), bob_before);
    assert!(world.journal_entries().is_empty());
    assert_eq!(world.fake.spent_token_reuses(), 0);
}

#[test]
fn a_dead_login_is_logged_once_across_two_sweeps() {
    let world = World::new();
    let ada = world.fake.add_account("ada@example.com");
    world.login_and_add(&ada, "ada");
    world.fake.revoke(&ada);
    let before = world.archive("ada");
    let mut daemon = world.daemon();
    daemon.wait_for("sweep done: 1 slots, 0 refreshed, 0 failed, 1 dead");
    daemon.signal("HUP");
    daemon.wait_for("sweep started (on SIGHUP)");
    daemon.wait_for("sweep done: 1 slots, 0 refreshed, 0 failed, 1 dead");
    daemon.signal("TERM");
    assert!(daemon.wait_exit().success());
    let lines = daemon.drain();
    let dead = lines
        .iter()
        .filter(|l| l.contains("slot ada: login dead: "));
    assert_eq!(dead.count(), 1, "{lines:#?}");
    // A dead login is marked, never deleted.
    assert_eq!(world.archive("ada"), before);
    assert!(world.journal_entries().is_empty());
}
