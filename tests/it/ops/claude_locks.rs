//! Claude Code's locks as the operations hold them: a refresh of the active slot waits
//! for Claude Code's refresh locks (and fails busy naming the holder), a refresh whose
//! locks were taken from it mid-request keeps the new tokens in our archive only, and
//! a write of Claude Code's credentials file waits for its `.storage-write.lock`.
//! Each holder here checks, while it holds the lock, that the operation has not gone
//! past it (so the tests fail if a lock is not taken), instead of timing anything.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime};

use claude_token::cclock::{Options, RefreshLocks, StorageWriteLock};
use claude_token::cli::{RefreshTarget, SlotRef};
use claude_token::engine::StateLock;
use claude_token::error::exit;
use claude_token::ops::claude_locks::LockTimings;
use claude_token::ops::refresh::{self, Outcome};
use claude_token::ops::{use_slot, Replay, Session};
use claude_token::paths::{Paths, Platform};
use claude_token::store::{Backend, StoreId, Stores};

use super::{
    archive, catalog_text, client, clock, grant_body, login, name, offline, sent_refresh_token,
    World, HOUR, NOW,
};
use crate::server::{json, Server};
use crate::support::TempDir;

/// Short waits: `retries` tries 10 to 50 ms apart.
fn quick(stale: Duration, retries: u32) -> Options {
    Options {
        stale,
        retries,
        retry_min: Duration::from_millis(10),
        retry_max: Duration::from_millis(50),
        refresh_every: Duration::from_secs(4),
    }
}

fn timings(retries: u32) -> LockTimings {
    LockTimings {
        refresh: quick(Duration::from_secs(60), retries),
        claude_json: quick(Duration::from_secs(10), retries),
    }
}

/// The active slot `ada` expiring within the hour, its login live in Claude Code's
/// file, and Claude Code's directory on disk.
fn active_ada() -> World {
    let world = World::linux();
    world.with_slots(&[("ada", "ada", "a1", NOW + HOUR)], Some("ada"));
    world.put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + HOUR));
    std::fs::create_dir_all(&world.paths.claude_dir).unwrap();
    world
}

fn refresh_active(
    world: &World,
    server: &Server,
    retries: u32,
) -> Result<Outcome, claude_token::Error> {
    world.session(|s| {
        s.set_lock_timings(timings(retries));
        let mut results = refresh::run(s, &client(server), &RefreshTarget::Active, true)
            .expect("the active slot exists");
        results.remove(0).outcome
    })
}

/// Holds `lock` on another thread for a while; `true` from the handle when nothing
/// `past` reports happened while it was held.
fn hold_then_release<L: Send + 'static>(
    lock: L,
    past: impl Fn() -> bool + Send + 'static,
) -> thread::JoinHandle<bool> {
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        let untouched = !past();
        drop(lock);
        untouched
    })
}

#[test]
fn refresh_of_the_active_slot_waits_for_claude_codes_refresh_locks() {
    let world = active_ada();
    let held = RefreshLocks::acquire(&world.paths.claude_dir).unwrap();
    let released = Arc::new(AtomicBool::new(false));
    let seen_released = Arc::new(AtomicBool::new(false));
    let (flag, seen) = (Arc::clone(&released), Arc::clone(&seen_released));
    let reply = json(200, &grant_body("a2"))
        .after(move || seen.store(flag.load(Ordering::SeqCst), Ordering::SeqCst));
    let server = Server::tls("localhost", vec![reply]);
    let holder = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        held.release().unwrap();
        released.store(true, Ordering::SeqCst);
    });
    let outcome = refresh_active(&world, &server, 200);
    holder.join().unwrap();
    assert!(
        matches!(outcome, Ok(Outcome::Refreshed { .. })),
        "{outcome:?}"
    );
    assert!(
        seen_released.load(Ordering::SeqCst),
        "the request was sent while Claude Code held its refresh locks"
    );
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a1"
    );
    let expected = login("ada", "a2", NOW + 8 * HOUR);
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(expected));
}

#[test]
fn refresh_locks_held_throughout_fail_busy_naming_the_holder_and_send_nothing() {
    let world = active_ada();
    let held = RefreshLocks::acquire(&world.paths.claude_dir).unwrap();
    let server = Server::tls("localhost", vec![json(200, &grant_body("a2"))]);
    let err = refresh_active(&world, &server, 2).expect_err("busy");
    assert_eq!(err.exit_code(), exit::BUSY);
    let pid = std::process::id().to_string();
    assert!(err.to_string().contains(&pid), "{err}");
    assert!(!server.got_another_request());
    assert_eq!(world.stores.writes(), []);
    held.release().unwrap();
}

