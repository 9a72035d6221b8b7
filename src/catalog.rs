//! The slot catalog `<config>/slots.json`: reading and validating it.
//!
//! The catalog names the slots and which one is active; it never holds a token. This
//! module reads it with the checked reader (no symlinks, size cap, permission report)
//! and the strict JSON parser, and refuses anything ambiguous (duplicate keys, two
//! slots with one name) or newer than it understands (a `version` other than 1), so
//! that a later write can never silently drop what another version put there. It
//! leaves the file untouched in every case; writing comes with the storage engine.

use crate::json::{Document, Kind, Node};
use crate::{fs, Error};
use std::path::Path;

/// The only catalog version this build reads and writes.
pub const VERSION: u64 = 1;

/// No catalog we write comes near this; a larger file is not ours.
const MAX_SIZE: u64 = 4 << 20;

/// One slot as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotEntry {
    pub name: String,
    pub email: Option<String>,
    pub plan: Option<String>,
}

/// The parsed catalog (the default is an empty one: no file yet).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The active slot's name, when one is set and it names a slot.
    pub active: Option<String>,
    pub slots: Vec<SlotEntry>,
    /// Group or others can read or write the file.
    pub too_open: bool,
}

/// Reads the catalog at `path`; `None` when there is none yet.
pub fn load(path: &Path) -> Result<Option<Catalog>, Error> {
    let Some(file) = fs::read_regular(path, MAX_SIZE)? else {
        return Ok(None);
    };
    let mut catalog = parse(path, &file.bytes)?;
    catalog.too_open = file.too_open;
    Ok(Some(catalog))
}

/// Parses and validates catalog bytes read from `path` (named in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Catalog, Error> {
    let doc = Document::parse(bytes).map_err(|source| Error::Json {
        path: path.to_owned(),
        source,
    })?;
    let bad = |reason: String| Error::Catalog {
        path: path.to_owned(),
        reason,
    };
    let root = doc.root();
    if root.kind() != Kind::Object {
        return Err(bad("the catalog is not a JSON object".into()));
    }
    if !doc.duplicate_keys().is_empty() {
        return Err(bad("the catalog has a key twice in one object".into()));
    }
    check_version(root).map_err(bad)?;
    let slots = read_slots(root).map_err(bad)?;
    let active = read_active(root, &slots).map_err(bad)?;
    Ok(Catalog {
        active,
        slots,
        too_open: false,
    })
}

fn check_version(root: Node<'_>) -> Result<(), String> {
    match root.get("version") {
        None => Err("the catalog has no version".into()),
        Some(v) if v.as_u64() == Some(VERSION) => Ok(()),
        Some(v) => Err(format!(
            "the catalog has version {}, this claude-token reads version {VERSION}",
            printable(v.raw())
        )),
    }
}

fn read_slots(root: Node<'_>) -> Result<Vec<SlotEntry>, String> {
    let Some(list) = root.get("slots") else {
        return Ok(Vec::new());
    };
    if list.kind() != Kind::Array {
        return Err("`slots` is not an array".into());
    }
    let mut slots: Vec<SlotEntry> = Vec::new();
    for (i, node) in list.elements().enumerate() {
        let slot = read_slot(node).map_err(|e| format!("slot #{}: {e}", i + 1))?;
        if slots.iter().any(|s| s.name == slot.name) {
            return Err(format!("slot name {} appears twice", slot.name));
        }
        slots.push(slot);
    }
    Ok(slots)
}

fn read_slot(node: Node<'_>) -> Result<SlotEntry, String> {
    if node.kind() != Kind::Object {
        return Err("not a JSON object".into());
    }
    let name = optional_string(node, "name")?.ok_or("has no name")?;
    Ok(SlotEntry {
        name,
        email: optional_string(node, "email")?,
        plan: optional_string(node, "plan")?,
    })
}

fn read_active(root: Node<'_>, slots: &[SlotEntry]) -> Result<Option<String>, String> {
    let active = optional_string(root, "active")?;
    Ok(active.filter(|name| slots.iter().any(|s| &s.name == name)))
}

/// A member that is absent or null gives `None`; a string gives its value; anything
/// else is an error naming the key.
fn optional_string(object: Node<'_>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.into_owned()))
            .ok_or_else(|| format!("`{key}` is not a string")),
    }
}

/// Raw JSON text shown in an error: short, and only when it is a plain number.
fn printable(raw: &str) -> String {
    if raw.len() <= 20
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-+.eE".contains(&b))
    {
        raw.to_owned()
    } else {
        "(not a number)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str) -> Result<Catalog, String> {
        parse(Path::new("/c/slots.json"), input.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_original_tools_pretty_catalog() {
        let text = r#"{
  "version": 1,
  "active": "work",
  "slots": [
    { "name": "personal", "email": "a@example.com", "plan": "max", "last_five_hour_percent": 4.5 },
    { "name": "work", "email": "z@example.org", "plan": "team", "rate_limit_tier": "tier4" }
  ]
}"#;
        let c = check(text).unwrap();
        assert_eq!(c.active.as_deref(), Some("work"));
        assert_eq!(c.slots.len(), 2);
        assert_eq!(c.slots[0].name, "personal");
        assert_eq!(c.slots[1].plan.as_deref(), Some("team"));
    }

    #[test]
    fn an_unknown_version_is_refused_with_both_versions_named() {
        let err = check(r#"{"version":2,"slots":[]}"#).unwrap_err();
        assert_eq!(
            err,
            "/c/slots.json: the catalog has version 2, this claude-token reads version 1"
        );
        assert!(check(r#"{"slots":[]}"#)
            .unwrap_err()
            .ends_with("the catalog has no version"));
        assert!(check(r#"{"version":"1"}"#)
            .unwrap_err()
            .contains("(not a number)"));
    }

    #[test]
    fn ambiguous_catalogs_are_refused() {
        let twice = r#"{"version":1,"slots":[{"name":"a"},{"name":"a"}]}"#;
        assert!(check(twice)
            .unwrap_err()
            .ends_with("slot name a appears twice"));
        let dup_key = r#"{"version":1,"version":1,"slots":[]}"#;
        assert!(check(dup_key).unwrap_err().contains("key twice"));
    }

    #[test]
    fn malformed_members_name_the_slot_and_key() {
        let no_name = r#"{"version":1,"slots":[{"name":"a"},{"email":"x"}]}"#;
        assert!(check(no_name)
            .unwrap_err()
            .ends_with("slot #2: has no name"));
        let bad_email = r#"{"version":1,"slots":[{"name":"a","email":3}]}"#;
        assert!(check(bad_email)
            .unwrap_err()
            .ends_with("slot #1: `email` is not a string"));
        assert!(check(r#"{"version":1,"slots":{}}"#)
            .unwrap_err()
            .ends_with("`slots` is not an array"));
        assert!(check("[1]")
            .unwrap_err()
            .ends_with("the catalog is not a JSON object"));
    }

    #[test]
    fn truncated_catalog_is_a_json_error_with_an_offset() {
        let err = check(r#"{"version":1,"slots":[{"na"#).unwrap_err();
        assert!(err.starts_with("/c/slots.json: "), "{err}");
        assert!(err.contains("byte"), "{err}");
    }

    #[test]
    fn an_active_name_without_a_slot_is_no_active_slot() {
        let c = check(r#"{"version":1,"active":"gone","slots":[{"name":"a"}]}"#).unwrap();
        assert_eq!(c.active, None);
        let c = check(r#"{"version":1,"active":null}"#).unwrap();
        assert_eq!(c.active, None);
        assert!(c.slots.is_empty());
    }
}
