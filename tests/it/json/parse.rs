//! Parse errors (every `Reason`, with its offset), limits, and what the parser reports
//! without rejecting: a byte order mark, repeated keys, lone surrogate escapes.

use super::{check_error, doc, error};
use claude_token::json::{Document, DuplicateKey, Error, Limits, PathStep, Reason};

#[test]
fn reports_an_early_end_at_the_input_length() {
    for input in [
        "", "  ", "[1,", "{\"a\"", "{\"a\":", "\"abc", "tr", "-", "1.", "1e", "[1", "\"\\",
        "\"\\u12",
    ] {
        check_error(input.as_bytes(), input.len(), Reason::UnexpectedEnd);
    }
}

#[test]
fn rejects_what_is_not_a_value() {
    check_error(b"]", 0, Reason::ExpectedValue);
    check_error(b"[1,]", 3, Reason::ExpectedValue);
    check_error(b"[,1]", 1, Reason::ExpectedValue);
    check_error(b"+1", 0, Reason::ExpectedValue);
    check_error(b".5", 0, Reason::ExpectedValue);
    check_error(b"'a'", 0, Reason::ExpectedValue);
    check_error(b"[}", 1, Reason::ExpectedValue);
    check_error(b"NaN", 0, Reason::ExpectedValue);
}

#[test]
fn accepts_only_the_four_whitespace_bytes() {
    assert_eq!(doc(" \t\r\n1 \t\r\n").root().raw(), "1");
    check_error(b"\x0c1", 0, Reason::ExpectedValue);
    check_error(b"\xc2\xa01", 0, Reason::ExpectedValue);
    check_error(b"[1\x0b]", 2, Reason::ExpectedCommaOrBracket);
}

#[test]
fn rejects_misspelled_literals() {
    check_error(b"[tru]", 1, Reason::InvalidLiteral);
    check_error(b"nul1", 0, Reason::InvalidLiteral);
    check_error(b"True", 0, Reason::ExpectedValue);
    check_error(b"falsey", 5, Reason::TrailingCharacters);
}

#[test]
fn rejects_numbers_outside_the_rfc_grammar() {
    check_error(b"01", 0, Reason::LeadingZero);
    check_error(b"[-012]", 2, Reason::LeadingZero);
    check_error(b"-a", 1, Reason::ExpectedDigit);
    check_error(b"1.e5", 2, Reason::ExpectedDigit);
    check_error(b"[1e]", 3, Reason::ExpectedDigit);
    check_error(b"[1e+]", 4, Reason::ExpectedDigit);
    check_error(b"- 1", 1, Reason::ExpectedDigit);
    check_error(b"0x10", 1, Reason::TrailingCharacters);
    check_error(b"1.5.", 3, Reason::TrailingCharacters);
}

#[test]
fn accepts_numbers_of_the_rfc_grammar() {
    for text in [
        "0",
        "-0",
        "0.0",
        "10",
        "-1.5e+10",
        "1E-2",
        "123456789012345678901234567890",
        "0e0",
    ] {
        assert_eq!(doc(text).root().raw(), text);
    }
}

#[test]
fn rejects_bad_strings() {
    check_error(b"\"a\tb\"", 2, Reason::ControlCharacter);
    check_error(b"[\"\x00\"]", 2, Reason::ControlCharacter);
    check_error(b"\"\\x\"", 1, Reason::InvalidEscape);
    check_error(b"\"\\U0041\"", 1, Reason::InvalidEscape);
    check_error(b"\"ab\\u12G4\"", 3, Reason::InvalidUnicodeEscape);
    check_error(b"\"\\ud800\\u12zz\"", 7, Reason::InvalidUnicodeEscape);
}

