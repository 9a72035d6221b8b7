//! Claude Code's global settings file `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json`
//! when that is set): only its `oauthAccount` member, which is the account Claude Code
//! shows.
//!
//! Owns reading that member (compact JSON text, opaque to us) and replacing it under
//! Claude Code's `~/.claude.json.lock`, splicing only the member's value so every other
//! byte of the file stays as it was. It never creates the file or the member, never
//! touches another member, and is not journaled: the member is display data that
//! Claude Code itself rewrites from the profile service after a refresh, so a crash
//! between `use`'s transaction and this write leaves only a stale display.

use std::path::Path;

use crate::cclock::{ClaudeJsonLock, Options};
use crate::json::{self, Editor, Kind, Value};
use crate::{fs, Error};

/// The member Claude Code shows the signed-in account from.
const MEMBER: &str = "oauthAccount";

/// Largest settings file read: it grows with per-project history, so it is generous.
const MAX_LEN: u64 = 64 << 20;

/// The `oauthAccount` object of the settings file at `path`, as compact JSON text;
/// `None` when the file or the member is absent, or the member is not an object.
pub fn oauth_account(path: &Path) -> Result<Option<String>, Error> {
    let Some(file) = fs::read_regular(path, MAX_LEN)? else {
        return Ok(None);
    };
    let doc = parse(path, &file.bytes)?;
    Ok(member(&doc))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<json::Document, Error> {
    json::parse(bytes).map_err(|source| Error::Json {
        path: path.to_owned(),
        source,
    })
}

fn member(doc: &json::Document) -> Option<String> {
    let node = doc.root().get(MEMBER)?;
    (node.kind() == Kind::Object).then(|| json::to_compact_string(&Value::from_node(node)))
}

/// Whether an `oauthAccount` names the account `uuid` (its `accountUuid`), or names
/// none, so it cannot be told apart.
pub fn names_account(text: &str, uuid: Option<&str>) -> bool {
    let Ok(doc) = json::parse(text.as_bytes()) else {
        return false;
    };
    let found = doc.root().get("accountUuid").and_then(|n| n.as_str());
    match (found, uuid) {
        (Some(found), Some(uuid)) => found == uuid,
        _ => true,
    }
}

/// Replaces the file's `oauthAccount` value with `text` under Claude Code's lock,
/// leaving every other byte. Returns whether the file changed: nothing is written when
/// the file or the member is absent or already holds `text`.
pub fn replace_oauth_account(path: &Path, text: &str, options: &Options) -> Result<bool, Error> {
    if fs::read_regular(path, MAX_LEN)?.is_none() {
        return Ok(false);
    }
    let lock = ClaudeJsonLock::acquire_with(path, options)?;
    // Re-read under the lock: Claude Code may have rewritten the file meanwhile.
    let Some(file) = fs::read_regular(path, MAX_LEN)? else {
        return Ok(false);
    };
    let doc = parse(path, &file.bytes)?;
    if member(&doc).is_none_or(|now| now == text) {
        return Ok(false);
    }
    let mut editor = Editor::new(&doc);
    let edited = editor
        .replace(&[MEMBER], text)
        .and_then(|()| editor.finish())
        .map_err(|e| Error::Io {
            action: "edit",
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        })?;
    lock.ensure_held()?;
    fs::write_atomic(path, &edited)?;
    // Written under the lock; a lock taken from us only after that changes nothing.
    let _ = lock.release();
    Ok(true)
}
