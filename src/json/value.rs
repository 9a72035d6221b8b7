//! An owned JSON value, for building new JSON (request bodies, the catalog) and for
//! comparing documents by meaning. Numbers keep their text and objects keep their
//! member order and repeated keys, so nothing is lost converting a parsed node. It
//! never parses text itself (that is `parse`) and its `Debug` never shows a string.

use super::document::{Kind, Node};
use super::{lex, number};
use std::fmt;

/// An owned JSON value.
#[derive(Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in order; a repeated key stays repeated.
    Object(Vec<(String, Value)>),
}

/// A JSON number, kept as its valid RFC 8259 text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// `text` when it is exactly one RFC 8259 number.
    pub fn parse(text: &str) -> Option<Number> {
        let valid = lex::number(text.as_bytes(), 0).is_ok_and(|end| end == text.len());
        valid.then(|| Number(text.to_owned()))
    }

    /// The shortest text that reads back as `value`; `None` for NaN and infinities.
    pub fn from_f64(value: f64) -> Option<Number> {
        // Debug prints the shortest round-trip form: "1.0", "1e300", "-0.0", "NaN".
        Number::parse(&format!("{value:?}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_i64(&self) -> Option<i64> {
        number::exact_integer(&self.0).and_then(|n| i64::try_from(n).ok())
    }

    pub fn as_u64(&self) -> Option<u64> {
        number::exact_integer(&self.0).and_then(|n| u64::try_from(n).ok())
    }

    pub fn as_f64(&self) -> Option<f64> {
        number::to_f64(&self.0)
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Number(value.to_string())
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Number(value.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

impl Value {
    /// Copies a parsed node. Recursion is bounded by the parser's depth ceiling.
    pub fn from_node(node: Node<'_>) -> Value {
        match node.kind() {
            Kind::Null => Value::Null,
            Kind::Bool => Value::Bool(node.as_bool() == Some(true)),
            Kind::Number => Value::Number(Number(node.raw().to_owned())),
            Kind::String => Value::String(node.as_str().unwrap_or_default().into_owned()),
            Kind::Array => Value::Array(node.elements().map(Value::from_node).collect()),
            Kind::Object => Value::Object(
                node.members()
                    .map(|m| (m.key().into_owned(), Value::from_node(m.value())))
                    .collect(),
            ),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    /// Member `key` of an object; the last one when the key repeats.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let Value::Object(members) = self else {
            return None;
        };
        members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl Node<'_> {
    /// An owned copy of this value (see [`Value::from_node`]).
    pub fn to_value(&self) -> Value {
        Value::from_node(*self)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Number(value.into())
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Value::Number(value.into())
    }
}

impl fmt::Debug for Value {
    /// Strings show only their length: they may be tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Number(n) => write!(f, "{n:?}"),
            Value::String(s) => write!(f, "String(<{} bytes>)", s.len()),
            Value::Array(items) => f.debug_list().entries(items).finish(),
            Value::Object(members) => f
                .debug_map()
                .entries(members.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}