#[test]
fn rejects_invalid_utf8_in_strings() {
    check_error(b"\"\xff\"", 1, Reason::InvalidUtf8);
    check_error(b"\"a\xc3\"", 2, Reason::InvalidUtf8);
    check_error(b"\"\xc0\xaf\"", 1, Reason::InvalidUtf8);
    check_error(b"\"\xed\xa0\x80\"", 1, Reason::InvalidUtf8);
    check_error(b"\"\xf4\x90\x80\x80\"", 1, Reason::InvalidUtf8);
    check_error(b"\"ok\xe2\x82", 3, Reason::InvalidUtf8);
    assert_eq!(
        doc("\"h\u{e9}\u{20ac}\u{1f600}\"")
            .root()
            .as_str()
            .as_deref(),
        Some("h\u{e9}\u{20ac}\u{1f600}")
    );
}

#[test]
fn rejects_malformed_objects_and_arrays() {
    check_error(b"{1:2}", 1, Reason::ExpectedKey);
    check_error(b"{\"a\":1,}", 7, Reason::ExpectedKey);
    check_error(b"{,}", 1, Reason::ExpectedKey);
    check_error(b"{\"a\" 1}", 5, Reason::ExpectedColon);
    check_error(b"{\"a\"=1}", 4, Reason::ExpectedColon);
    check_error(b"{\"a\":1 \"b\":2}", 7, Reason::ExpectedCommaOrBrace);
    check_error(b"{\"a\":1]", 6, Reason::ExpectedCommaOrBrace);
    check_error(b"[1 2]", 3, Reason::ExpectedCommaOrBracket);
    check_error(b"[1}", 2, Reason::ExpectedCommaOrBracket);
}

#[test]
fn rejects_anything_after_the_value() {
    check_error(b"{} x", 3, Reason::TrailingCharacters);
    check_error(b"1 2", 2, Reason::TrailingCharacters);
    check_error(b"[]]", 2, Reason::TrailingCharacters);
    check_error(b"\"a\"\x00", 3, Reason::TrailingCharacters);
}

#[test]
fn error_display_names_the_byte_and_the_problem() {
    let e = error(b"{\"claudeAiOauth\" 1}");
    assert_eq!(
        e.to_string(),
        "invalid JSON at byte 17: expected ':' after object key"
    );
    assert_eq!(
        error(b"[").to_string(),
        "invalid JSON at byte 1: unexpected end of input"
    );
}

#[test]
fn refuses_input_over_the_size_limit() {
    let limits = Limits {
        max_size: 8,
        ..Limits::default()
    };
    assert!(Document::parse_with(b"[1,2,33]", limits).is_ok());
    let e = Document::parse_with(b"[1,2,333]", limits).err();
    assert_eq!(
        e,
        Some(Error {
            offset: 8,
            reason: Reason::TooLarge
        })
    );
    assert_eq!(
        Limits::default(),
        Limits {
            max_depth: 128,
            max_size: 4 << 20
        }
    );
}

#[test]
fn accepts_nesting_up_to_the_depth_limit() {
    let deepest = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(Document::parse(deepest.as_bytes()).is_ok());
    let too_deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
    check_error(too_deep.as_bytes(), 128, Reason::TooDeep);
    let objects = format!("{}1{}", "{\"a\":".repeat(129), "}".repeat(129));
    check_error(objects.as_bytes(), 5 * 128, Reason::TooDeep);
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    assert!(Document::parse_with(b"[1,{}]", shallow).is_err());
    assert!(Document::parse_with(b"[1,2]", shallow).is_ok());
}

/// A 2 MiB thread is the smallest stack the tool runs on (Rust's default for spawned
/// threads); hostile nesting must be an error there, and the deepest accepted tree
/// must convert and print without running out of stack.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let run = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
        let hostile = "[".repeat(100_000);
        check_error(hostile.as_bytes(), 128, Reason::TooDeep);
        let wide_open = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let e = Document::parse_with(hostile.as_bytes(), wide_open).err();
        assert_eq!(
            e,
            Some(Error {
                offset: 512,
                reason: Reason::TooDeep
            })
        );
        let deepest = format!("{}0{}", "[{\"k\":".repeat(256), "}]".repeat(256));
        let parsed = Document::parse_with(deepest.as_bytes(), wide_open).expect("512 levels");
        let text = claude_token::json::to_compact_string(&parsed.root().to_value());
        assert_eq!(text, deepest);
    });
    run.expect("spawn").join().expect("no stack overflow");
}

