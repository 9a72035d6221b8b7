//! Keychain stores (macOS): Claude Code's item and our archive items, both reached
//! only through the pinned `/usr/bin/security`.
//!
//! Owns the two Keychain-backed [`Store`]s and the one seam they talk through:
//! [`SecurityRunner`] (runs `security`). Everything that can be decided without macOS
//! (names, command lines, quoting, the channel of a secret, output parsing) lives in
//! `item` and `security_cli` and is tested on Linux with fakes of the seam; the real
//! runner is the one `#[cfg(target_os = "macos")]` file, kept to process plumbing
//! because this machine cannot run it.
//!
//! Why `security` for our own items too: an item made by `security` carries the one
//! partition `apple-tool:`, the same after every upgrade of claude-token, so reading
//! it never asks for the keychain password; an item made through Security.framework
//! from our own binary carries that binary's `cdhash`, which every `cargo install`
//! changes. And a `security` call can be given a deadline, a framework call cannot
//! (SPEC.md §11).

pub mod item;
mod nfc;
pub mod security_cli;

#[cfg(target_os = "macos")]
mod runner;

#[cfg(target_os = "macos")]
pub use runner::ProcessRunner;

pub use item::{account_name, archive_service, claude_service, ClaudeItem};
pub use security_cli::{CliError, SecurityCall, SecurityOutput};

use super::claude_lock::StorageLockAt;
use super::{Blob, Store, StoreId, WriteGuard};
use crate::cli::SlotName;
use crate::Error;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Runs `/usr/bin/security` once: the real runner spawns it with a deadline; tests
/// record the call and answer with canned output.
pub trait SecurityRunner: fmt::Debug {
    /// Runs `security` with `call.args`, writes `call.stdin` to it and closes its
    /// stdin, and waits until its deadline (then kills it and returns an error of
    /// kind `TimedOut` whose message says how long it waited).
    fn run(&self, call: &SecurityCall) -> io::Result<SecurityOutput>;
}

/// One generic-password item reached through `security`: its name, the keychain file
/// when one is named (tests), and the runner.
#[derive(Debug)]
struct SecurityItem<'a> {
    item: ClaudeItem,
    keychain: Option<PathBuf>,
    runner: &'a dyn SecurityRunner,
}

impl SecurityItem<'_> {
    fn call<T>(
        &self,
        action: &'static str,
        call: Result<SecurityCall, CliError>,
        parse: impl FnOnce(&SecurityOutput) -> Result<T, CliError>,
    ) -> Result<T, Error> {
        let fail = |err: &CliError| Error::Keychain {
            action,
            service: self.item.service.clone(),
            reason: err.to_string(),
            hint: err.hint(),
        };
        let call = call.map_err(|e| fail(&e))?;
        if let Some(file) = self.keychain.as_deref().filter(|f| !f.is_file()) {
            // `security` would search the user's own keychains instead.
            return Err(Error::Keychain {
                action,
                service: self.item.service.clone(),
                reason: format!("the test keychain {} is gone", file.display()),
                hint: "make a new one with `security create-keychain`",
            });
        }
        let output = self.runner.run(&call).map_err(|e| Error::Keychain {
            action,
            service: self.item.service.clone(),
            reason: run_failure(&e),
            hint: CliError::Killed.hint(),
        })?;
        parse(&output).map_err(|e| fail(&e))
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        let call = security_cli::find_call(&self.item, self.keychain.as_deref());
        self.call("read", call, security_cli::parse_find)
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        let call = security_cli::add_call(&self.item, bytes, self.keychain.as_deref());
        self.call("write", call, security_cli::parse_add)
    }

    fn delete(&self) -> Result<(), Error> {
        let call = security_cli::delete_call(&self.item, self.keychain.as_deref());
        self.call("delete", call, security_cli::parse_delete)
    }

    fn check_room(&self, len: usize) -> Result<(), Error> {
        security_cli::check_add(&self.item, len, self.keychain.as_deref()).map_err(|err| {
            Error::Keychain {
                action: "write",
                service: self.item.service.clone(),
                reason: err.to_string(),
                hint: err.hint(),
            }
        })
    }
}

