//! The parsed document and read access to it: the exact source text, a flat tree of
//! spans into it, and what the parser noticed without rejecting (a byte order mark,
//! repeated keys, lone surrogate escapes). Reading never copies the source and never
//! changes it; edits live in `edit`.

use super::{lex, number, parse, Error, Limits, Reason, DEPTH_CEILING, SIZE_CEILING};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// `Entry::parent` of the top-level value.
pub(crate) const NO_PARENT: usize = u32::MAX as usize;

/// An offset or index into a document of at most [`SIZE_CEILING`] bytes.
fn narrow(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// What kind of value a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// One value of the tree, in pre-order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Span of the value text in the source.
    start: u32,
    end: u32,
    parent: u32,
    /// Index just past this entry's subtree: its next sibling, if it has one.
    next: u32,
    /// The key, when this value is an object member's.
    key: Option<KeySpan>,
    pub kind: Kind,
    /// A string value containing backslash escapes.
    pub escaped: bool,
}

impl Entry {
    /// A value spanning `start..end`, not yet placed in the tree.
    pub(crate) fn new(
        kind: Kind,
        start: usize,
        end: usize,
        escaped: bool,
        key: Option<KeySpan>,
    ) -> Entry {
        Entry {
            start: narrow(start),
            end: narrow(end),
            parent: u32::MAX,
            next: 0,
            key,
            kind,
            escaped,
        }
    }

    pub(crate) fn start(&self) -> usize {
        self.start as usize
    }

    pub(crate) fn end(&self) -> usize {
        self.end as usize
    }

    /// The enclosing container's index, or [`NO_PARENT`].
    pub(crate) fn parent(&self) -> usize {
        self.parent as usize
    }

    pub(crate) fn next(&self) -> usize {
        self.next as usize
    }

    pub(crate) fn key(&self) -> Option<KeySpan> {
        self.key
    }

    pub(crate) fn set_end(&mut self, end: usize) {
        self.end = narrow(end);
    }

    pub(crate) fn set_parent(&mut self, parent: usize) {
        self.parent = narrow(parent);
    }

    pub(crate) fn set_next(&mut self, next: usize) {
        self.next = narrow(next);
    }
}

/// Span of a member's key, quotes included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpan {
    start: u32,
    end: u32,
    pub escaped: bool,
}

impl KeySpan {
    pub(crate) fn new(start: usize, end: usize, escaped: bool) -> KeySpan {
        KeySpan {
            start: narrow(start),
            end: narrow(end),
            escaped,
        }
    }

    /// Offset of the opening quote.
    pub(crate) fn start(&self) -> usize {
        self.start as usize
    }

    /// Offset just past the closing quote.
    pub(crate) fn end(&self) -> usize {
        self.end as usize
    }

    /// The key's text between its quotes, as written.
    fn inner(&self) -> Range<usize> {
        self.start() + 1..self.end() - 1
    }
}

/// A key that appears a second (or later) time in the same object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Duplicate {
    pub object: usize,
    pub key: KeySpan,
}

/// One step of a path from the top-level value down to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// A repeated key: the path of the object holding it, the key, and where it repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub object: Vec<PathStep>,
    pub key: String,
    /// Byte offset of the repeated occurrence's opening quote.
    pub offset: usize,
}

/// A parsed JSON text: the exact input bytes and a tree of spans into them.
pub struct Document {
    src: String,
    entries: Vec<Entry>,
    bom: bool,
    duplicates: Vec<Duplicate>,
    lone_surrogates: Vec<usize>,
    limits: Limits,
}

