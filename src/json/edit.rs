//! Splice edits: replace a member's value, insert a member, remove a member. Each edit
//! turns into byte-range replacements of the original source, so every byte outside
//! them stays as it was, and inserted members copy the layout of their object (see
//! `style`). An [`Editor`] collects edits addressed against the original document and
//! applies them at once; the result is re-parsed before it is returned, so an edit can
//! never hand back text that is not JSON. It never reformats and never moves a member.
//!
//! An object's interior is `lead m0 sep m1 sep ... m(n-1) tail`. Kept members are never
//! touched; the text between two kept members (separators, removed members, inserted
//! members) is rebuilt as one splice, and only when it changes.

use super::document::{Document, Kind, Member, Node};
use super::parse::BOM;
use super::style::{self, Layout};
use super::write::quote;
use super::{Error, Limits, Reason};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Where [`Editor::insert`] puts a new member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position<'k> {
    /// After the object's last member.
    End,
    /// Right after the member with this key.
    After(&'k str),
}

/// Why an edit was refused. Carries no document content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditError {
    /// Removing needs a path of at least one key.
    EmptyPath,
    /// No member has that key.
    NotFound,
    /// The path goes through, or the insert targets, a value that is not an object.
    NotAnObject,
    /// A key on the path appears more than once in its object, so it names no one member.
    AmbiguousKey,
    /// The object already has (or is already getting) a member with the new key.
    KeyExists,
    /// Two edits touch the same bytes.
    Conflict,
    /// The new value text is not exactly one JSON value.
    BadValue(Error),
    /// The edited document does not parse under the document's limits.
    Result(Error),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::EmptyPath => f.write_str("an edit needs a key path of at least one key"),
            EditError::NotFound => f.write_str("no member at that key path"),
            EditError::NotAnObject => {
                f.write_str("the key path runs into a value that is not an object")
            }
            EditError::AmbiguousKey => {
                f.write_str("a key on the path appears more than once in its object")
            }
            EditError::KeyExists => f.write_str("the object already has a member with that key"),
            EditError::Conflict => f.write_str("two edits touch the same part of the document"),
            EditError::BadValue(e) => write!(f, "the new value is not one JSON value: {e}"),
            EditError::Result(e) => write!(f, "the edited document would not parse: {e}"),
        }
    }
}

impl std::error::Error for EditError {}

/// Collects edits against one parsed document and produces the edited bytes once.
pub struct Editor<'d> {
    doc: &'d Document,
    /// Entry index of a replaced value and its new text.
    replaces: Vec<(usize, String)>,
    /// Member removals and insertions, by the entry index of their object.
    objects: BTreeMap<usize, ObjectEdit>,
}

#[derive(Default)]
struct ObjectEdit {
    /// Entry indexes of the values of removed members.
    removed: Vec<usize>,
    inserts: Vec<Insert>,
}

struct Insert {
    /// Entry index of the value of the member it follows; `None` for the end.
    after: Option<usize>,
    key: String,
    value: String,
}

/// A replacement of `range` of the original source.
struct Splice {
    range: Range<usize>,
    text: String,
}

impl<'d> Editor<'d> {
    pub fn new(doc: &'d Document) -> Self {
        Editor {
            doc,
            replaces: Vec::new(),
            objects: BTreeMap::new(),
        }
    }

    /// Replaces the value at `path` (`&[]` for the top-level value) with `value`, which
    /// must be one JSON value.
    pub fn replace(&mut self, path: &[&str], value: &str) -> Result<(), EditError> {
        let node = self.resolve(path)?;
        check_value(value, self.doc.limits())?;
        self.replaces.push((node.index(), value.to_owned()));
        Ok(())
    }

