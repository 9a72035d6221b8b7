//! The argv lexer: a pull parser that splits raw arguments into flags and values.
//!
//! The caller drives it: [`Lexer::next`] yields [`Arg::Short`], [`Arg::Long`] or
//! [`Arg::Value`], and after a flag that takes a value the caller asks for it with
//! [`Lexer::value`]. The caller's `match` is therefore the grammar; this module knows
//! no flag names and never decides what is valid, only how tokens are shaped:
//!
//! ```text
//! --name=value   Long("name"), value "value"      --name value   the same
//! --name=        Long("name"), value ""           --             every later token is a Value
//! -abc           Short('a'), Short('b'), Short('c')
//! -fvalue        Short('f'), value "value"         -f value       the same (also -f=value)
//! -              Value("-")                        ""             Value("")
//! ```
//!
//! A flag token must be UTF-8 ([`ArgError::NotUtf8`] names its position); values are
//! handed over as `OsString` untouched, so paths need not be UTF-8. It never panics,
//! prints, or reads anything but the iterator it was built from.

use std::ffi::OsString;
use std::fmt;

/// One lexed argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg<'a> {
    /// `-x`, one per letter of a cluster such as `-vv`.
    Short(char),
    /// `--name`, without the dashes and without any `=value`.
    Long(&'a str),
    /// A positional argument, `-`, or anything after `--`.
    Value(OsString),
}

/// What can go wrong while lexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// Argument number `position` (1-based, program name not counted) is not UTF-8.
    NotUtf8 { position: usize, lossy: String },
    /// `--flag=value` or `-f=value` was given to a flag that takes no value.
    UnexpectedValue { flag: String },
    /// A flag that takes a value came last.
    MissingValue { flag: String },
    /// `--=value`: there is no flag name before the `=`.
    EmptyFlagName { position: usize },
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::NotUtf8 { position, lossy } => {
                write!(
                    f,
                    "argument {position} is not valid UTF-8: '{}'",
                    shown(lossy)
                )
            }
            ArgError::UnexpectedValue { flag } => write!(f, "flag {flag} does not take a value"),
            ArgError::MissingValue { flag } => write!(f, "flag {flag} needs a value"),
            ArgError::EmptyFlagName { position } => {
                write!(f, "argument {position} has no flag name before '='")
            }
        }
    }
}

impl std::error::Error for ArgError {}

/// Where the lexer stands inside the current token.
#[derive(Debug)]
enum State {
    /// Between tokens.
    Idle,
    /// After `--name=value`: the value waits for [`Lexer::value`].
    Attached(String),
    /// Inside a short cluster: `rest` holds the letters not yet yielded.
    Shorts { rest: String },
    /// After `--`: every remaining token is a value.
    Positional,
}

/// The pull lexer over one argv (program name already removed).
pub struct Lexer {
    /// argv, collected: it is finite and small, and owning it keeps `Lexer` simple.
    source: std::vec::IntoIter<OsString>,
    state: State,
    /// 1-based number of the token most recently taken from `source`.
    position: usize,
    /// The last flag yielded, as typed (`--path`, `-v`), for error messages.
    last_flag: Option<String>,
    /// Storage for the name that [`Arg::Long`] borrows.
    long: String,
}

impl fmt::Debug for Lexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lexer")
            .field("state", &self.state)
            .field("position", &self.position)
            .field("last_flag", &self.last_flag)
            .finish_non_exhaustive()
    }
}

impl Lexer {
    /// A lexer over `argv`, which must not include the program name.
    pub fn new(argv: impl IntoIterator<Item = OsString>) -> Lexer {
        Lexer {
            source: argv.into_iter().collect::<Vec<_>>().into_iter(),
            state: State::Idle,
            position: 0,
            last_flag: None,
            long: String::new(),
        }
    }

    /// The 1-based position of the token most recently read (0 before the first).
    pub fn position(&self) -> usize {
        self.position
    }

    /// Makes every later token a [`Arg::Value`], as `--` does: for a command line that
    /// ends in another program's own arguments (`exec NAME COMMAND -p …`). Call it
    /// after a value was yielded, between tokens.
    pub fn positional_only(&mut self) {
        if matches!(self.state, State::Idle) {
            self.state = State::Positional;
        }
    }

