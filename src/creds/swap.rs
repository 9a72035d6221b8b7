//! The account swap: the live blob with its login exchanged for another blob's.
//!
//! For each of [`ACCOUNT_KEYS`]: in both blobs, the live value's bytes become the
//! target's value bytes exactly; only in the target, the member is added at the end of
//! the live object (in the target's order, where Claude Code appends it at sign-in);
//! only in the live blob, it is removed. Every other live member keeps its bytes and
//! its place; the target's other members are ignored.
//!
//! The target must be a good login ([`Credentials::parse`]). The live blob need only be
//! an object we can edit without guessing (UTF-8, no BOM, no repeated top-level key):
//! it may be a husk left by a refused refresh, or signed out with no login at all, and
//! its machine members still deserve the new login. Nothing inside its account-bound
//! members is read, since all of them are replaced or removed.

use super::error::{CredsError, Side};
use super::{is_account_key, read, Credentials, ACCOUNT_KEYS};
use crate::json::{Document, Position};

/// `live` with its account-bound members taken from `target` (rules in the module
/// docs). The result is a valid blob holding `target`'s login.
pub fn swap_account(live: &[u8], target: &[u8]) -> Result<Vec<u8>, CredsError> {
    let live = read::open(live).map_err(|e| e.on(Side::Live))?;
    Credentials::parse(target).map_err(|e| e.on(Side::Target))?;
    let target = Document::parse(target).map_err(CredsError::NotJson)?;
    let (from, to) = (live.root(), target.root());
    let mut editor = live.editor();
    for key in ACCOUNT_KEYS {
        match (from.get(key), to.get(key)) {
            (Some(old), Some(new)) if old.raw() != new.raw() => {
                editor.replace(&[key], new.raw())?;
            }
            (Some(_), None) => editor.remove(&[key])?,
            _ => {}
        }
    }
    for member in to.members() {
        let key = member.key();
        if is_account_key(&key) && from.get(&key).is_none() {
            editor.insert(&[], &key, member.value().raw(), Position::End)?;
        }
    }
    let out = editor.finish()?;
    Credentials::parse(&out)?;
    Ok(out)
}
