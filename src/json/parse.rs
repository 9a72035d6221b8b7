//! The tree builder: one pass over the input with an explicit stack of open arrays and
//! objects (never recursion, so hostile nesting is a `TooDeep` error, not a stack
//! overflow). It records spans only; it never decodes a value except object keys, which
//! it compares to report duplicates. The tree is a flat pre-order list of entries in
//! which each entry knows the index just past its subtree.

use super::document::{Duplicate, Entry, KeySpan, Kind, NO_PARENT};
use super::lex;
use super::{Error, Limits, Reason};
use std::borrow::Cow;
use std::collections::HashSet;

/// The UTF-8 byte order mark, accepted (and reported) before the value.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What one successful pass yields besides the source.
pub(crate) struct Parsed {
    pub entries: Vec<Entry>,
    pub bom: bool,
    pub duplicates: Vec<Duplicate>,
    pub lone_surrogates: Vec<usize>,
}

/// Parses `src` under `limits` (already clamped by the caller).
pub(crate) fn parse(src: &[u8], limits: Limits) -> Result<Parsed, Error> {
    if src.len() > limits.max_size {
        return Err(Error {
            offset: limits.max_size,
            reason: Reason::TooLarge,
        });
    }
    let bom = src.starts_with(BOM);
    let mut parser = Parser {
        src,
        pos: if bom { BOM.len() } else { 0 },
        max_depth: limits.max_depth,
        entries: Vec::with_capacity(entry_estimate(src.len())),
        stack: Vec::new(),
        keys: Vec::new(),
        duplicates: Vec::new(),
        lone_surrogates: Vec::new(),
    };
    parser.run()?;
    Ok(Parsed {
        entries: parser.entries,
        bom,
        duplicates: parser.duplicates,
        lone_surrogates: parser.lone_surrogates,
    })
}

/// Room for the entries of a `len`-byte text, so that the list is rarely regrown:
/// the JSON this tool reads has one value per 33 to 38 bytes (credentials, catalog).
/// Capped, so a large hostile input does not reserve memory up front.
fn entry_estimate(len: usize) -> usize {
    (len / 24 + 4).min(1 << 14)
}

/// An array or object that has been opened and not yet closed.
struct Frame<'a> {
    entry: usize,
    object: bool,
    members: usize,
    /// Where this object's keys start in [`Parser::keys`] (while it has few).
    keys_from: usize,
    /// This object's keys once it has more than [`LIST_MAX`]: a set keeps many
    /// members linear.
    many: Option<HashSet<Key<'a>>>,
}

/// A decoded key, compared as bytes (the scanner already checked them as UTF-8).
type Key<'a> = Cow<'a, [u8]>;

/// Objects this tool reads have a dozen members or fewer: up to this many keys, a
/// list (no hashing, no random seed, no allocation of its own) finds repeats.
const LIST_MAX: usize = 16;

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    max_depth: usize,
    entries: Vec<Entry>,
    stack: Vec<Frame<'a>>,
    /// The keys of every open object that has at most [`LIST_MAX`], innermost last.
    keys: Vec<Key<'a>>,
    duplicates: Vec<Duplicate>,
    lone_surrogates: Vec<usize>,
}

impl<'a> Parser<'a> {
    fn run(&mut self) -> Result<(), Error> {
        self.skip_ws();
        self.value(None)?;
        while !self.stack.is_empty() {
            self.step()?;
        }
        self.skip_ws();
        if self.pos < self.src.len() {
            return Err(Error {
                offset: self.pos,
                reason: Reason::TrailingCharacters,
            });
        }
        Ok(())
    }

    /// Advances the innermost open container by one element, or closes it.
    fn step(&mut self) -> Result<(), Error> {
        self.skip_ws();
        let Some(frame) = self.stack.last_mut() else {
            return Ok(());
        };
        let (object, members) = (frame.object, frame.members);
        frame.members += 1;
        let close = if object { b'}' } else { b']' };
        if self.peek() == Some(close) {
            self.close();
            return Ok(());
        }
        if members > 0 {
            self.separator(object)?;
        }
        let key = if object { Some(self.key()?) } else { None };
        self.value(key)
    }

