//! Operations: what `add`, `use`, `refresh`, `remove` and `export` do to the stores,
//! each as engine transactions under the state lock, each returning a typed outcome.
//!
//! Every operation runs inside a [`Session`] (the lock, the replayed journal, the
//! catalog) and takes its collaborators explicitly: the stores (`&dyn Stores`, the
//! real [`Backend`] or a test fake), the OAuth client, and a clock. [`Env`] is the
//! thin layer that builds the real ones for the binary. The identity rule (which slot
//! a login belongs to) lives in `identity`; reading Claude Code's live stores in
//! `live`. Operations never print, never prompt and never read the process
//! environment: the commands in `crate::commands` do that with the outcomes.
//!
//! Files: `session` (opening), `claude_json` (`oauthAccount` in `~/.claude.json`),
//! `claude_locks` (Claude Code's refresh locks and the lock order), `identity`,
//! `lineage` (places, token chains, refused tokens, entries set aside), `live`,
//! then one file per operation: `add`, `use_slot`, `refresh`, `remove`, `export`,
//! `exec`; and `usage` (gathering usage for `list` and `usage`).

pub mod add;
pub mod claude_json;
pub mod claude_locks;
pub mod exec;
pub mod export;
pub mod identity;
pub mod lineage;
pub mod live;
pub mod refresh;
pub mod remove;
pub mod session;
pub mod usage;
pub mod use_slot;

pub use session::{Note, Replay, Session};

use crate::catalog::{Catalog, Slot};
use crate::cli::SlotName;
use crate::creds::Credentials;
use crate::paths::Paths;
use crate::store::{Backend, Blob, StoreId};
use crate::Error;

/// The real collaborators of one run of the binary: resolved paths and the stores of
/// this platform.
#[derive(Debug)]
pub struct Env {
    pub paths: Paths,
    pub backend: Backend,
}

impl Env {
    /// Paths from the process environment, and the platform's stores.
    pub fn from_env() -> Result<Env, Error> {
        let paths = Paths::from_env()?;
        let backend = Backend::from_env(paths.clone())?;
        Ok(Env { paths, backend })
    }
}

/// What a command shows about one slot (never a token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSummary {
    pub name: SlotName,
    pub email: Option<String>,
    pub plan: Option<String>,
    pub active: bool,
}

impl SlotSummary {
    /// The summary of `slot` as `catalog` has it.
    pub fn of(catalog: &Catalog, slot: &Slot) -> SlotSummary {
        SlotSummary {
            name: slot.name.clone(),
            email: slot.email.clone(),
            plan: slot.plan.clone(),
            active: catalog.active.as_ref() == Some(&slot.name),
        }
    }
}

/// How a store is named in messages (never its content).
pub fn origin(id: &StoreId) -> String {
    match id {
        StoreId::Archive(slot) => format!("the archive of slot {slot}"),
        StoreId::ClaudeKeychain => "Claude Code's Keychain item".into(),
        StoreId::ClaudeFile => "Claude Code's credentials file".into(),
        StoreId::Catalog => "the catalog".into(),
    }
}

/// Parses a login read from `id`, with an error naming the store.
pub fn parse_login(id: &StoreId, blob: &Blob) -> Result<Credentials, Error> {
    Credentials::parse(blob.as_bytes()).map_err(|source| Error::Creds {
        origin: origin(id),
        source,
    })
}

/// Slot `name`'s archived login, as bytes and as a login; none, or one that is not a
/// good login, is an error naming the archive.
pub fn read_archive(session: &Session<'_>, name: &SlotName) -> Result<(Blob, Credentials), Error> {
    let id = StoreId::Archive(name.clone());
    let blob = session.read(&id)?.ok_or_else(|| Error::NoLogin {
        origin: origin(&id),
    })?;
    let login = parse_login(&id, &blob)?;
    Ok((blob, login))
}

/// A store that must exist on every platform (archives, Claude Code's file, the
/// catalog); the error is a bug, never a user's fault.
fn missing_store(id: &StoreId) -> Error {
    Error::BadTransaction {
        reason: format!("{id} does not exist on this platform"),
    }
}