    /// The next argument, or `None` at the end.
    ///
    /// Fails when the previous flag was given an `=value` it did not take (the caller
    /// asked for the next argument instead of [`Lexer::value`]), or when a flag token
    /// is not UTF-8.
    #[allow(clippy::should_implement_trait)] // `Arg` borrows the lexer; `Iterator` cannot lend
    pub fn next(&mut self) -> Result<Option<Arg<'_>>, ArgError> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Attached(_) => Err(self.unexpected_value()),
            State::Shorts { rest } => self.next_short(&rest, false),
            State::Positional => {
                self.state = State::Positional;
                Ok(self.take().map(Arg::Value))
            }
            State::Idle => match self.take() {
                None => Ok(None),
                Some(token) => self.classify(token),
            },
        }
    }

    /// The value of the flag just yielded: its `=value`, the rest of its short
    /// cluster, or else the next token whatever it looks like (`--path -` is fine).
    pub fn value(&mut self) -> Result<OsString, ArgError> {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Attached(value) => Ok(value.into()),
            // `-f=value` reads as `-fvalue`; one `=` is dropped.
            State::Shorts { rest } if !rest.is_empty() => {
                Ok(rest.strip_prefix('=').unwrap_or(&rest).into())
            }
            State::Positional => {
                self.state = State::Positional;
                self.take_value()
            }
            State::Shorts { .. } | State::Idle => self.take_value(),
        }
    }

    /// The whole next token as a value.
    fn take_value(&mut self) -> Result<OsString, ArgError> {
        self.take().ok_or_else(|| ArgError::MissingValue {
            flag: self.last_flag.clone().unwrap_or_default(),
        })
    }

    /// Takes the next raw token and counts it.
    fn take(&mut self) -> Option<OsString> {
        let token = self.source.next()?;
        self.position += 1;
        Some(token)
    }

    /// Splits a fresh token into a flag or a value.
    fn classify(&mut self, token: OsString) -> Result<Option<Arg<'_>>, ArgError> {
        let bytes = token.as_encoded_bytes();
        if bytes == b"--" {
            self.state = State::Positional;
            return self.next();
        }
        if bytes.len() < 2 || bytes[0] != b'-' {
            return Ok(Some(Arg::Value(token)));
        }
        let text = self.utf8(token)?;
        match text.strip_prefix("--") {
            Some(long) => self.start_long(long.to_owned()),
            None => self.next_short(&text[1..], true),
        }
    }

    /// Yields `Long(name)`, keeping any `=value` for [`Lexer::value`].
    fn start_long(&mut self, body: String) -> Result<Option<Arg<'_>>, ArgError> {
        let name = match body.split_once('=') {
            Some((name, value)) => {
                self.state = State::Attached(value.to_owned());
                name.to_owned()
            }
            None => body,
        };
        if name.is_empty() {
            return Err(ArgError::EmptyFlagName {
                position: self.position,
            });
        }
        self.last_flag = Some(format!("--{name}"));
        self.long = name;
        Ok(Some(Arg::Long(&self.long)))
    }

    /// Yields the next letter of a short cluster and keeps the rest. `fresh` is true
    /// for the first letter of a token (so `-=` is the flag `=`, while the `=` of
    /// `-y=x` is a value given to `-y`).
    fn next_short(&mut self, rest: &str, fresh: bool) -> Result<Option<Arg<'_>>, ArgError> {
        let mut chars = rest.chars();
        let Some(letter) = chars.next() else {
            return self.next();
        };
        if letter == '=' && !fresh {
            return Err(self.unexpected_value());
        }
        self.state = State::Shorts {
            rest: chars.as_str().to_owned(),
        };
        self.last_flag = Some(format!("-{letter}"));
        Ok(Some(Arg::Short(letter)))
    }

    fn unexpected_value(&self) -> ArgError {
        ArgError::UnexpectedValue {
            flag: self.last_flag.clone().unwrap_or_default(),
        }
    }

    /// Converts a flag token to UTF-8 or names its position.
    fn utf8(&self, token: OsString) -> Result<String, ArgError> {
        into_string(token, self.position)
    }
}

/// Converts an argument to UTF-8, or fails naming its 1-based `position`.
pub fn into_string(token: OsString, position: usize) -> Result<String, ArgError> {
    token.into_string().map_err(|raw| ArgError::NotUtf8 {
        position,
        lossy: raw.to_string_lossy().into_owned(),
    })
}

/// `text` made safe for a one-line message: control characters escaped, and cut
/// after 64 characters so a huge argument cannot flood the terminal.
pub fn shown(text: &str) -> String {
    const LIMIT: usize = 64;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == LIMIT {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
