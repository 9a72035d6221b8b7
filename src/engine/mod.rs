//! The write engine: every change to a store goes through a journaled transaction,
//! so that no crash, full disk or concurrent Claude Code ever loses a login.
//!
//! A [`Transaction`] lists compare-and-swap steps (store, expected bytes, new bytes).
//! [`commit`] runs it under the state lock ([`StateLock`], proved by the `&StateLock`
//! inside every [`Journal`]): verify every store, write a journal entry holding the
//! full new bytes and an HMAC under the per-install key, apply the steps in
//! [`StoreId`](crate::store::StoreId) order, each a guarded compare-and-swap, then
//! remove the entry. [`replay`] finishes what a crash interrupted, at the start of
//! every command. SPEC.md §6 has the protocol, the entry format and the crash points.
//!
//! ```text
//!           commit                               replay (next command)
//! verify ─ journal ─ apply steps ─ remove     entry ─ HMAC/parse bad ─> quarantine/
//!   │         │          │                      │   ─ third value ────> attention/
//!   │         │          └ third value ─> attention/, Conflict
//!   │         └ crash: the entry is replayed    └ else apply the rest, remove
//!   └ changed: nothing written (Changed)
//! ```
//!
//! Files: `lock` (the state lock token), `key` (hmac.key), `entry` (the entry format),
//! `journal` (the journal directory), `transaction` (building and committing),
//! `apply` (classify and compare-and-swap, shared by commit and replay), `replay`.
//! The engine never interprets a blob (creds and catalog do) and never prints.

mod apply;
mod entry;
mod journal;
pub mod key;
mod lock;
mod replay;
mod transaction;

pub use entry::{Defect, Entry, MAX_ENTRY_LEN};
pub use journal::{Journal, Pending};
pub use key::{HmacKey, KeyProblem, KEY_LEN};
pub use lock::{StateLock, DEFAULT_WAIT};
pub use replay::{replay, Attention, Quarantined, ReplayReport, RolledForward};
pub use transaction::{apply, commit, Commit, Step, Transaction};

/// Encodes `entry` as the bytes of its journal file, signed with `key` (for tests and
/// the fuzz target, which build entries by hand).
pub fn encode_entry(entry: &Entry, key: &HmacKey) -> crate::store::Blob {
    entry::encode(entry, key)
}

/// Checks and parses the bytes of the journal file `name` under `key`, as replay does.
pub fn decode_entry(name: &str, bytes: &[u8], key: &HmacKey) -> Result<Entry, Defect> {
    entry::decode(name, bytes, key)
}
