//! Edits: each turns a change to the model into splices of the catalog's text and
//! returns the new [`CatalogFile`], re-parsed, re-validated and checked to say what
//! the edit meant. Bytes outside the members an edit must change stay as they were:
//! unknown members, other slots, number spellings, layout.
//!
//! A member set to "no value" becomes `null` when it is present and is not added
//! when it is absent. A slot is appended after the last one with the separator the
//! array already uses; a removed slot takes one separator with it. `organization`,
//! `last_usage` and `last_refresh` are replaced whole when they change. Nothing here
//! writes a file.

use super::encode::{self, Layout};
use super::model::{Catalog, RefreshOutcome, Slot, UsageSnapshot};
use super::CatalogFile;
use crate::cli::SlotName;
use crate::json::line_indent;
use crate::json::{quote, Document, EditError, Node, Position, Value};
use crate::Error;
use std::ops::Range;

impl CatalogFile {
    /// Makes `name` the active slot, or clears the active slot (`null`).
    pub fn set_active(&self, name: Option<&SlotName>) -> Result<CatalogFile, Error> {
        if let Some(name) = name {
            self.index_of(name)?;
        }
        let text = name.map_or_else(|| "null".to_owned(), |n| quote(n.as_str()));
        let bytes = match self.doc.root().get("active") {
            Some(node) if node.raw() == text => Ok(self.doc.as_bytes().to_vec()),
            Some(_) => self.doc.replace(&["active"], &text),
            None if name.is_none() => Ok(self.doc.as_bytes().to_vec()),
            None => self
                .doc
                .insert(&[], "active", &text, Position::After("version")),
        }
        .map_err(|e| self.edit_error(&e))?;
        let mut expected = Catalog::clone(&self.catalog);
        expected.active = name.cloned();
        self.reread(&bytes, &expected)
    }

    /// Appends `slot`; its name must be new. An `active` left naming a slot that no
    /// longer exists is cleared first, so that adding a slot never activates it.
    pub fn add_slot(&self, slot: Slot) -> Result<CatalogFile, Error> {
        if self.catalog.get(&slot.name).is_some() {
            return Err(Error::SlotExists { name: slot.name });
        }
        let active = self.doc.root().get("active").and_then(|n| n.as_str());
        if active.is_some_and(|text| text == slot.name.as_str()) {
            return self.set_active(None)?.add_slot(slot);
        }
        let value = encode::slot(&slot).map_err(|reason| self.error(reason))?;
        let bytes = match self.doc.root().get("slots") {
            Some(list) => append(&self.doc, list, &value),
            None => self.insert_slots(value)?,
        };
        let mut expected = Catalog::clone(&self.catalog);
        expected.slots.push(slot);
        self.reread(&bytes, &expected)
    }

    /// Removes the slot `name`, and clears `active` when it named that slot.
    pub fn remove_slot(&self, name: &SlotName) -> Result<CatalogFile, Error> {
        let index = self.index_of(name)?;
        let elements: Vec<Node<'_>> = self.slot_nodes().collect();
        let range = removal(&elements, index, self.slot_list_interior());
        let bytes = splice(self.doc.source(), range, "");
        let mut expected = Catalog::clone(&self.catalog);
        expected.slots.remove(index);
        let was_active = expected.active.as_ref() == Some(name);
        if was_active {
            expected.active = None;
        }
        let removed = self.reread(&bytes, &expected)?;
        if was_active {
            removed.set_active(None)
        } else {
            Ok(removed)
        }
    }

    /// Changes the slot `name` through `change`, which must not rename it. Only the
    /// members whose value changed are touched.
    pub fn update_slot(
        &self,
        name: &SlotName,
        change: impl FnOnce(&mut Slot),
    ) -> Result<CatalogFile, Error> {
        let index = self.index_of(name)?;
        let old = &self.catalog.slots[index];
        let mut new = old.clone();
        change(&mut new);
        if new.name != old.name {
            return Err(self.error(format!("an update may not rename slot {name}")));
        }
        let element = self.slot_nodes().nth(index).expect("the slot was read");
        let text = self.edit_members(element, old, &new)?;
        let bytes = splice(self.doc.source(), element.span(), &text);
        let mut expected = Catalog::clone(&self.catalog);
        expected.slots[index] = new;
        self.reread(&bytes, &expected)
    }

    /// Records the last usage snapshot of slot `name`.
    pub fn set_usage(
        &self,
        name: &SlotName,
        usage: Option<UsageSnapshot>,
    ) -> Result<CatalogFile, Error> {
        self.update_slot(name, |slot| slot.usage = usage)
    }

    /// Records how the last refresh of slot `name` went.
    pub fn set_refresh(
        &self,
        name: &SlotName,
        outcome: Option<RefreshOutcome>,
    ) -> Result<CatalogFile, Error> {
        self.update_slot(name, |slot| slot.refresh = outcome)
    }

    /// The index of slot `name`, or the error a command shows.
    fn index_of(&self, name: &SlotName) -> Result<usize, Error> {
        self.catalog
            .position(name)
            .ok_or_else(|| Error::NoSuchSlot {
                slot: name.to_string(),
            })
    }

