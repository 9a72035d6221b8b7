//! The compact writer: a [`Value`] as JSON without any whitespace, and string literals
//! for splice values. Output always re-parses to an equal value. Escapes only what JSON
//! requires (`"`, `\`, control characters); other text, non-ASCII included, is written
//! raw as UTF-8. It never pretty-prints: documents we did not write keep their layout
//! through `edit` instead.

use super::value::Value;

/// `value` as compact JSON.
pub fn to_compact_string(value: &Value) -> String {
    let mut out = String::new();
    write_compact(value, &mut out);
    out
}

/// Appends `value` as compact JSON to `out`. Recursion follows the value's depth, which
/// for a parsed value is bounded by the parser's depth ceiling.
pub fn write_compact(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::String(s) => push_quoted(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_quoted(key, out);
                out.push(':');
                write_compact(item, out);
            }
            out.push('}');
        }
    }
}

/// `text` as a JSON string literal, quotes included.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_quoted(text, &mut out);
    out
}

fn push_quoted(text: &str, out: &mut String) {
    out.push('"');
    let mut plain_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            // The byte is ASCII, so both slice ends are char boundaries.
            out.push_str(&text[plain_from..i]);
            push_escape(byte, out);
            plain_from = i + 1;
        }
    }
    out.push_str(&text[plain_from..]);
    out.push('"');
}

fn push_escape(byte: u8, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0C => out.push_str("\\f"),
        _ => {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
}
