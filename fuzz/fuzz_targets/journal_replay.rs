#![no_main]
//! Replays one journal entry file over in-memory stores and checks: no panic; no store
//! is written unless the entry authenticates and parses (same key, same name); an
//! entry that does is either rolled forward in full or set aside with nothing
//! written; replaying again changes nothing (stores and journal directory alike).
//!
//! Input layout: `mode`, then for each of five stores a length byte (255: absent)
//! and that many bytes of initial content, then the rest. Mode 0: the rest is the
//! entry file as is. Mode 1: the rest is the JSON line, signed here with the known
//! key (authentic, so the strict parser is reached). Mode 2: the rest chooses steps
//! (store, expected, new) from which a valid entry is built and signed, then maybe
//! one byte of it is flipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use claude_token::cli::SlotName;
use claude_token::engine::{self, Entry, HmacKey, Journal, StateLock, Step, KEY_LEN};
use claude_token::sha256::hmac_sha256;
use claude_token::store::memory::MemoryStores;
use claude_token::store::{Blob, StoreId};
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
    let count = input.byte() % 6;
    let steps = (0..count).map(|_| built_step(input, stores)).collect();
    let entry = Entry {
        op: "refresh".into(),
        op_id: u64::from(input.byte()),
        created_at_ms: 1_700_000_000_000,
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

fn built_step(input: &mut Input<'_>, stores: &MemoryStores) -> Step {
    let id = ids()[usize::from(input.byte()) % 5].clone();
    let current = stores.get(&id);
    let choose = |input: &mut Input<'_>| match input.byte() % 3 {
        0 => None,
        1 => current.clone().map(Blob::new),
        _ => input.content().map(Blob::from),
    };
    let expected = choose(input);
    let new = choose(input);
    Step {
        store: id,
        expected,
        new,
    }
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
    let report = engine::replay(&journal, stores).unwrap();
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
        Ok(entry) if report.attention.is_empty() => {
            assert_eq!(report.rolled_forward.len(), 1);
            for step in &entry.steps {
                let now = after.get(&step.store).map(Vec::as_slice);
                assert_eq!(now, step.new.as_ref().map(Blob::as_bytes), "{}", step.store);
            }
        }
        Ok(_) => assert_eq!(after, before, "a conflict wrote something"),
    }
    let files = tree(&data.0);
    stores.clear_events();
    let again = engine::replay(&journal, stores).unwrap();
    assert_eq!(again, engine::ReplayReport::default());
    assert!(stores.writes().is_empty());
    assert_eq!(stores.snapshot(), after);
    assert_eq!(tree(&data.0), files);
}
