#![no_main]
//! Replays one journal entry file over in-memory stores holding arbitrary bytes and
//! checks: no panic; no store is written unless the entry authenticates and parses
//! (same key, same name); an authentic entry is rolled forward by each store's rule:
//! each of our stores ends holding its new bytes, or (archive) the entry is set aside
//! with that archive untouched, or (catalog) it is left as it was; each of Claude
//! Code's stores ends holding the login the step leads to, or is reported left with
//! its bytes untouched; replaying again changes nothing (stores and journal alike).
//!
//! Input layout: `mode`, then for each of five stores a length byte (255: absent)
//! and that many bytes of initial content, then the rest. Mode 0: the rest is the
//! entry file as is. Mode 1: the rest is the JSON line, signed here with the known
//! key (authentic, so the strict parser is reached). Mode 2: the rest chooses a
//! version 2 entry (a grant or none, then steps of either kind, expected values taken
//! from the stores or the input) that is built and signed, then maybe one byte of it
//! is flipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use claude_token::cli::SlotName;
use claude_token::creds::{self, Credentials, Refreshed};
use claude_token::engine::{
    self, is_claudes, Change, ClaudeRule, ClaudeStep, Entry, Grant, HmacKey, Journal, OurNew,
    OurStep, PlaceLocks, StateLock, Step, KEY_LEN,
};
use claude_token::oauth::TokenGrant;
use claude_token::redact::Secret;
use claude_token::sha256::hmac_sha256;
use claude_token::store::memory::MemoryStores;
use claude_token::store::{Blob, Place, StoreId, Stores};
use claude_token::Error;
use libfuzzer_sys::fuzz_target;

const KEY: [u8; KEY_LEN] = [0x42; KEY_LEN];
const NAME: &str = "0001700000000000-00000000000000ab.json";

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mode = input.byte() % 3;
    let stores = MemoryStores::new();
    for id in ids() {
        if let Some(content) = input.content() {
            stores.set(&id, Some(content));
        }
    }
    let (name, file) = match mode {
        0 => (NAME.to_owned(), input.0.to_vec()),
        1 => (NAME.to_owned(), signed_line(input.0)),
        _ => built_entry(&mut input, &stores),
    };
    check(&stores, &name, &file);
});

/// Claude Code's refresh locks, always granted (the real ones are tested elsewhere);
/// a check of a place never held is a bug in the engine.
#[derive(Default)]
struct Locks(Vec<Place>);

impl PlaceLocks for Locks {
    fn hold(&mut self, place: &Place) -> Result<(), Error> {
        self.0.push(place.clone());
        Ok(())
    }

    fn ensure_held(&self, place: &Place) -> Result<(), Error> {
        assert!(self.0.contains(place), "a write without the refresh locks");
        Ok(())
    }
}

/// Reads the input front to back; runs dry as zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        taken
    }

    /// A length byte (255: absent), then that many bytes.
    fn content(&mut self) -> Option<&'a [u8]> {
        match self.byte() {
            255 => None,
            len => Some(self.bytes(usize::from(len))),
        }
    }

    fn text(&mut self) -> String {
        String::from_utf8_lossy(self.content().unwrap_or_default()).into_owned()
    }
}

fn ids() -> [StoreId; 5] {
    let slot = |name| StoreId::Archive(SlotName::parse(name).unwrap());
    [
        slot("a"),
        slot("b"),
        StoreId::ClaudeKeychain,
        StoreId::ClaudeFile,
        StoreId::Catalog,
    ]
}

fn signed_line(line: &[u8]) -> Vec<u8> {
    let mut file = line.to_vec();
    file.push(b'\n');
    let tag = hmac_sha256(&KEY, &file);
    file.extend_from_slice(format!("hmac-sha256:{}\n", claude_token::hex::encode(&tag)).as_bytes());
    file
}

