//! The slot catalog `<config>/slots.json`: its model, validation, splice edits, and
//! the one-time migration of the original tool's legacy catalog.
//!
//! The catalog names the slots, what we last learned about each, which one is
//! active, and which slot each Claude Code login location (place) last held; it never
//! holds a token, only SHA-256 fingerprints of refresh tokens. A [`CatalogFile`] keeps the parsed text beside the
//! model, so an edit changes only the members it must and every member it does not
//! know (top level and inside each slot) survives byte for byte. Edits produce new
//! bytes and re-read them; they never write a file (the engine writes them as a
//! transaction step). Only `migrate` writes, once, before any transaction exists.
//!
//! Files: `model` (plain data and lookups), `fingerprint` (token digests), `read`
//! (validation), `encode` (model to JSON text in the document's layout), `edit` (the
//! edits), `migrate` (legacy file).

mod edit;
mod encode;
mod fingerprint;
mod migrate;
mod model;
mod read;

pub use fingerprint::TokenFingerprint;
pub use migrate::{migrate_legacy, MigrationOutcome};
pub use model::{
    Catalog, Organization, PlaceRecord, RefreshOutcome, Slot, UsageSnapshot, UsageWindow,
};

use crate::json::Document;
use crate::{fs, Error};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The only catalog version this build reads and writes.
pub const VERSION: u64 = 1;

/// No catalog we write comes near this; a larger file is not ours.
pub const MAX_SIZE: u64 = 4 << 20;

/// The text of a catalog created from nothing: the layout the original tool's
/// `serde_json` pretty printer gives, so a hand reader sees the same file either way,
/// plus a final newline.
const NEW_CATALOG: &str = "{\n  \"version\": 1,\n  \"active\": null,\n  \"slots\": []\n}\n";

/// A validated catalog and the exact text it was read from.
pub struct CatalogFile {
    /// Named in errors.
    path: PathBuf,
    doc: Document,
    /// Shared, so that a reader can keep it past its session without a deep copy.
    catalog: Rc<Catalog>,
}

/// A catalog read from disk, with what its file mode said.
#[derive(Debug)]
pub struct Loaded {
    pub file: CatalogFile,
    /// Group or others can read or write the file.
    pub too_open: bool,
}

/// Reads the catalog at `path` (no symlink, size capped); `None` when there is none.
pub fn load(path: &Path) -> Result<Option<Loaded>, Error> {
    let Some(read) = fs::read_regular(path, MAX_SIZE)? else {
        return Ok(None);
    };
    Ok(Some(Loaded {
        file: CatalogFile::parse(path, &read.bytes)?,
        too_open: read.too_open,
    }))
}

impl CatalogFile {
    /// Parses and validates catalog bytes read from `path` (named in errors).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, Error> {
        let doc = Document::parse(bytes).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        let catalog = read::catalog(&doc).map_err(|reason| Error::Catalog {
            path: path.to_owned(),
            reason,
        })?;
        Ok(CatalogFile {
            path: path.to_owned(),
            doc,
            catalog: Rc::new(catalog),
        })
    }

    /// The catalog to start from when `path` holds none yet: version 1, no slots.
    pub fn empty(path: &Path) -> Self {
        Self::parse(path, NEW_CATALOG.as_bytes()).expect("the new catalog text is valid")
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalog, shared (it never changes: an edit makes a new `CatalogFile`).
    pub fn shared(&self) -> Rc<Catalog> {
        Rc::clone(&self.catalog)
    }

    pub fn into_catalog(self) -> Catalog {
        Rc::unwrap_or_clone(self.catalog)
    }

    /// The text, byte for byte as read or as the last edit produced it.
    pub fn as_bytes(&self) -> &[u8] {
        self.doc.as_bytes()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for CatalogFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogFile")
            .field("path", &self.path)
            .field("catalog", &self.catalog)
            .field("len", &self.doc.as_bytes().len())
            .finish()
    }
}

#[cfg(test)]
mod tests;
