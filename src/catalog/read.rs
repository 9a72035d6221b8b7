//! Validation: a parsed catalog document turned into a [`Catalog`], or a reason why
//! it is not one this version may touch.
//!
//! Refuses anything ambiguous (a key twice in one object, two slots with one name, two
//! records of one place), anything newer than it understands (a `version` other than
//! 1), slot names that break the naming rule (the original tool had the same rule, so
//! such a file is corrupt), and members of ours with the wrong type. Reasons name the
//! slot or place record and the key; they never quote a value other than a slot name
//! or a version number. Members it does not know are ignored here and kept by `edit`;
//! so is the text of a place record naming no slot, a stale hint left out of the
//! model. It never changes the text.

use super::model::{
    Catalog, Organization, PlaceRecord, RefreshOutcome, Slot, UsageSnapshot, UsageWindow,
};
use super::{TokenFingerprint, VERSION};
use crate::args::shown;
use crate::cli::SlotName;
use crate::json::{Document, Kind, Node};

/// The catalog `doc` describes, or why it is refused.
pub(super) fn catalog(doc: &Document) -> Result<Catalog, String> {
    let root = doc.root();
    if root.kind() != Kind::Object {
        return Err("the catalog is not a JSON object".into());
    }
    if let Some(dup) = doc.duplicate_keys().first() {
        return Err(format!(
            "the key `{}` appears twice in one object of the catalog",
            shown(&dup.key)
        ));
    }
    check_version(root)?;
    let slots = slots(root)?;
    let active = active(root, &slots)?;
    let places = places(root, &slots)?;
    Ok(Catalog {
        active,
        slots,
        places,
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

fn slots(root: Node<'_>) -> Result<Vec<Slot>, String> {
    let Some(list) = root.get("slots") else {
        return Ok(Vec::new());
    };
    if list.kind() != Kind::Array {
        return Err("`slots` is not an array".into());
    }
    let mut slots: Vec<Slot> = Vec::new();
    for (i, node) in list.elements().enumerate() {
        let slot = slot(node, i + 1)?;
        if slots.iter().any(|s| s.name == slot.name) {
            return Err(format!("slot name {} appears twice", slot.name));
        }
        slots.push(slot);
    }
    Ok(slots)
}

fn slot(node: Node<'_>, number: usize) -> Result<Slot, String> {
    let at = |e: String| format!("slot #{number}: {e}");
    if node.kind() != Kind::Object {
        return Err(at("not a JSON object".into()));
    }
    let name = string(node, "name")
        .map_err(at)?
        .ok_or(at("has no name".into()))?;
    let name = SlotName::parse(&name).map_err(|e| at(e.to_string()))?;
    let named = |e: String| format!("slot #{number} ({name}): {e}");
    fields(node, name.clone()).map_err(named)
}

/// Every member of ours except `name`.
fn fields(node: Node<'_>, name: SlotName) -> Result<Slot, String> {
    Ok(Slot {
        email: string(node, "email")?,
        account_uuid: string(node, "account_uuid")?,
        organization: object(node, "organization", organization)?,
        plan: string(node, "plan")?,
        rate_limit_tier: string(node, "rate_limit_tier")?,
        created_at_ms: integer(node, "created_at_ms")?,
        usage: object(node, "last_usage", usage)?,
        refresh: object(node, "last_refresh", refresh)?,
        oauth_account: object(node, "oauth_account", compact)?,
        name,
    })
}

/// An object kept as it is, as compact JSON text.
#[allow(clippy::unnecessary_wraps)] // the shape `object` takes for every member reader
fn compact(node: Node<'_>) -> Result<String, String> {
    Ok(crate::json::to_compact_string(
        &crate::json::Value::from_node(node),
    ))
}

fn organization(node: Node<'_>) -> Result<Organization, String> {
    Ok(Organization {
        uuid: string(node, "uuid")?.ok_or("`uuid` is missing")?,
        name: string(node, "name")?,
    })
}

fn usage(node: Node<'_>) -> Result<UsageSnapshot, String> {
    Ok(UsageSnapshot {
        fetched_at_ms: integer(node, "fetched_at_ms")?.ok_or("`fetched_at_ms` is missing")?,
        five_hour: object(node, "five_hour", window)?,
        seven_day: object(node, "seven_day", window)?,
        seven_day_sonnet: object(node, "seven_day_sonnet", window)?,
        seven_day_opus: object(node, "seven_day_opus", window)?,
    })
}

fn window(node: Node<'_>) -> Result<UsageWindow, String> {
    let utilization = present(node, "utilization").ok_or("`utilization` is missing")?;
    Ok(UsageWindow {
        utilization: utilization
            .as_f64()
            .ok_or("`utilization` is not a finite number")?,
        resets_at_ms: integer(node, "resets_at_ms")?,
    })
}

fn refresh(node: Node<'_>) -> Result<RefreshOutcome, String> {
    let result = string(node, "result")?.ok_or("`result` is missing")?;
    match result.as_str() {
        "ok" => Ok(RefreshOutcome::Ok {
            at_ms: integer(node, "at_ms")?.ok_or("`at_ms` is missing")?,
        }),
        "login_dead" => Ok(RefreshOutcome::LoginDead {
            since_ms: integer(node, "since_ms")?.ok_or("`since_ms` is missing")?,
            refused: fingerprint(node, "refused_sha256")?,
        }),
        _ => Err("`result` is neither \"ok\" nor \"login_dead\"".into()),
    }
}

fn active(root: Node<'_>, slots: &[Slot]) -> Result<Option<SlotName>, String> {
    let active = string(root, "active")?;
    Ok(active
        .and_then(|text| SlotName::parse(&text).ok())
        .filter(|name| slots.iter().any(|s| &s.name == name)))
}

/// The place records naming a slot of `slots`, in file order. A record naming
/// another slot is a stale hint (its slot was removed by a tool that does not know
/// places) and is left out; it must still be well-formed and not repeat a place.
fn places(root: Node<'_>, slots: &[Slot]) -> Result<Vec<PlaceRecord>, String> {
    let Some(list) = root.get("places") else {
        return Ok(Vec::new());
    };
    if list.kind() != Kind::Array {
        return Err("`places` is not an array".into());
    }
    let mut records: Vec<PlaceRecord> = Vec::new();
    for (i, node) in list.elements().enumerate() {
        let record = place(node).map_err(|e| format!("place #{}: {e}", i + 1))?;
        if let Some(first) = records.iter().position(|r| r.same_place(&record)) {
            return Err(format!(
                "place #{} has the `credentials_dir` and `keychain` of place #{}",
                i + 1,
                first + 1
            ));
        }
        records.push(record);
    }
    records.retain(|r| slots.iter().any(|s| s.name == r.slot));
    Ok(records)
}

fn place(node: Node<'_>) -> Result<PlaceRecord, String> {
    if node.kind() != Kind::Object {
        return Err("not a JSON object".into());
    }
    let slot = string(node, "slot")?.ok_or("`slot` is missing")?;
    Ok(PlaceRecord {
        credentials_dir: string(node, "credentials_dir")?.ok_or("`credentials_dir` is missing")?,
        keychain: string(node, "keychain")?,
        slot: SlotName::parse(&slot).map_err(|e| format!("`slot`: {e}"))?,
        seen: fingerprint(node, "seen_sha256")?,
    })
}

/// Member `key` unless it is absent or null.
fn present<'a>(object: Node<'a>, key: &str) -> Option<Node<'a>> {
    object.get(key).filter(|v| !v.is_null())
}

/// An optional string member; another type is an error naming the key.
fn string(object: Node<'_>, key: &str) -> Result<Option<String>, String> {
    present(object, key)
        .map(|v| {
            v.as_str()
                .map(std::borrow::Cow::into_owned)
                .ok_or_else(|| format!("`{key}` is not a string"))
        })
        .transpose()
}

/// An optional token fingerprint member: 64 lower-case hex digits.
fn fingerprint(object: Node<'_>, key: &str) -> Result<Option<TokenFingerprint>, String> {
    present(object, key)
        .map(|v| {
            v.as_str()
                .and_then(|text| TokenFingerprint::from_hex(&text))
                .ok_or_else(|| format!("`{key}` is not 64 lower-case hex digits"))
        })
        .transpose()
}

/// An optional integer member (milliseconds), in the range of `i64`.
fn integer(object: Node<'_>, key: &str) -> Result<Option<i64>, String> {
    present(object, key)
        .map(|v| {
            v.as_i64()
                .ok_or_else(|| format!("`{key}` is not a whole number"))
        })
        .transpose()
}

/// An optional object member read by `read`; its errors get the key as a prefix.
fn object<T>(
    parent: Node<'_>,
    key: &str,
    read: fn(Node<'_>) -> Result<T, String>,
) -> Result<Option<T>, String> {
    let Some(node) = present(parent, key) else {
        return Ok(None);
    };
    if node.kind() != Kind::Object {
        return Err(format!("`{key}` is not a JSON object"));
    }
    read(node).map(Some).map_err(|e| format!("in `{key}`: {e}"))
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
