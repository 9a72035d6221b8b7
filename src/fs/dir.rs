//! Private directories: creating missing ones as 0700, and reporting whether an
//! existing one is open to the group or others.
//!
//! Owns directory creation. It never changes the mode of a directory it did not
//! create (the user may have reasons), never removes a directory, and follows
//! symlinked directories (a `~/.claude` that is a link to a dotfiles checkout is
//! normal).

use std::fs::{self as stdfs, DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::{parent_dir, sync_dir, Error, GROUP_OR_OTHER};

/// The permission bits of an existing directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirAccess {
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// The group or others have some access (`mode & 0o077 != 0`).
    pub too_open: bool,
}

/// Creates `path` and any missing parents with mode 0700 exactly (whatever the
/// umask), flushing each new entry into its parent. Existing directories are left
/// as they are; an existing non-directory on the way is [`Error::NotDirectory`].
pub fn create_private_dir_all(path: &Path) -> Result<(), Error> {
    for dir in missing_dirs(path)?.into_iter().rev() {
        match DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => set_private(dir)?,
            // Someone made it meanwhile: theirs, so left as it is.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("create directory", dir, e)),
        }
        sync_dir(parent_dir(dir))?;
    }
    Ok(())
}

/// The mode of the directory at `path` (following symlinks), `None` if missing.
pub fn dir_access(path: &Path) -> Result<Option<DirAccess>, Error> {
    match stdfs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let mode = meta.permissions().mode() & 0o7777;
            Ok(Some(DirAccess {
                mode,
                too_open: mode & GROUP_OR_OTHER != 0,
            }))
        }
        Ok(_) => Err(Error::NotDirectory {
            path: path.to_owned(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("inspect", path, e)),
    }
}

/// `path` and its ancestors that do not exist yet, innermost first.
fn missing_dirs(path: &Path) -> Result<Vec<&Path>, Error> {
    let mut missing = Vec::new();
    let mut current = path;
    while !current.as_os_str().is_empty() {
        match stdfs::metadata(current) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                return Err(Error::NotDirectory {
                    path: current.to_owned(),
                })
            }
            // ENOTDIR: a file further up, which the next round names.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                missing.push(current);
            }
            Err(e) => return Err(Error::io("inspect", current, e)),
        }
        match current.parent() {
            Some(parent) => current = parent,
            None => break,
        }
    }
    Ok(missing)
}

/// Sets 0700 through a descriptor of the directory we just made, so a symlink
/// swapped in by name cannot redirect the chmod.
fn set_private(dir: &Path) -> Result<(), Error> {
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir)
        .map_err(|e| Error::io("open directory", dir, e))?;
    handle
        .set_permissions(Permissions::from_mode(0o700))
        .map_err(|e| Error::io("set the mode of", dir, e))
}
