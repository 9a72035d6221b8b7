//! The layout an inserted member copies: the text after `{`, before `}`, between two
//! members and around `:`. A non-empty object lends its own; an empty one borrows from
//! the rest of the document: its indentation, or its one-line spacing.
//! It only reads the source; `edit` decides where the text goes.

use super::document::{Document, Kind, Node};

/// Whitespace and punctuation copied from the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Between `{` and the first member.
    pub lead: String,
    /// Between the last member and `}`.
    pub tail: String,
    /// Between two members, the comma included.
    pub sep: String,
    /// Between a key and its value, the colon included.
    pub colon: String,
}

/// The layout of `object`'s members.
pub(crate) fn of_object(object: Node<'_>) -> Layout {
    let src = object.document().source();
    let span = object.span();
    let members: Vec<_> = object.members().collect();
    let (Some(first), Some(last)) = (members.first(), members.last()) else {
        return of_empty(object);
    };
    let lead = &src[span.start + 1..first.key_span().start];
    let sep = match members.len() {
        1 => format!(",{lead}"),
        n => src[members[n - 2].value().span().end..last.key_span().start].to_owned(),
    };
    Layout {
        lead: lead.to_owned(),
        tail: src[last.value().span().end..span.end - 1].to_owned(),
        sep,
        colon: src[last.key_span().end..last.value().span().start].to_owned(),
    }
}

/// An empty object's layout: on one line when its enclosing container is on one line
/// or no container in the document spans lines; otherwise the document's indentation,
/// one level deeper than the object's own line.
fn of_empty(object: Node<'_>) -> Layout {
    let doc = object.document();
    let colon = first_colon(doc).unwrap_or(":").to_owned();
    let one_line = object.parent().is_some_and(|p| !p.raw().contains('\n'));
    let Some((newline, unit)) = indentation(doc).filter(|_| !one_line) else {
        let sep = one_line_sep(doc).unwrap_or(",").to_owned();
        return Layout {
            lead: String::new(),
            tail: String::new(),
            sep,
            colon,
        };
    };
    let own = line_indent(doc.source(), object.span().start);
    let lead = format!("{newline}{own}{unit}");
    Layout {
        sep: format!(",{lead}"),
        tail: format!("{newline}{own}"),
        lead,
        colon,
    }
}

/// The first separator between two object members that stays on one line.
fn one_line_sep(doc: &Document) -> Option<&str> {
    let src = doc.source();
    containers(doc).find_map(|node| {
        let mut members = node.members();
        let (first, second) = (members.next()?, members.next()?);
        Some(&src[first.value().span().end..second.key_span().start])
            .filter(|sep| !sep.contains('\n'))
    })
}

/// The text around `:` of the first member in the document.
fn first_colon(doc: &Document) -> Option<&str> {
    let member = containers(doc).find_map(|node| node.members().next())?;
    Some(&doc.source()[member.key_span().end..member.value().span().start])
}

/// The newline and one indentation step of the first container whose first child
/// starts on a new line.
fn indentation(doc: &Document) -> Option<(&str, &str)> {
    let src = doc.source();
    containers(doc).find_map(|node| {
        let lead = &src[node.span().start + 1..first_child_start(node)?];
        let at = lead.rfind('\n')?;
        let newline = if lead[..at].ends_with('\r') {
            "\r\n"
        } else {
            "\n"
        };
        let inner = &lead[at + 1..];
        let step = inner
            .strip_prefix(line_indent(src, node.span().start))
            .filter(|s| !s.is_empty());
        Some((newline, step.unwrap_or("  ")))
    })
}

fn first_child_start(node: Node<'_>) -> Option<usize> {
    match node.kind() {
        Kind::Object => node.members().next().map(|m| m.key_span().start),
        _ => node.elements().next().map(|e| e.span().start),
    }
}

/// Every array and object, in source order.
fn containers(doc: &Document) -> impl Iterator<Item = Node<'_>> {
    (0..doc.entry_count())
        .map(|index| doc.node(index))
        .filter(|node| matches!(node.kind(), Kind::Array | Kind::Object))
}

/// The spaces and tabs that start the line holding byte `pos`.
pub fn line_indent(src: &str, pos: usize) -> &str {
    let line_start = src[..pos].rfind('\n').map_or(0, |at| at + 1);
    let line = &src[line_start..pos];
    let width = line
        .bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    &line[..width]
}
