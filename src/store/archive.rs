//! The file archive of slot logins: `<data>/keystore/<slot>.json`, and read-only
//! access to the files the original `claude-token` tool left there.
//!
//! Owns archive file naming, the fallback to the original tool's files and the
//! tombstone that keeps a removed slot removed. It never modifies, renames or deletes
//! a file of the original tool (a user may still run that tool), and never writes
//! anything but our own `<slot>.json` and `<slot>.removed`.
//!
//! ```text
//! read:   <slot>.json ─ present ─────────────────────────> its bytes
//!                     └ absent ─ <slot>.removed present ─> nothing
//!                                └ absent ──────────────> newest original-tool file
//!                                                         of the slot, else nothing
//! delete: original-tool files of the slot exist? ─ yes ─> write <slot>.removed
//!         then unlink <slot>.json (so a crash in between leaves the slot readable)
//! ```
//!
//! The original tool named a file `claude-token-cli__<slot>__<account>`, where the
//! account may hold any characters, `__` included. Since slot names may hold `__`
//! too, such a name can be read more than one way; each file belongs to exactly one
//! slot: the longest valid slot name it can be read with (so `claude-token-cli__a__b__u`
//! is slot `a__b`, account `u`, never slot `a`, account `b__u`).

use super::file::{DirPolicy, FileStore, Notices, MAX_FILE_LEN};
use super::{Blob, Store, StoreId};
use crate::cli::SlotName;
use crate::{fs, Error};
use std::ffi::OsStr;
use std::fs as stdfs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How the original tool's archive file names start.
pub const LEGACY_PREFIX: &str = "claude-token-cli__";

/// Our archive file of `slot`.
pub fn archive_file(keystore: &Path, slot: &SlotName) -> PathBuf {
    keystore.join(format!("{slot}.json"))
}

/// The marker saying `slot` was removed, so the original tool's files of the same
/// slot are no longer read.
pub fn tombstone_file(keystore: &Path, slot: &SlotName) -> PathBuf {
    keystore.join(format!("{slot}.removed"))
}

/// The slot an original-tool file name belongs to (see the module notes), or `None`
/// when the name is not one of its archive files.
pub fn legacy_owner(file_name: &OsStr) -> Option<SlotName> {
    let rest = file_name
        .as_bytes()
        .strip_prefix(LEGACY_PREFIX.as_bytes())?;
    let splits = rest.windows(2).enumerate().filter(|(_, w)| w == b"__");
    splits
        .filter(|&(at, _)| at + 2 < rest.len())
        .filter_map(|(at, _)| std::str::from_utf8(&rest[..at]).ok())
        .filter_map(|slot| SlotName::parse(slot).ok())
        .next_back()
}

/// One slot's archived login kept in files under the keystore directory.
#[derive(Debug)]
pub struct ArchiveStore {
    slot: SlotName,
    keystore: PathBuf,
    ours: FileStore,
    notices: Notices,
}

impl ArchiveStore {
    pub fn new(keystore: PathBuf, slot: SlotName, notices: Notices) -> Self {
        let ours = FileStore::new(
            StoreId::Archive(slot.clone()),
            archive_file(&keystore, &slot),
            DirPolicy::Private,
        )
        .with_notices(notices.clone());
        ArchiveStore {
            slot,
            keystore,
            ours,
            notices,
        }
    }

    /// The original tool's files of this slot, newest first (ties by name, so the
    /// order never depends on the directory listing).
    pub fn legacy_files(&self) -> Result<Vec<PathBuf>, Error> {
        let entries = match stdfs::read_dir(&self.keystore) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(fs::Error::io("list", &self.keystore, e).into()),
        };
        let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| fs::Error::io("list", &self.keystore, e))?;
            if legacy_owner(&entry.file_name()).as_ref() != Some(&self.slot) {
                continue;
            }
            let path = entry.path();
            let meta =
                stdfs::symlink_metadata(&path).map_err(|e| fs::Error::io("inspect", &path, e))?;
            let mtime = meta
                .modified()
                .map_err(|e| fs::Error::io("inspect", &path, e))?;
            found.push((mtime, path));
        }
        found.sort_by(|a, b| b.cmp(a));
        Ok(found.into_iter().map(|(_, path)| path).collect())
    }

    fn tombstoned(&self) -> Result<bool, Error> {
        let marker = tombstone_file(&self.keystore, &self.slot);
        Ok(fs::read_regular(&marker, MAX_FILE_LEN)?.is_some())
    }

    fn read_legacy(&self) -> Result<Option<Blob>, Error> {
        for path in self.legacy_files()? {
            let file = FileStore::new(self.id(), path, DirPolicy::Private)
                .with_notices(self.notices.clone());
            // A file removed since the listing is skipped, not an error.
            if let Some(blob) = file.read()? {
                return Ok(Some(blob));
            }
        }
        Ok(None)
    }
}

impl Store for ArchiveStore {
    fn id(&self) -> StoreId {
        StoreId::Archive(self.slot.clone())
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        if let Some(blob) = self.ours.read()? {
            return Ok(Some(blob));
        }
        if self.tombstoned()? {
            return Ok(None);
        }
        self.read_legacy()
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.ours.write(bytes)
    }

    fn delete(&self) -> Result<(), Error> {
        if !self.legacy_files()?.is_empty() && !self.tombstoned()? {
            let marker = FileStore::new(
                self.id(),
                tombstone_file(&self.keystore, &self.slot),
                DirPolicy::Private,
            );
            marker.write(b"")?;
        }
        self.ours.delete()
    }
}
