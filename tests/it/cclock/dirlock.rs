//! One lock directory: take, wait, break when stale, refresh, notice theft, release.

use super::{eventually, mtime, quick, set_mtime};
use crate::support::TempDir;
use claude_token::cclock::{DirLock, Error};
use std::os::unix::fs::PermissionsExt;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

#[test]
fn acquire_then_release_leaves_nothing_behind() {
    let dir = TempDir::new();
    let lock = DirLock::acquire(&dir.join("x.lock"), &quick(0, 50)).unwrap();
    assert_eq!(dir.names(), ["x.lock"]);
    lock.release().unwrap();
    assert!(dir.names().is_empty());
}

#[test]
fn dropping_a_lock_releases_it() {
    let dir = TempDir::new();
    drop(DirLock::acquire(&dir.join("x.lock"), &quick(0, 50)).unwrap());
    assert!(dir.names().is_empty());
}

#[test]
fn a_taken_lock_is_a_private_directory_with_a_current_mtime() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let _lock = DirLock::acquire(&path, &quick(0, 60_000)).unwrap();
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    let age = SystemTime::now().duration_since(meta.modified().unwrap());
    assert!(age.is_ok_and(|age| age < Duration::from_secs(30)));
}

#[test]
fn a_fresh_lock_of_someone_else_is_waited_for_then_busy_and_left_alone() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    std::fs::create_dir(&path).unwrap();
    let theirs = SystemTime::now() - Duration::from_secs(50);
    set_mtime(&path, theirs);
    let err = DirLock::acquire(&path, &quick(3, 50)).unwrap_err();
    assert!(matches!(&err, Error::Busy { path: p, holder: None } if *p == path));
    assert_eq!(mtime(&path), theirs);
}

#[test]
fn a_stale_lock_is_broken_and_taken() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    std::fs::create_dir(&path).unwrap();
    let abandoned = SystemTime::now() - Duration::from_secs(61);
    set_mtime(&path, abandoned);
    let lock = DirLock::acquire(&path, &quick(0, 60_000)).unwrap();
    assert!(mtime(&path) > abandoned + Duration::from_secs(30));
    lock.ensure_held().unwrap();
    lock.release().unwrap();
    assert!(dir.names().is_empty());
}

#[test]
fn a_stale_lock_that_is_not_empty_is_an_error_and_kept() {
    // rmdir refuses a non-empty directory: whatever it is, it is not ours to delete.
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), b"").unwrap();
    set_mtime(&path, SystemTime::now() - Duration::from_secs(120));
    let err = DirLock::acquire(&path, &quick(0, 50)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(path.join("keep").exists());
}

#[test]
fn a_file_where_the_lock_belongs_is_refused() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    std::fs::write(&path, b"").unwrap();
    let err = DirLock::acquire(&path, &quick(2, 50)).unwrap_err();
    assert!(matches!(err, Error::NotALock { .. }), "{err:?}");
}

#[test]
fn a_lock_held_in_another_thread_is_busy_until_released() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let (held_tx, held_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let holder = {
        let path = path.clone();
        thread::spawn(move || {
            let lock = DirLock::acquire(&path, &quick(0, 50)).unwrap();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            lock.release().unwrap();
        })
    };
    held_rx.recv().unwrap();
    let err = DirLock::acquire(&path, &quick(2, 50)).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    DirLock::acquire(&path, &quick(0, 50))
        .unwrap()
        .release()
        .unwrap();
}

#[test]
fn the_mtime_is_refreshed_while_held() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 50)).unwrap();
    let first = mtime(&path);
    assert!(eventually(|| mtime(&path) > first));
    assert!(!lock.is_lost());
    lock.ensure_held().unwrap();
}

#[test]
fn an_mtime_changed_by_someone_else_means_lost_and_the_lock_is_not_removed() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 60_000)).unwrap();
    let theirs = SystemTime::now() - Duration::from_secs(3);
    set_mtime(&path, theirs);
    assert!(matches!(lock.ensure_held(), Err(Error::Lost { .. })));
    assert!(lock.is_lost());
    assert!(matches!(lock.release(), Err(Error::Lost { .. })));
    assert_eq!(mtime(&path), theirs);
}

#[test]
fn the_refresh_thread_notices_a_lock_taken_over_and_never_touches_the_new_one() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 50)).unwrap();
    // Someone breaks it and takes it, as a Claude Code waiter would.
    std::fs::remove_dir(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let theirs = SystemTime::now() - Duration::from_secs(2);
    set_mtime(&path, theirs);
    assert!(eventually(|| lock.is_lost()));
    assert_eq!(mtime(&path), theirs);
    assert!(matches!(lock.release(), Err(Error::Lost { .. })));
    assert!(path.is_dir());
}

#[test]
fn a_lock_removed_by_someone_else_is_lost() {
    let dir = TempDir::new();
    let path = dir.join("x.lock");
    let lock = DirLock::acquire(&path, &quick(0, 50)).unwrap();
    std::fs::remove_dir(&path).unwrap();
    assert!(eventually(|| lock.is_lost()));
    assert!(matches!(lock.release(), Err(Error::Lost { .. })));
    assert!(dir.names().is_empty());
}

#[test]
fn release_does_not_wait_for_the_next_touch() {
    // With an hour between touches, a release that slept until the next one would
    // hang this test instead of returning.
    let dir = TempDir::new();
    let lock = DirLock::acquire(&dir.join("x.lock"), &quick(0, 3_600_000)).unwrap();
    lock.release().unwrap();
    assert!(dir.names().is_empty());
}