impl Document {
    /// Parses `input` with the default [`Limits`].
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, Limits::default())
    }

    /// Parses `input` with `limits` (a depth above [`DEPTH_CEILING`] counts as the ceiling).
    pub fn parse_with(input: &[u8], limits: Limits) -> Result<Self, Error> {
        let limits = Limits {
            max_depth: limits.max_depth.min(DEPTH_CEILING),
            max_size: limits.max_size.min(SIZE_CEILING),
        };
        let parsed = parse::parse(input, limits)?;
        // Outside strings the grammar admits only ASCII and the BOM, and the parser
        // checked every string, so accepted input is UTF-8: this cannot fail.
        let src = String::from_utf8(input.to_vec()).map_err(|e| Error {
            offset: e.utf8_error().valid_up_to(),
            reason: Reason::InvalidUtf8,
        })?;
        Ok(Document {
            src,
            entries: parsed.entries,
            bom: parsed.bom,
            duplicates: parsed.duplicates,
            lone_surrogates: parsed.lone_surrogates,
            limits,
        })
    }

    /// The input, byte for byte.
    pub fn source(&self) -> &str {
        &self.src
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.src.as_bytes()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.src.into_bytes()
    }

    /// The limits this document was parsed under (edits are checked against them).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The input starts with a UTF-8 byte order mark (RFC 8259 lets a parser ignore it).
    pub fn has_bom(&self) -> bool {
        self.bom
    }

    /// Byte offsets of `\u` escapes that are lone surrogates, in source order. Their
    /// raw bytes stay as they are; [`Node::as_str`] decodes each as U+FFFD.
    pub fn lone_surrogates(&self) -> &[usize] {
        &self.lone_surrogates
    }

    /// Every repeated key, in source order. Keys compare after decoding escapes.
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        if self.duplicates.is_empty() {
            return Vec::new();
        }
        // One pass for all array positions keeps many repeats in a long array linear.
        let positions = self.array_positions();
        let describe = |dup: &Duplicate| DuplicateKey {
            object: self.path_of(dup.object, |index| positions[index]),
            key: self.key_text(dup.key).into_owned(),
            offset: dup.key.start(),
        };
        self.duplicates.iter().map(describe).collect()
    }

    /// The top-level value.
    pub fn root(&self) -> Node<'_> {
        Node {
            doc: self,
            index: 0,
        }
    }

    /// The value at a path of object keys (`&[]` is the top-level value).
    pub fn get(&self, path: &[&str]) -> Option<Node<'_>> {
        self.root().get_path(path)
    }

    pub(crate) fn entry(&self, index: usize) -> &Entry {
        &self.entries[index]
    }

    pub(crate) fn node(&self, index: usize) -> Node<'_> {
        Node { doc: self, index }
    }

    pub(crate) fn entry_count(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn has_duplicate_in(&self, object: usize) -> bool {
        self.duplicates.iter().any(|dup| dup.object == object)
    }

    /// The decoded text of a key.
    pub(crate) fn key_text(&self, key: KeySpan) -> Cow<'_, str> {
        let raw = &self.src[key.inner()];
        if key.escaped {
            Cow::Owned(lex::unescape(raw))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// Whether a key decodes to `wanted`, without allocating for plain keys.
    fn key_is(&self, key: KeySpan, wanted: &str) -> bool {
        if key.escaped {
            self.key_text(key) == wanted
        } else {
            // Bytes, not `str`: the span is a whole key, so no boundary check is needed.
            self.src.as_bytes().get(key.inner()) == Some(wanted.as_bytes())
        }
    }

    /// Steps from the top-level value down to entry `index`; `position` gives an array
    /// element's index within its array.
    fn path_of(&self, mut index: usize, position: impl Fn(usize) -> usize) -> Vec<PathStep> {
        let mut steps = Vec::new();
        while let Some(parent) = self.node(index).parent() {
            steps.push(match self.entry(index).key() {
                Some(key) => PathStep::Key(self.key_text(key).into_owned()),
                None => PathStep::Index(position(index)),
            });
            index = parent.index;
        }
        steps.reverse();
        steps
    }

    /// For every entry, its index among its siblings.
    fn array_positions(&self) -> Vec<usize> {
        let mut positions = vec![0; self.entries.len()];
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.kind == Kind::Array {
                for (position, child) in Children::of(self.node(index)).enumerate() {
                    positions[child] = position;
                }
            }
        }
        positions
    }
}

