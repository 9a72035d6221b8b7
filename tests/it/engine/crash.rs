//! Real crashes: this test binary runs itself as a child that commits a transaction
//! over file-backed stores with `CLAUDE_TOKEN_CRASH_AT=<point>#<n>`, so the child is
//! killed there with `SIGKILL` (no unwinding, nothing flushed). The parent then replays
//! and checks the stores hold all the old bytes (only when the journal entry never
//! reached its name) or all the new ones, with a clean journal. Every crash point is
//! tried at every hit until the child survives it.
//!
//! The crash points are compiled into `cargo test` builds by the self dev-dependency
//! in Cargo.toml (`features = ["crash-points"]`); release builds never have them.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use super::*;
use claude_token::crash::{self, Point};
use claude_token::engine;
use claude_token::store::{Store, Stores};
use claude_token::{fs as ctfs, Error};

// Without crash points the children would never die: see Cargo.toml.
const _: () = assert!(crash::ENABLED, "tests need the crash-points feature");

/// Where the child works; its presence also selects the child mode.
const CHILD_DIR: &str = "CLAUDE_TOKEN_TEST_CRASH_DIR";
const CHILD_TEST: &str = "engine::crash::crash_child";

/// Stores as files `<root>/<store id, ':' as '@'>`, through the same `fs` calls the
/// real file stores use.
#[derive(Debug)]
struct FileStores {
    root: PathBuf,
}

#[derive(Debug)]
struct FileStore {
    id: StoreId,
    path: PathBuf,
}

impl Stores for FileStores {
    fn open(&self, id: &StoreId) -> Option<Box<dyn Store + '_>> {
        let name = id.to_text().replace(':', "@");
        Some(Box::new(FileStore {
            id: id.clone(),
            path: self.root.join(name),
        }))
    }

    fn place(&self) -> Place {
        Place {
            claude_dir: self.root.clone(),
            credentials_dir: self.root.clone(),
            keychain: None,
        }
    }

    fn open_at(&self, id: &StoreId, place: &Place) -> Option<Box<dyn Store + '_>> {
        (*place == self.place()).then(|| self.open(id)).flatten()
    }
}

impl Store for FileStore {
    fn id(&self) -> StoreId {
        self.id.clone()
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        let file = ctfs::read_regular(&self.path, 1 << 20)?;
        Ok(file.map(|f| Blob::new(f.bytes)))
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        ctfs::write_atomic(&self.path, bytes)?;
        Ok(())
    }

    fn delete(&self) -> Result<(), Error> {
        ctfs::remove_file(&self.path)?;
        Ok(())
    }
}

/// One step: the store, its old content and its new content (`None`: absent).
type Plan = (StoreId, Option<Vec<u8>>, Option<Vec<u8>>);

/// The transaction: two archive entries (one updated, one deleted), the Keychain
/// item created, Claude Code's file and the catalog updated: every kind of step.
fn steps() -> Vec<Plan> {
    vec![
        (slot("a"), Some(b"old a".to_vec()), Some(b"new a".to_vec())),
        (slot("b"), Some(b"old b".to_vec()), None),
        (StoreId::ClaudeKeychain, None, Some(login("new-keychain"))),
        (
            StoreId::ClaudeFile,
            Some(login("old-file")),
            Some(login("new-file")),
        ),
        (
            StoreId::Catalog,
            Some(b"old catalog".to_vec()),
            Some(b"new catalog".to_vec()),
        ),
    ]
}

