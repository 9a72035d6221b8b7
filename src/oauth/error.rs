//! The OAuth client's outcomes other than success, and how an HTTP status maps to them.
//!
//! It owns the status table (which answer means "log in again", "refresh and retry",
//! "wait") and the treatment of server text: the `error` code and message of an error
//! body are passed through `redact::scrub`, stripped of control characters (no terminal
//! escapes from a server) and truncated before they are kept. It never keeps a raw body,
//! a request, a header value or a token.

use std::fmt;

use crate::client;
use crate::http;
use crate::json;
use crate::net;
use crate::redact;
use crate::time;

/// Which request failed; named in every message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Usage,
    Profile,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::Token => "token refresh",
            Endpoint::Usage => "usage request",
            Endpoint::Profile => "profile request",
        })
    }
}

/// What the server said about an error, when its body is JSON we can read. Both fields
/// are scrubbed, free of control characters and truncated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerText {
    /// `error` (OAuth) or `error.type` (the API's error shape).
    pub code: Option<String>,
    /// `error_description`, `error.message` or `message`.
    pub message: Option<String>,
}

/// Why a response could not be used, though the server answered.
#[derive(Debug)]
pub enum Protocol {
    /// The response broke HTTP/1.1 or a limit (truncated, oversize, malformed).
    Http(http::Error),
    /// A 3xx answer; redirects are never followed.
    Redirect { status: u16 },
    /// A success body that is not JSON.
    Json(json::Error),
    /// A success body without a field we need, or with a wrong type or empty value.
    Field { name: &'static str },
}

#[derive(Debug)]
pub enum Error {
    /// The refresh token is no longer accepted (400 `invalid_grant`, or 401 from the
    /// token endpoint): only a new login helps, retrying never does.
    LoginDead { status: u16, text: ServerText },
    /// 401 from usage or profile: the access token is expired or revoked. The caller
    /// refreshes once and retries (see [`super::retry_once_on_unauthorized`]).
    Unauthorized {
        endpoint: Endpoint,
        text: ServerText,
    },
    /// Status 429; `retry_at_ms` is the epoch-ms instant `Retry-After` names, with seconds
    /// counted from when the answer arrived; `None` without a readable header.
    RateLimited {
        endpoint: Endpoint,
        retry_at_ms: Option<i64>,
    },
    /// Status 5xx.
    Server {
        endpoint: Endpoint,
        status: u16,
        text: ServerText,
    },
    /// Any other status that is not a success (4xx, or a 1xx/2xx oddity we do not use).
    Rejected {
        endpoint: Endpoint,
        status: u16,
        text: ServerText,
    },
    /// DNS, connect, proxy, TLS, timeout, reset.
    Network {
        endpoint: Endpoint,
        source: net::Error,
    },
    Protocol {
        endpoint: Endpoint,
        reason: Protocol,
    },
    /// An endpoint variable holds a URL we cannot use (its value is not shown).
    Setting {
        variable: &'static str,
        source: net::Error,
    },
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Http(err) => err.fmt(f),
            Protocol::Redirect { status } => {
                write!(
                    f,
                    "redirect (status {status}) refused; redirects are not followed"
                )
            }
            Protocol::Json(err) => write!(f, "answer is not json: {err}"),
            Protocol::Field { name } => write!(f, "answer lacks a usable `{name}`"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LoginDead { status, text } => {
                write!(f, "the login is dead: the token endpoint refused the refresh token (status {status}{text})")
            }
            Error::Unauthorized { endpoint, text } => {
                write!(f, "{endpoint} refused the access token (status 401{text})")
            }
            Error::RateLimited {
                endpoint,
                retry_at_ms: Some(at),
            } => write!(
                f,
                "{endpoint} rate limited (status 429); retry after {}",
                time::format_rfc3339(*at)
            ),
            Error::RateLimited { endpoint, .. } => {
                write!(f, "{endpoint} rate limited (status 429)")
            }
            Error::Server {
                endpoint,
                status,
                text,
            } => write!(f, "{endpoint} failed: server error (status {status}{text})"),
            Error::Rejected {
                endpoint,
                status,
                text,
            } => write!(f, "{endpoint} refused (status {status}{text})"),
            Error::Network { endpoint, source } => write!(f, "{endpoint} failed: {source}"),
            Error::Protocol { endpoint, reason } => write!(f, "{endpoint} failed: {reason}"),
            Error::Setting { variable, source } => write!(f, "bad url in {variable}: {source}"),
        }
    }
}