impl fmt::Debug for Document {
    /// Sizes only: a document may hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.src.len())
            .field("nodes", &self.entries.len())
            .field("bom", &self.bom)
            .finish_non_exhaustive()
    }
}

/// A value inside a [`Document`].
#[derive(Clone, Copy)]
pub struct Node<'a> {
    doc: &'a Document,
    index: usize,
}

impl<'a> Node<'a> {
    fn entry(&self) -> &'a Entry {
        self.doc.entry(self.index)
    }

    pub(crate) fn index(&self) -> usize {
        self.index
    }

    pub fn document(&self) -> &'a Document {
        self.doc
    }

    pub fn kind(&self) -> Kind {
        self.entry().kind
    }

    /// Byte range of the value text in the source.
    pub fn span(&self) -> Range<usize> {
        self.entry().start()..self.entry().end()
    }

    /// The value text exactly as written.
    pub fn raw(&self) -> &'a str {
        &self.doc.src[self.span()]
    }

    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    pub fn as_bool(&self) -> Option<bool> {
        (self.kind() == Kind::Bool).then(|| self.raw() == "true")
    }

    /// The decoded string (escapes resolved, lone surrogates as U+FFFD).
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.kind() != Kind::String {
            return None;
        }
        let raw = self.raw();
        let inner = &raw[1..raw.len() - 1];
        Some(if self.entry().escaped {
            Cow::Owned(lex::unescape(inner))
        } else {
            Cow::Borrowed(inner)
        })
    }

    /// The number as an `i64` when it is an integer in range (`1.0` and `1e3` are).
    pub fn as_i64(&self) -> Option<i64> {
        self.number_text()
            .and_then(number::exact_integer)
            .and_then(|n| i64::try_from(n).ok())
    }

    /// The number as a `u64` when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.number_text()
            .and_then(number::exact_integer)
            .and_then(|n| u64::try_from(n).ok())
    }

    /// The number as the nearest `f64`; `None` when it overflows to infinity.
    pub fn as_f64(&self) -> Option<f64> {
        self.number_text().and_then(number::to_f64)
    }

    fn number_text(&self) -> Option<&'a str> {
        (self.kind() == Kind::Number).then(|| self.raw())
    }

    /// The members of an object in source order (nothing for other kinds).
    pub fn members(&self) -> Members<'a> {
        let children = if self.kind() == Kind::Object {
            Children::of(*self)
        } else {
            Children::none(self.doc)
        };
        Members { children }
    }

    /// The elements of an array in source order (nothing for other kinds).
    pub fn elements(&self) -> Elements<'a> {
        let children = if self.kind() == Kind::Array {
            Children::of(*self)
        } else {
            Children::none(self.doc)
        };
        Elements { children }
    }

    /// The value of member `key` of an object. With a repeated key this is the last
    /// one, as ECMAScript's `JSON.parse` (which Claude Code uses) reads it.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        if self.kind() != Kind::Object {
            return None;
        }
        // The hot path of every reader: a plain walk over the member entries that
        // compares key lengths before bytes (most members fail on the length).
        let doc = self.doc;
        let wanted = key.as_bytes();
        let mut found = None;
        let mut index = self.index + 1;
        let end = self.entry().next();
        while index < end {
            let entry = doc.entry(index);
            let matches = match entry.key {
                Some(span) if span.escaped => doc.key_text(span) == key,
                Some(span) => {
                    span.end() - span.start() == wanted.len() + 2
                        && doc.src.as_bytes().get(span.inner()) == Some(wanted)
                }
                None => false,
            };
            if matches {
                found = Some(index);
            }
            index = entry.next();
        }
        found.map(|index| doc.node(index))
    }

    /// The value at a path of object keys below this node.
    pub fn get_path(&self, path: &[&str]) -> Option<Node<'a>> {
        path.iter().try_fold(*self, |node, key| node.get(key))
    }

    /// The enclosing array or object.
    pub fn parent(&self) -> Option<Node<'a>> {
        let parent = self.entry().parent();
        (parent != NO_PARENT).then(|| self.doc.node(parent))
    }

    /// The key this value belongs to, when it is an object member's value.
    pub fn key(&self) -> Option<Cow<'a, str>> {
        self.entry().key().map(|key| self.doc.key_text(key))
    }

    /// Whether this object has a repeated key.
    pub fn has_duplicate_keys(&self) -> bool {
        self.doc.has_duplicate_in(self.index)
    }

    /// The path of object keys and array indexes from the top-level value to this one.
    pub fn path(&self) -> Vec<PathStep> {
        let position = |index: usize| {
            let parent = self.doc.node(index).parent().map_or(0, |p| p.index);
            Children::of(self.doc.node(parent))
                .take_while(|&c| c != index)
                .count()
        };
        self.doc.path_of(self.index, position)
    }
}

