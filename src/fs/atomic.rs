//! Atomic, durable replace of one file: temp file beside it, write, fsync, rename,
//! fsync the directory.
//!
//! Owns the temp-file naming and cleanup and the bind-mount fallback. It never follows
//! or replaces a symlink at the target, never keeps the old file's mode (a replaced
//! file is a new 0600 file), never retries a failed fsync, and never takes a lock: the
//! caller holds the state lock around every write.

use std::ffi::{OsStr, OsString};
use std::fs::{self as stdfs, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

/// A temp file that removes itself unless kept (renamed into place).
pub(super) struct TempFile {
    pub(super) path: PathBuf,
    file: File,
    kept: bool,
}

impl TempFile {
    pub(super) fn create(dir: &Path, name: &OsStr) -> Result<Self, Error> {
        let path = dir.join(temp_name(name, dir)?);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| Error::io("create", &path, e))?;
        let temp = TempFile {
            path,
            file,
            kept: false,
        };
        // The umask may have taken bits away; 0600 is what we promise.
        temp.file
            .set_permissions(Permissions::from_mode(0o600))
            .map_err(|e| Error::io("set the mode of", &temp.path, e))?;
        Ok(temp)
    }

    /// Writes all of `bytes` and flushes them to stable storage.
    pub(super) fn fill(&self, bytes: &[u8]) -> Result<(), Error> {
        write_all(&self.file, bytes).map_err(|e| Error::io("write", &self.path, e))?;
        sync(&self.file).map_err(|e| Error::io("sync", &self.path, e))
    }

    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            // Best effort: the error being returned matters more than a leftover.
            let _ = stdfs::remove_file(&self.path);
        }
    }
}

/// `.<name>.tmp.<pid>.<16 hex>`: hidden, beside the target, unique per process and
/// call. A name that already starts with a dot does not get a second one.
fn temp_name(name: &OsStr, dir: &Path) -> Result<OsString, Error> {
    let mut random = [0u8; 8];
    crate::sys::fs::random_bytes(&mut random)
        .map_err(|e| Error::io("get randomness for", dir, e))?;
    let mut temp = OsString::from(if name.as_bytes().starts_with(b".") {
        ""
    } else {
        "."
    });
    temp.push(name);
    temp.push(format!(
        ".tmp.{}.{:016x}",
        std::process::id(),
        u64::from_ne_bytes(random)
    ));
    Ok(temp)
}

/// The pid in a name [`temp_name`] makes (`.<name>.tmp.<pid>.<16 hex>`); `None` for
/// any other name.
fn temp_owner(name: &OsStr) -> Option<u32> {
    temp_parts(name.to_str()?).map(|(_, pid)| pid)
}

/// The target's name and the pid in a name [`temp_name`] makes; `None` for any other.
pub fn temp_parts(name: &str) -> Option<(&str, u32)> {
    let (target, tail) = name.strip_prefix('.')?.rsplit_once(".tmp.")?;
    let (pid, hex) = tail.split_once('.')?;
    let hex_ok = hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let pid_ok = (1..=10).contains(&pid.len()) && pid.bytes().all(|b| b.is_ascii_digit());
    if target.is_empty() || !hex_ok || !pid_ok {
        return None;
    }
    Some((target, pid.parse().ok()?))
}

/// Removes what a killed writer left in `dir`: regular files named by [`temp_name`]
/// whose process is gone (a live one may still be writing). Returns how many went. A
/// missing directory has none; symlinks and other names are never touched.
pub fn remove_stale_temps(dir: &Path) -> Result<usize, Error> {
    let entries = match stdfs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let Some(pid) = temp_owner(&entry.file_name()) else {
            continue;
        };
        let path = entry.path();
        let regular = stdfs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
        if regular && !crate::sys::process::is_alive(pid) && super::remove_file(&path)? {
            removed += 1;
        }
    }
    Ok(removed)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> Vec<String> {
        let temp = temp_name(OsStr::new(name), Path::new(".")).unwrap();
        temp.into_string()
            .unwrap()
            .split(".tmp.")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn temp_name_is_hidden_with_pid_and_random_hex() {
        let parts = parts("slots.json");
        assert_eq!(parts[0], ".slots.json");
        let (pid, hex) = parts[1].split_once('.').unwrap();
        assert_eq!(pid, std::process::id().to_string());
        assert_eq!(hex.len(), 16);
        assert!(hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(parts, self::parts("slots.json"), "random part differs");
    }

    #[test]
    fn temp_owner_reads_back_the_pid_of_every_temp_name() {
        for name in ["slots.json", ".credentials.json", "s1.json", "a.tmp.1.b"] {
            let temp = temp_name(OsStr::new(name), Path::new(".")).unwrap();
            assert_eq!(temp_owner(&temp), Some(std::process::id()), "{name}");
        }
    }

    #[test]
    fn temp_owner_refuses_every_other_name() {
        for name in [
            "s1.json",
            ".s1.json",
            "s1.json.tmp.12.0123456789abcdef",
            "..tmp.12.0123456789abcdef",
            ".s1.json.tmp.12.0123456789ABCDEF",
            ".s1.json.tmp.12.0123456789abcde",
            ".s1.json.tmp.12.0123456789abcdef0",
            ".s1.json.tmp..0123456789abcdef",
            ".s1.json.tmp.-1.0123456789abcdef",
            ".s1.json.tmp.12345678901.0123456789abcdef",
            ".s1.json.tmp.12.0123456789abcdef.x",
        ] {
            assert_eq!(temp_owner(OsStr::new(name)), None, "{name}");
        }
    }

    #[test]
    fn temp_name_does_not_double_a_leading_dot() {
        assert_eq!(parts(".credentials.json")[0], ".credentials.json");
    }
}
