#![no_main]
//! Any bytes: parsing never panics; what parses comes back byte for byte and survives a
//! trip through the owned value and the compact writer. When the top level is an object
//! with members, splice edits (replace the first member's value, insert a member,
//! remove the first member) re-parse, change what they meant to, and leave every other
//! byte of the document as it was.

use claude_token::json::{quote, to_compact_string, Document, EditError, Position};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    assert_eq!(doc.as_bytes(), data);
    check_value_round_trip(&doc);
    let Some(first) = doc.root().members().next() else {
        return;
    };
    let key = first.key().into_owned();
    if doc.root().members().filter(|m| m.key_is(&key)).count() > 1 {
        assert_eq!(doc.replace(&[&key], "123"), Err(EditError::AmbiguousKey));
        assert_eq!(doc.remove(&[&key]), Err(EditError::AmbiguousKey));
        return;
    }
    check_replace(&doc, &key, "123");
    check_replace(&doc, &key, "\"new\\n\u{e9}\"");
    check_insert(&doc, Position::End);
    check_insert(&doc, Position::After(&key));
    check_remove(&doc, &key);
});

fn check_value_round_trip(doc: &Document) {
    let value = doc.root().to_value();
    let compact = to_compact_string(&value);
    let again = Document::parse(compact.as_bytes()).expect("compact output parses");
    assert_eq!(again.root().to_value(), value);
}

/// Each top-level member as (key text, value text), exactly as written.
fn members(doc: &Document) -> Vec<(String, String)> {
    doc.root()
        .members()
        .map(|m| (m.key_raw().to_owned(), m.value().raw().to_owned()))
        .collect()
}

fn reparse(bytes: &[u8]) -> Document {
    Document::parse(bytes).expect("an edit result parses")
}

fn check_replace(doc: &Document, key: &str, value: &str) {
    let out = doc.replace(&[key], value).expect("replace");
    let span = doc.get(&[key]).expect("member").span();
    let src = doc.as_bytes();
    assert_eq!(&out[..span.start], &src[..span.start]);
    assert_eq!(&out[span.start..span.start + value.len()], value.as_bytes());
    assert_eq!(&out[span.start + value.len()..], &src[span.end..]);
    let edited = reparse(&out);
    assert_eq!(edited.get(&[key]).map(|n| n.raw()), Some(value));
    let (mut before, mut after) = (members(doc), members(&edited));
    before[0].1 = value.to_owned();
    after[0].1 = value.to_owned();
    assert_eq!(before, after);
}

fn check_insert(doc: &Document, at: Position<'_>) {
    let mut key = String::from("fuzz");
    while doc.root().members().any(|m| m.key_is(&key)) {
        key.push('~');
    }
    let value = "[1,{\"x\":\"y\"}]";
    let out = doc.insert(&[], &key, value, at).expect("insert");
    let edited = reparse(&out);
    let mut expected = members(doc);
    let position = if at == Position::End {
        expected.len()
    } else {
        1
    };
    expected.insert(position, (quote(&key), value.to_owned()));
    assert_eq!(members(&edited), expected);
    assert_eq!(edited.get(&[&key]).map(|n| n.raw()), Some(value));
}

fn check_remove(doc: &Document, key: &str) {
    let out = doc.remove(&[key]).expect("remove");
    let edited = reparse(&out);
    assert!(edited.get(&[key]).is_none());
    assert_eq!(members(&edited), members(doc)[1..]);
}
