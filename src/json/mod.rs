//! Lossless JSON codec: a strict RFC 8259 parser that keeps byte spans into the
//! source, read accessors over the parsed tree, splice edits that leave every byte
//! they do not mean to change untouched, and an owned [`Value`] with a compact writer.
//!
//! It never reformats a document it did not write, never recurses on its input (the
//! parser keeps an explicit stack, and `Limits` bound depth and size), and never puts
//! document content into an error or a `Debug` line: the documents are credentials.
//!
//! Files: `lex` (strings, numbers, literals), `parse` (the iterative tree builder),
//! `document` (the parsed tree and its accessors), `number` (exact integer reading),
//! `value` and `write` (owned values and the compact writer), `edit` and `style`
//! (splices that follow the document's own layout).

mod document;
mod edit;
mod lex;
mod number;
mod parse;
mod style;
mod value;
mod write;

pub use document::{Document, DuplicateKey, Elements, Kind, Member, Members, Node, PathStep};
pub use edit::{EditError, Editor, Position};
pub use style::line_indent;
pub use value::{Number, Value};
pub use write::{quote, to_compact_string, write_compact};

use std::fmt;

/// Depth above which `Limits::max_depth` is clamped, so that code walking a parsed tree
/// recursively (conversion to [`Value`], dropping it) stays far from a small thread stack.
pub const DEPTH_CEILING: usize = 512;

/// Size above which `Limits::max_size` is clamped (4 GiB): a document's offsets and
/// indexes are `u32`, which keeps a tree entry at 32 bytes.
pub const SIZE_CEILING: usize = (u32::MAX - 1) as usize;

/// Bounds on what the parser accepts; going past one is an error, never a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects (a lone `[]` is depth 1). Clamped to
    /// [`DEPTH_CEILING`].
    pub max_depth: usize,
    /// Largest input in bytes. Clamped to [`SIZE_CEILING`].
    pub max_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_size: 4 << 20,
        }
    }
}

/// Parses `input` with the default [`Limits`].
pub fn parse(input: &[u8]) -> Result<Document, Error> {
    Document::parse(input)
}

/// Why and where the input is not JSON. Carries no document content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    /// Byte offset of the problem (the input length for an early end).
    pub offset: usize,
    pub reason: Reason,
}

/// What is wrong, as a flat list that tests compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The input is larger than `Limits::max_size`.
    TooLarge,
    /// Arrays and objects nest deeper than `Limits::max_depth`.
    TooDeep,
    /// The input ends in the middle of a value.
    UnexpectedEnd,
    /// A value was expected here.
    ExpectedValue,
    /// Something starting like `true`, `false` or `null` is not one of them.
    InvalidLiteral,
    /// A number's integer part starts with `0` followed by another digit.
    LeadingZero,
    /// A number lacks a digit after `-`, `.`, `e` or the exponent sign.
    ExpectedDigit,
    /// A byte below 0x20 appears unescaped inside a string.
    ControlCharacter,
    /// A backslash is followed by something that is not an escape.
    InvalidEscape,
    /// `\u` is not followed by four hex digits.
    InvalidUnicodeEscape,
    /// The bytes of a string are not valid UTF-8.
    InvalidUtf8,
    /// An object member must start with a string key here.
    ExpectedKey,
    /// An object key must be followed by `:`.
    ExpectedColon,
    /// An object member must be followed by `,` or `}`.
    ExpectedCommaOrBrace,
    /// An array element must be followed by `,` or `]`.
    ExpectedCommaOrBracket,
    /// Something other than whitespace follows the top-level value.
    TrailingCharacters,
}

impl Reason {
    fn describe(self) -> &'static str {
        match self {
            Reason::TooLarge => "input is larger than the size limit",
            Reason::TooDeep => "arrays and objects nest deeper than the depth limit",
            Reason::UnexpectedEnd => "unexpected end of input",
            Reason::ExpectedValue => "expected a value",
            Reason::InvalidLiteral => "expected true, false or null",
            Reason::LeadingZero => "number has a leading zero",
            Reason::ExpectedDigit => "expected a digit in number",
            Reason::ControlCharacter => "unescaped control character in string",
            Reason::InvalidEscape => "invalid escape in string",
            Reason::InvalidUnicodeEscape => "expected four hex digits after \\u",
            Reason::InvalidUtf8 => "invalid UTF-8 in string",
            Reason::ExpectedKey => "expected a string key",
            Reason::ExpectedColon => "expected ':' after object key",
            Reason::ExpectedCommaOrBrace => "expected ',' or '}' after object member",
            Reason::ExpectedCommaOrBracket => "expected ',' or ']' after array element",
            Reason::TrailingCharacters => "unexpected data after the value",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for Error {}
