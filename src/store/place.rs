//! A place: one Claude Code login location, named as Claude Code names its storage
//! (DESIGN.md §4 "Places and lineage").
//!
//! Owns the three things that say where a login lives: the directory whose refresh
//! locks guard it (`CLAUDE_CONFIG_DIR`, else `<home>/.claude`), the directory of its
//! `.credentials.json` and `.storage-write.lock` (`CLAUDE_SECURESTORAGE_CONFIG_DIR`,
//! else the first), and on macOS its Keychain item. Paths are made canonical when they
//! exist, so the same place reached through a link, or named by another terminal's
//! environment, compares equal. A journal entry names Claude Code's stores by place,
//! so a replay writes where the interrupted run meant to, whatever the environment of
//! the replaying run. It never reads or writes a store.

use std::path::{Path, PathBuf};

use super::keychain::ClaudeItem;
use crate::paths::Paths;

/// One Claude Code login location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// Where Claude Code's refresh locks for this login are taken.
    pub claude_dir: PathBuf,
    /// Where its `.credentials.json` and `.storage-write.lock` are.
    pub credentials_dir: PathBuf,
    /// Its Keychain item (macOS only).
    pub keychain: Option<ClaudeItem>,
}

impl Place {
    /// The place `paths` name, with `keychain` as its item where the platform has one.
    pub fn of(paths: &Paths, keychain: Option<ClaudeItem>) -> Place {
        Place {
            claude_dir: canonical(&paths.claude_dir),
            credentials_dir: canonical(&paths.credentials_dir),
            keychain,
        }
    }

    /// The same place with its paths made canonical now (a directory created since
    /// the place was named, through a link or `..`, now resolves).
    #[must_use]
    pub fn canonical(&self) -> Place {
        Place {
            claude_dir: canonical(&self.claude_dir),
            credentials_dir: canonical(&self.credentials_dir),
            keychain: self.keychain.clone(),
        }
    }

    /// Whether the place is gone from this machine: neither its config directory nor
    /// the directory that would hold it exists (an unmounted volume, a removed
    /// install). Nothing can be written there, nor locked.
    pub fn is_gone(&self) -> bool {
        let parent = self.claude_dir.parent().unwrap_or(&self.claude_dir);
        !self.claude_dir.exists() && !parent.exists()
    }

    /// Its credentials file.
    pub fn credentials_file(&self) -> PathBuf {
        self.credentials_dir.join(crate::paths::CREDENTIALS_FILE)
    }

    /// How messages name the place: its credentials directory.
    pub fn describe(&self) -> String {
        self.credentials_dir.display().to_string()
    }
}

/// `path` with links resolved when it exists; as given otherwise (a place that does
/// not exist yet is named by the absolute path the environment gives).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}