#[test]
fn reports_a_leading_bom_and_keeps_it() {
    let input = b"\xEF\xBB\xBF{\"a\":1}";
    let parsed = Document::parse(input).expect("BOM then a value");
    assert!(parsed.has_bom());
    assert_eq!(parsed.as_bytes(), input);
    assert_eq!(parsed.root().span(), 3..10);
    assert!(!doc("{}").has_bom());
}

#[test]
fn rejects_a_bom_without_a_value_or_in_the_wrong_place() {
    check_error(b"\xEF\xBB\xBF", 3, Reason::UnexpectedEnd);
    check_error(b"\xEF\xBB\xBF\xEF\xBB\xBF1", 3, Reason::ExpectedValue);
    check_error(b" \xEF\xBB\xBF1", 1, Reason::ExpectedValue);
    check_error(b"[\xEF\xBB\xBF]", 1, Reason::ExpectedValue);
}

#[test]
fn reports_repeated_keys_with_their_object_paths() {
    let parsed = doc(r#"{"a":1,"b":{"c":1,"c":2},"a":3,"l":[{"x":1,"\u0078":2}]}"#);
    let key = |s: &str| PathStep::Key(s.to_owned());
    let expected = vec![
        DuplicateKey {
            object: vec![key("b")],
            key: "c".into(),
            offset: 18,
        },
        DuplicateKey {
            object: vec![],
            key: "a".into(),
            offset: 25,
        },
        DuplicateKey {
            object: vec![key("l"), PathStep::Index(0)],
            key: "x".into(),
            offset: 43,
        },
    ];
    assert_eq!(parsed.duplicate_keys(), expected);
    assert!(parsed.root().has_duplicate_keys());
    assert!(parsed.get(&["b"]).is_some_and(|b| b.has_duplicate_keys()));
    assert_eq!(
        parsed.get(&["a"]).map(|n| n.raw()),
        Some("3"),
        "the last one wins, as in JSON.parse"
    );
    assert!(doc(r#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#)
        .duplicate_keys()
        .is_empty());
}

#[test]
fn finds_repeated_keys_among_many_members() {
    let members: Vec<String> = (0..5000).map(|i| format!("\"k{i}\":{i}")).collect();
    let text = format!("{{{},\"k4321\":0}}", members.join(","));
    let dups = doc(&text).duplicate_keys();
    assert_eq!(
        dups.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
        ["k4321"]
    );
    let many = format!("[{}]", vec![r#"{"a":1,"a":2}"#; 50_000].join(","));
    let dups = doc(&many).duplicate_keys();
    assert_eq!(dups.len(), 50_000);
    assert_eq!(
        dups.last().map(|d| d.object.clone()),
        Some(vec![PathStep::Index(49_999)])
    );
}

#[test]
fn reports_lone_surrogates_and_decodes_them_as_replacement() {
    let text = r#"["\ud800", "\ud83d\ude00", "\udc00x"]"#;
    let parsed = doc(text);
    assert_eq!(parsed.lone_surrogates(), &[2, 28]);
    let strings: Vec<String> = parsed
        .root()
        .elements()
        .filter_map(|n| n.as_str().map(Into::into))
        .collect();
    assert_eq!(strings, ["\u{fffd}", "\u{1f600}", "\u{fffd}x"]);
    assert_eq!(parsed.as_bytes(), text.as_bytes());
    assert!(doc(r#""\ud83d\ude00""#).lone_surrogates().is_empty());
}
