//! Tests for the write engine: commits, replay, the entry format, the journal key, an
//! exhaustive model of crash states, and real processes killed at each crash point.
//! Stores are `store::memory::MemoryStores` (with injected faults) except in the
//! crash test, which uses small file-backed stores.

mod commit;
mod crash;
mod entry;
mod key;
mod model;
mod replay;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use claude_token::cli::SlotName;
use claude_token::engine::{
    is_claudes, Change, HmacKey, Journal, PlaceLocks, StateLock, Transaction, KEY_LEN,
};
use claude_token::redact::Secret;
use claude_token::store::memory::MemoryStores;
use claude_token::store::{Blob, Place, StoreId, Stores};
use claude_token::Error;

/// A fresh data directory, removed on drop. On tmpfs (`/dev/shm`) when there is one,
/// so the exhaustive tests do not wait on thousands of real fsyncs.
pub struct Sandbox(PathBuf);

impl Sandbox {
    pub fn new() -> Self {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("claude-token-engine-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir(&path).unwrap();
        Sandbox(path)
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        &self.0
    }

    /// The state lock. Free in these tests, but a child process the crash test
    /// spawns meanwhile holds copies of our descriptors (the lock among them) until
    /// its exec closes them, so this waits a little instead of failing at once.
    pub fn lock(&self) -> StateLock {
        StateLock::acquire(&self.0, std::time::Duration::from_secs(10)).unwrap()
    }

    /// The journal directory's file names (not the side directories), sorted.
    pub fn journal_files(&self) -> Vec<String> {
        names(&self.0.join("journal"))
            .into_iter()
            .filter(|n| n != "quarantine" && n != "attention")
            .collect()
    }

    pub fn quarantine_files(&self) -> Vec<String> {
        names(&self.0.join("journal/quarantine"))
    }

    pub fn attention_files(&self) -> Vec<String> {
        names(&self.0.join("journal/attention"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Sorted names in `dir`; empty when it does not exist.
pub fn names(dir: &Path) -> Vec<String> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = read
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A known key, so tests can sign entries by hand.
pub const KEY: [u8; KEY_LEN] = [0x5a; KEY_LEN];

/// The journal of `lock` under [`KEY`].
pub fn journal(lock: &StateLock) -> Journal<'_> {
    Journal::with_key(lock, HmacKey::from_bytes(KEY)).unwrap()
}

pub fn slot(name: &str) -> StoreId {
    StoreId::Archive(SlotName::parse(name).unwrap())
}

#[allow(clippy::unnecessary_wraps)] // spells the `Some` of a step's expected or new
pub fn blob(bytes: &[u8]) -> Option<Blob> {
    Some(Blob::from(bytes))
}

/// The three stores of a typical `use`: archive, Claude Code's file, the catalog.
pub fn three_stores() -> [StoreId; 3] {
    [slot("work"), StoreId::ClaudeFile, StoreId::Catalog]
}

/// Claude Code's refresh locks as the engine asks for them, recorded: which places it
/// held (a check before a write of a place never held fails the test).
#[derive(Debug, Default)]
pub struct Locks {
    pub held: Vec<Place>,
    /// `ensure_held` fails (the locks were taken over).
    pub lost: bool,
}

impl PlaceLocks for Locks {
    fn hold(&mut self, place: &Place) -> Result<(), Error> {
        if !self.held.contains(place) {
            self.held.push(place.clone());
        }
        Ok(())
    }

    fn ensure_held(&self, place: &Place) -> Result<(), Error> {
        assert!(self.held.contains(place), "checked a lock never taken");
        if self.lost {
            return Err(Error::BadTransaction {
                reason: "lost".into(),
            });
        }
        Ok(())
    }
}

/// Fresh [`Locks`].
pub fn locks() -> Locks {
    Locks::default()
}

/// The place of memory stores.
pub fn place(stores: &MemoryStores) -> Place {
    stores.place()
}

/// Stores holding `old-<n>` for each of `ids`.
pub fn stores_holding_old(ids: &[StoreId]) -> MemoryStores {
    let stores = MemoryStores::new();
    for (n, id) in ids.iter().enumerate() {
        stores.set(id, Some(old(n).as_slice()));
    }
    stores
}

/// `old-<n>`: a blob whose stored refresh token is `old-<n>` (what Claude Code's
/// stores are compared by), with a machine member.
pub fn old(n: usize) -> Vec<u8> {
    format!(r#"{{"claudeAiOauth":{{"refreshToken":"old-{n}"}},"mcpOAuth":{{"m":{n}}}}}"#)
        .into_bytes()
}

/// `new-<n>`, as [`old`].
pub fn new(n: usize) -> Vec<u8> {
    format!(r#"{{"claudeAiOauth":{{"refreshToken":"new-{n}"}},"mcpOAuth":{{"m":{n}}}}}"#)
        .into_bytes()
}

/// The refresh token `old-<n>` stores.
pub fn old_token(n: usize) -> Secret {
    Secret::from(format!("old-{n}").as_str())
}

/// A transaction moving each of `ids` from `old-<n>` to `new-<n>`: our stores by
/// bytes, Claude Code's by the login they hold (replaced whole).
pub fn old_to_new(op: &'static str, ids: &[StoreId]) -> Transaction {
    let mut tx = Transaction::new(op).unwrap();
    for (n, id) in ids.iter().enumerate() {
        tx = if is_claudes(id) {
            let change = Change::Replace(Blob::new(new(n)));
            tx.claude(id.clone(), old_token(n), change).unwrap()
        } else {
            tx.step(id.clone(), blob(&old(n)), blob(&new(n))).unwrap()
        };
    }
    tx
}

/// Asserts every store of `ids` holds `new-<n>`.
pub fn assert_all_new(stores: &MemoryStores, ids: &[StoreId]) {
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(stores.get(id), Some(new(n)), "{id}");
    }
}

/// Asserts every store of `ids` holds `old-<n>`.
pub fn assert_all_old(stores: &MemoryStores, ids: &[StoreId]) {
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(stores.get(id), Some(old(n)), "{id}");
    }
}
