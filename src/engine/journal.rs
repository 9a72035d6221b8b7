//! The journal directory `<data>/journal/`: writing, listing, loading, removing and
//! setting aside entry files.
//!
//! Owns the directory and its two side directories, `quarantine/` (entries that are
//! not authentic or not well formed) and `attention/` (authentic entries that met a
//! store holding a third value). A [`Journal`] exists only under the state lock, so no
//! other claude-token touches these files meanwhile. It never applies an entry (see
//! apply.rs) and never deletes one that was not applied: entries that are not applied
//! are moved, never removed.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use super::entry::{self, Defect, Entry, MAX_CREATED_AT_MS, MAX_ENTRY_LEN};
use super::key::{self, HmacKey};
use super::lock::StateLock;
use super::transaction::Transaction;
use crate::crash::{self, Point};
use crate::store::Place;
use crate::{fs, Error};

const JOURNAL_DIR: &str = "journal";
const KEY_FILE: &str = "hmac.key";
const QUARANTINE_DIR: &str = "quarantine";
const ATTENTION_DIR: &str = "attention";

/// The journal of one data directory, open under its state lock.
#[derive(Debug)]
pub struct Journal<'l> {
    dir: PathBuf,
    key: HmacKey,
    _lock: &'l StateLock,
}

/// A file in `attention/`: where it is, and the entry it holds (or why it is not one
/// this key reads).
pub type AsideEntry = (PathBuf, Result<Entry, Defect>);

/// A reserved entry file (see [`Journal::reserve`]).
#[derive(Debug)]
pub struct Reserved {
    path: PathBuf,
    op_id: u64,
    created_at_ms: u64,
    place: Place,
    file: fs::Reservation,
}

/// A journal entry that is durable and not yet applied.
#[derive(Debug)]
pub struct Pending {
    path: PathBuf,
    entry: Entry,
}

impl Pending {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn entry(&self) -> &Entry {
        &self.entry
    }

    /// The entry's file name and content, consuming the handle (an entry is
    /// applied once).
    pub(super) fn into_parts(self) -> (OsString, Entry) {
        let name = self.path.file_name().unwrap_or_default().to_owned();
        (name, self.entry)
    }
}

/// The names in the journal directory, by kind.
#[derive(Debug, Default)]
pub(super) struct Listing {
    /// Files named like entries, in name (= chronological) order.
    pub entries: Vec<OsString>,
    /// Temp files an interrupted atomic write left behind.
    pub temps: Vec<OsString>,
    /// Anything else, except the two side directories.
    pub strays: Vec<OsString>,
}

impl<'l> Journal<'l> {
    /// Opens the journal of the locked data directory: loads `hmac.key` (creating it
    /// on first use) and creates `journal/` (0700) if missing.
    pub fn open(lock: &'l StateLock) -> Result<Self, Error> {
        let key = key::load_or_create(&lock.data_dir().join(KEY_FILE))?;
        Self::with_key(lock, key)
    }

    /// Opens the journal with a given key instead of the data directory's key file
    /// (tests and the fuzz target).
    pub fn with_key(lock: &'l StateLock, key: HmacKey) -> Result<Self, Error> {
        let dir = lock.data_dir().join(JOURNAL_DIR);
        fs::create_private_dir_all(&dir)?;
        Ok(Journal {
            dir,
            key,
            _lock: lock,
        })
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where entries that failed their checks are moved.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.dir.join(QUARANTINE_DIR)
    }

    /// Where authentic entries that met a conflict are moved.
    pub fn attention_dir(&self) -> PathBuf {
        self.dir.join(ATTENTION_DIR)
    }

    /// Writes `tx` as a durable entry, naming Claude Code's stores by `place` where
    /// the transaction left them to the environment. Refused while another entry is
    /// pending (replay first: entries must apply in order), for a transaction without
    /// steps, and for one too large to read back.
    pub fn write(&self, tx: Transaction, place: &Place) -> Result<Pending, Error> {
        self.check_clear()?;
        let entry = Entry::from_transaction(tx, self.op_id()?, now_ms(), place);
        let bytes = self.encode(&entry)?;
        let path = self.dir.join(entry.file_name());
        fs::write_atomic(&path, bytes.as_bytes())?;
        crash::point(Point::JournalWritten);
        Ok(Pending { path, entry })
    }

    /// Reserves the entry of `tx` before its grant is known: a synced temp file large
    /// enough for `tx` with a grant whose values total `answer_cap` bytes (the most a
    /// server answer can hold), so that a full disk fails here, before a refresh token
    /// is spent, and [`Journal::write_reserved`] only overwrites blocks that exist.
    /// The free space is checked first (on copy-on-write filesystems the reserved
    /// blocks guarantee less). Dropping the reservation removes the file.
    pub fn reserve(
        &self,
        tx: &Transaction,
        place: &Place,
        answer_cap: usize,
    ) -> Result<Reserved, Error> {
        self.check_clear()?;
        let entry = Entry::from_transaction(tx.clone(), self.op_id()?, now_ms(), place);
        let size = self.encode(&entry)?.len() + entry::grant_room(answer_cap);
        if size > MAX_ENTRY_LEN {
            return Err(bad("the journal entry would be too large"));
        }
        let path = self.dir.join(entry.file_name());
        let file = fs::Reservation::create(&path, size)?;
        Ok(Reserved {
            path,
            op_id: entry.op_id,
            created_at_ms: entry.created_at_ms,
            place: place.clone(),
            file,
        })
    }

