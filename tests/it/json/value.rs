//! The owned value and the compact writer: exact output for hand-written values,
//! number text kept as written, and string escaping that reads back to the same text.

use super::doc;
use claude_token::json::{quote, to_compact_string, write_compact, Document, Number, Value};

fn object(members: Vec<(&str, Value)>) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

#[test]
fn writes_values_compactly() {
    let value = object(vec![
        ("a", Value::from(1_i64)),
        (
            "b",
            Value::Array(vec![
                Value::Bool(true),
                Value::Null,
                Value::from("x\"y\\z\n\u{1}\u{e9}"),
            ]),
        ),
        ("c", object(vec![])),
        ("d", Value::Array(vec![])),
        ("e", Value::from(u64::MAX)),
    ]);
    let expected =
        r#"{"a":1,"b":[true,null,"x\"y\\z\n\u0001é"],"c":{},"d":[],"e":18446744073709551615}"#;
    assert_eq!(to_compact_string(&value), expected);
    let mut out = String::from("prefix ");
    write_compact(&Value::from(false), &mut out);
    assert_eq!(out, "prefix false");
}

#[test]
fn quotes_control_characters_and_specials() {
    let text = "\u{0}\u{8}\t\n\u{c}\r\u{1f} \u{7f}\"\\/\u{2028}\u{1f600}";
    assert_eq!(
        quote(text),
        "\"\\u0000\\b\\t\\n\\f\\r\\u001f \u{7f}\\\"\\\\/\u{2028}\u{1f600}\""
    );
    assert_eq!(quote(""), "\"\"");
}

#[test]
fn quoted_text_reads_back_unchanged() {
    let mut text: String = (0u8..0x80).map(char::from).collect();
    text.push_str("\u{e9}\u{ffff}\u{10ffff}\u{fffd}");
    let quoted = quote(&text);
    assert_eq!(doc(&quoted).root().as_str().as_deref(), Some(text.as_str()));
}

#[test]
fn keeps_number_text_and_member_order_from_a_document() {
    let text = r#"{"z":[1.0,1e2,-0,0.50],"a":{"k":1,"k":2},"s":"\u00e9"}"#;
    let value = doc(text).root().to_value();
    assert_eq!(
        to_compact_string(&value),
        r#"{"z":[1.0,1e2,-0,0.50],"a":{"k":1,"k":2},"s":"é"}"#
    );
    assert_eq!(
        value
            .get("a")
            .and_then(|a| a.get("k"))
            .and_then(Value::as_i64),
        Some(2)
    );
    assert_eq!(value.get("s").and_then(Value::as_str), Some("\u{e9}"));
    assert!(value.get("missing").is_none());
}

#[test]
fn compares_values_by_number_text() {
    assert_ne!(doc("1.0").root().to_value(), doc("1").root().to_value());
    assert_eq!(
        doc(" [1 , {\"a\" : null}] ").root().to_value(),
        doc("[1,{\"a\":null}]").root().to_value()
    );
}

#[test]
fn builds_numbers_from_integers_and_floats() {
    assert_eq!(Number::from(-42_i64).as_str(), "-42");
    assert_eq!(Number::from(i64::MIN).as_i64(), Some(i64::MIN));
    assert_eq!(Number::from(u64::MAX).as_u64(), Some(u64::MAX));
    assert_eq!(
        Number::from_f64(1.5)
            .map(|n| n.as_str().to_owned())
            .as_deref(),
        Some("1.5")
    );
    assert_eq!(
        Number::from_f64(1e300)
            .map(|n| n.as_str().to_owned())
            .as_deref(),
        Some("1e300")
    );
    assert!(Number::from_f64(f64::NAN).is_none());
    assert!(Number::from_f64(f64::INFINITY).is_none());
    assert!(Number::from_f64(f64::NEG_INFINITY).is_none());
}

#[test]
fn float_numbers_read_back_to_the_same_float() {
    let floats = [
        0.1,
        -0.0,
        1.0 / 3.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1e-7,
        123_456_789.0,
        -1e21,
    ];
    for f in floats {
        let number = Number::from_f64(f).expect("finite");
        let parsed = Document::parse(number.as_str().as_bytes()).expect("valid JSON number");
        let back = parsed.root().as_f64().expect("finite");
        assert_eq!(back.to_bits(), f.to_bits(), "{f}");
    }
}

#[test]
fn parses_only_exact_number_text() {
    for good in ["0", "-0.0", "1e5", "1E+05", "-12.5e-3"] {
        assert_eq!(
            Number::parse(good).map(|n| n.to_string()).as_deref(),
            Some(good)
        );
    }
    for bad in [
        "", "01", "+1", "1.", ".5", " 1", "1 ", "0x1", "Infinity", "1e",
    ] {
        assert!(Number::parse(bad).is_none(), "{bad:?}");
    }
}
