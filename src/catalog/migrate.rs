//! The one-time move of the original tool's legacy catalog
//! `<home>/.claude/claude-token-cli.json` to `<config>/slots.json`.
//!
//! ```text
//! legacy absent ───────────────────────────────────────────> NoLegacy
//! legacy unreadable (symlink, not a file, ...) ─────────────> LegacyRefused (left)
//! slots.json present, same bytes as legacy ─ rename legacy ─> Completed
//!   (a crash between our write and our rename left both)
//! slots.json present, different ───────────────────────────> LegacyIgnored (both left)
//! slots.json absent: legacy not a valid catalog ───────────> LegacyRefused (left)
//!                    write slots.json (0600, dir 0700) ─ rename legacy ─> Migrated
//! ```
//!
//! The legacy bytes are copied as they are (the format is the same). The legacy file
//! is renamed to `claude-token-cli.json.moved` (or `.moved.2`, `.moved.3`, ... when
//! that name is taken), never deleted, never overwritten, never edited. The caller
//! holds the state lock. It never follows a symlink at either path.

use super::{CatalogFile, MAX_SIZE};
use crate::paths::Paths;
use crate::{fs, Error};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// What [`migrate_legacy`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationOutcome {
    /// There is no legacy catalog.
    NoLegacy,
    /// The legacy catalog became `slots.json` and was renamed to `moved_to`.
    Migrated { legacy: PathBuf, moved_to: PathBuf },
    /// An interrupted migration had already written `slots.json`; the legacy file
    /// (identical to it) was renamed to `moved_to`.
    Completed { legacy: PathBuf, moved_to: PathBuf },
    /// `slots.json` exists and differs from the legacy file, which was left alone.
    LegacyIgnored { legacy: PathBuf },
    /// The legacy file cannot be used (`reason` says why); it was left alone.
    LegacyRefused { legacy: PathBuf, reason: String },
}

/// Moves a legacy catalog into place when there is one and no catalog yet.
pub fn migrate_legacy(paths: &Paths) -> Result<MigrationOutcome, Error> {
    let legacy = paths.legacy_catalog();
    let refused = |err: Error| MigrationOutcome::LegacyRefused {
        legacy: legacy.clone(),
        reason: err.to_string(),
    };
    let bytes = match fs::read_regular(&legacy, MAX_SIZE) {
        Ok(None) => return Ok(MigrationOutcome::NoLegacy),
        Ok(Some(read)) => read.bytes,
        Err(err) => return Ok(refused(err.into())),
    };
    let catalog = paths.catalog();
    match fs::read_regular(&catalog, MAX_SIZE)? {
        Some(current) if current.bytes == bytes => Ok(MigrationOutcome::Completed {
            moved_to: move_aside(&legacy)?,
            legacy,
        }),
        Some(_) => Ok(MigrationOutcome::LegacyIgnored { legacy }),
        None => {
            if let Err(err) = CatalogFile::parse(&legacy, &bytes) {
                return Ok(refused(err));
            }
            fs::create_private_dir_all(&paths.config_dir)?;
            fs::write_atomic(&catalog, &bytes)?;
            Ok(MigrationOutcome::Migrated {
                moved_to: move_aside(&legacy)?,
                legacy,
            })
        }
    }
}

/// Renames `legacy` to the first free `.moved` name beside it.
fn move_aside(legacy: &Path) -> Result<PathBuf, Error> {
    for n in 1..=99 {
        let mut name = OsString::from(legacy.as_os_str());
        name.push(if n == 1 {
            ".moved".to_owned()
        } else {
            format!(".moved.{n}")
        });
        let target = PathBuf::from(name);
        match std::fs::symlink_metadata(&target) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::rename_durable(legacy, &target)?;
                return Ok(target);
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "inspect",
                    path: target,
                    source,
                })
            }
        }
    }
    Err(Error::Catalog {
        path: legacy.to_owned(),
        reason: "every name from .moved to .moved.99 is taken; nothing was renamed".into(),
    })
}
