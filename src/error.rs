//! The crate's one error type and its one exit-code table.
//!
//! Primitives keep small error types of their own; they convert into [`Error`] here.
//! Only `main` prints an error, once, through `term::print_error`. Messages are one
//! lower-case line saying what went wrong, with an optional hint saying what to do.
//! No variant ever carries a secret: callers pass paths, names and reasons only.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit codes, documented in SPEC.md and README.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const LOGIN_DEAD: u8 = 3;
    pub const UNAVAILABLE: u8 = 4;
    pub const BUSY: u8 = 5;
    pub const NEEDS_ATTENTION: u8 = 6;
}

#[derive(Debug)]
pub enum Error {
    /// The command line is wrong (exit 2).
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// The command exists in the grammar but its body comes in a later phase (exit 1).
    NotBuilt { command: &'static str },
    /// An operating-system call failed on `path` while doing `action` (exit 1).
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The disk is full: nothing was replaced (exit 1).
    DiskFull { path: PathBuf },
    /// A lock is held by someone else for longer than we wait (exit 5).
    Busy { what: String },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// The process exit code for this error (table in SPEC.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. } => exit::USAGE,
            Error::NotBuilt { .. } | Error::Io { .. } | Error::DiskFull { .. } => exit::ERROR,
            Error::Busy { .. } => exit::BUSY,
        }
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } => hint.clone(),
            Error::NotBuilt { .. } => {
                Some("this release does not implement it yet; see README.md for what works".into())
            }
            Error::DiskFull { .. } => Some("free some space and run the command again".into()),
            Error::Busy { .. } => {
                Some("another claude-token is running; try again in a moment".into())
            }
            Error::Io { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage { message, .. } => f.write_str(message),
            Error::NotBuilt { command } => write!(f, "the `{command}` command is not built yet"),
            Error::Io {
                action,
                path,
                source,
            } => {
                write!(f, "cannot {action} {}: {source}", path.display())
            }
            Error::DiskFull { path } => write!(f, "disk full while writing {}", path.display()),
            Error::Busy { what } => write!(f, "{what} is busy"),
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
