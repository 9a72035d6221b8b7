//! The real [`Stores`]: which file or Keychain item holds each store, per platform.
//!
//! | store | Linux | macOS |
//! |---|---|---|
//! | `archive:<slot>` | `<data>/keystore/<slot>.json` (+ original-tool files) | Keychain item `claude-token-cli::<slot>` through `/usr/bin/security`; the files with `CLAUDE_TOKEN_FILE_BACKEND` |
//! | `claude-keychain` | none | Claude Code's item, through `/usr/bin/security` |
//! | `claude-file` | `<credentials dir>/.credentials.json` | same |
//! | `catalog` | `<config>/slots.json` | same |
//!
//! Claude Code's two stores are written under its `.storage-write.lock` (in the
//! credentials directory, where Claude Code takes it). Owns only this mapping. It never reads or writes a store itself, and it never
//! decides anything from what a store holds.

use super::archive::ArchiveStore;
use super::claude_lock::StorageLockAt;
use super::file::{DirPolicy, FileStore, Notices};
use super::keychain::{ClaudeItem, ClaudeKeychainStore, KeychainArchiveStore, SecurityRunner};
use super::place::Place;
use super::{Store, StoreId, Stores};
use crate::cli::SlotName;
use crate::paths::{Paths, Platform};
use crate::Error;
use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable naming the keychain file a test build uses.
pub const TEST_KEYCHAIN_VAR: &str = "CLAUDE_TOKEN_TEST_KEYCHAIN";

/// The macOS Keychain adapters: Claude Code's item, how to reach the Keychain, and
/// which keychain.
#[derive(Debug)]
pub struct Keychains {
    /// Claude Code's item; its account is also our archive items' account.
    pub claude_item: ClaudeItem,
    pub security: Box<dyn SecurityRunner>,
    /// The one keychain file every call names (a test keychain); `None`: the user's
    /// keychain search list, where Claude Code keeps its item.
    pub keychain_file: Option<PathBuf>,
}

/// Which keychain the stores of this build use: the user's own (`None`), except in a
/// test build (`cargo test` enables the `test-keychain` feature), which uses only
/// the keychain file [`TEST_KEYCHAIN_VAR`] names and refuses to run without one, so
/// a test never reads or writes the developer's login keychain.
pub fn keychain_file(test_build: bool, named: Option<OsString>) -> Result<Option<PathBuf>, Error> {
    if !test_build {
        return Ok(None);
    }
    match named.map(PathBuf::from) {
        // `security` searches the user's keychains when the file it is given cannot
        // be opened: the file must be there.
        Some(path) if path.is_absolute() && path.is_file() => Ok(Some(path)),
        _ => Err(Error::Usage {
            message: format!(
                "this is a test build of claude-token: it reaches the Keychain only through a test keychain, and {TEST_KEYCHAIN_VAR} names no keychain file"
            ),
            hint: Some(format!(
                "set {TEST_KEYCHAIN_VAR} to the absolute path of a keychain made with `security create-keychain`, or use a release build"
            )),
        }),
    }
}

/// Opens every store of one run.
#[derive(Debug)]
pub struct Backend {
    paths: Paths,
    platform: Platform,
    keychains: Option<Keychains>,
    notices: Notices,
    /// Timings of Claude Code's `.storage-write.lock` (its own, unless a test
    /// scales them down).
    storage_lock: crate::cclock::Options,
}

impl Backend {
    /// The stores of the platform this binary runs on; on macOS with the pinned
    /// `security` program, its deadline from the environment, and (in a test build)
    /// the test keychain.
    pub fn from_env(paths: Paths) -> Result<Self, Error> {
        #[cfg(target_os = "macos")]
        let keychains = Some(platform_keychains()?);
        #[cfg(not(target_os = "macos"))]
        let keychains = None;
        Ok(Self::with_keychains(paths, Platform::current(), keychains))
    }

    /// The stores of `platform` with the given Keychain adapters (tests drive the
    /// macOS mapping on Linux with fakes). Keychain stores exist only when the
    /// platform is macOS and `keychains` is given; otherwise the archive is files
    /// and there is no `claude-keychain` store.
    pub fn with_keychains(paths: Paths, platform: Platform, keychains: Option<Keychains>) -> Self {
        Backend {
            paths,
            platform,
            keychains,
            notices: Notices::default(),
            storage_lock: crate::cclock::StorageWriteLock::OPTIONS,
        }
    }

    /// Waits for Claude Code's `.storage-write.lock` as `options` say (tests).
    #[must_use]
    pub fn with_storage_lock_options(mut self, options: crate::cclock::Options) -> Self {
        self.storage_lock = options;
        self
    }

