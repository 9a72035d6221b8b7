//! Decoding an authenticated first line into an [`Entry`], strictly: exactly the
//! fields each version writes, each of its form, steps in write order that fit their
//! store's kind and the entry's grant. Anything else is a [`Defect`]. It never
//! checks canonical form (the caller re-encodes and compares) or the HMAC.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use super::{Defect, Entry, LEGACY_VERSION, MAX_CREATED_AT_MS, MAX_ENTRY_LEN, VERSION};
use crate::engine::step::{
    is_claudes, Change, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step,
};
use crate::json::{self, Document, Kind, Node};
use crate::oauth::TokenGrant;
use crate::redact::Secret;
use crate::store::keychain::ClaudeItem;
use crate::store::{Blob, Place, StoreId};

/// Parses an authenticated first line (with its `\n`) into an entry.
pub(super) fn line(line: &[u8]) -> Result<Entry, Defect> {
    let limits = json::Limits {
        max_depth: 5,
        max_size: MAX_ENTRY_LEN,
    };
    let doc = Document::parse_with(line, limits).map_err(|_| Defect::Json)?;
    if !doc.duplicate_keys().is_empty() || doc.has_bom() {
        return Err(Defect::Json);
    }
    let root = doc.root();
    if root.kind() != Kind::Object {
        return Err(Defect::Field("(object)"));
    }
    let version = match root.get("version").map(|v| v.as_u64()) {
        Some(Some(v @ (VERSION | LEGACY_VERSION))) => v,
        Some(_) => return Err(Defect::Version),
        None => return Err(Defect::Field("version")),
    };
    let legacy = version == LEGACY_VERSION;
    let fields: &[&'static str] = if legacy {
        &["version", "op_id", "op", "created_at_ms", "steps"]
    } else {
        &["version", "op_id", "op", "created_at_ms", "grant", "steps"]
    };
    only_fields(root, fields)?;
    let grant = if legacy {
        None
    } else {
        optional(field(root, "grant")?, grant)?
    };
    let steps = steps(field(root, "steps")?, legacy)?;
    if steps.iter().any(Step::uses_grant) != grant.is_some() {
        return Err(Defect::Steps);
    }
    Ok(Entry {
        version,
        op: op_name(root)?,
        op_id: op_id(root)?,
        created_at_ms: created_at(root)?,
        grant,
        steps,
    })
}

/// `node` is an object holding exactly the keys `names`.
fn only_fields(node: Node<'_>, names: &[&'static str]) -> Result<(), Defect> {
    if node.kind() != Kind::Object {
        return Err(Defect::Field("(object)"));
    }
    for member in node.members() {
        if !names.iter().any(|name| member.key_is(name)) {
            return Err(Defect::Field("(unknown)"));
        }
    }
    names
        .iter()
        .try_for_each(|name| field(node, name).map(drop))
}

/// Whether `node` is an object with exactly the keys `names`.
fn has_exactly(node: Node<'_>, names: &[&str]) -> bool {
    node.kind() == Kind::Object
        && node.members().count() == names.len()
        && names.iter().all(|name| node.get(name).is_some())
}

fn field<'a>(node: Node<'a>, name: &'static str) -> Result<Node<'a>, Defect> {
    node.get(name).ok_or(Defect::Field(name))
}

fn text(node: Node<'_>, name: &'static str) -> Result<String, Defect> {
    let value = node.get(name).and_then(|n| n.as_str());
    value
        .map(std::borrow::Cow::into_owned)
        .ok_or(Defect::Field(name))
}

