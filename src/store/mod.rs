//! Stores: the places that each hold one blob of bytes, and the one interface the
//! write engine moves bytes through.
//!
//! A store is Claude Code's credentials file, Claude Code's Keychain item (macOS),
//! one slot's archive entry, or the catalog. The engine never knows which kind it is
//! talking to: it reads, compares and writes whole blobs through [`Store`]. Stores
//! never interpret the bytes (the `creds` and `catalog` modules do), never print, and
//! never hold a lock of their own except through [`Store::write_guard`] (where Claude
//! Code's stores take its own `.storage-write.lock`, see `claude_lock`).
//!
//! The fixed write order of DESIGN.md §4 is the order of [`StoreId`]: archive entries,
//! then Claude Code's Keychain item, then its credentials file, then the catalog.

pub mod archive;
pub mod backend;
pub mod claude_lock;
pub mod file;
pub mod keychain;
mod place;

pub use backend::Backend;
pub use place::Place;
pub mod memory;

use crate::cli::SlotName;
use crate::Error;
use std::fmt;

/// Which store a journal step or a transaction step addresses. The derived order is
/// the engine's write order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreId {
    /// One slot's archived login.
    Archive(SlotName),
    /// Claude Code's Keychain item (macOS only).
    ClaudeKeychain,
    /// Claude Code's `.credentials.json`.
    ClaudeFile,
    /// Our catalog `slots.json`.
    Catalog,
}

impl StoreId {
    /// The stable text form used in journal entries: `archive:<slot>`,
    /// `claude-keychain`, `claude-file`, `catalog`.
    pub fn to_text(&self) -> String {
        match self {
            StoreId::Archive(name) => format!("archive:{name}"),
            StoreId::ClaudeKeychain => "claude-keychain".into(),
            StoreId::ClaudeFile => "claude-file".into(),
            StoreId::Catalog => "catalog".into(),
        }
    }

    /// Parses [`StoreId::to_text`]'s form; `None` for anything else.
    pub fn from_text(text: &str) -> Option<StoreId> {
        match text {
            "claude-keychain" => Some(StoreId::ClaudeKeychain),
            "claude-file" => Some(StoreId::ClaudeFile),
            "catalog" => Some(StoreId::Catalog),
            _ => {
                let name = text.strip_prefix("archive:")?;
                SlotName::parse(name).ok().map(StoreId::Archive)
            }
        }
    }
}

impl fmt::Display for StoreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Bytes read from or written to a store. They are usually a login, so `Debug` shows
/// only the length and the buffer is wiped when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob(Vec<u8>);

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Self {
        Blob(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Blob(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Blob(bytes.to_vec())
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob([{} bytes])", self.0.len())
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        crate::sys::mem::wipe(&mut self.0);
    }
}

/// Held while a store is written; dropping it releases whatever it holds.
pub trait WriteGuard: fmt::Debug {
    /// Checks, right before the write, that what the guard holds is still held (a
    /// lock directory can be taken over by a waiter that found it stale).
    fn ensure_held(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// One place that holds one blob.
pub trait Store: fmt::Debug {
    /// Which store this is.
    fn id(&self) -> StoreId;

    /// The current bytes, or `None` when the store holds nothing.
    fn read(&self) -> Result<Option<Blob>, Error>;

    /// Replaces the content with `bytes`, atomically and durably: after `Ok`, a crash
    /// leaves `bytes`; after an error, the old content or `bytes`, never a mix (except
    /// where a store documents otherwise, e.g. a bind-mounted file).
    fn write(&self, bytes: &[u8]) -> Result<(), Error>;

    /// Removes the content; a store that already holds nothing is `Ok`.
    fn delete(&self) -> Result<(), Error>;

    /// Takes the store owner's own write lock, if it has one (Claude Code's
    /// `.storage-write.lock` for its credentials file and Keychain item; see
    /// `claude_lock`). The engine holds it across its read-compare-write.
    fn write_guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        Ok(None)
    }

    /// Whether the store limits what it takes beyond our own file size cap (a Keychain
    /// item takes at most so many bytes through `security`); only such a store is
    /// asked [`Store::check_room`].
    fn limits_size(&self) -> bool {
        false
    }

    /// How many bytes `bytes` take once written here (Claude Code's Keychain item
    /// stores its JSON escaped to printable ASCII, which can be longer).
    fn stored_len(&self, bytes: &[u8]) -> usize {
        bytes.len()
    }

    /// Checks, before anything is written or sent, that the store could take a value
    /// of `len` stored bytes.
    fn check_room(&self, len: usize) -> Result<(), Error> {
        let _ = len;
        Ok(())
    }
}

/// Opens stores by id: the real backend (files and Keychain items) or a test fake.
pub trait Stores {
    /// The store for `id`, or `None` when this platform has no such store (Claude
    /// Code's Keychain item off macOS). Claude Code's stores are those of this
    /// environment's place ([`Stores::place`]).
    fn open(&self, id: &StoreId) -> Option<Box<dyn Store + '_>>;

    /// The place of this environment's Claude Code.
    fn place(&self) -> Place;

    /// Claude Code's store `id` at `place` (a journal entry names the place it meant);
    /// our stores as [`Stores::open`]. `None` when this machine has no such store.
    fn open_at(&self, id: &StoreId, place: &Place) -> Option<Box<dyn Store + '_>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> SlotName {
        SlotName::parse(text).unwrap()
    }

    #[test]
    fn store_ids_round_trip_through_their_text_form() {
        for id in [
            StoreId::Archive(name("work")),
            StoreId::ClaudeKeychain,
            StoreId::ClaudeFile,
            StoreId::Catalog,
        ] {
            assert_eq!(StoreId::from_text(&id.to_text()), Some(id));
        }
        for bad in [
            "",
            "archive:",
            "archive:Bad",
            "archive:all",
            "claude",
            "Catalog",
        ] {
            assert_eq!(StoreId::from_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn store_order_is_the_engines_write_order() {
        let mut ids = [
            StoreId::Catalog,
            StoreId::ClaudeFile,
            StoreId::Archive(name("b")),
            StoreId::ClaudeKeychain,
            StoreId::Archive(name("a")),
        ];
        ids.sort();
        let text: Vec<String> = ids.iter().map(StoreId::to_text).collect();
        assert_eq!(
            text,
            [
                "archive:a",
                "archive:b",
                "claude-keychain",
                "claude-file",
                "catalog"
            ]
        );
    }

    #[test]
    fn blob_debug_shows_only_the_length() {
        let blob = Blob::from(&b"sk-ant-ort01-secret"[..]);
        assert_eq!(format!("{blob:?}"), "Blob([19 bytes])");
    }
}