    /// Writes `tx` (now with its grant) into `reserved`, naming Claude Code's stores
    /// by the place given at the reservation: the answer's one way to durability.
    /// Nothing but the entry's bytes is written before they are synced (`pwrite`,
    /// `fsync`; then the cut to length, the rename, the directory's `fsync`); a failure
    /// after the first byte leaves the temp file for replay to adopt or remove.
    pub fn write_reserved(&self, reserved: Reserved, tx: Transaction) -> Result<Pending, Error> {
        let (op_id, created_at_ms) = (reserved.op_id, reserved.created_at_ms);
        let entry = Entry::from_transaction(tx, op_id, created_at_ms, &reserved.place);
        let bytes = entry::encode(&entry, &self.key);
        reserved.file.commit(bytes.as_bytes())?;
        crash::point(Point::JournalWritten);
        Ok(Pending {
            path: reserved.path,
            entry,
        })
    }

    /// Refuses to journal while an entry is pending.
    fn check_clear(&self) -> Result<(), Error> {
        if self.list()?.entries.is_empty() {
            Ok(())
        } else {
            Err(bad("a journal entry is pending; replay the journal first"))
        }
    }

    /// The entry's file bytes; refused without steps or when too large.
    fn encode(&self, entry: &Entry) -> Result<crate::store::Blob, Error> {
        if entry.steps.is_empty() {
            return Err(bad("a transaction without steps is not journaled"));
        }
        let bytes = entry::encode(entry, &self.key);
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(bad("the journal entry would be too large"));
        }
        Ok(bytes)
    }

    /// The entries set aside in `attention/`, each as read (a file that does not
    /// decode under this key is given with its defect): what they hold must not be
    /// forgotten (a newer token of a slot blocks that slot's refresh).
    pub fn attention_entries(&self) -> Result<Vec<AsideEntry>, Error> {
        let dir = self.attention_dir();
        let read = match std::fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("list", &dir, e)),
        };
        let mut found = Vec::new();
        for item in read {
            let name = item.map_err(|e| io_error("list", &dir, e))?.file_name();
            let path = dir.join(&name);
            let entry = match fs::read_regular(&path, MAX_ENTRY_LEN as u64) {
                Ok(Some(file)) => {
                    let bytes = crate::store::Blob::new(file.bytes);
                    // A clashing name got a suffix when it was moved here.
                    let name = name.to_str().unwrap_or("");
                    let stem = name.get(..38).unwrap_or(name);
                    entry::decode(stem, bytes.as_bytes(), &self.key)
                }
                _ => Err(Defect::NotRegular),
            };
            found.push((path, entry));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// Sorts the directory's names into entries, leftover temp files and strays.
    pub(super) fn list(&self) -> Result<Listing, Error> {
        let read = std::fs::read_dir(&self.dir).map_err(|e| io_error("list", &self.dir, e))?;
        let mut listing = Listing::default();
        for item in read {
            let name = item
                .map_err(|e| io_error("list", &self.dir, e))?
                .file_name();
            match classify(&name) {
                Name::Entry => listing.entries.push(name),
                Name::Temp => listing.temps.push(name),
                Name::SideDir => {}
                Name::Stray => listing.strays.push(name),
            }
        }
        listing.entries.sort();
        listing.strays.sort();
        Ok(listing)
    }

    /// Reads and checks the entry file `name`: `Ok(Err(defect))` when it must be
    /// quarantined; `Err` only when the file cannot be read at all.
    pub(super) fn load(&self, name: &OsStr) -> Result<Result<Entry, Defect>, Error> {
        let path = &self.dir.join(name);
        let name = name.to_str().unwrap_or("");
        let limit = MAX_ENTRY_LEN as u64;
        let file = match fs::read_regular(path, limit) {
            Ok(Some(file)) => file,
            Ok(None) => return Err(io_error("read", path, io::ErrorKind::NotFound.into())),
            Err(fs::Error::Symlink { .. } | fs::Error::NotRegular { .. }) => {
                return Ok(Err(Defect::NotRegular))
            }
            Err(fs::Error::TooLarge { .. }) => return Ok(Err(Defect::TooLarge)),
            Err(e) => return Err(e.into()),
        };
        let bytes = crate::store::Blob::new(file.bytes);
        Ok(entry::decode(name, unpadded(bytes.as_bytes()), &self.key))
    }

    /// Removes the temp file `name` of an interrupted journal write; returns
    /// whether it was there.
    pub(super) fn remove_temp(&self, name: &OsStr) -> Result<bool, Error> {
        Ok(fs::remove_file(&self.dir.join(name))?)
    }

    /// Finishes the interrupted write of the temp file `name` when it holds a whole,
    /// authentic entry and its entry file does not exist: renames it into place and
    /// returns the entry's name. A process killed after writing the temp file but
    /// before the rename has already been answered by the server: without this, the
    /// tokens in that file would be lost. Anything else is left for `remove_temp`.
    pub(super) fn adopt_temp(&self, name: &OsStr) -> Result<Adopted, Error> {
        let Some(target) = name.to_str().and_then(temp_target) else {
            return Ok(Adopted::No);
        };
        let target_path = self.dir.join(target);
        if target_path.exists() {
            return Ok(Adopted::No);
        }
        let temp_path = self.dir.join(name);
        let Ok(Some(file)) = fs::read_regular(&temp_path, MAX_ENTRY_LEN as u64) else {
            return Ok(Adopted::No);
        };
        let mut bytes = crate::store::Blob::new(file.bytes);
        // A reservation whose truncate did not happen keeps zeros after the entry.
        let whole = bytes.as_bytes().len();
        let len = bytes
            .as_bytes()
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |at| at + 1);
        match entry::decode(target, &bytes.as_bytes()[..len], &self.key) {
            Ok(_) if len == whole => fs::rename_durable(&temp_path, &target_path)?,
            Ok(_) => {
                bytes = crate::store::Blob::new(bytes.as_bytes()[..len].to_vec());
                fs::write_atomic(&target_path, bytes.as_bytes())?;
                fs::remove_file(&temp_path)?;
            }
            // Not two whole lines: an unfinished write, which holds nothing yet.
            Err(Defect::Layout | Defect::TooLarge | Defect::Name | Defect::NotRegular) => {
                return Ok(Adopted::No)
            }
            // Whole, but signed under another key (the key was replaced) or signed and
            // unreadable (another version of claude-token): it may hold tokens, so it
            // is kept aside, never deleted.
            Err(defect) => return Ok(Adopted::Quarantine(defect)),
        }
        Ok(Adopted::Yes(OsString::from(target)))
    }

    /// Removes the applied entry `name`, durably.
    pub(super) fn remove(&self, name: &OsStr) -> Result<(), Error> {
        fs::remove_file(&self.dir.join(name))?;
        crash::point(Point::JournalRemoved);
        Ok(())
    }

    /// Moves the entry `name`, which met a conflict, to `attention/`; returns its
    /// new path.
    pub(super) fn set_aside(&self, name: &OsStr) -> Result<PathBuf, Error> {
        self.move_to(name, &self.attention_dir())
    }

    /// Moves `name`, which is not an applicable entry, to `quarantine/`; returns its
    /// new path.
    pub(super) fn quarantine(&self, name: &OsStr) -> Result<PathBuf, Error> {
        self.move_to(name, &self.quarantine_dir())
    }

    fn move_to(&self, name: &OsStr, dir: &Path) -> Result<PathBuf, Error> {
        fs::create_private_dir_all(dir)?;
        Ok(fs::move_into(&self.dir.join(name), dir)?)
    }

    fn op_id(&self) -> Result<u64, Error> {
        let mut random = [0u8; 8];
        fs::random_bytes(&mut random).map_err(|e| io_error("get randomness for", &self.dir, e))?;
        Ok(u64::from_ne_bytes(random))
    }
}

