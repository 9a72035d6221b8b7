//! Whole files put in place once, moved between directories, or removed, durably.
//!
//! Owns three small moves the write engine needs besides [`super::write_atomic`]:
//! publishing a file that must never be replaced (the journal key), moving a file into
//! another directory without replacing what is there (quarantine), and removing a file
//! so that the removal survives a crash. It never replaces an existing file, never
//! follows a symlink at the target, and never reads the bytes it moves.

use std::ffi::OsString;
use std::fs as stdfs;
use std::io;
use std::path::{Path, PathBuf};

use super::atomic::no_file_name;
use super::temp::TempFile;
use super::{parent_dir, rename, sync_dir, Error};

/// Creates the file at `path` holding `bytes` (mode 0600), unless something is
/// already there. Returns whether it was created.
///
/// The bytes are written and flushed in a temp file beside the target, which is then
/// hard-linked to the target name: `link(2)` fails with EEXIST when the name is taken
/// (even by a dangling symlink), so of two racing creators exactly one wins and
/// nobody ever sees a partly written file. The temp name is removed and the directory
/// flushed either way.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    let name = path.file_name().ok_or_else(|| no_file_name(path))?;
    let dir = parent_dir(path);
    let temp = TempFile::create(dir, name)?;
    temp.fill(bytes)?;
    let created = match stdfs::hard_link(&temp.path, path) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(Error::io("link a new file to", path, e)),
    };
    drop(temp);
    sync_dir(dir)?;
    Ok(created)
}

/// Moves the file (or symlink) at `from` into the directory `dir`, keeping its name,
/// or adding `.<16 hex>` when that name is taken there. Both directories are flushed.
/// `dir` must be on the same filesystem (rename does not copy). Returns the new path.
pub fn move_into(from: &Path, dir: &Path) -> Result<PathBuf, Error> {
    let name = from.file_name().ok_or_else(|| no_file_name(from))?;
    let mut to = dir.join(name);
    if exists(&to)? {
        to = dir.join(suffixed(name.to_owned(), dir)?);
    }
    rename(from, &to).map_err(|e| Error::io("move", from, e))?;
    sync_dir(dir)?;
    sync_dir(parent_dir(from))?;
    Ok(to)
}

/// Removes the file (or symlink) at `path` and flushes its directory. Returns whether
/// there was something to remove; a missing file is not an error.
pub fn remove_file(path: &Path) -> Result<bool, Error> {
    match stdfs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("remove", path, e)),
    }
    sync_dir(parent_dir(path))?;
    Ok(true)
}

/// Fills `buf` with random bytes from the operating system.
pub fn random_bytes(buf: &mut [u8]) -> io::Result<()> {
    crate::sys::fs::random_bytes(buf)
}

fn exists(path: &Path) -> Result<bool, Error> {
    match stdfs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("inspect", path, e)),
    }
}

fn suffixed(mut name: OsString, dir: &Path) -> Result<OsString, Error> {
    let mut random = [0u8; 8];
    random_bytes(&mut random).map_err(|e| Error::io("get randomness for", dir, e))?;
    name.push(format!(".{:016x}", u64::from_ne_bytes(random)));
    Ok(name)
}
