//! The write engine: every change to a store goes through a journaled transaction,
//! so that no crash, full disk or concurrent Claude Code ever loses a login.
//!
//! A [`Transaction`] lists steps, one per store, each by its store's rule (`step`):
//! our archive and catalog compare-and-swapped by bytes, Claude Code's file and
//! Keychain item by the login they hold, with the change spliced into their current
//! bytes. [`commit`] runs it under the state lock ([`StateLock`], proved by the
//! `&StateLock` inside every [`Journal`]): verify our stores, write a journal entry
//! holding the change and an HMAC under the per-install key, apply the steps in
//! [`StoreId`](crate::store::StoreId) order (Claude Code's stores under its refresh
//! locks, [`PlaceLocks`]), then remove the entry. A refresh reserves its entry before
//! it asks the server ([`Journal::reserve`]) and journals the answer as received.
//! [`replay`] finishes what a crash interrupted, at the start of every command.
//! SPEC.md §6 has the protocol, the entry format and the crash points.
//!
//! ```text
//!           commit                               replay (next command)
//! verify ─ journal ─ apply steps ─ remove     entry ─ HMAC/parse bad ─> quarantine/
//!   │         │          │                      │   ─ archive third value ─> the rest
//!   │         │          │                      │       applied, entry to attention/
//!   │         │          └ archive third value ─> the rest applied, attention/, Conflict
//!   │         └ crash: the entry is replayed    └ else apply, remove
//!   └ changed: nothing written (Changed)
//! ```
//!
//! Files: `lock` (the state lock token), `key` (hmac.key), `step` (the step kinds),
//! `entry` (the entry format), `journal` (the journal directory, reservations),
//! `transaction` (building and committing), `apply` (each store kind's
//! compare-and-swap, shared by commit and replay), `replay`. The engine reads logins
//! only as far as its rules need (`creds`: the stored refresh token, the splices) and
//! never prints.

mod apply;
mod entry;
mod journal;
pub mod key;
mod lock;
mod replay;
mod step;
mod transaction;

pub use apply::{holds, Left, PlaceLocks, Why};
pub use entry::{grant_room, Defect, Entry, LEGACY_VERSION, MAX_ENTRY_LEN, VERSION};
pub use journal::{AsideEntry, Journal, Pending, Reserved};
pub use key::{HmacKey, KeyProblem, KEY_LEN};
pub use lock::{StateLock, DEFAULT_WAIT};
pub use replay::{replay, Attention, Quarantined, ReplayReport, RolledForward};
pub use step::{is_claudes, Change, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step};
pub use transaction::{
    apply, apply_unjournaled, check_room, commit, Commit, Transaction, GRANT_ROOM,
};

/// Encodes `entry` as the bytes of its journal file, signed with `key` (for tests and
/// the fuzz target, which build entries by hand).
pub fn encode_entry(entry: &Entry, key: &HmacKey) -> crate::store::Blob {
    entry::encode(entry, key)
}

/// Checks and parses the bytes of the journal file `name` under `key`, as replay does.
pub fn decode_entry(name: &str, bytes: &[u8], key: &HmacKey) -> Result<Entry, Defect> {
    entry::decode(name, bytes, key)
}