    /// Claude Code's `.storage-write.lock` in its credentials directory `dir`.
    fn storage_lock(&self, dir: &std::path::Path) -> StorageLockAt {
        StorageLockAt::with_options(dir.to_owned(), self.storage_lock)
    }

    /// Claude Code's store `id` at `place`.
    fn claude_store(&self, id: &StoreId, place: &Place) -> Option<Box<dyn Store + '_>> {
        if *id == StoreId::ClaudeKeychain {
            let keychains = self.macos_keychains()?;
            let item = place.keychain.as_ref()?;
            let lock = self.storage_lock(&place.credentials_dir);
            let store = ClaudeKeychainStore::new(item, keychains.security.as_ref())
                .in_keychain(keychains.keychain_file.clone());
            return Some(Box::new(store.with_write_lock(lock)));
        }
        let lock = self.storage_lock(&place.credentials_dir);
        let path = place.credentials_file();
        let store = FileStore::new(id.clone(), path, DirPolicy::ClaudeCode);
        let store = store.with_notices(self.notices.clone());
        Some(Box::new(store.with_write_lock(lock)))
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// What the stores opened here found worth a warning (loose file modes, files
    /// overwritten in place).
    pub fn notices(&self) -> &Notices {
        &self.notices
    }

    fn macos_keychains(&self) -> Option<&Keychains> {
        match self.platform {
            Platform::MacOs => self.keychains.as_ref(),
            Platform::Linux => None,
        }
    }

    fn archive(&self, slot: &SlotName) -> Box<dyn Store + '_> {
        match self.macos_keychains() {
            Some(keychains) if !self.paths.file_backend => Box::new(KeychainArchiveStore::new(
                slot.clone(),
                &keychains.claude_item.account,
                keychains.security.as_ref(),
                keychains.keychain_file.clone(),
            )),
            _ => Box::new(ArchiveStore::new(
                self.paths.keystore_dir(),
                slot.clone(),
                self.notices.clone(),
            )),
        }
    }

    fn file(&self, id: &StoreId, path: PathBuf, policy: DirPolicy) -> Box<dyn Store + '_> {
        Box::new(FileStore::new(id.clone(), path, policy).with_notices(self.notices.clone()))
    }
}

impl Stores for Backend {
    fn open(&self, id: &StoreId) -> Option<Box<dyn Store + '_>> {
        match id {
            StoreId::Archive(slot) => Some(self.archive(slot)),
            // This environment's own place, as its variables name it (no paths
            // resolved: opening a store must stay cheap, `list` opens them all).
            StoreId::ClaudeKeychain | StoreId::ClaudeFile => {
                let item = self.macos_keychains().map(|k| k.claude_item.clone());
                let place = Place {
                    claude_dir: self.paths.claude_dir.clone(),
                    credentials_dir: self.paths.credentials_dir.clone(),
                    keychain: item,
                };
                self.claude_store(id, &place)
            }
            StoreId::Catalog => Some(self.file(id, self.paths.catalog(), DirPolicy::Private)),
        }
    }

    fn place(&self) -> Place {
        let item = self.macos_keychains().map(|k| k.claude_item.clone());
        Place::of(&self.paths, item)
    }

    fn open_at(&self, id: &StoreId, place: &Place) -> Option<Box<dyn Store + '_>> {
        match id {
            // A journal entry may name a place since removed or unmounted: nothing
            // there can be locked or written, so it has no store here.
            StoreId::ClaudeKeychain | StoreId::ClaudeFile if place.is_gone() => None,
            StoreId::ClaudeKeychain | StoreId::ClaudeFile => self.claude_store(id, place),
            _ => self.open(id),
        }
    }
}

/// The real macOS adapters: the pinned `security` program with its deadline.
#[cfg(target_os = "macos")]
fn platform_keychains() -> Result<Keychains, Error> {
    use super::keychain::security_cli::{call_timeout, TIMEOUT_VAR};
    use super::keychain::ProcessRunner;
    let timeout =
        call_timeout(std::env::var_os(TIMEOUT_VAR).as_deref()).map_err(|message| Error::Usage {
            message,
            hint: Some(format!("unset {TIMEOUT_VAR} for the default of 60 s")),
        })?;
    let test_build = cfg!(feature = "test-keychain");
    Ok(Keychains {
        claude_item: ClaudeItem::from_process(),
        security: Box::new(ProcessRunner { timeout }),
        keychain_file: keychain_file(test_build, std::env::var_os(TEST_KEYCHAIN_VAR))?,
    })
}