#[test]
fn locks_taken_over_mid_refresh_keep_the_new_tokens_in_our_archive_and_the_journal() {
    let world = active_ada();
    let lock_dir = world.paths.claude_dir.join(".oauth_refresh.lock");
    // While our request is in flight, a waiter finds the lock stale and takes it: its
    // mtime is no longer the one we set.
    let reply = json(200, &grant_body("a2")).after(move || {
        let old = SystemTime::now() - Duration::from_secs(120);
        std::fs::File::open(&lock_dir)
            .and_then(|dir| dir.set_modified(old))
            .expect("backdate the lock");
    });
    let server = Server::tls("localhost", vec![reply]);
    let err = refresh_active(&world, &server, 2).expect_err("lock lost");
    assert_eq!(err.exit_code(), exit::BUSY, "{err}");
    let refreshed = login("ada", "a2", NOW + 8 * HOUR);
    assert_eq!(world.text(&archive("ada")), Some(refreshed.clone()));
    assert_eq!(
        world.text(&StoreId::ClaudeFile),
        Some(login("ada", "a1", NOW + HOUR)),
        "Claude Code's file was written without the lock"
    );
    // The rest waits in the journal for a replay that holds the locks: the waiter that
    // took them over has gone (the lock is stale), so the next session writes it.
    assert_eq!(world.journal_files().len(), 1);
    world.session(|_| ());
    assert_eq!(world.text(&StoreId::ClaudeFile), Some(refreshed));
    assert!(world.journal_files().is_empty());
}

/// Real file stores in a temporary home: slots `ada` (active, live) and `bob`.
struct Disk {
    _dir: TempDir,
    paths: Paths,
    backend: Backend,
}

fn disk(storage_retries: u32) -> Disk {
    let dir = TempDir::new();
    let home = dir.path().as_os_str().to_owned();
    let paths = Paths::resolve(Platform::Linux, &|var| {
        (var == "HOME").then(|| home.clone())
    })
    .expect("paths");
    let options = quick(Duration::from_secs(15), storage_retries);
    // Files only, on every platform: this test is about Claude Code's file locks, and
    // must never reach a real keychain.
    let backend = Backend::with_keychains(paths.clone(), Platform::Linux, None)
        .with_storage_lock_options(options);
    let slots = [
        ("ada", "ada", "a1", NOW + 8 * HOUR),
        ("bob", "bob", "b1", NOW + 8 * HOUR),
    ];
    let put = |id: &StoreId, text: &str| {
        let store = backend.open(id).expect("store");
        store.write(text.as_bytes()).expect("write");
    };
    put(&StoreId::Catalog, &catalog_text(&slots, Some("ada")));
    for (slot, account, tag, expires) in slots {
        put(&archive(slot), &login(account, tag, expires));
    }
    put(&StoreId::ClaudeFile, &login("ada", "a1", NOW + 8 * HOUR));
    Disk {
        _dir: dir,
        paths,
        backend,
    }
}

impl Disk {
    fn use_bob(&self) -> Result<use_slot::Switched, claude_token::Error> {
        let lock = StateLock::acquire(&self.paths.data_dir, Duration::from_secs(10)).unwrap();
        let mut session =
            Session::open(&lock, &self.backend, &self.paths, Replay::Strict, clock).unwrap();
        session.set_lock_timings(timings(2));
        use_slot::run(&mut session, &offline(), &SlotRef::Name(name("bob")))
    }

    fn live(&self) -> String {
        String::from_utf8(std::fs::read(self.paths.credentials_file()).unwrap()).unwrap()
    }
}

#[test]
fn use_waits_for_claude_codes_storage_write_lock_then_switches() {
    let disk = disk(200);
    let held = StorageWriteLock::acquire(&disk.paths.credentials_dir).unwrap();
    let file = disk.paths.credentials_file();
    let holder = hold_then_release(held, move || {
        let now = std::fs::read(&file).unwrap();
        !String::from_utf8_lossy(&now).contains("sk-ant-ort01-R-a1")
    });
    let switched = disk.use_bob().expect("switched");
    assert!(
        holder.join().unwrap(),
        "the file was written under Claude Code's lock"
    );
    assert_eq!(switched.slot.name, name("bob"));
    let live = disk.live();
    assert!(live.contains("sk-ant-ort01-R-b1") && !live.contains("R-a1"));
    assert!(!disk
        .paths
        .credentials_dir
        .join(".storage-write.lock")
        .exists());
}

#[test]
fn a_storage_write_lock_held_throughout_fails_busy_and_leaves_the_file() {
    let disk = disk(2);
    let held = StorageWriteLock::acquire(&disk.paths.credentials_dir).unwrap();
    let before = disk.live();
    let err = disk.use_bob().expect_err("busy");
    assert_eq!(err.exit_code(), exit::BUSY, "{err}");
    assert_eq!(disk.live(), before);
    held.release().unwrap();
}