/// An entry built from input-chosen steps (in any order, repeats allowed: the
/// engine must refuse what it would never write), signed, then maybe damaged.
fn built_entry(input: &mut Input<'_>, stores: &MemoryStores) -> (String, Vec<u8>) {
    let grant = (input.byte() % 2 == 1).then(|| grant(input));
    let count = input.byte() % 6;
    let steps = (0..count).map(|_| built_step(input, stores)).collect();
    let entry = Entry {
        version: engine::VERSION,
        op: "refresh".into(),
        op_id: u64::from(input.byte()),
        created_at_ms: 1_700_000_000_000,
        grant,
        steps,
    };
    let mut file = engine::encode_entry(&entry, &HmacKey::from_bytes(KEY))
        .as_bytes()
        .to_vec();
    let flip = input.byte();
    if flip != 0 && !file.is_empty() {
        let at = usize::from(input.byte()) * 256 + usize::from(input.byte());
        let len = file.len();
        file[at % len] ^= flip;
    }
    (entry.file_name(), file)
}

fn grant(input: &mut Input<'_>) -> Grant {
    let secret = |input: &mut Input<'_>| match input.byte() % 3 {
        0 => None,
        _ => Some(Secret::from(input.text().as_str())),
    };
    let tokens = TokenGrant {
        access_token: secret(input),
        refresh_token: secret(input),
        expires_in: (input.byte() % 2 == 1).then(|| u64::from(input.byte()) * 3600),
        scopes: (input.byte() % 2 == 1).then(|| vec!["user:inference".to_owned()]),
        token_type: None,
        refresh_token_expires_in: None,
        account: None,
        organization: None,
    };
    Grant {
        received_at_ms: 1_700_000_000_000,
        tokens,
    }
}

fn built_step(input: &mut Input<'_>, stores: &MemoryStores) -> Step {
    let id = ids()[usize::from(input.byte()) % 5].clone();
    let current = stores.get(&id);
    let choose = |input: &mut Input<'_>| match input.byte() % 3 {
        0 => None,
        1 => current.clone().map(Blob::new),
        _ => input.content().map(Blob::from),
    };
    if is_claudes(&id) {
        let expected = match input.byte() % 3 {
            0 => Secret::from(""),
            1 => current
                .as_deref()
                .and_then(|c| creds::stored_refresh_token(c).ok())
                .unwrap_or_else(|| Secret::from("")),
            _ => Secret::from(input.text().as_str()),
        };
        let login = |input: &mut Input<'_>| Blob::from(input.content().unwrap_or_default());
        let change = match input.byte() % 4 {
            0 => Change::Grant,
            1 => Change::Swap(login(input)),
            2 => Change::Replace(login(input)),
            _ => Change::SignOut,
        };
        let rule = ClaudeRule::Login { expected, change };
        let place = Some(stores.place());
        return Step::Claude(ClaudeStep { store: id, place, rule });
    }
    let expected = choose(input);
    let new = if input.byte() % 4 == 0 {
        OurNew::Grant
    } else {
        OurNew::Bytes(choose(input))
    };
    Step::Ours(OurStep {
        store: id,
        expected,
        new,
    })
}

/// A fresh data directory per run, on tmpfs when there is one, removed on drop.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("claude-token-fuzz-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        DataDir(path)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(at) = todo.pop() {
        for item in std::fs::read_dir(&at).unwrap() {
            let path = item.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), bytes);
            }
        }
    }
    files
}

