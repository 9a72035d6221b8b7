//! Reservations: the room for a new file set aside on disk before its bytes exist, so
//! that a full disk fails before the caller does something it cannot undo (spending a
//! single-use refresh token), not after.
//!
//! Owns [`Reservation`] and [`free_bytes`]. A reservation is a temp file beside the
//! target, named and opened as [`super::write_atomic`]'s, filled with `size` zero bytes
//! (written blocks, not a sparse file) and flushed together with its directory entry.
//! [`Reservation::commit`] then overwrites those blocks in place, so on an ordinary
//! (not copy-on-write) filesystem it needs no new block. It never replaces an existing
//! target, never follows a symlink there, and never retries a failed fsync.
//!
//! ```text
//! create:  statvfs: free < size + 64 KiB? ───────────────────> Error::DiskFull
//!          target exists? ───────────────────────────────────> Error::Symlink / Io (EEXIST)
//!          create .<name>.tmp.<pid>.<hex> (O_EXCL, 0600)
//!          write size zero bytes (64 KiB chunks) ─ fsync ─ fsync directory
//!          (any error: temp removed; ENOSPC/EDQUOT is Error::DiskFull)
//! commit:  bytes longer than size? ──────────────────────────> Error::TooLarge (temp removed)
//!          pwrite at 0 ─ fsync                                  (the window)
//!          [fs:temp-written] ─ ftruncate to the length ─ target absent? ─ rename
//!          ─ [fs:renamed] ─ fsync directory
//!          (an error from the first pwrite on KEEPS the temp: it may hold the only copy)
//! ```
//!
//! **The window.** From the moment the caller hands its bytes to `commit` until they
//! are durable, `commit` makes exactly these system calls: `pwrite` (more than one only
//! for a short write) and `fsync` (`F_FULLFSYNC` on macOS). The temp file's name was
//! made durable by `create`, so a crash after that `fsync` leaves the bytes, followed
//! by what is left of the zeros, under the temp name; the journal's replay reads an
//! entry up to its last non-zero byte, adopts a whole authentic one and removes
//! anything else. The file is cut to the bytes' length only after that (`ftruncate`,
//! made durable with the rename by the directory's `fsync` on the filesystems we know,
//! and harmless when it is not: trailing zeros are read past). Then come an `lstat` of
//! the target, the `rename` and the `fsync` of the directory (opened by `create`). A
//! caller timing the window times `commit` up to the `fs:temp-written` crash point.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::atomic::no_file_name;
use super::temp::TempFile;
use super::{open_dir, parent_dir, rename, sync, write_all, write_all_at, Error};
use crate::crash::{self, Point};

/// Room asked for beyond the reservation itself: directory entries, the metadata of
/// the rename, and whatever else writes on the same filesystem meanwhile.
const SLACK: u64 = 64 * 1024;

/// The zero bytes a reservation is filled with, one write at a time.
const CHUNK: usize = 64 * 1024;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

/// A temp file beside a target that does not exist yet, `size` bytes long and
/// flushed, waiting for the target's bytes. Dropped without [`commit`](Self::commit),
/// it removes its temp file.
#[derive(Debug)]
pub struct Reservation {
    temp: TempFile,
    /// The target's directory, open since `create` for the flushes.
    dir: File,
    target: PathBuf,
    size: usize,
}

impl Reservation {
    /// Sets aside `size` bytes for the new file `target` (which must not exist).
    ///
    /// Fewer than `size` + 64 KiB free for an unprivileged user on the target's
    /// filesystem (statvfs) is [`Error::DiskFull`] before anything is created. The
    /// temp file `.<name>.tmp.<pid>.<16 hex>` (`O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`,
    /// mode 0600) is then filled with `size` zero bytes and flushed, and so is its
    /// directory. Any error removes it; ENOSPC or EDQUOT while filling is
    /// [`Error::DiskFull`]. A target that exists is refused: a symlink as
    /// [`Error::Symlink`], anything else as an I/O error (EEXIST).
    pub fn create(target: &Path, size: usize) -> Result<Self, Error> {
        let name = target.file_name().ok_or_else(|| no_file_name(target))?;
        let dir_path = parent_dir(target);
        check_space(dir_path, target, size)?;
        check_absent(target, "reserve")?;
        let dir = open_dir(dir_path)?;
        let temp = TempFile::create(dir_path, name)?;
        fill_zeros(&temp, size)?;
        sync(&temp.file).map_err(|e| Error::io("sync", &temp.path, e))?;
        sync(&dir).map_err(|e| Error::io("sync directory", dir_path, e))?;
        Ok(Reservation {
            temp,
            dir,
            target: target.to_owned(),
            size,
        })
    }

