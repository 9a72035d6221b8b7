//! File stores: one blob in one regular file (Claude Code's `.credentials.json`, the
//! catalog, an archive entry).
//!
//! Owns where a store's directory comes from, reads through `fs::read_regular`,
//! writes through `fs::write_atomic`, and durable removal. It never follows or
//! replaces a symlink at the file, never changes the mode of a directory it did not
//! create, never interprets the bytes and never prints: what a caller should warn
//! about (a file open to other users, a bind-mounted file overwritten in place) is
//! pushed to a [`Notices`] sink that the command reads afterwards.

use super::claude_lock::StorageLockAt;
use super::{Blob, Store, StoreId, WriteGuard};
use crate::{fs, Error};
use std::cell::RefCell;
use std::fs as stdfs;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The largest store file we read: a login is a few KiB, a catalog a few dozen.
pub const MAX_FILE_LEN: u64 = 1 << 20;

/// Who owns the directory a store file lives in, which decides how it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirPolicy {
    /// Ours (config, data, keystore): it and any missing parents are created 0700.
    Private,
    /// Claude Code's: created 0700 when it is missing, as Claude Code would on its
    /// first run, but only when its own parent exists (we do not invent a tree
    /// above it); an existing one is never changed.
    ClaudeCode,
}

/// Something a command should tell the user about after using the stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A store file is readable or writable by the group or others (`mode` is its
    /// permission bits). It was used anyway.
    TooOpen { path: PathBuf, mode: u32 },
    /// The file is a mount point of its own (a single-file bind mount), so it was
    /// overwritten in place instead of replaced atomically.
    OverwroteInPlace { path: PathBuf },
}

/// A shared list of [`Notice`]s, each recorded once, in the order first seen.
#[derive(Debug, Clone, Default)]
pub struct Notices(Rc<RefCell<Vec<Notice>>>);

impl Notices {
    pub fn push(&self, notice: Notice) {
        let mut list = self.0.borrow_mut();
        if !list.contains(&notice) {
            list.push(notice);
        }
    }

    /// Everything recorded so far; the list is empty afterwards.
    pub fn take(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// What one read of a store file found, besides the bytes.
#[derive(Debug)]
pub struct FileRead {
    pub blob: Blob,
    /// Permission bits of the file.
    pub mode: u32,
    /// The group or others have some access.
    pub too_open: bool,
}

/// One blob kept in the regular file at `path`.
#[derive(Debug)]
pub struct FileStore {
    id: StoreId,
    path: PathBuf,
    create_dir: DirPolicy,
    notices: Option<Notices>,
    write_lock: Option<StorageLockAt>,
}

impl FileStore {
    pub fn new(id: StoreId, path: PathBuf, create_dir: DirPolicy) -> Self {
        FileStore {
            id,
            path,
            create_dir,
            notices: None,
            write_lock: None,
        }
    }

    /// Records loose permissions and in-place overwrites into `notices`.
    #[must_use]
    pub fn with_notices(mut self, notices: Notices) -> Self {
        self.notices = Some(notices);
        self
    }

    /// Writes under Claude Code's `.storage-write.lock` (its credentials file).
    #[must_use]
    pub fn with_write_lock(mut self, lock: StorageLockAt) -> Self {
        self.write_lock = Some(lock);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file with what its mode said; `None` when it does not exist. A
    /// symlink, a special file or a file over [`MAX_FILE_LEN`] is an error.
    pub fn read_file(&self) -> Result<Option<FileRead>, Error> {
        let Some(file) = fs::read_regular(&self.path, MAX_FILE_LEN)? else {
            return Ok(None);
        };
        let read = FileRead {
            blob: Blob::new(file.bytes),
            mode: file.mode,
            too_open: file.too_open,
        };
        if read.too_open {
            self.notify(Notice::TooOpen {
                path: self.path.clone(),
                mode: read.mode,
            });
        }
        Ok(Some(read))
    }

    /// Replaces the file's content durably, creating its directory as the policy
    /// says, and returns how the bytes got there.
    pub fn write_file(&self, bytes: &[u8]) -> Result<fs::WriteOutcome, Error> {
        self.ensure_dir()?;
        let outcome = fs::write_atomic(&self.path, bytes)?;
        if outcome == fs::WriteOutcome::OverwroteInPlace {
            self.notify(Notice::OverwroteInPlace {
                path: self.path.clone(),
            });
        }
        Ok(outcome)
    }

    fn notify(&self, notice: Notice) {
        if let Some(notices) = &self.notices {
            notices.push(notice);
        }
    }

    fn ensure_dir(&self) -> Result<(), Error> {
        let dir = parent_dir(&self.path);
        match self.create_dir {
            DirPolicy::Private => fs::create_private_dir_all(dir)?,
            DirPolicy::ClaudeCode => create_claude_dir(dir)?,
        }
        Ok(())
    }
}

impl Store for FileStore {
    fn id(&self) -> StoreId {
        self.id.clone()
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        Ok(self.read_file()?.map(|read| read.blob))
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.write_file(bytes).map(drop)
    }

    /// Unlinks the file and flushes its directory. A missing file is `Ok`; a
    /// symlink or special file at the path is refused, not removed.
    fn delete(&self) -> Result<(), Error> {
        remove_regular(&self.path)?;
        Ok(())
    }

    fn write_guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        match &self.write_lock {
            Some(lock) => lock.guard(),
            None => Ok(None),
        }
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Creates Claude Code's directory (0700) if it is missing and its parent exists.
pub(crate) fn create_claude_dir(dir: &Path) -> Result<(), fs::Error> {
    if fs::dir_access(dir)?.is_some() {
        return Ok(());
    }
    let parent = parent_dir(dir);
    if fs::dir_access(parent)?.is_none() {
        let missing = io::Error::new(io::ErrorKind::NotFound, "its parent directory is missing");
        return Err(fs::Error::io("create directory", dir, missing));
    }
    fs::create_private_dir_all(dir)
}

/// Removes the regular file at `path` durably; `false` when there was none.
pub(crate) fn remove_regular(path: &Path) -> Result<bool, fs::Error> {
    match stdfs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(fs::Error::Symlink {
                path: path.to_owned(),
            })
        }
        Ok(meta) if !meta.is_file() => {
            return Err(fs::Error::NotRegular {
                path: path.to_owned(),
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(fs::Error::io("inspect", path, e)),
    }
    fs::remove_file(path)
}
