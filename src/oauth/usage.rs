//! The usage request and its permissive reading.
//!
//! The answer's members come and go (codename windows appear for weeks, then vanish),
//! so reading never fails on content, only on a body that is not a JSON object:
//! - `five_hour`, `seven_day`, `seven_day_opus`, `seven_day_sonnet` are [`Window`]s:
//!   `null`, absent, or malformed (not an object, `utilization` not a number) all read
//!   as `None`; a wrong type is not fatal. A `resets_at` that is `null` or not RFC 3339
//!   reads as `None` while the window stays.
//! - `extra_usage` is an [`ExtraUsage`] when it is an object (each field optional).
//! - `limits` keeps its elements as owned JSON values (`[]` when absent or not an array).
//! - Any other member whose value is an object with a numeric `utilization` is kept in
//!   `other_windows` under its name, in document order; everything else is ignored.

use crate::json::{self, Node, Value};
use crate::redact::Secret;
use crate::time;

use super::{read_json, Client, Endpoint, Error};

/// One rate-limit window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Percent used, as the server sent it (normally 0 to 100).
    pub utilization: f64,
    /// When the window resets, in epoch milliseconds.
    pub resets_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExtraUsage {
    pub is_enabled: Option<bool>,
    pub monthly_limit: Option<f64>,
    pub used_credits: Option<f64>,
    pub utilization: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    pub five_hour: Option<Window>,
    pub seven_day: Option<Window>,
    pub seven_day_opus: Option<Window>,
    pub seven_day_sonnet: Option<Window>,
    pub extra_usage: Option<ExtraUsage>,
    pub limits: Vec<Value>,
    /// Windows under other names, in the order the server sent them.
    pub other_windows: Vec<(String, Window)>,
}

const NAMED: [&str; 6] = [
    "five_hour",
    "seven_day",
    "seven_day_opus",
    "seven_day_sonnet",
    "extra_usage",
    "limits",
];

impl Client {
    /// The login's usage windows. A 401 is [`Error::Unauthorized`]: refresh and retry once.
    pub fn usage(&self, access_token: &Secret) -> Result<Usage, Error> {
        let url = &self.endpoints.usage;
        let response = self.get_authorized(Endpoint::Usage, url, access_token)?;
        read_json(Endpoint::Usage, response.body(), |root| {
            Ok(read_usage(root))
        })
    }
}

impl Usage {
    /// Reads a usage answer (see the module docs); `None` when `body` is not a JSON object.
    pub fn parse(body: &[u8]) -> Option<Usage> {
        read_json(Endpoint::Usage, body, |root| Ok(read_usage(root))).ok()
    }
}

fn read_usage(root: Node<'_>) -> Usage {
    let window = |key| root.get(key).and_then(read_window);
    let limits = match root.get("limits") {
        Some(node) if node.kind() == json::Kind::Array => {
            node.elements().map(|e| e.to_value()).collect()
        }
        _ => Vec::new(),
    };
    let other_windows = root
        .members()
        .filter(|m| !NAMED.iter().any(|name| m.key_is(name)))
        .filter_map(|m| Some((m.key().into_owned(), read_window(m.value())?)))
        .collect();
    Usage {
        five_hour: window("five_hour"),
        seven_day: window("seven_day"),
        seven_day_opus: window("seven_day_opus"),
        seven_day_sonnet: window("seven_day_sonnet"),
        extra_usage: root.get("extra_usage").and_then(read_extra),
        limits,
        other_windows,
    }
}

fn read_window(node: Node<'_>) -> Option<Window> {
    let utilization = node.get("utilization")?.as_f64()?;
    let resets_at_ms = node
        .get("resets_at")
        .and_then(|n| n.as_str())
        .and_then(|s| time::parse_rfc3339(&s).ok());
    Some(Window {
        utilization,
        resets_at_ms,
    })
}

fn read_extra(node: Node<'_>) -> Option<ExtraUsage> {
    let number = |key| node.get(key).and_then(|n| n.as_f64());
    (node.kind() == json::Kind::Object).then(|| ExtraUsage {
        is_enabled: node.get("is_enabled").and_then(|n| n.as_bool()),
        monthly_limit: number("monthly_limit"),
        used_credits: number("used_credits"),
        utilization: number("utilization"),
    })
}