/// What [`Journal::adopt_temp`] made of a temp file.
#[derive(Debug)]
pub(super) enum Adopted {
    /// It held a whole, authentic entry, now in place under this name.
    Yes(OsString),
    /// It held a whole entry we may not apply (signed under another key, or signed
    /// and unreadable): quarantine it.
    Quarantine(Defect),
    /// Anything else: an unfinished write, to remove.
    No,
}

enum Name {
    Entry,
    Temp,
    SideDir,
    Stray,
}

fn classify(name: &OsString) -> Name {
    let Some(name) = name.to_str() else {
        return Name::Stray;
    };
    if name == QUARANTINE_DIR || name == ATTENTION_DIR {
        Name::SideDir
    } else if entry::parse_name(name).is_some() {
        Name::Entry
    } else if temp_target(name).is_some() {
        Name::Temp
    } else {
        Name::Stray
    }
}

/// The entry name inside `fs::write_atomic`'s temp name for an entry
/// (`.<entry name>.tmp.<pid>.<16 hex>`).
fn temp_target(name: &str) -> Option<&str> {
    fs::temp_parts(name)
        .map(|(target, _)| target)
        .filter(|target| entry::parse_name(target).is_some())
}

/// An entry file's bytes without the zeros a reservation may leave after them (an
/// entry ends with `\n`, so trailing zero bytes are never part of one): the file is
/// made durable before it is cut to length.
fn unpadded(bytes: &[u8]) -> &[u8] {
    let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |at| at + 1);
    &bytes[..len]
}

/// Milliseconds since the epoch, within what an entry name can hold.
fn now_ms() -> u64 {
    u64::try_from(crate::time::now_ms()).map_or(0, |ms| ms.min(MAX_CREATED_AT_MS))
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> Error {
    Error::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

fn bad(reason: &str) -> Error {
    Error::BadTransaction {
        reason: reason.to_owned(),
    }
}
