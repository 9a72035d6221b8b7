//! `JSONTestSuite` (`tests/vectors/json-test-suite`): `y_` files must parse and come back
//! byte for byte, `n_` files must be rejected, `i_` files may go either way but never
//! panic. The counts are asserted so that a missing directory fails.

use crate::support::vector;
use claude_token::json::{to_compact_string, Document, Editor};
use std::fs;
use std::path::PathBuf;

/// Files of the suite whose names start with `prefix`, sorted.
fn files(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = vector("json-test-suite/test_parsing");
    let mut found: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            name.starts_with(prefix)
                .then(|| (name, fs::read(&path).expect("vector file")))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn accepts_every_y_file_and_keeps_it_byte_for_byte() {
    let cases = files("y_");
    assert_eq!(cases.len(), 95);
    for (name, input) in cases {
        let doc = Document::parse(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.as_bytes(), &input[..], "{name}: source");
        let unedited = Editor::new(&doc)
            .finish()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(unedited, input, "{name}: editor without edits");
        let bom = if doc.has_bom() { 3 } else { 0 };
        let root = doc.root().span();
        let around = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        assert!(
            input[bom..root.start].iter().all(around),
            "{name}: before the value"
        );
        assert!(
            input[root.end..].iter().all(around),
            "{name}: after the value"
        );
    }
}

#[test]
fn every_y_file_survives_value_and_compact_round_trip() {
    for (name, input) in files("y_") {
        let value = Document::parse(&input).expect("parses").root().to_value();
        let compact = to_compact_string(&value);
        let again = Document::parse(compact.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again.root().to_value(), value, "{name}");
    }
}

#[test]
fn every_node_span_of_y_files_parses_to_the_same_value() {
    for (name, input) in files("y_") {
        let doc = Document::parse(&input).expect("parses");
        let mut stack = vec![doc.root()];
        while let Some(node) = stack.pop() {
            let alone =
                Document::parse(node.raw().as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                alone.root().to_value(),
                node.to_value(),
                "{name}: {:?}",
                node.span()
            );
            stack.extend(node.elements());
            stack.extend(node.members().map(|m| m.value()));
        }
    }
}

#[test]
fn rejects_every_n_file() {
    let cases = files("n_");
    assert_eq!(cases.len(), 188);
    for (name, input) in cases {
        let result = Document::parse(&input);
        let error = result
            .err()
            .unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(
            error.offset <= input.len(),
            "{name}: offset {} past the end",
            error.offset
        );
    }
}

#[test]
fn i_files_never_panic_and_accepted_ones_round_trip() {
    let cases = files("i_");
    assert_eq!(cases.len(), 35);
    for (name, input) in cases {
        if let Ok(doc) = Document::parse(&input) {
            assert_eq!(doc.as_bytes(), &input[..], "{name}");
            let compact = to_compact_string(&doc.root().to_value());
            assert!(Document::parse(compact.as_bytes()).is_ok(), "{name}");
        }
    }
}

/// How this parser decides each `i_` file: numbers of any size are accepted, lone
/// surrogate escapes are accepted and reported, invalid UTF-8 and UTF-16 are refused,
/// 500 levels are too deep, and a BOM is accepted and reported.
#[test]
fn i_files_are_decided_as_documented() {
    use claude_token::json::Reason::{ExpectedValue, InvalidUtf8, TooDeep};
    let lone = |n: usize| Ok(n);
    let expected = [
        ("i_number_double_huge_neg_exp.json", lone(0)),
        ("i_number_huge_exp.json", lone(0)),
        ("i_number_neg_int_huge_exp.json", lone(0)),
        ("i_number_pos_double_huge_exp.json", lone(0)),
        ("i_number_real_neg_overflow.json", lone(0)),
        ("i_number_real_pos_overflow.json", lone(0)),
        ("i_number_real_underflow.json", lone(0)),
        ("i_number_too_big_neg_int.json", lone(0)),
        ("i_number_too_big_pos_int.json", lone(0)),
        ("i_number_very_big_negative_int.json", lone(0)),
        ("i_object_key_lone_2nd_surrogate.json", lone(1)),
        ("i_string_1st_surrogate_but_2nd_missing.json", lone(1)),
        ("i_string_1st_valid_surrogate_2nd_invalid.json", lone(1)),
        ("i_string_UTF-16LE_with_BOM.json", Err(ExpectedValue)),
        ("i_string_UTF-8_invalid_sequence.json", Err(InvalidUtf8)),
        ("i_string_UTF8_surrogate_U+D800.json", Err(InvalidUtf8)),
        (
            "i_string_incomplete_surrogate_and_escape_valid.json",
            lone(1),
        ),
        ("i_string_incomplete_surrogate_pair.json", lone(1)),
        ("i_string_incomplete_surrogates_escape_valid.json", lone(2)),
        ("i_string_invalid_lonely_surrogate.json", lone(1)),
        ("i_string_invalid_surrogate.json", lone(1)),
        ("i_string_invalid_utf-8.json", Err(InvalidUtf8)),
        ("i_string_inverted_surrogates_U+1D11E.json", lone(2)),
        ("i_string_iso_latin_1.json", Err(InvalidUtf8)),
        ("i_string_lone_second_surrogate.json", lone(1)),
        (
            "i_string_lone_utf8_continuation_byte.json",
            Err(InvalidUtf8),
        ),
        ("i_string_not_in_unicode_range.json", Err(InvalidUtf8)),
        ("i_string_overlong_sequence_2_bytes.json", Err(InvalidUtf8)),
        ("i_string_overlong_sequence_6_bytes.json", Err(InvalidUtf8)),
        (
            "i_string_overlong_sequence_6_bytes_null.json",
            Err(InvalidUtf8),
        ),
        ("i_string_truncated-utf-8.json", Err(InvalidUtf8)),
        ("i_string_utf16BE_no_BOM.json", Err(ExpectedValue)),
        ("i_string_utf16LE_no_BOM.json", Err(ExpectedValue)),
        ("i_structure_500_nested_arrays.json", Err(TooDeep)),
        ("i_structure_UTF-8_BOM_empty_object.json", lone(0)),
    ];
    let cases = files("i_");
    assert_eq!(cases.len(), expected.len());
    for ((name, input), (want_name, want)) in cases.iter().zip(expected) {
        assert_eq!(name, want_name);
        let got = Document::parse(input)
            .map(|doc| doc.lone_surrogates().len())
            .map_err(|e| e.reason);
        assert_eq!(got, want, "{name}");
    }
}