/// Says why running `security` failed, without anything it printed.
fn run_failure(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::TimedOut {
        err.to_string()
    } else {
        format!("cannot run {}: {err}", security_cli::SECURITY_PROGRAM)
    }
}

/// Claude Code's own Keychain item, through `security`.
#[derive(Debug)]
pub struct ClaudeKeychainStore<'a> {
    item: SecurityItem<'a>,
    write_lock: Option<StorageLockAt>,
}

impl<'a> ClaudeKeychainStore<'a> {
    /// The item in the user's keychain search list, as Claude Code reaches it.
    pub fn new(item: &ClaudeItem, runner: &'a dyn SecurityRunner) -> Self {
        ClaudeKeychainStore {
            item: SecurityItem {
                item: item.clone(),
                keychain: None,
                runner,
            },
            write_lock: None,
        }
    }

    /// The item in the keychain file `keychain` only (a test keychain).
    #[must_use]
    pub fn in_keychain(mut self, keychain: Option<PathBuf>) -> Self {
        self.item.keychain = keychain;
        self
    }

    /// Writes under Claude Code's `.storage-write.lock`, as Claude Code writes its item.
    #[must_use]
    pub fn with_write_lock(mut self, lock: StorageLockAt) -> Self {
        self.write_lock = Some(lock);
        self
    }
}

impl Store for ClaudeKeychainStore<'_> {
    fn id(&self) -> StoreId {
        StoreId::ClaudeKeychain
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        self.item.read()
    }

    /// Writes the login as Claude Code can read it back (`security_cli::keychain_text`).
    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        let text = Blob::new(security_cli::keychain_text(bytes));
        self.item.write(text.as_bytes())
    }

    fn limits_size(&self) -> bool {
        true
    }

    fn check_room(&self, len: usize) -> Result<(), Error> {
        self.item.check_room(len)
    }

    fn delete(&self) -> Result<(), Error> {
        self.item.delete()
    }

    fn stored_len(&self, bytes: &[u8]) -> usize {
        Blob::new(security_cli::keychain_text(bytes)).len()
    }

    fn write_guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        match &self.write_lock {
            Some(lock) => lock.guard(),
            None => Ok(None),
        }
    }
}

/// One slot's archived login as our Keychain item `claude-token-cli::<slot>`, through
/// `security` like Claude Code's. An item the original tool wrote (the text
/// `0x<hex>`) reads as the login it encodes.
#[derive(Debug)]
pub struct KeychainArchiveStore<'a> {
    slot: SlotName,
    item: SecurityItem<'a>,
}

impl<'a> KeychainArchiveStore<'a> {
    pub fn new(
        slot: SlotName,
        account: &str,
        runner: &'a dyn SecurityRunner,
        keychain: Option<PathBuf>,
    ) -> Self {
        let item = ClaudeItem {
            service: archive_service(&slot),
            account: account.to_owned(),
        };
        KeychainArchiveStore {
            slot,
            item: SecurityItem {
                item,
                keychain,
                runner,
            },
        }
    }
}

impl Store for KeychainArchiveStore<'_> {
    fn id(&self) -> StoreId {
        StoreId::Archive(self.slot.clone())
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        let blob = self.item.read()?;
        Ok(blob.map(|b| Blob::new(security_cli::decode_legacy(b.as_bytes().to_vec()))))
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.item.write(bytes)
    }

    fn delete(&self) -> Result<(), Error> {
        self.item.delete()
    }

    fn limits_size(&self) -> bool {
        true
    }

    fn check_room(&self, len: usize) -> Result<(), Error> {
        self.item.check_room(len)
    }
}