    fn slot_nodes(&self) -> impl Iterator<Item = Node<'_>> {
        self.doc
            .root()
            .get("slots")
            .into_iter()
            .flat_map(|list| list.elements())
    }

    /// The bytes between `[` and `]` of `slots` (which exists when a slot does).
    fn slot_list_interior(&self) -> Range<usize> {
        let span = self.doc.root().get("slots").map_or(0..0, |l| l.span());
        span.start + 1..span.end.saturating_sub(1)
    }

    /// A catalog without `slots` gets the member, holding `slot`, at its end.
    fn insert_slots(&self, slot: Value) -> Result<Vec<u8>, Error> {
        let root = self.doc.root();
        let at = root
            .members()
            .last()
            .map_or("", |m| line_indent(self.doc.source(), m.key_span().start));
        let list = Value::Array(vec![slot]);
        let text = Layout::of(&self.doc).write(&list, at, true);
        self.doc
            .insert(&[], "slots", &text, Position::End)
            .map_err(|e| self.edit_error(&e))
    }

    /// The slot object `element` (of this document) with the members that differ
    /// between `old` and `new` replaced, nulled or appended.
    fn edit_members(&self, element: Node<'_>, old: &Slot, new: &Slot) -> Result<String, Error> {
        let encode = |slot: &Slot| encode::members(slot).map_err(|reason| self.error(reason));
        let (before, after) = (encode(old)?, encode(new)?);
        let layout = Layout::of(&self.doc);
        let multiline = element.raw().contains('\n');
        let at = element
            .members()
            .next()
            .map_or("", |m| line_indent(self.doc.source(), m.key_span().start));
        let sub = Document::parse(element.raw().as_bytes())
            .map_err(|e| self.edit_error(&EditError::Result(e)))?;
        let mut editor = sub.editor();
        for ((key, was), (_, now)) in before.iter().zip(&after) {
            let present = element.get(key).is_some();
            let result = match now {
                _ if was == now => continue,
                None if !present => continue,
                None => editor.replace(&[key], "null"),
                Some(value) => {
                    let text = layout.write(value, at, multiline);
                    if present {
                        editor.replace(&[key], &text)
                    } else {
                        editor.insert(&[], key, &text, Position::End)
                    }
                }
            };
            result.map_err(|e| self.edit_error(&e))?;
        }
        let bytes = editor.finish().map_err(|e| self.edit_error(&e))?;
        String::from_utf8(bytes)
            .map_err(|_| self.error("an edit produced text that is not UTF-8".into()))
    }

    /// The edited text as a catalog, which must be exactly `expected`.
    fn reread(&self, bytes: &[u8], expected: &Catalog) -> Result<CatalogFile, Error> {
        let file = CatalogFile::parse(&self.path, bytes)?;
        if *file.catalog != *expected {
            return Err(self.error("an edit did not read back as intended".into()));
        }
        Ok(file)
    }

    fn error(&self, reason: String) -> Error {
        Error::Catalog {
            path: self.path.clone(),
            reason,
        }
    }

    fn edit_error(&self, err: &EditError) -> Error {
        self.error(format!("cannot edit the catalog: {err}"))
    }
}

/// `array` (the `slots` array of `doc`) with `value` after its last element, laid
/// out like the elements already there.
fn append(doc: &Document, array: Node<'_>, value: &Value) -> Vec<u8> {
    let src = doc.source();
    let layout = Layout::of(doc);
    let span = array.span();
    let elements: Vec<Node<'_>> = array.elements().collect();
    let Some(last) = elements.last() else {
        let at = line_indent(src, span.start);
        let text = match &layout.pretty {
            Some(pretty) => {
                let inner = format!("{at}{}", pretty.unit);
                let item = layout.write(value, &inner, true);
                format!("{nl}{inner}{item}{nl}{at}", nl = pretty.newline)
            }
            None => layout.write(value, at, false),
        };
        return splice(src, span.start + 1..span.end - 1, &text);
    };
    // The text between the last two elements, or after `[` for a lone one.
    let sep = match elements.len() {
        1 => format!(",{}", &src[span.start + 1..last.span().start]),
        n => src[elements[n - 2].span().end..last.span().start].to_owned(),
    };
    let at = line_indent(src, last.span().start);
    let item = layout.write(value, at, last.raw().contains('\n'));
    let end = last.span().end;
    splice(src, end..end, &format!("{sep}{item}"))
}

/// The bytes to delete to remove element `index`: the element with the separator
/// after it, or before it for the last one; the whole interior for the only one.
fn removal(elements: &[Node<'_>], index: usize, interior: Range<usize>) -> Range<usize> {
    let span = |i: usize| elements[i].span();
    if elements.len() == 1 {
        interior
    } else if index + 1 < elements.len() {
        span(index).start..span(index + 1).start
    } else {
        span(index - 1).end..span(index).end
    }
}

/// `src` with `range` replaced by `text`.
fn splice(src: &str, range: Range<usize>, text: &str) -> Vec<u8> {
    let mut out = String::with_capacity(src.len() + text.len());
    out.push_str(&src[..range.start]);
    out.push_str(text);
    out.push_str(&src[range.end..]);
    out.into_bytes()
}
