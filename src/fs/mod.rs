//! Files and locks: atomic durable replace, reservations, durable rename, private
//! directories, bounded-wait locks and checked reads.
//!
//! Every write to credentials, the archive, the catalog and the journal goes through
//! [`write_atomic`]; every lock is a [`Lock`]. This module never follows a symlink where
//! a file belongs (only the last path component is checked: a symlinked directory such
//! as `~/.claude` is followed on purpose), never keeps a group- or world-readable mode
//! on a file it creates, never retries a failed fsync, and never puts file contents in
//! an error. It does not know what the bytes mean. The libc calls it needs live in
//! `crate::sys::fs`.
//!
//! ```text
//! write_atomic:  lstat target ─ symlink? ──────────────────────────────> Error::Symlink
//!                create .<name>.tmp.<pid>.<hex> (O_EXCL, 0600) ─ write ─ fsync
//!                rename over target ─ EBUSY/EXDEV (bind mount) ─> overwrite in place
//!                fsync directory ─> Replaced                    ─> OverwroteInPlace
//!                (any error before the rename: temp removed, target untouched;
//!                 an error while overwriting in place may leave it partly written)
//!
//! Reservation:   statvfs ─ too little free? ───────────────────────> Error::DiskFull
//!   ::create     create the same temp ─ write size zeros ─ fsync ─ fsync directory
//!   ::commit     pwrite ─ ftruncate ─ fsync ─ rename onto the absent target ─ fsync dir
//!                (an error from the first pwrite on keeps the temp: see reserve.rs)
//! ```

// The one module allowed std's file locks and `std::fs::rename` (see clippy.toml).
#![allow(clippy::disallowed_methods)]

mod atomic;
mod dir;
mod error;
mod lock;
mod place;
mod read;
mod reserve;
mod temp;
#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "crash-points"))]
pub mod fault;

/// No faults in a normal build: every hook is an inlined `Ok(())`.
#[cfg(not(any(test, feature = "crash-points")))]
mod fault {
    #[derive(Clone, Copy)]
    pub(crate) enum Op {
        Write,
        Fsync,
        Rename,
    }

    #[inline]
    #[allow(clippy::unnecessary_wraps)] // the signature of the real hook in fault.rs
    pub(crate) fn hit(_op: Op) -> std::io::Result<()> {
        Ok(())
    }
}

pub use atomic::{write_atomic, WriteOutcome};
pub use dir::{create_private_dir_all, dir_access, DirAccess};
pub use error::Error;
pub use lock::Lock;
pub use place::{create_new, move_into, random_bytes, remove_file};
pub use read::{read_regular, FileId, ReadFile};
pub use reserve::{free_bytes, Reservation};
pub use temp::{remove_stale_temps, temp_parts};

use std::fs::{self as stdfs, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use fault::Op;

/// Mode bits that give the group or others any access at all.
const GROUP_OR_OTHER: u32 = 0o077;

/// Writes all of `bytes` (one fault-injection point).
fn write_all(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    fault::hit(Op::Write)?;
    file.write_all(bytes)
}

/// Writes all of `bytes` at `offset` with pwrite(2), leaving the file offset alone
/// (one fault-injection point, before the first call). `started` is set just before
/// that call: from then on the file may hold some of `bytes`.
fn write_all_at(file: &File, bytes: &[u8], offset: u64, started: &mut bool) -> io::Result<()> {
    fault::hit(Op::Write)?;
    *started = true;
    file.write_all_at(bytes, offset)
}

/// Flushes a file or directory to stable storage (one fault-injection point).
fn sync(file: &File) -> io::Result<()> {
    fault::hit(Op::Fsync)?;
    crate::sys::fs::full_fsync(file)
}

/// Renames within one directory (one fault-injection point).
fn rename(from: &Path, to: &Path) -> io::Result<()> {
    fault::hit(Op::Rename)?;
    stdfs::rename(from, to)
}

/// Renames `from` to `to` and makes the change durable: the directory of `to` is
/// flushed, and that of `from` too when it is another one. Like rename(2), it
/// replaces an existing `to` and renames a symlink itself, never what it points to.
/// The caller holds the state lock.
pub fn rename_durable(from: &Path, to: &Path) -> Result<(), Error> {
    rename(from, to).map_err(|e| Error::io("rename", from, e))?;
    sync_dir(parent_dir(to))?;
    if parent_dir(from) != parent_dir(to) {
        sync_dir(parent_dir(from))?;
    }
    Ok(())
}

/// Makes the entries of `dir` (a create, rename or mkdir) durable.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    sync(&open_dir(dir)?).map_err(|e| Error::io("sync directory", dir, e))
}

/// Opens `dir` for flushing its entries.
fn open_dir(dir: &Path) -> Result<File, Error> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(dir)
        .map_err(|e| Error::io("open directory", dir, e))
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Explains a failed `O_NOFOLLOW` open: a symlink (ELOOP) or a special file (ENXIO,
/// EISDIR...) gets its own variant; anything else is an I/O error.
fn open_error(action: &'static str, path: &Path, source: io::Error) -> Error {
    match stdfs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Error::Symlink {
            path: path.to_owned(),
        },
        Ok(meta) if !meta.is_file() => Error::NotRegular {
            path: path.to_owned(),
        },
        _ => Error::io(action, path, source),
    }
}
