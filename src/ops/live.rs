//! Claude Code's live login: its Keychain item (macOS) and its credentials file, as
//! read at one moment under the state lock.
//!
//! Owns which live store is the login Claude Code uses (the Keychain item when it
//! holds something, else the file, as Claude Code reads them) and which live stores a
//! new login is written to. It never writes a store itself (operations put steps in a
//! transaction) and never decides whose login a blob is (see `identity`).

use crate::store::{Blob, StoreId, Stores};
use crate::Error;

/// The contents of Claude Code's stores.
#[derive(Debug, Clone)]
pub struct Live {
    /// `None`: this platform has no Keychain item; `Some(None)`: it holds nothing.
    pub keychain: Option<Option<Blob>>,
    pub file: Option<Blob>,
}

impl Live {
    /// Reads Claude Code's stores.
    pub fn read(stores: &dyn Stores) -> Result<Live, Error> {
        let keychain = match stores.open(&StoreId::ClaudeKeychain) {
            Some(store) => Some(store.read()?),
            None => None,
        };
        let file_store = stores
            .open(&StoreId::ClaudeFile)
            .ok_or_else(|| super::missing_store(&StoreId::ClaudeFile))?;
        Ok(Live {
            keychain,
            file: file_store.read()?,
        })
    }

    /// Whether this platform has Claude Code's Keychain item.
    pub fn has_keychain(&self) -> bool {
        self.keychain.is_some()
    }

    /// The login Claude Code uses: the Keychain item's content when there is some,
    /// else the file's.
    pub fn primary(&self) -> Option<(StoreId, &Blob)> {
        if let Some(Some(blob)) = &self.keychain {
            return Some((StoreId::ClaudeKeychain, blob));
        }
        self.file.as_ref().map(|blob| (StoreId::ClaudeFile, blob))
    }

    /// Every live store that holds something, Keychain item first.
    pub fn held(&self) -> Vec<(StoreId, &Blob)> {
        let keychain = self.keychain.as_ref().and_then(Option::as_ref);
        let keychain = keychain.map(|blob| (StoreId::ClaudeKeychain, blob));
        let file = self.file.as_ref().map(|blob| (StoreId::ClaudeFile, blob));
        keychain.into_iter().chain(file).collect()
    }

    /// The live stores a new login goes to, with what each holds now: the Keychain
    /// item wherever the platform has one; the file when it exists or when there is
    /// no Keychain (on macOS a missing file stays missing, as Claude Code keeps it).
    pub fn targets(&self) -> Vec<(StoreId, Option<&Blob>)> {
        let mut out = Vec::new();
        if let Some(content) = &self.keychain {
            out.push((StoreId::ClaudeKeychain, content.as_ref()));
        }
        if self.file.is_some() || !self.has_keychain() {
            out.push((StoreId::ClaudeFile, self.file.as_ref()));
        }
        out
    }
}
