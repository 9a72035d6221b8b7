//! The model as JSON: a slot's members in their canonical order, the `places` list,
//! and the text of a new value laid out like the document it goes into.
//!
//! A document that spans lines gets new values pretty-printed in its own newline and
//! indentation step (`serde_json`'s style: `"key": value`, one member per line, `[]`
//! and `{}` when empty); a one-line document gets compact text. It never decides
//! where text goes (that is `edit`) and never reads a file.

use super::model::{Organization, PlaceRecord, RefreshOutcome, Slot, UsageSnapshot, UsageWindow};
use crate::json::{line_indent, quote, to_compact_string, write_compact, Document, Number, Value};

/// The members of a slot other than `name`, in the order a new slot gets them; `None`
/// is a member without a value.
pub(super) fn members(slot: &Slot) -> Result<Vec<(&'static str, Option<Value>)>, String> {
    let text = |s: &Option<String>| s.as_deref().map(Value::from);
    Ok(vec![
        ("email", text(&slot.email)),
        ("account_uuid", text(&slot.account_uuid)),
        ("organization", slot.organization.as_ref().map(organization)),
        ("plan", text(&slot.plan)),
        ("rate_limit_tier", text(&slot.rate_limit_tier)),
        ("created_at_ms", slot.created_at_ms.map(Value::from)),
        ("last_usage", slot.usage.as_ref().map(usage).transpose()?),
        ("last_refresh", slot.refresh.map(refresh)),
        (
            "oauth_account",
            slot.oauth_account.as_deref().map(opaque).transpose()?,
        ),
    ])
}

/// A whole new slot object; members without a value are left out.
pub(super) fn slot(slot: &Slot) -> Result<Value, String> {
    let mut object = vec![("name".to_owned(), Value::from(slot.name.as_str()))];
    for (key, value) in members(slot)? {
        if let Some(value) = value {
            object.push((key.to_owned(), value));
        }
    }
    Ok(Value::Object(object))
}

/// The compact JSON text of an object, as a value again.
fn opaque(text: &str) -> Result<Value, String> {
    let doc = crate::json::parse(text.as_bytes()).map_err(|e| format!("oauth_account: {e}"))?;
    Ok(Value::from_node(doc.root()))
}

fn organization(org: &Organization) -> Value {
    let mut object = vec![("uuid".to_owned(), Value::from(org.uuid.as_str()))];
    if let Some(name) = &org.name {
        object.push(("name".to_owned(), Value::from(name.as_str())));
    }
    Value::Object(object)
}

fn usage(usage: &UsageSnapshot) -> Result<Value, String> {
    let mut object = vec![("fetched_at_ms".to_owned(), Value::from(usage.fetched_at_ms))];
    let windows = [
        ("five_hour", &usage.five_hour),
        ("seven_day", &usage.seven_day),
        ("seven_day_sonnet", &usage.seven_day_sonnet),
        ("seven_day_opus", &usage.seven_day_opus),
    ];
    for (key, window) in windows {
        if let Some(window) = window {
            object.push((key.to_owned(), usage_window(key, window)?));
        }
    }
    Ok(Value::Object(object))
}

fn usage_window(key: &str, window: &UsageWindow) -> Result<Value, String> {
    let utilization = Number::from_f64(window.utilization)
        .ok_or_else(|| format!("the {key} utilization is not a finite number"))?;
    let mut object = vec![("utilization".to_owned(), Value::Number(utilization))];
    if let Some(ms) = window.resets_at_ms {
        object.push(("resets_at_ms".to_owned(), Value::from(ms)));
    }
    Ok(Value::Object(object))
}

fn refresh(outcome: RefreshOutcome) -> Value {
    let (result, key, ms, refused) = match outcome {
        RefreshOutcome::Ok { at_ms } => ("ok", "at_ms", at_ms, None),
        RefreshOutcome::LoginDead { since_ms, refused } => {
            ("login_dead", "since_ms", since_ms, refused)
        }
    };
    let mut object = vec![
        ("result".to_owned(), Value::from(result)),
        (key.to_owned(), Value::from(ms)),
    ];
    if let Some(token) = refused {
        object.push(("refused_sha256".to_owned(), Value::from(token.to_hex())));
    }
    Value::Object(object)
}

/// The whole `places` value: one object per record, `keychain` always present
/// (`null` off macOS), `seen_sha256` only when known.
pub(super) fn places(records: &[PlaceRecord]) -> Value {
    Value::Array(records.iter().map(place).collect())
}

fn place(record: &PlaceRecord) -> Value {
    let keychain = record.keychain.as_deref().map_or(Value::Null, Value::from);
    let mut object = vec![
        (
            "credentials_dir".to_owned(),
            Value::from(record.credentials_dir.as_str()),
        ),
        ("keychain".to_owned(), keychain),
        ("slot".to_owned(), Value::from(record.slot.as_str())),
    ];
    if let Some(seen) = record.seen {
        object.push(("seen_sha256".to_owned(), Value::from(seen.to_hex())));
    }
    Value::Object(object)
}

/// How new text is laid out in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// `None`: the document is on one line, so new text is compact.
    pub pretty: Option<Pretty>,
}

/// A multi-line document's newline and indentation step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pretty {
    pub newline: &'static str,
    pub unit: String,
}

impl Layout {
    /// The layout of `doc`: pretty when its top-level value spans lines, with the
    /// indentation of its first member (two spaces when that tells nothing).
    pub fn of(doc: &Document) -> Layout {
        let src = doc.source();
        let root = doc.root();
        if !root.raw().contains('\n') {
            return Layout { pretty: None };
        }
        let newline = if src.contains("\r\n") { "\r\n" } else { "\n" };
        let unit = root
            .members()
            .next()
            .map(|m| line_indent(src, m.key_span().start))
            .filter(|indent| !indent.is_empty())
            .unwrap_or("  ");
        Layout {
            pretty: Some(Pretty {
                newline,
                unit: unit.to_owned(),
            }),
        }
    }

    /// `value` as text that starts on a line indented by `at`; pretty only when the
    /// document is and `multiline` (the container it goes into spans lines).
    pub fn write(&self, value: &Value, at: &str, multiline: bool) -> String {
        match &self.pretty {
            Some(pretty) if multiline => {
                let mut out = String::new();
                pretty.write(value, at, &mut out);
                out
            }
            _ => to_compact_string(value),
        }
    }
}

impl Pretty {
    /// Recursion follows the value's depth; ours are at most four deep.
    fn write(&self, value: &Value, at: &str, out: &mut String) {
        let inner = format!("{at}{}", self.unit);
        match value {
            Value::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.line(i, &inner, out);
                    self.write(item, &inner, out);
                }
                self.close(']', at, out);
            }
            Value::Object(members) if !members.is_empty() => {
                out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    self.line(i, &inner, out);
                    out.push_str(&quote(key));
                    out.push_str(": ");
                    self.write(item, &inner, out);
                }
                self.close('}', at, out);
            }
            // Scalars, and `[]` and `{}` on one line.
            _ => write_compact(value, out),
        }
    }

    /// Starts item `index` on a new line (after a comma unless it is the first).
    fn line(&self, index: usize, inner: &str, out: &mut String) {
        if index > 0 {
            out.push(',');
        }
        out.push_str(self.newline);
        out.push_str(inner);
    }

    fn close(&self, bracket: char, at: &str, out: &mut String) {
        out.push_str(self.newline);
        out.push_str(at);
        out.push(bracket);
    }
}