/// `null`, or what `read` makes of `node`.
fn optional<T>(
    node: Node<'_>,
    read: impl FnOnce(Node<'_>) -> Result<T, Defect>,
) -> Result<Option<T>, Defect> {
    if node.is_null() {
        Ok(None)
    } else {
        read(node).map(Some)
    }
}

fn op_name(root: Node<'_>) -> Result<String, Defect> {
    let op = text(root, "op")?;
    if super::is_op_name(&op) {
        Ok(op)
    } else {
        Err(Defect::Field("op"))
    }
}

fn op_id(root: Node<'_>) -> Result<u64, Defect> {
    let id = text(root, "op_id")?;
    if !super::is_lower_hex(&id, 16) {
        return Err(Defect::Field("op_id"));
    }
    u64::from_str_radix(&id, 16).map_err(|_| Defect::Field("op_id"))
}

fn created_at(root: Node<'_>) -> Result<u64, Defect> {
    let created = field(root, "created_at_ms")?.as_u64();
    created
        .filter(|&ms| ms <= MAX_CREATED_AT_MS)
        .ok_or(Defect::Field("created_at_ms"))
}

fn steps(node: Node<'_>, legacy: bool) -> Result<Vec<Step>, Defect> {
    if node.kind() != Kind::Array {
        return Err(Defect::Field("steps"));
    }
    let steps = node
        .elements()
        .map(|n| step(n, legacy))
        .collect::<Result<Vec<_>, _>>()?;
    let ordered = steps
        .windows(2)
        .all(|pair| pair[0].store() < pair[1].store());
    if steps.is_empty() || !ordered || steps.iter().any(Step::is_noop) {
        return Err(Defect::Steps);
    }
    Ok(steps)
}

/// The three step forms, told apart by the keys only one of them has.
#[derive(Clone, Copy)]
enum Form {
    /// `store`, `expected`, `new`: whole bytes.
    Bytes,
    /// `store`, `expected`, `from_grant`: an archive with the entry's grant spliced in.
    Grant,
    /// `store`, `place`, `expected_token`, `change`: Claude Code's store by login.
    Login,
}

impl Form {
    fn of(node: Node<'_>, legacy: bool) -> Form {
        let has = |key| node.get(key).is_some();
        if legacy {
            Form::Bytes
        } else if has("from_grant") {
            Form::Grant
        } else if has("place") || has("expected_token") || has("change") {
            Form::Login
        } else {
            Form::Bytes
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Form::Bytes => &["store", "expected", "new"],
            Form::Grant => &["store", "expected", "from_grant"],
            Form::Login => &["store", "place", "expected_token", "change"],
        }
    }
}

fn step(node: Node<'_>, legacy: bool) -> Result<Step, Defect> {
    let form = Form::of(node, legacy);
    only_fields(node, form.fields())?;
    let store = StoreId::from_text(&text(node, "store")?).ok_or(Defect::Field("store"))?;
    let claudes = is_claudes(&store);
    match form {
        Form::Bytes => {
            let expected = blob(field(node, "expected")?, "expected")?;
            let new = blob(field(node, "new")?, "new")?;
            match (claudes, legacy) {
                (false, _) => Ok(Step::Ours(OurStep {
                    store,
                    expected,
                    new: OurNew::Bytes(new),
                })),
                (true, true) => Ok(Step::Claude(ClaudeStep {
                    store,
                    place: None,
                    rule: ClaudeRule::Bytes { expected, new },
                })),
                // Claude Code's stores are compared by login since version 2.
                (true, false) => Err(Defect::Steps),
            }
        }
        Form::Grant => {
            let archive = matches!(store, StoreId::Archive(_));
            let expected = blob(field(node, "expected")?, "expected")?;
            let flag = field(node, "from_grant")?.as_bool() == Some(true);
            if !archive || expected.is_none() || !flag {
                return Err(Defect::Steps);
            }
            let new = OurNew::Grant;
            Ok(Step::Ours(OurStep {
                store,
                expected,
                new,
            }))
        }
        Form::Login => {
            if !claudes {
                return Err(Defect::Steps);
            }
            let place = Some(place(field(node, "place")?)?);
            let expected = secret(field(node, "expected_token")?, "expected_token")?;
            let change = change(field(node, "change")?)?;
            let rule = ClaudeRule::Login { expected, change };
            Ok(Step::Claude(ClaudeStep { store, place, rule }))
        }
    }
}

fn change(node: Node<'_>) -> Result<Change, Defect> {
    if let Some(word) = node.as_str() {
        return match word.as_ref() {
            "grant" => Ok(Change::Grant),
            "sign-out" => Ok(Change::SignOut),
            _ => Err(Defect::Field("change")),
        };
    }
    let login = |key: &'static str| -> Result<Blob, Defect> {
        let value = blob(field(node, key)?, "change")?;
        value.ok_or(Defect::Field("change"))
    };
    if has_exactly(node, &["swap"]) {
        Ok(Change::Swap(login("swap")?))
    } else if has_exactly(node, &["replace"]) {
        Ok(Change::Replace(login("replace")?))
    } else {
        Err(Defect::Field("change"))
    }
}

