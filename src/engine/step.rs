//! The steps of a transaction: what one store goes from and to, by the store's kind
//! (DESIGN.md §4 "Two kinds of store, two CAS rules").
//!
//! - **Ours** (a slot's archive, the catalog): only we write them, under the state
//!   lock, so a step compares whole bytes: it applies when the store holds the
//!   expected bytes and is done when it holds the new ones. A refresh's archive step
//!   gets its new bytes from the transaction's [`Grant`] spliced into the expected
//!   bytes, so the server's answer can be journaled before anything is made of it.
//! - **Claude Code's** (its credentials file, its Keychain item): Claude Code writes
//!   them at any moment, so a step is decided as Claude Code decides its own saves,
//!   by the login the store holds: it applies when the stored refresh token is the
//!   expected one, is done when it is already the new one, and otherwise leaves the
//!   store as it is (that is not an error: the archive holds ours). What it writes is
//!   spliced into the store's bytes as they are at that moment ([`Change`]), so
//!   whatever Claude Code wrote meanwhile stays. Entries journaled before this rule
//!   existed keep their whole-bytes rule ([`ClaudeRule::Bytes`]).
//!
//! Nothing here reads or writes a store; `apply` does.

use std::fmt;

use crate::oauth::TokenGrant;
use crate::redact::Secret;
use crate::store::{Blob, Place, StoreId};

/// One step of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A slot's archive or the catalog.
    Ours(OurStep),
    /// Claude Code's credentials file or Keychain item.
    Claude(ClaudeStep),
}

/// A compare-and-swap by bytes on one of our stores (`None` = absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurStep {
    pub store: StoreId,
    pub expected: Option<Blob>,
    pub new: OurNew,
}

/// What one of our stores becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OurNew {
    /// These bytes (`None` deletes).
    Bytes(Option<Blob>),
    /// The expected bytes (a login) with the transaction's grant spliced in: a
    /// refresh's archive step.
    Grant,
}

/// A step on Claude Code's store at `place` (`None`: the place of the environment
/// that journals it; the engine fills it in before the entry is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeStep {
    pub store: StoreId,
    pub place: Option<Place>,
    pub rule: ClaudeRule,
}

/// How a step on Claude Code's store is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaudeRule {
    /// By the login the store holds: applies when its refresh token is `expected` ("":
    /// no login, no store), then writes `change` into its current bytes.
    Login { expected: Secret, change: Change },
    /// By whole bytes, as entries written before phase 8 were (replayed only): applies
    /// when the store holds `expected`, is done when it holds `new`, and otherwise is
    /// left as it is.
    Bytes {
        expected: Option<Blob>,
        new: Option<Blob>,
    },
}

/// What a step writes into Claude Code's store, spliced into its current bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum Change {
    /// The transaction's grant: new tokens, expiry, scopes (a refresh).
    Grant,
    /// This login's account-bound members, every other member kept (a switch); the
    /// whole login when the store is empty.
    Swap(Blob),
    /// Exactly these bytes (`export` into Claude Code's file).
    Replace(Blob),
    /// The account-bound members removed, as Claude Code's logout does; the store goes
    /// when nothing else is left.
    SignOut,
}

impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Grant => f.write_str("Grant"),
            Change::Swap(blob) => write!(f, "Swap({blob:?})"),
            Change::Replace(blob) => write!(f, "Replace({blob:?})"),
            Change::SignOut => f.write_str("SignOut"),
        }
    }
}

/// A refresh answer as it was received, and when: what the grant steps splice in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub received_at_ms: i64,
    pub tokens: TokenGrant,
}

impl Step {
    /// The store the step is on.
    pub fn store(&self) -> &StoreId {
        match self {
            Step::Ours(step) => &step.store,
            Step::Claude(step) => &step.store,
        }
    }

    /// Whether the step changes nothing and can be dropped.
    pub fn is_noop(&self) -> bool {
        match self {
            Step::Ours(OurStep {
                expected,
                new: OurNew::Bytes(new),
                ..
            })
            | Step::Claude(ClaudeStep {
                rule: ClaudeRule::Bytes { expected, new },
                ..
            }) => expected == new,
            Step::Ours(_) | Step::Claude(_) => false,
        }
    }

    /// Whether the step needs the transaction's grant.
    pub fn uses_grant(&self) -> bool {
        matches!(
            self,
            Step::Ours(OurStep {
                new: OurNew::Grant,
                ..
            }) | Step::Claude(ClaudeStep {
                rule: ClaudeRule::Login {
                    change: Change::Grant,
                    ..
                },
                ..
            })
        )
    }
}

/// Whether `store` is one of Claude Code's.
pub fn is_claudes(store: &StoreId) -> bool {
    matches!(store, StoreId::ClaudeFile | StoreId::ClaudeKeychain)
}
