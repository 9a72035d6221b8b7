//! Keychain stores (macOS): Claude Code's item, reached only through
//! `/usr/bin/security`, and our archive items, reached through Security.framework.
//!
//! Owns the two Keychain-backed [`Store`]s and the two small seams they talk
//! through: [`SecurityRunner`] (runs `security`) and [`PasswordKeychain`] (get, set,
//! delete a generic password). Everything that can be decided without macOS (names,
//! command lines, quoting, output parsing) lives in `item` and `security_cli` and is
//! tested on Linux with fakes of the two seams; the real seams are the two
//! `#[cfg(target_os = "macos")]` files, kept to a few lines each because this
//! machine cannot compile them.
//!
//! Why two ways in: a write from our own binary through Security.framework would
//! re-stamp the partition list of Claude Code's item and make Claude Code prompt on
//! every read, so its item is handled by the same `security` program Claude Code
//! uses. Our archive items are ours alone.

pub mod item;
pub mod security_cli;

#[cfg(target_os = "macos")]
mod framework;
#[cfg(target_os = "macos")]
mod runner;

#[cfg(target_os = "macos")]
pub use framework::FrameworkKeychain;
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

/// Runs `/usr/bin/security` once: the real runner spawns it with a timeout; tests
/// record the call and answer with canned output.
pub trait SecurityRunner: fmt::Debug {
    /// Runs `security` with `call.args`, writes `call.stdin` to it and closes its
    /// stdin, and waits at most [`security_cli::CALL_TIMEOUT`] (then kills it and
    /// returns an error of kind `TimedOut`).
    fn run(&self, call: &SecurityCall) -> io::Result<SecurityOutput>;
}

/// Get, set and delete generic passwords (Security.framework on macOS; a map in
/// tests). Errors are already [`Error::Keychain`].
pub trait PasswordKeychain: fmt::Debug {
    /// The item's bytes, `None` when there is no such item.
    fn get(&self, service: &str, account: &str) -> Result<Option<Blob>, Error>;
    /// Creates or replaces the item.
    fn set(&self, service: &str, account: &str, secret: &[u8]) -> Result<(), Error>;
    /// Removes the item; a missing item is `Ok`.
    fn delete(&self, service: &str, account: &str) -> Result<(), Error>;
}

/// Claude Code's own Keychain item, through `security`.
#[derive(Debug)]
pub struct ClaudeKeychainStore<'a> {
    item: ClaudeItem,
    runner: &'a dyn SecurityRunner,
    write_lock: Option<StorageLockAt>,
}

impl<'a> ClaudeKeychainStore<'a> {
    pub fn new(item: &ClaudeItem, runner: &'a dyn SecurityRunner) -> Self {
        ClaudeKeychainStore {
            item: item.clone(),
            runner,
            write_lock: None,
        }
    }

    /// Writes under Claude Code's `.storage-write.lock`, as Claude Code writes its item.
    #[must_use]
    pub fn with_write_lock(mut self, lock: StorageLockAt) -> Self {
        self.write_lock = Some(lock);
        self
    }

    fn call<T>(
        &self,
        action: &'static str,
        call: Result<SecurityCall, CliError>,
        parse: impl FnOnce(&SecurityOutput) -> Result<T, CliError>,
    ) -> Result<T, Error> {
        let fail = |reason: String| Error::Keychain {
            action,
            service: self.item.service.clone(),
            reason,
        };
        let call = call.map_err(|e| fail(e.to_string()))?;
        let output = self.runner.run(&call).map_err(|e| fail(run_failure(&e)))?;
        parse(&output).map_err(|e| fail(e.to_string()))
    }
}

/// Says why running `security` failed, without anything it printed.
fn run_failure(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::TimedOut {
        let secs = security_cli::CALL_TIMEOUT.as_secs();
        format!(
            "{} did not answer within {secs} s",
            security_cli::SECURITY_PROGRAM
        )
    } else {
        format!("cannot run {}: {err}", security_cli::SECURITY_PROGRAM)
    }
}

impl Store for ClaudeKeychainStore<'_> {
    fn id(&self) -> StoreId {
        StoreId::ClaudeKeychain
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        let call = security_cli::find_call(&self.item);
        self.call("read", call, security_cli::parse_find)
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        let call = security_cli::add_call(&self.item, bytes);
        self.call("write", call, security_cli::parse_add)
    }

    fn delete(&self) -> Result<(), Error> {
        let call = security_cli::delete_call(&self.item);
        self.call("delete", call, security_cli::parse_delete)
    }

    fn write_guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        match &self.write_lock {
            Some(lock) => lock.guard(),
            None => Ok(None),
        }
    }
}

/// One slot's archived login as our Keychain item `claude-token-cli::<slot>`.
#[derive(Debug)]
pub struct KeychainArchiveStore<'a> {
    slot: SlotName,
    service: String,
    account: &'a str,
    keychain: &'a dyn PasswordKeychain,
}

impl<'a> KeychainArchiveStore<'a> {
    pub fn new(slot: SlotName, account: &'a str, keychain: &'a dyn PasswordKeychain) -> Self {
        KeychainArchiveStore {
            service: archive_service(&slot),
            slot,
            account,
            keychain,
        }
    }
}

impl Store for KeychainArchiveStore<'_> {
    fn id(&self) -> StoreId {
        StoreId::Archive(self.slot.clone())
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        self.keychain.get(&self.service, self.account)
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.keychain.set(&self.service, self.account, bytes)
    }

    fn delete(&self) -> Result<(), Error> {
        self.keychain.delete(&self.service, self.account)
    }
}