fn place(node: Node<'_>) -> Result<Place, Defect> {
    only_fields(node, &["claude_dir", "credentials_dir", "keychain"])?;
    let dir = |key: &'static str| -> Result<PathBuf, Defect> {
        let bytes = blob(field(node, key)?, key)?.ok_or(Defect::Field(key))?;
        let path = PathBuf::from(OsString::from_vec(bytes.as_bytes().to_vec()));
        if path.is_absolute() {
            Ok(path)
        } else {
            Err(Defect::Field(key))
        }
    };
    Ok(Place {
        claude_dir: dir("claude_dir")?,
        credentials_dir: dir("credentials_dir")?,
        keychain: optional(field(node, "keychain")?, keychain)?,
    })
}

fn keychain(node: Node<'_>) -> Result<ClaudeItem, Defect> {
    only_fields(node, &["service", "account"])?;
    Ok(ClaudeItem {
        service: text(node, "service")?,
        account: text(node, "account")?,
    })
}

fn grant(node: Node<'_>) -> Result<Grant, Defect> {
    let keys = [
        "received_at_ms",
        "access_token",
        "refresh_token",
        "expires_in",
        "scopes",
        "refresh_token_expires_in",
    ];
    only_fields(node, &keys)?;
    let number =
        |key: &'static str| optional(field(node, key)?, |n| n.as_u64().ok_or(Defect::Field(key)));
    let received_at_ms = field(node, "received_at_ms")?
        .as_i64()
        .ok_or(Defect::Field("received_at_ms"))?;
    let tokens = TokenGrant {
        access_token: optional(field(node, "access_token")?, |n| secret(n, "access_token"))?,
        refresh_token: optional(field(node, "refresh_token")?, |n| {
            secret(n, "refresh_token")
        })?,
        expires_in: number("expires_in")?,
        scopes: optional(field(node, "scopes")?, scopes)?,
        token_type: None,
        refresh_token_expires_in: number("refresh_token_expires_in")?,
        account: None,
        organization: None,
    };
    Ok(Grant {
        received_at_ms,
        tokens,
    })
}

/// Scopes, hex of the names joined by single spaces.
fn scopes(node: Node<'_>) -> Result<Vec<String>, Defect> {
    let bytes = blob(node, "scopes")?.ok_or(Defect::Field("scopes"))?;
    let text = std::str::from_utf8(bytes.as_bytes()).map_err(|_| Defect::Field("scopes"))?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    Ok(text.split(' ').map(str::to_owned).collect())
}

/// A token, hex of its UTF-8 bytes.
fn secret(node: Node<'_>, name: &'static str) -> Result<Secret, Defect> {
    let bytes = blob(node, name)?.ok_or(Defect::Field(name))?;
    let text = std::str::from_utf8(bytes.as_bytes()).map_err(|_| Defect::Field(name))?;
    Ok(Secret::from(text))
}

/// `null`, or a string of lower-case hex digit pairs.
fn blob(node: Node<'_>, name: &'static str) -> Result<Option<Blob>, Defect> {
    if node.is_null() {
        return Ok(None);
    }
    let hex = node.as_str().ok_or(Defect::Field(name))?;
    let lower = hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match crate::hex::decode(&hex) {
        Ok(bytes) if lower => Ok(Some(Blob::new(bytes))),
        _ => Err(Defect::Field(name)),
    }
}
