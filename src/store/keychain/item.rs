//! Which Keychain items we use: the service and account names of Claude Code's item
//! and of our archive items, derived as Claude Code 2.1.332 derives them
//! (DESIGN.md §5).
//!
//! Pure functions of environment values handed in by the caller; only
//! [`ClaudeItem::from_process`] reads the process environment and the user
//! database. Nothing here talks to the Keychain.
//!
//! Claude Code hashes the NFC normalisation of the directory as given (no path
//! resolution, no trailing-slash trim, no `~`): so do we, through `nfc`.

use super::nfc::nfc;
use crate::cli::SlotName;
use crate::{hex, sha256};
use std::ffi::{OsStr, OsString};

/// Claude Code's service name before any suffix.
pub const CLAUDE_SERVICE: &str = "Claude Code-credentials";

/// The account Claude Code uses when the user name is unusable.
pub const FALLBACK_ACCOUNT: &str = "claude-code-user";

/// The original tool's override of the account of Claude Code's item (and of its
/// archive items): when set and non-empty, it wins over `USER`.
pub const ACCOUNT_VAR: &str = "CLAUDE_TOKEN_KEYCHAIN_ACCOUNT";

/// How our archive items' service names start (the original tool's convention).
pub const ARCHIVE_SERVICE_PREFIX: &str = "claude-token-cli::";

/// A generic-password item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaudeItem {
    pub service: String,
    pub account: String,
}

impl ClaudeItem {
    /// The item named by `env` (a lookup of environment variables), with
    /// `login_name` consulted only when neither [`ACCOUNT_VAR`] nor `USER` names the
    /// account.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<OsString>,
        login_name: &dyn Fn() -> Option<OsString>,
    ) -> Self {
        let securestorage = env("CLAUDE_SECURESTORAGE_CONFIG_DIR");
        let config = env("CLAUDE_CONFIG_DIR");
        let account = match env(ACCOUNT_VAR).filter(|a| !a.is_empty()) {
            // As the original tool takes it: the value as it is (`security` refuses
            // what it cannot carry, with a message naming the account).
            Some(account) => account.to_string_lossy().into_owned(),
            None => account_name(env("USER").as_deref(), login_name),
        };
        ClaudeItem {
            service: claude_service(securestorage.as_deref(), config.as_deref()),
            account,
        }
    }

    /// The item for this process: its environment and the user database.
    pub fn from_process() -> Self {
        Self::from_env(&|name| std::env::var_os(name), &|| {
            crate::sys::user::login_name().ok().flatten()
        })
    }
}

/// Claude Code's service name: `Claude Code-credentials`, plus `-<first 8 hex of
/// SHA-256>` of `CLAUDE_SECURESTORAGE_CONFIG_DIR` when it is set and non-empty, or,
/// when that variable is unset, of `CLAUDE_CONFIG_DIR` when that is non-empty. A
/// `CLAUDE_SECURESTORAGE_CONFIG_DIR` set to the empty string means no suffix at all
/// (DESIGN.md §5 distinguishes "set and non-empty" from "unset").
pub fn claude_service(securestorage_dir: Option<&OsStr>, config_dir: Option<&OsStr>) -> String {
    let hashed = match securestorage_dir {
        Some(dir) => Some(dir),
        None => config_dir,
    };
    match hashed.filter(|dir| !dir.is_empty()) {
        Some(dir) => format!("{CLAUDE_SERVICE}-{}", short_hash(dir)),
        None => CLAUDE_SERVICE.to_owned(),
    }
}

/// The first 8 lower-case hex digits of the SHA-256 of `value` in NFC, as Claude
/// Code's `createHash("sha256").update(value.normalize("NFC"))` hashes it (Node reads
/// the environment as UTF-8, so bytes that are not become U+FFFD there too).
fn short_hash(value: &OsStr) -> String {
    let text = value.to_string_lossy();
    let digest = sha256::sha256(nfc(&text).as_bytes());
    hex::encode(&digest[..4])
}

/// The account name: `USER` when set and non-empty, else the login name; either way
/// [`FALLBACK_ACCOUNT`] when the name is missing or not `[A-Za-z0-9._-]+`.
pub fn account_name(user: Option<&OsStr>, login_name: &dyn Fn() -> Option<OsString>) -> String {
    let name = match user.filter(|u| !u.is_empty()) {
        Some(user) => Some(user.to_owned()),
        None => login_name(),
    };
    name.and_then(|n| n.into_string().ok())
        .filter(|n| is_plain_name(n))
        .unwrap_or_else(|| FALLBACK_ACCOUNT.to_owned())
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The service name of our archive item for `slot`.
pub fn archive_service(slot: &SlotName) -> String {
    format!("{ARCHIVE_SERVICE_PREFIX}{slot}")
}