/// A blob storing the refresh token `token`.
fn login(token: &str) -> Vec<u8> {
    format!(r#"{{"claudeAiOauth":{{"refreshToken":"{token}"}}}}"#).into_bytes()
}

fn file_stores(dir: &Path) -> FileStores {
    FileStores {
        root: dir.join("stores"),
    }
}

/// Store contents, each `None` when absent.
fn contents(stores: &FileStores) -> Vec<Option<Vec<u8>>> {
    let read = |id: &StoreId| stores.open(id).unwrap().read().unwrap();
    steps()
        .iter()
        .map(|(id, _, _)| read(id).map(|b| b.as_bytes().to_vec()))
        .collect()
}

fn setup(dir: &Path) {
    fs::create_dir_all(dir.join("stores")).unwrap();
    let stores = file_stores(dir);
    for (id, old, _) in steps() {
        if let Some(old) = old {
            stores.open(&id).unwrap().write(&old).unwrap();
        }
    }
}

/// The child's work; does nothing unless started by the parent below.
#[test]
#[ignore = "child process of every_crash_point_of_a_commit_recovers"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let lock = StateLock::acquire(&dir.join("data"), std::time::Duration::from_secs(10)).unwrap();
    let journal = Journal::open(&lock).unwrap();
    let mut tx = Transaction::new("use").unwrap();
    for (id, old, new) in steps() {
        tx = if is_claudes(&id) {
            let held = old.map_or_else(
                || Secret::from(""),
                |o| claude_token::creds::stored_refresh_token(&o).unwrap(),
            );
            let change = Change::Replace(Blob::new(new.unwrap()));
            tx.claude(id, held, change).unwrap()
        } else {
            tx.step(id, old.map(Blob::new), new.map(Blob::new)).unwrap()
        };
    }
    engine::commit(&journal, &file_stores(&dir), tx, &mut locks()).unwrap();
}

/// Runs the child with `target` armed; `true` when it was killed there.
fn run_child(dir: &Path, target: &str) -> bool {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--ignored", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(crash::ENV, target)
        .output()
        .unwrap();
    if output.status.success() {
        return false;
    }
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGKILL),
        "{target}: the child failed otherwise: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    true
}

/// Replays after a crash at `target` and checks the outcome.
fn check_recovery(dir: &Path, target: &str, point: Point, hit: u32) {
    let stores = file_stores(dir);
    let lock = StateLock::acquire(&dir.join("data"), std::time::Duration::from_secs(10)).unwrap();
    let journal = Journal::open(&lock).unwrap();
    let report = engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert!(report.is_clean(), "{target}: {report:?}");
    // Every point comes after the journal entry's bytes were written and synced: even
    // a kill before the entry's rename (`fs:temp-written`, first hit) is finished by
    // replay, which adopts the whole, authentic temp file.
    let news: Vec<_> = steps().into_iter().map(|(_, _, new)| new).collect();
    if point == Point::FsTempWritten && hit == 1 {
        assert_eq!(report.temps_adopted, 1, "{target}: {report:?}");
    }
    assert_eq!(contents(&stores), news, "{target}");
    let journal_dir = dir.join("data/journal");
    assert!(
        names(&journal_dir).is_empty(),
        "{target}: {:?}",
        names(&journal_dir)
    );
}

#[test]
fn every_crash_point_of_a_commit_recovers() {
    let mut kills = 0;
    for &point in crash::points() {
        let mut hit = 1;
        loop {
            let sandbox = Sandbox::new();
            let dir = sandbox.data();
            setup(dir);
            let target = format!("{}#{hit}", point.name());
            if !run_child(dir, &target) {
                assert!(hit > 1, "{target}: a commit never reaches this point");
                break;
            }
            check_recovery(dir, &target, point, hit);
            kills += 1;
            hit += 1;
        }
    }
    // A point that stopped being reached (or a new one) shows up here.
    assert_eq!(kills, expected_kills());
}

/// Hits per point for the transaction above: the journal and four stores are
/// written with `write_atomic` (one store is deleted), one crash point per step.
fn expected_kills() -> usize {
    let atomic_writes = 1 + 4;
    let temp_written = atomic_writes;
    let renamed = atomic_writes;
    let journal_written = 1;
    let applied = steps().len();
    let journal_removed = 1;
    temp_written + renamed + journal_written + applied + journal_removed
}
