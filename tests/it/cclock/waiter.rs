//! A waiter that follows Claude Code's rules for a busy refresh lock, with every time
//! scaled down: retry a few times 1 to 2 units apart (breaking the lock only when its
//! mtime is older than the stale time), then watch the mtime and take the lock over
//! once it has stayed unchanged for 7.5 units. This waiter skips the owner-record
//! check Claude Code adds before a takeover, so it is harsher than Claude Code: a
//! lock it cannot take over, Claude Code cannot either.

use super::quick;
use crate::support::TempDir;
use claude_token::cclock::{DirLock, Error};
use std::io;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// One "second" of Claude Code's timings in this test.
const UNIT: Duration = Duration::from_millis(100);

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The lock was free (or stale) and taken the normal way.
    Took,
    /// The mtime stood still for 7.5 units: the holder was declared dead.
    TookOver,
    /// The holder kept the lock fresh for the whole watch.
    GaveUp,
}

fn try_mkdir(path: &Path) -> bool {
    match std::fs::create_dir(path) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
        Err(e) => panic!("mkdir {}: {e}", path.display()),
    }
}

/// The lock's mtime; `None` once it is gone.
fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::symlink_metadata(path).ok()?.modified().ok()
}

fn stale(path: &Path) -> bool {
    let age = mtime(path).map(|m| SystemTime::now().duration_since(m));
    age.is_some_and(|age| age.is_ok_and(|age| age > Duration::from_secs(60)))
}

/// Claude Code's waiter; gives up after watching for `watch`.
fn claude_code_waiter(path: &Path, watch: Duration) -> Outcome {
    for retry in 0..=5u32 {
        if try_mkdir(path) {
            return Outcome::Took;
        }
        if stale(path) {
            let _ = std::fs::remove_dir(path);
            if try_mkdir(path) {
                return Outcome::Took;
            }
        }
        thread::sleep(UNIT + UNIT * (retry % 2));
    }
    let takeover_after = UNIT * 15 / 2;
    let started = Instant::now();
    let (mut seen, mut since) = (mtime(path), Instant::now());
    while started.elapsed() < watch {
        thread::sleep(UNIT / 10);
        let now = mtime(path);
        if now.is_none() && try_mkdir(path) {
            return Outcome::Took;
        }
        if now != seen {
            (seen, since) = (now, Instant::now());
        } else if since.elapsed() >= takeover_after {
            std::fs::remove_dir(path).unwrap();
            assert!(try_mkdir(path));
            return Outcome::TookOver;
        }
    }
    Outcome::GaveUp
}

#[test]
fn a_lock_we_keep_fresh_is_never_taken_over_by_a_claude_code_waiter() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    // A touch every 2 units, as ours every 4 s against Claude Code's 7.5 s.
    let lock = DirLock::acquire(&path, &quick(0, 200)).unwrap();
    let outcome = claude_code_waiter(&path, UNIT * 20);
    assert_eq!(outcome, Outcome::GaveUp);
    lock.ensure_held().unwrap();
    lock.release().unwrap();
    assert!(dir.names().is_empty());
}

#[test]
fn the_waiter_does_take_over_a_lock_nobody_keeps_fresh() {
    // The same waiter against our lock with its touches far apart: it takes over,
    // and we see that the lock is no longer ours.
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 3_600_000)).unwrap();
    assert_eq!(claude_code_waiter(&path, UNIT * 20), Outcome::TookOver);
    assert!(matches!(lock.ensure_held(), Err(Error::Lost { .. })));
    assert!(matches!(lock.release(), Err(Error::Lost { .. })));
    assert!(path.is_dir(), "the waiter's lock stays");
}

#[test]
fn the_waiter_takes_a_released_lock_the_normal_way() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 200)).unwrap();
    let waiter = {
        let path = path.clone();
        thread::spawn(move || claude_code_waiter(&path, UNIT * 20))
    };
    thread::sleep(UNIT);
    lock.release().unwrap();
    assert_eq!(waiter.join().unwrap(), Outcome::Took);
}