    /// The temp file holding the reservation (and, after a failed commit that kept
    /// it, the bytes).
    pub fn path(&self) -> &Path {
        &self.temp.path
    }

    /// How many bytes were set aside.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Puts `bytes` at the target, durably: written over the reserved zeros, the file
    /// cut to their length and flushed, renamed onto the target (which must still be
    /// absent), and the directory flushed.
    ///
    /// More bytes than reserved is [`Error::TooLarge`] (a bug of the caller) and
    /// writes nothing. On any error before the first `pwrite` the temp file is
    /// removed; from the first `pwrite` on it is **kept**, whatever fails, since it may
    /// hold the only copy of `bytes`: the error names it (or the target), and so does
    /// [`path`](Self::path). Only a failed directory flush comes after the rename: the
    /// bytes are then at the target but may not survive a crash.
    pub fn commit(mut self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.len() > self.size {
            return Err(Error::TooLarge {
                path: self.target.clone(),
                limit: u64::try_from(self.size).unwrap_or(u64::MAX),
            });
        }
        self.make_durable(bytes)?;
        crash::window_closes();
        crash::point(Point::FsTempWritten);
        let temp = &self.temp;
        let len = u64::try_from(bytes.len()).expect("a slice length fits in u64");
        temp.file
            .set_len(len)
            .map_err(|e| Error::io("truncate", &temp.path, e))?;
        self.publish()
    }

    /// The window: `pwrite` at offset 0, `fsync`. The temp is kept from the first
    /// `pwrite` on.
    fn make_durable(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let temp = &mut self.temp;
        write_all_at(&temp.file, bytes, 0, &mut temp.kept)
            .map_err(|e| Error::io("write", &temp.path, e))?;
        sync(&temp.file).map_err(|e| Error::io("sync", &temp.path, e))
    }

    /// Renames the flushed temp file onto the still absent target and flushes the
    /// directory.
    fn publish(self) -> Result<(), Error> {
        let action = "rename a new file onto";
        check_absent(&self.target, action)?;
        rename(&self.temp.path, &self.target).map_err(|e| Error::io(action, &self.target, e))?;
        crash::point(Point::FsRenamed);
        sync(&self.dir).map_err(|e| Error::io("sync directory", parent_dir(&self.target), e))
    }
}

/// Bytes an unprivileged user may still write on the filesystem holding `path`.
pub fn free_bytes(path: &Path) -> Result<u64, Error> {
    crate::sys::fs::free_bytes(path).map_err(|e| Error::io("measure the free space of", path, e))
}

/// [`Error::DiskFull`] (naming `target`) unless `size` bytes and the slack are free in
/// `dir`.
fn check_space(dir: &Path, target: &Path, size: usize) -> Result<(), Error> {
    let need = u64::try_from(size)
        .unwrap_or(u64::MAX)
        .saturating_add(SLACK);
    if free_bytes(dir)? < need {
        return Err(Error::DiskFull {
            path: target.to_owned(),
        });
    }
    Ok(())
}

/// Refuses anything at `path`: a symlink (even a dangling one) as [`Error::Symlink`],
/// anything else as EEXIST while doing `action`.
fn check_absent(path: &Path, action: &'static str) -> Result<(), Error> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Symlink {
            path: path.to_owned(),
        }),
        Ok(_) => Err(Error::io(
            action,
            path,
            io::Error::from_raw_os_error(libc::EEXIST),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("inspect", path, e)),
    }
}

/// Writes `size` zero bytes, a chunk per write (each one fault-injection point).
fn fill_zeros(temp: &TempFile, size: usize) -> Result<(), Error> {
    let mut left = size;
    while left > 0 {
        let chunk = left.min(CHUNK);
        write_all(&temp.file, &ZEROS[..chunk]).map_err(|e| Error::io("write", &temp.path, e))?;
        left -= chunk;
    }
    Ok(())
}
