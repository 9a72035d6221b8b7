//! Why a credentials blob was refused or could not be edited. Every variant carries
//! positions, field names and fixed reasons only, never blob content: a message built
//! from one can be printed anywhere without leaking a token.

use crate::json;
use std::fmt;

/// What is wrong with a credentials blob, or why an edit of one was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredsError {
    /// The bytes are not UTF-8; `offset` is where the first bad sequence starts.
    NotUtf8 { offset: usize },
    /// The text starts with a byte order mark, which Claude Code never writes.
    Bom,
    /// The text is not JSON.
    NotJson(json::Error),
    /// The text is JSON but not an object.
    NotAnObject,
    /// A key appears twice in one object of `scope`; `offset` is the repeat's quote.
    DuplicateKey { scope: Scope, offset: usize },
    /// A `\u` escape inside what we read is half of a surrogate pair: we would read
    /// U+FFFD where Claude Code's JavaScript reads the lone code unit.
    LoneSurrogate { offset: usize },
    /// There is no `claudeAiOauth` member: nobody is signed in.
    NoLogin,
    /// `claudeAiOauth` is there but is not an object.
    LoginNotAnObject,
    /// A member we read is missing or has the wrong type. `object` is the path of the
    /// object holding it (`""` for the top level).
    Field {
        object: &'static str,
        key: &'static str,
        problem: Problem,
    },
    /// A login with nothing usable in it, as Claude Code leaves one right after
    /// `/login` starts or after a refresh the server refused.
    Husk(Husk),
    /// A refresh answer that would turn a good login into a husk.
    BadGrant { reason: &'static str },
    /// One of the two blobs of an account swap is refused.
    Swap { side: Side, source: Box<CredsError> },
    /// The splice editor refused an edit (a bug here, or a blob at the size limit).
    Edit(json::EditError),
}

/// Where a repeated key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    TopLevel,
    Login,
}

/// How a member we read is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    NotString,
    NotInteger,
    NotStringArray,
    NotObject,
}

/// Why a login is a husk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Husk {
    /// Both tokens are empty.
    EmptyTokens,
    /// The refresh token is empty (an access token alone cannot be renewed).
    EmptyRefreshToken,
    /// `expiresAt` is absent or `null`.
    NoExpiry,
    /// `expiresAt` is not an integer number of milliseconds.
    ExpiryNotInteger,
    /// `expiresAt` is 0 or before 1970.
    ExpiryNotPositive,
}

/// Which blob of an account swap an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The live blob whose machine members stay.
    Live,
    /// The blob whose login moves in.
    Target,
}

impl CredsError {
    /// Whether the blob is a well-formed husk rather than something broken.
    pub fn is_husk(&self) -> bool {
        matches!(self, CredsError::Husk(_))
    }

    pub(super) fn on(self, side: Side) -> CredsError {
        CredsError::Swap {
            side,
            source: Box::new(self),
        }
    }
}

impl From<json::EditError> for CredsError {
    fn from(err: json::EditError) -> Self {
        CredsError::Edit(err)
    }
}

impl fmt::Display for CredsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredsError::NotUtf8 { offset } => {
                write!(f, "the credentials are not UTF-8 text (byte {offset})")
            }
            CredsError::Bom => f.write_str("the credentials start with a byte order mark"),
            CredsError::NotJson(e) => write!(
                f,
                "the credentials are not JSON: {} at byte {}",
                e.reason, e.offset
            ),
            CredsError::NotAnObject => f.write_str("the credentials are not a JSON object"),
            CredsError::DuplicateKey { scope, offset } => {
                write!(f, "the credentials repeat a key {scope} (byte {offset})")
            }
            CredsError::LoneSurrogate { offset } => {
                write!(f, "the login has a lone surrogate escape (byte {offset})")
            }
            CredsError::NoLogin => f.write_str("the credentials hold no claudeAiOauth login"),
            CredsError::LoginNotAnObject => f.write_str("claudeAiOauth is not a JSON object"),
            CredsError::Field {
                object,
                key,
                problem,
            } => {
                let dot = if object.is_empty() { "" } else { "." };
                write!(f, "{object}{dot}{key} {problem}")
            }
            CredsError::Husk(why) => write!(f, "the login is unusable (a husk): {why}"),
            CredsError::BadGrant { reason } => {
                write!(f, "the refreshed tokens cannot be stored: {reason}")
            }
            CredsError::Swap { side, source } => write!(f, "{side}: {source}"),
            CredsError::Edit(e) => write!(f, "the credentials cannot be edited: {e}"),
        }
    }
}

impl std::error::Error for CredsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CredsError::Swap { source, .. } => Some(source.as_ref()),
            CredsError::Edit(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::TopLevel => "at the top level",
            Scope::Login => "inside claudeAiOauth",
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Missing => "is missing",
            Problem::NotString => "is not a string",
            Problem::NotInteger => "is not an integer",
            Problem::NotStringArray => "is not an array of strings",
            Problem::NotObject => "is not an object",
        })
    }
}

impl fmt::Display for Husk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Husk::EmptyTokens => "both tokens are empty",
            Husk::EmptyRefreshToken => "the refresh token is empty",
            Husk::NoExpiry => "it has no expiresAt",
            Husk::ExpiryNotInteger => "expiresAt is not an integer",
            Husk::ExpiryNotPositive => "expiresAt is not after 1970",
        })
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Live => "the live credentials",
            Side::Target => "the credentials to switch to",
        })
    }
}