impl fmt::Debug for Node<'_> {
    /// Kind and span only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("kind", &self.kind())
            .field("span", &self.span())
            .finish()
    }
}

/// An object member: its key and its value.
#[derive(Clone, Copy)]
pub struct Member<'a> {
    value: Node<'a>,
}

impl<'a> Member<'a> {
    fn key_span_raw(&self) -> KeySpan {
        // Every child of an object carries its key.
        self.value
            .entry()
            .key()
            .unwrap_or(KeySpan::new(0, 0, false))
    }

    /// The decoded key.
    pub fn key(&self) -> Cow<'a, str> {
        self.value.doc.key_text(self.key_span_raw())
    }

    /// Byte range of the key, quotes included.
    pub fn key_span(&self) -> Range<usize> {
        let key = self.key_span_raw();
        key.start()..key.end()
    }

    /// The key exactly as written, quotes included.
    pub fn key_raw(&self) -> &'a str {
        &self.value.doc.src[self.key_span()]
    }

    /// Whether the decoded key equals `wanted`.
    pub fn key_is(&self, wanted: &str) -> bool {
        self.value.doc.key_is(self.key_span_raw(), wanted)
    }

    pub fn value(&self) -> Node<'a> {
        self.value
    }

    /// Byte range from the key's opening quote to the end of the value.
    pub fn span(&self) -> Range<usize> {
        self.key_span_raw().start()..self.value.span().end
    }
}

impl fmt::Debug for Member<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("key", &self.key())
            .field("value", &self.value)
            .finish()
    }
}

/// Indexes of a container's direct children.
#[derive(Clone)]
struct Children<'a> {
    doc: &'a Document,
    next: usize,
    end: usize,
}

impl<'a> Children<'a> {
    fn of(node: Node<'a>) -> Self {
        Children {
            doc: node.doc,
            next: node.index + 1,
            end: node.entry().next(),
        }
    }

    fn none(doc: &'a Document) -> Self {
        Children {
            doc,
            next: 0,
            end: 0,
        }
    }
}

impl Iterator for Children<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let index = self.next;
        (index < self.end).then(|| {
            self.next = self.doc.entry(index).next();
            index
        })
    }
}

/// Iterator over an object's members, in source order.
#[derive(Clone)]
pub struct Members<'a> {
    children: Children<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        let index = self.children.next()?;
        Some(Member {
            value: self.children.doc.node(index),
        })
    }
}

impl fmt::Debug for Members<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Members").finish_non_exhaustive()
    }
}

/// Iterator over an array's elements, in source order.
#[derive(Clone)]
pub struct Elements<'a> {
    children: Children<'a>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        let index = self.children.next()?;
        Some(self.children.doc.node(index))
    }
}

impl fmt::Debug for Elements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Elements").finish_non_exhaustive()
    }
}