fn check(stores: &MemoryStores, name: &str, file: &[u8]) {
    let data = DataDir::new();
    let lock = StateLock::acquire(&data.0, Duration::from_secs(10)).unwrap();
    let journal = Journal::with_key(&lock, HmacKey::from_bytes(KEY)).unwrap();
    std::fs::write(journal.dir().join(name), file).unwrap();
    let before = stores.snapshot();
    let report = engine::replay(&journal, stores, &mut Locks::default()).unwrap();
    let after = stores.snapshot();
    match engine::decode_entry(name, file, &HmacKey::from_bytes(KEY)) {
        Err(defect) => {
            assert!(
                stores.writes().is_empty(),
                "wrote from a refused entry: {defect:?}"
            );
            assert_eq!(after, before);
            assert_eq!(report.quarantined.len(), 1);
        }
        Ok(entry) => {
            if std::env::var_os("FUZZ_DEBUG").is_some() {
                eprintln!("{entry:#?}\n{report:#?}\nbefore {before:?}\nafter {after:?}");
            }
            let conflicts: Vec<&StoreId> =
                report.attention.iter().flat_map(|a| &a.stores).collect();
            let left: Vec<&StoreId> = report.left().map(|l| &l.store).collect();
            for step in &entry.steps {
                let store = step.store();
                let now = after.get(store).map(Vec::as_slice);
                let was = before.get(store).map(Vec::as_slice);
                if conflicts.contains(&store) || left.contains(&store) {
                    assert_eq!(now, was, "{store} was left but written");
                    continue;
                }
                check_step(step, entry.grant.as_ref(), now, was);
            }
            assert_eq!(report.rolled_forward.len() + report.attention.len(), 1);
        }
    }
    let files = tree(&data.0);
    stores.clear_events();
    let again = engine::replay(&journal, stores, &mut Locks::default()).unwrap();
    assert_eq!(again, engine::ReplayReport::default());
    assert!(stores.writes().is_empty());
    assert_eq!(stores.snapshot(), after);
    assert_eq!(tree(&data.0), files);
}

/// A step the replay did not leave: its store holds what the step leads to.
fn check_step(step: &Step, grant: Option<&Grant>, now: Option<&[u8]>, was: Option<&[u8]>) {
    match step {
        Step::Ours(ours) => {
            let want = match &ours.new {
                OurNew::Bytes(new) => new.as_ref().map(|b| b.as_bytes().to_vec()),
                OurNew::Grant => Some(granted(ours.expected.as_ref(), grant)),
            };
            assert_eq!(now, want.as_deref(), "{}", ours.store);
        }
        Step::Claude(claude) => {
            let (expected, change) = match &claude.rule {
                ClaudeRule::Login { expected, change } => (expected, change),
                // A version 1 entry's whole-bytes rule: the new bytes, or left as it was.
                ClaudeRule::Bytes { new, .. } => {
                    let want = new.as_ref().map(Blob::as_bytes);
                    assert!(now == want || now == was, "{}", claude.store);
                    return;
                }
            };
            let held = match was {
                None => Some(Secret::from("")),
                Some(b) => creds::stored_refresh_token(b).ok(),
            };
            if held.as_ref() != Some(expected) {
                assert_eq!(now, was, "{}: applied to another login", claude.store);
                return;
            }
            let predicted = predicted(was, change, grant);
            assert!(
                now == was || predicted.as_ref().is_some_and(|p| now == p.as_deref()),
                "{}: holds neither the change nor what it held",
                claude.store
            );
        }
    }
}

/// What a login step's `change` makes of `was` (`None`: it cannot be spliced in).
fn predicted(was: Option<&[u8]>, change: &Change, grant: Option<&Grant>) -> Option<Option<Vec<u8>>> {
    match (change, was) {
        (Change::Replace(b), _) | (Change::Swap(b), None) => Some(Some(b.as_bytes().to_vec())),
        (Change::Swap(b), Some(was)) => creds::swap_account(was, b.as_bytes()).ok().map(Some),
        (Change::SignOut, None) => Some(None),
        (Change::SignOut, Some(was)) => creds::sign_out(was).ok(),
        (Change::Grant, None) => None,
        (Change::Grant, Some(was)) => {
            let grant = grant?;
            let login = Credentials::parse(was).ok()?;
            let refreshed = Refreshed::from_grant(&grant.tokens, grant.received_at_ms);
            login.with_refreshed_tokens(&refreshed).ok().map(Some)
        }
    }
}

/// The expected login with the grant spliced in, as the archive step leads to.
fn granted(expected: Option<&Blob>, grant: Option<&Grant>) -> Vec<u8> {
    let login = Credentials::parse(expected.unwrap().as_bytes()).unwrap();
    let grant = grant.unwrap();
    let refreshed = Refreshed::from_grant(&grant.tokens, grant.received_at_ms);
    login.with_refreshed_tokens(&refreshed).unwrap()
}
