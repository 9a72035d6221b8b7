//! The error type of `fs`: what failed and on which path, never what the file holds.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file or lock operation that failed. Nothing was changed unless the variant says
/// otherwise (see [`super::write_atomic`] for the one step after which it may have).
#[derive(Debug)]
pub enum Error {
    /// An operating-system call failed on `path` while doing `action`.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The disk or the user's quota is full (ENOSPC, EDQUOT).
    DiskFull { path: PathBuf },
    /// A symlink sits where a file belongs; we neither follow nor replace it.
    Symlink { path: PathBuf },
    /// Something other than a regular file (directory, FIFO, device, socket).
    NotRegular { path: PathBuf },
    /// Something other than a directory where a directory belongs.
    NotDirectory { path: PathBuf },
    /// The file is larger than the caller accepts.
    TooLarge { path: PathBuf, limit: u64 },
    /// The lock stayed held by someone else for the whole wait.
    Busy { path: PathBuf },
}

impl Error {
    /// Wraps an OS error, singling out a full disk.
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        let path = path.to_owned();
        match source.raw_os_error() {
            Some(libc::ENOSPC | libc::EDQUOT) => Error::DiskFull { path },
            _ => Error::Io {
                action,
                path,
                source,
            },
        }
    }

    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Error::Io { path, .. }
            | Error::DiskFull { path }
            | Error::Symlink { path }
            | Error::NotRegular { path }
            | Error::NotDirectory { path }
            | Error::TooLarge { path, .. }
            | Error::Busy { path } => path,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path().display();
        match self {
            Error::Io { action, source, .. } => write!(f, "cannot {action} {path}: {source}"),
            Error::DiskFull { .. } => write!(f, "disk full while writing {path}"),
            Error::Symlink { .. } => write!(f, "{path} is a symbolic link; refusing to use it"),
            Error::NotRegular { .. } => write!(f, "{path} is not a regular file"),
            Error::NotDirectory { .. } => write!(f, "{path} is not a directory"),
            Error::TooLarge { limit, .. } => write!(f, "{path} is larger than {limit} bytes"),
            Error::Busy { .. } => write!(f, "{path} is still locked by another holder"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