    fn separator(&mut self, object: bool) -> Result<(), Error> {
        if self.peek() != Some(b',') {
            let reason = if object {
                Reason::ExpectedCommaOrBrace
            } else {
                Reason::ExpectedCommaOrBracket
            };
            return Err(self.fail(reason));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// Scans a member's key and the `:` after it.
    fn key(&mut self) -> Result<KeySpan, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.fail(Reason::ExpectedKey));
        }
        let start = self.pos;
        let token = lex::string(self.src, start, &mut self.lone_surrogates)?;
        self.pos = token.end;
        let span = KeySpan::new(start, token.end, token.escaped);
        self.note_key(span);
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.fail(Reason::ExpectedColon));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(span)
    }

    /// Remembers a key in its object and reports it when the object already had it.
    fn note_key(&mut self, span: KeySpan) {
        let src: &'a [u8] = self.src;
        let raw = &src[span.start() + 1..span.end() - 1];
        let key: Key<'a> = if span.escaped {
            // The scanner validated the key's bytes as UTF-8, so this never fails.
            let text = std::str::from_utf8(raw).unwrap_or_default();
            Cow::Owned(lex::unescape(text).into_bytes())
        } else {
            Cow::Borrowed(raw)
        };
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        // Nested objects have closed and dropped their keys: ours are the tail.
        let list = &self.keys[frame.keys_from..];
        let fresh = if let Some(set) = &mut frame.many {
            set.insert(key)
        } else if list.contains(&key) {
            false
        } else if list.len() < LIST_MAX {
            self.keys.push(key);
            true
        } else {
            let mut set: HashSet<Key<'a>> = self.keys.drain(frame.keys_from..).collect();
            set.insert(key);
            frame.many = Some(set);
            true
        };
        if !fresh {
            self.duplicates.push(Duplicate {
                object: frame.entry,
                key: span,
            });
        }
    }

    /// Scans a scalar, or opens an array or object, at the current position.
    fn value(&mut self, key: Option<KeySpan>) -> Result<(), Error> {
        let (src, start) = (self.src, self.pos);
        let (kind, end, escaped) = match self.peek() {
            Some(b'{') => return self.open(Kind::Object, key),
            Some(b'[') => return self.open(Kind::Array, key),
            Some(b'"') => {
                let token = lex::string(src, start, &mut self.lone_surrogates)?;
                (Kind::String, token.end, token.escaped)
            }
            Some(b'-' | b'0'..=b'9') => (Kind::Number, lex::number(src, start)?, false),
            Some(b't') => (Kind::Bool, lex::literal(src, start, b"true")?, false),
            Some(b'f') => (Kind::Bool, lex::literal(src, start, b"false")?, false),
            Some(b'n') => (Kind::Null, lex::literal(src, start, b"null")?, false),
            _ => return Err(self.fail(Reason::ExpectedValue)),
        };
        self.push(Entry::new(kind, start, end, escaped, key));
        self.pos = end;
        Ok(())
    }

    fn open(&mut self, kind: Kind, key: Option<KeySpan>) -> Result<(), Error> {
        if self.stack.len() >= self.max_depth {
            return Err(Error {
                offset: self.pos,
                reason: Reason::TooDeep,
            });
        }
        let start = self.pos;
        let entry = self.push(Entry::new(kind, start, start, false, key));
        let object = kind == Kind::Object;
        self.stack.push(Frame {
            entry,
            object,
            members: 0,
            keys_from: self.keys.len(),
            many: None,
        });
        self.pos += 1;
        Ok(())
    }

    /// Closes the innermost container at the current `]` or `}`.
    fn close(&mut self) {
        self.pos += 1;
        let next = self.entries.len();
        if let Some(frame) = self.stack.pop() {
            self.keys.truncate(frame.keys_from);
            let entry = &mut self.entries[frame.entry];
            entry.set_end(self.pos);
            entry.set_next(next);
        }
    }

    /// Appends an entry under the innermost open container; returns its index.
    fn push(&mut self, mut entry: Entry) -> usize {
        let index = self.entries.len();
        entry.set_parent(self.stack.last().map_or(NO_PARENT, |frame| frame.entry));
        entry.set_next(index + 1);
        self.entries.push(entry);
        index
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        loop {
            // Indentation comes in runs of spaces: eight at a time where it can.
            while self.src.get(self.pos..).and_then(<[u8]>::first_chunk::<8>) == Some(&[b' '; 8]) {
                self.pos += 8;
            }
            if !self.peek().is_some_and(lex::is_ws) {
                return;
            }
            self.pos += 1;
        }
    }

    /// `reason` at the current byte, or an early end when there is none.
    fn fail(&self, reason: Reason) -> Error {
        if self.pos >= self.src.len() {
            Error {
                offset: self.src.len(),
                reason: Reason::UnexpectedEnd,
            }
        } else {
            Error {
                offset: self.pos,
                reason,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::json::Document;

    /// `{"k0":0,...}` with the given keys, in order.
    fn object(keys: &[String]) -> Document {
        let members: Vec<String> = keys.iter().map(|k| format!("\"{k}\":0")).collect();
        Document::parse(format!("{{{}}}", members.join(",")).as_bytes()).unwrap()
    }

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("k{i}")).collect()
    }

    fn repeated(doc: &Document) -> Vec<String> {
        doc.duplicate_keys().into_iter().map(|d| d.key).collect()
    }

    #[test]
    fn many_distinct_keys_are_no_duplicates() {
        assert!(repeated(&object(&keys(40))).is_empty());
    }

    #[test]
    fn finds_repeats_of_early_keys_in_short_and_long_objects() {
        for n in [3, 16, 17, 40] {
            let mut names = keys(n);
            names.push("k0".into());
            names.push("k1".into());
            assert_eq!(repeated(&object(&names)), ["k0", "k1"], "{n} keys");
        }
    }

    #[test]
    fn finds_a_repeat_of_a_key_added_after_the_object_grew_long() {
        let mut names = keys(30);
        names.push("k25".into());
        names.push("k25".into());
        assert_eq!(repeated(&object(&names)), ["k25", "k25"]);
    }

    #[test]
    fn keys_of_nested_objects_are_their_own_and_leave_with_them() {
        let doc = Document::parse(
            br#"{"a":{"a":1,"b":{"a":2}},"b":{"a":1},"c":[{"a":1},{"a":2}],"a":3}"#,
        )
        .unwrap();
        assert_eq!(repeated(&doc), ["a"]);
        let top = doc.duplicate_keys();
        assert!(top[0].object.is_empty(), "the repeat is at the top level");
    }

    #[test]
    fn an_escaped_key_repeats_its_plain_spelling_inside_a_long_object() {
        for n in [2, 20] {
            let mut text: Vec<String> = keys(n)
                .iter()
                .map(|k| format!("\"{k}\":{{\"k0\":0}}"))
                .collect();
            text.push("\"\\u006b1\":0".into());
            let doc = Document::parse(format!("{{{}}}", text.join(",")).as_bytes()).unwrap();
            assert_eq!(repeated(&doc), ["k1"], "{n} keys");
        }
    }

    #[test]
    fn an_entry_is_32_bytes() {
        assert!(size_of::<super::Entry>() <= 32);
    }

    #[test]
    fn no_limit_lets_a_document_outgrow_its_u32_offsets() {
        use crate::json::Limits;
        let limits = Limits {
            max_depth: 8,
            max_size: usize::MAX,
        };
        let clamped = Document::parse_with(b"[1]", limits).unwrap().limits();
        assert_eq!(clamped.max_size, crate::json::SIZE_CEILING);
    }
}
