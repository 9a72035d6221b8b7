//! Temp files beside a target: their names, their creation and their cleanup.
//!
//! Owns the `.<name>.tmp.<pid>.<16 hex>` naming that [`super::write_atomic`],
//! [`super::create_new`] and [`super::Reservation`] share, the [`TempFile`] that removes
//! itself unless kept, and the sweep of temp files a killed process left. It never
//! removes a temp file of a live process, a symlink, or a name it did not make.

use std::ffi::{OsStr, OsString};
use std::fs::{self as stdfs, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{sync, write_all, Error};

/// A temp file that removes itself on drop unless kept.
#[derive(Debug)]
pub(super) struct TempFile {
    pub(super) path: PathBuf,
    pub(super) file: File,
    /// The file must outlive this value: it was renamed into place, or it may hold
    /// the only copy of bytes the caller cannot get again (a reservation's commit).
    pub(super) kept: bool,
}

impl TempFile {
    /// Creates `.<name>.tmp.<pid>.<16 hex>` in `dir` with `O_CREAT|O_EXCL|O_NOFOLLOW|
    /// O_CLOEXEC`, mode 0600 exactly (whatever the umask).
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

    /// Lets the file outlive this value (it was renamed into place).
    pub(super) fn keep(mut self) {
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

/// The target's name and the pid in a name `temp_name` makes; `None` for any other.
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

/// Removes what a killed writer left in `dir`: regular files named by `temp_name`
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
