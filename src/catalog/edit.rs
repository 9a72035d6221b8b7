//! Edits: each turns a change to the model into splices of the catalog's text and
//! returns the new [`CatalogFile`], re-parsed, re-validated and checked to say what
//! the edit meant. Bytes outside the members an edit must change stay as they were:
//! unknown members, other slots, number spellings, layout.
//!
//! A member set to "no value" becomes `null` when it is present and is not added
//! when it is absent. A slot is appended after the last one with the separator the
//! array already uses; a removed slot takes one separator with it. `organization`,
//! `last_usage` and `last_refresh` are replaced whole when they change, and so is the
//! top-level `places` (written from the model, so the text of a stale record goes
//! with it). Slot edits leave `places` alone unless they must drop a record naming
//! the slot; place edits leave the slots alone. Nothing here writes a file.

use super::encode::{self, Layout};
use super::model::{Catalog, PlaceRecord, RefreshOutcome, Slot, UsageSnapshot};
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

    /// Appends `slot`; its name must be new. An `active` or a place record left
    /// naming a slot that no longer exists is dropped first, so that the new slot
    /// inherits neither.
    pub fn add_slot(&self, slot: Slot) -> Result<CatalogFile, Error> {
        if self.catalog.get(&slot.name).is_some() {
            return Err(Error::SlotExists { name: slot.name });
        }
        let active = self.doc.root().get("active").and_then(|n| n.as_str());
        if active.is_some_and(|text| text == slot.name.as_str()) {
            return self.set_active(None)?.add_slot(slot);
        }
        if self.place_text_names(&slot.name) {
            let known = self.catalog.places.clone();
            return self.with_places(known)?.add_slot(slot);
        }
        let value = encode::slot(&slot).map_err(|reason| self.error(reason))?;
        let bytes = match self.doc.root().get("slots") {
            Some(list) => append(&self.doc, list, &value),
            None => self.insert_member("slots", &Value::Array(vec![value]))?,
        };
        let mut expected = Catalog::clone(&self.catalog);
        expected.slots.push(slot);
        self.reread(&bytes, &expected)
    }

    /// Removes the slot `name`, clears `active` when it named that slot, and drops
    /// the place records naming it (rewriting `places` only then).
    pub fn remove_slot(&self, name: &SlotName) -> Result<CatalogFile, Error> {
        let index = self.index_of(name)?;
        if self.catalog.places.iter().any(|p| &p.slot == name) {
            let places = self.catalog.places.iter();
            let kept = places.filter(|p| &p.slot != name).cloned().collect();
            return self.with_places(kept)?.remove_slot(name);
        }
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

    /// Records what we last put or saw in a place: `record` replaces the record of
    /// the same place (`credentials_dir` and `keychain`), or is appended. Its slot
    /// must exist. Nothing changes when the catalog already says so.
    pub fn set_place(&self, record: PlaceRecord) -> Result<CatalogFile, Error> {
        self.index_of(&record.slot)?;
        let mut places = self.catalog.places.clone();
        match places.iter_mut().find(|p| p.same_place(&record)) {
            Some(old) if *old == record => return self.reread(self.doc.as_bytes(), &self.catalog),
            Some(old) => *old = record,
            None => places.push(record),
        }
        self.with_places(places)
    }

    /// This catalog with `places` (each naming an existing slot) written as the
    /// whole `places` member: its value replaced, or the member added at the end.
    fn with_places(&self, places: Vec<PlaceRecord>) -> Result<CatalogFile, Error> {
        let value = encode::places(&places);
        let bytes = match self.doc.root().get("places") {
            Some(old) => {
                let at = line_indent(self.doc.source(), old.span().start);
                let text = Layout::of(&self.doc).write(&value, at, true);
                self.doc
                    .replace(&["places"], &text)
                    .map_err(|e| self.edit_error(&e))?
            }
            None => self.insert_member("places", &value)?,
        };
        let mut expected = Catalog::clone(&self.catalog);
        expected.places = places;
        self.reread(&bytes, &expected)
    }

    /// The text of `places` holds a record naming `name` (stale when no slot is
    /// called `name`).
    fn place_text_names(&self, name: &SlotName) -> bool {
        let records = self.doc.root().get("places");
        records
            .into_iter()
            .flat_map(|list| list.elements())
            .filter_map(|record| record.get("slot")?.as_str())
            .any(|text| text == name.as_str())
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

    /// Member `key`, which the catalog lacks, added with `value` at its end.
    fn insert_member(&self, key: &str, value: &Value) -> Result<Vec<u8>, Error> {
        let root = self.doc.root();
        let at = root
            .members()
            .last()
            .map_or("", |m| line_indent(self.doc.source(), m.key_span().start));
        let text = Layout::of(&self.doc).write(value, at, true);
        self.doc
            .insert(&[], key, &text, Position::End)
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