    /// Adds member `key` with `value` (one JSON value) to the object at `object`.
    pub fn insert(
        &mut self,
        object: &[&str],
        key: &str,
        value: &str,
        at: Position<'_>,
    ) -> Result<(), EditError> {
        let target = self.resolve(object)?;
        if target.kind() != Kind::Object {
            return Err(EditError::NotAnObject);
        }
        check_value(value, self.doc.limits())?;
        let after = match at {
            Position::End => None,
            Position::After(k) => Some(unique_member(target, k)?.value().index()),
        };
        let edit = self.objects.get(&target.index());
        let removed = |m: &Member<'_>| edit.is_some_and(|e| e.removed.contains(&m.value().index()));
        let kept = target.members().any(|m| m.key_is(key) && !removed(&m));
        if kept || edit.is_some_and(|e| e.inserts.iter().any(|i| i.key == key)) {
            return Err(EditError::KeyExists);
        }
        let insert = Insert {
            after,
            key: key.to_owned(),
            value: value.to_owned(),
        };
        self.objects
            .entry(target.index())
            .or_default()
            .inserts
            .push(insert);
        Ok(())
    }

    /// Removes the member at `path`, with the separator that goes with it.
    pub fn remove(&mut self, path: &[&str]) -> Result<(), EditError> {
        let (last, parent) = path.split_last().ok_or(EditError::EmptyPath)?;
        let object = self.resolve(parent)?;
        let member = unique_member(object, last)?.value().index();
        let edit = self.objects.entry(object.index()).or_default();
        if edit.removed.contains(&member) {
            return Err(EditError::Conflict);
        }
        edit.removed.push(member);
        Ok(())
    }

    /// The edited document; it re-parses under the original document's limits.
    pub fn finish(&self) -> Result<Vec<u8>, EditError> {
        let mut splices: Vec<Splice> = self
            .replaces
            .iter()
            .map(|(index, text)| Splice {
                range: self.doc.node(*index).span(),
                text: text.clone(),
            })
            .collect();
        for (&object, edit) in &self.objects {
            splices.extend(object_splices(self.doc.node(object), edit));
        }
        splices.sort_by_key(|s| (s.range.start, s.range.end));
        if splices
            .windows(2)
            .any(|pair| overlap(&pair[0].range, &pair[1].range))
        {
            return Err(EditError::Conflict);
        }
        let out = apply(self.doc.as_bytes(), &splices);
        Document::parse_with(&out, self.doc.limits()).map_err(EditError::Result)?;
        Ok(out)
    }

    /// The value at a path of keys, each of which must name exactly one member.
    fn resolve(&self, path: &[&str]) -> Result<Node<'d>, EditError> {
        path.iter().try_fold(self.doc.root(), |node, key| {
            Ok(unique_member(node, key)?.value())
        })
    }
}

impl fmt::Debug for Editor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Editor")
            .field("replaces", &self.replaces.len())
            .field("objects", &self.objects.len())
            .finish_non_exhaustive()
    }
}

impl Document {
    /// An [`Editor`] for several edits at once.
    pub fn editor(&self) -> Editor<'_> {
        Editor::new(self)
    }

    /// This document with the value at `path` replaced (see [`Editor::replace`]).
    pub fn replace(&self, path: &[&str], value: &str) -> Result<Vec<u8>, EditError> {
        let mut editor = self.editor();
        editor.replace(path, value)?;
        editor.finish()
    }

    /// This document with a member added (see [`Editor::insert`]).
    pub fn insert(
        &self,
        object: &[&str],
        key: &str,
        value: &str,
        at: Position<'_>,
    ) -> Result<Vec<u8>, EditError> {
        let mut editor = self.editor();
        editor.insert(object, key, value, at)?;
        editor.finish()
    }

    /// This document with the member at `path` removed (see [`Editor::remove`]).
    pub fn remove(&self, path: &[&str]) -> Result<Vec<u8>, EditError> {
        let mut editor = self.editor();
        editor.remove(path)?;
        editor.finish()
    }
}

/// The only member of `object` with key `key`.
fn unique_member<'a>(object: Node<'a>, key: &str) -> Result<Member<'a>, EditError> {
    if object.kind() != Kind::Object {
        return Err(EditError::NotAnObject);
    }
    let mut matches = object.members().filter(|m| m.key_is(key));
    let found = matches.next().ok_or(EditError::NotFound)?;
    match matches.next() {
        Some(_) => Err(EditError::AmbiguousKey),
        None => Ok(found),
    }
}