/// `, code: message`, as much as is known.
impl fmt::Display for ServerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ", {code}: {message}"),
            (Some(text), None) | (None, Some(text)) => write!(f, ", {text}"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Network { source, .. } | Error::Setting { source, .. } => Some(source),
            Error::Protocol {
                reason: Protocol::Http(err),
                ..
            } => Some(err),
            Error::Protocol {
                reason: Protocol::Json(err),
                ..
            } => Some(err),
            _ => None,
        }
    }
}

impl Error {
    pub(super) fn from_client(endpoint: Endpoint, err: client::Error) -> Error {
        match err {
            client::Error::Net(source) => Error::Network { endpoint, source },
            client::Error::Http(err) => Error::protocol(endpoint, Protocol::Http(err)),
            client::Error::Redirect { status } => {
                Error::protocol(endpoint, Protocol::Redirect { status })
            }
        }
    }

    pub(super) fn protocol(endpoint: Endpoint, reason: Protocol) -> Error {
        Error::Protocol { endpoint, reason }
    }

    pub(super) fn field(endpoint: Endpoint, name: &'static str) -> Error {
        Error::protocol(endpoint, Protocol::Field { name })
    }

    /// Whether waiting and trying again may help (network, 5xx, 429, unreadable answers).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Server { .. }
                | Error::Network { .. }
                | Error::Protocol { .. }
        )
    }
}

/// Maps a non-success status to its outcome. `retry_at_ms` is only read for 429.
pub(super) fn from_status(
    endpoint: Endpoint,
    status: u16,
    body: &[u8],
    retry_at_ms: Option<i64>,
) -> Error {
    let text = server_text(body);
    let invalid_grant = text.code.as_deref() == Some("invalid_grant");
    match (endpoint, status) {
        (Endpoint::Token, 401) => Error::LoginDead { status, text },
        (Endpoint::Token, 400) if invalid_grant => Error::LoginDead { status, text },
        (Endpoint::Usage | Endpoint::Profile, 401) => Error::Unauthorized { endpoint, text },
        (_, 429) => Error::RateLimited {
            endpoint,
            retry_at_ms,
        },
        (_, 500..=599) => Error::Server {
            endpoint,
            status,
            text,
        },
        _ => Error::Rejected {
            endpoint,
            status,
            text,
        },
    }
}

/// Longest kept error code and message, in characters.
const MAX_CODE_CHARS: usize = 64;
const MAX_MESSAGE_CHARS: usize = 200;

/// Reads `{"error":"code","error_description":"..."}` or
/// `{"error":{"type":"code","message":"..."}}`; anything else gives nothing.
pub(super) fn server_text(body: &[u8]) -> ServerText {
    super::with_document(body, |root| {
        let error = root.get("error");
        let code = error.and_then(|e| {
            e.as_str()
                .or_else(|| e.get("type").and_then(|t| t.as_str()))
        });
        let message = root
            .get("error_description")
            .or_else(|| error.and_then(|e| e.get("message")))
            .or_else(|| root.get("message"))
            .and_then(|m| m.as_str());
        ServerText {
            code: code.map(|c| outside_text(&c, MAX_CODE_CHARS)),
            message: message.map(|m| outside_text(&m, MAX_MESSAGE_CHARS)),
        }
    })
    .unwrap_or_default()
}

/// Server text made safe to print: token-like parts masked, control characters (escape
/// sequences, line breaks) replaced by spaces, cut to `max` characters.
pub fn outside_text(text: &str, max: usize) -> String {
    let scrubbed = redact::scrub(text);
    let mut out: String = scrubbed
        .chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                ' '
            } else {
                c
            }
        })
        .take(max)
        .collect();
    if scrubbed.chars().nth(max).is_some() {
        out.push_str("...");
    }
    out
}

/// Marks that reorder how a terminal shows the text around them (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
