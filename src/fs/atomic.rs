//! Atomic, durable replace of one file: temp file beside it, write, fsync, rename,
//! fsync the directory.
//!
//! Owns the replace itself and the bind-mount fallback; the temp file is
//! [`super::temp`]'s. It never follows or replaces a symlink at the target, never
//! keeps the old file's mode (a replaced file is a new 0600 file), never retries a
//! failed fsync, and never takes a lock: the caller holds the state lock around every
//! write.

use std::fs::{self as stdfs, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::temp::TempFile;
use super::{open_error, parent_dir, rename, sync, sync_dir, write_all, Error};
use crate::crash::{self, Point};

/// How the new bytes reached the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// A new file was renamed over the target: readers saw the old or the new bytes.
    Replaced,
    /// The target is a mount point of its own (a single-file bind mount, as Docker's
    /// `-v creds.json:/root/.claude/.credentials.json`), which rename cannot replace;
    /// its bytes were overwritten in place, which a crash can leave half written.
    /// The caller should say so.
    OverwroteInPlace,
}

/// Replaces the file at `path` with `bytes`, durably.
///
/// The new file is created beside the target as `.<name>.tmp.<pid>.<16 hex>` with
/// `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC` and mode 0600 (set exactly, whatever the
/// umask), written in full, flushed (`F_FULLFSYNC` on macOS), renamed over the target,
/// and the directory is flushed. A target that is a symlink is refused, and so is one
/// that is not a regular file: we replace files, never what a link points to. (If a
/// link appears after that check, rename replaces the link itself, not its target.)
///
/// On every error before the rename the temp file is removed and the target is
/// untouched; a full disk is [`Error::DiskFull`]. Only a failed directory flush comes
/// after the rename: then the new bytes are in place but may not survive a crash, and
/// the caller must treat the write as not durable (its journal entry stays).
///
/// When rename fails with EBUSY or EXDEV (a bind-mounted target) the bytes are written
/// into the existing file instead (`O_WRONLY|O_NOFOLLOW`, write, truncate, fsync); its
/// mode is then left as it is. The caller's lock makes this safe against our own
/// writers; nothing makes it atomic for readers, and an error on that path may leave
/// the target partly written (the caller's journal entry stays for replay).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<WriteOutcome, Error> {
    let name = path.file_name().ok_or_else(|| no_file_name(path))?;
    check_target(path)?;
    let dir = parent_dir(path);
    let temp = TempFile::create(dir, name)?;
    temp.fill(bytes)?;
    crash::point(Point::FsTempWritten);
    match rename(&temp.path, path) {
        Ok(()) => temp.keep(),
        Err(e) if is_mount_point(&e) => {
            drop(temp);
            overwrite_in_place(path, bytes)?;
            return Ok(WriteOutcome::OverwroteInPlace);
        }
        Err(e) => return Err(Error::io("rename a new file onto", path, e)),
    }
    crash::point(Point::FsRenamed);
    sync_dir(dir)?;
    Ok(WriteOutcome::Replaced)
}

pub(super) fn no_file_name(path: &Path) -> Error {
    let source = io::Error::new(io::ErrorKind::InvalidInput, "the path names no file");
    Error::io("replace", path, source)
}

/// Refuses a symlink or a non-file at the target; a missing target is fine.
fn check_target(path: &Path) -> Result<(), Error> {
    match stdfs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Symlink {
            path: path.to_owned(),
        }),
        Ok(meta) if !meta.is_file() => Err(Error::NotRegular {
            path: path.to_owned(),
        }),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("inspect", path, e)),
    }
}

/// Rename refuses to replace a mount point (EBUSY) or to cross into another
/// filesystem (EXDEV): both mean the target is mounted on its own.
fn is_mount_point(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EBUSY | libc::EXDEV))
}

/// The bind-mount fallback: the existing file's bytes replaced through its own inode.
fn overwrite_in_place(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error("open", path, e))?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(Error::NotRegular {
            path: path.to_owned(),
        });
    }
    write_all(&file, bytes).map_err(|e| Error::io("write", path, e))?;
    let len = u64::try_from(bytes.len()).expect("a slice length fits in u64");
    file.set_len(len)
        .map_err(|e| Error::io("truncate", path, e))?;
    sync(&file).map_err(|e| Error::io("sync", path, e))
}