/// New value text must be one JSON value (whitespace around it allowed, a BOM not).
fn check_value(value: &str, limits: Limits) -> Result<(), EditError> {
    if value.as_bytes().starts_with(BOM) {
        return Err(EditError::BadValue(Error {
            offset: 0,
            reason: Reason::ExpectedValue,
        }));
    }
    Document::parse_with(value.as_bytes(), limits)
        .map(drop)
        .map_err(EditError::BadValue)
}

/// Whether two splices, sorted by start, touch the same bytes. Two insertions at one
/// point count too: their order would be a guess.
fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.end > b.start || (a.is_empty() && a.start == b.start)
}

fn apply(src: &[u8], splices: &[Splice]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(src.len() + splices.iter().map(|s| s.text.len()).sum::<usize>());
    let mut cursor = 0;
    for splice in splices {
        out.extend_from_slice(&src[cursor..splice.range.start]);
        out.extend_from_slice(splice.text.as_bytes());
        cursor = splice.range.end;
    }
    out.extend_from_slice(&src[cursor..]);
    out
}

/// The splices that remove and insert members of one object.
fn object_splices(object: Node<'_>, edit: &ObjectEdit) -> Vec<Splice> {
    let src = object.document().source();
    let layout = style::of_object(object);
    let mut gaps = Gaps {
        src,
        layout: &layout,
        splices: Vec::new(),
    };
    let member_text =
        |insert: &Insert| format!("{}{}{}", quote(&insert.key), layout.colon, insert.value);
    let inserted_after = |after: Option<usize>| {
        edit.inserts
            .iter()
            .filter(move |i| i.after == after)
            .map(member_text)
    };
    let mut gap_start = object.span().start + 1;
    let mut opened = true; // The current gap starts at `{`, no kept member before it.
    let mut previous_end = None; // End of the previous member's value, kept or not.
    let mut pending: Vec<String> = Vec::new();
    for member in object.members() {
        let value = member.value();
        if edit.removed.contains(&value.index()) {
            pending.extend(inserted_after(Some(value.index())));
        } else {
            let key_start = member.key_span().start;
            let own_sep = previous_end.map_or("", |end| &src[end..key_start]);
            gaps.close(gap_start..key_start, opened, &pending, own_sep);
            gap_start = value.span().end;
            opened = false;
            pending = inserted_after(Some(value.index())).collect();
        }
        previous_end = Some(value.span().end);
    }
    pending.extend(inserted_after(None));
    gaps.close_last(gap_start..object.span().end - 1, opened, &pending);
    gaps.splices
}

/// Rebuilds the text between kept members of one object.
struct Gaps<'s> {
    src: &'s str,
    layout: &'s Layout,
    splices: Vec<Splice>,
}

impl Gaps<'_> {
    /// The gap before a kept member whose own separator is `own_sep`.
    fn close(&mut self, range: Range<usize>, opened: bool, pending: &[String], own_sep: &str) {
        let text = match (opened, pending.is_empty()) {
            (true, true) => self.layout.lead.clone(),
            (true, false) => format!(
                "{}{}{own_sep}",
                self.layout.lead,
                pending.join(&self.layout.sep)
            ),
            (false, _) => format!("{}{own_sep}", self.each_after_sep(pending)),
        };
        self.push(range, text);
    }

    /// The gap before `}`.
    fn close_last(&mut self, range: Range<usize>, opened: bool, pending: &[String]) {
        let layout = self.layout;
        let text = match (opened, pending.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!(
                "{}{}{}",
                layout.lead,
                pending.join(&layout.sep),
                layout.tail
            ),
            (false, _) => format!("{}{}", self.each_after_sep(pending), layout.tail),
        };
        self.push(range, text);
    }

    fn each_after_sep(&self, pending: &[String]) -> String {
        let mut text = String::new();
        for member in pending {
            text.push_str(&self.layout.sep);
            text.push_str(member);
        }
        text
    }

    fn push(&mut self, range: Range<usize>, text: String) {
        if self.src[range.clone()] != text {
            self.splices.push(Splice { range, text });
        }
    }
}
