//! Reading a parsed document: paths, decoded strings, exact integers, iteration in
//! source order, spans, and `Debug` lines that never show a value.

use super::doc;
use claude_token::json::{Kind, Node, PathStep};

const CREDENTIALS: &str = concat!(
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-AAAA","refreshToken":"sk-ant-ort01-BBBB","#,
    r#""expiresAt":1764000000000,"scopes":["user:inference","user:profile"],"#,
    r#""subscriptionType":"max","rateLimitTier":"default_claude_max_20x"},"mcpOAuth":{}}"#
);

#[test]
fn reads_the_credentials_blob_by_key_path() {
    let parsed = doc(CREDENTIALS);
    let token = parsed
        .get(&["claudeAiOauth", "refreshToken"])
        .expect("refresh token");
    assert_eq!(token.as_str().as_deref(), Some("sk-ant-ort01-BBBB"));
    assert_eq!(token.raw(), "\"sk-ant-ort01-BBBB\"");
    assert_eq!(&CREDENTIALS[token.span()], "\"sk-ant-ort01-BBBB\"");
    assert_eq!(token.key().as_deref(), Some("refreshToken"));
    assert_eq!(
        token.path(),
        [
            PathStep::Key("claudeAiOauth".into()),
            PathStep::Key("refreshToken".into())
        ]
    );
    let expires = parsed.get(&["claudeAiOauth", "expiresAt"]).expect("expiry");
    assert_eq!(expires.as_i64(), Some(1_764_000_000_000));
    assert_eq!(expires.as_u64(), Some(1_764_000_000_000));
    assert_eq!(
        parsed.get(&["mcpOAuth"]).map(|n| n.kind()),
        Some(Kind::Object)
    );
    assert!(parsed.get(&["claudeAiOauth", "missing"]).is_none());
    assert!(parsed
        .get(&["claudeAiOauth", "expiresAt", "deeper"])
        .is_none());
    assert_eq!(
        parsed.get(&[]).map(|n| n.span()),
        Some(0..CREDENTIALS.len())
    );
}

#[test]
fn iterates_members_and_elements_in_source_order() {
    let parsed = doc(CREDENTIALS);
    let oauth = parsed.get(&["claudeAiOauth"]).expect("oauth");
    let keys: Vec<String> = oauth.members().map(|m| m.key().into_owned()).collect();
    let expected = [
        "accessToken",
        "refreshToken",
        "expiresAt",
        "scopes",
        "subscriptionType",
        "rateLimitTier",
    ];
    assert_eq!(keys, expected);
    let scopes = oauth.get("scopes").expect("scopes");
    let scopes: Vec<String> = scopes
        .elements()
        .filter_map(|n| n.as_str().map(Into::into))
        .collect();
    assert_eq!(scopes, ["user:inference", "user:profile"]);
    assert_eq!(parsed.root().members().count(), 2);
    assert_eq!(
        parsed.root().elements().count(),
        0,
        "an object has no elements"
    );
    assert_eq!(
        oauth.get("scopes").map(|s| s.members().count()),
        Some(0),
        "an array has no members"
    );
    assert_eq!(oauth.parent().map(|p| p.span()), Some(parsed.root().span()));
    assert!(parsed.root().parent().is_none());
}

#[test]
fn member_spans_cover_key_and_value_exactly() {
    let text = "{ \"a\" : [1, 2] ,\n \"b\":null }";
    let parsed = doc(text);
    let members: Vec<_> = parsed.root().members().collect();
    assert_eq!(members[0].key_raw(), "\"a\"");
    assert_eq!(members[0].key_span(), 2..5);
    assert_eq!(&text[members[0].span()], "\"a\" : [1, 2]");
    assert_eq!(members[1].value().raw(), "null");
    assert!(members[1].value().is_null());
}

#[test]
fn decodes_every_escape() {
    let parsed = doc(r#"["a\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00", "plain"]"#);
    let strings: Vec<String> = parsed
        .root()
        .elements()
        .filter_map(|n| n.as_str().map(Into::into))
        .collect();
    assert_eq!(
        strings,
        ["a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{20ac}\u{1f600}", "plain"]
    );
}

#[test]
fn matches_keys_after_decoding_escapes() {
    let parsed = doc(r#"{"\u0061b":1,"c\/d":2}"#);
    assert_eq!(parsed.get(&["ab"]).map(|n| n.raw()), Some("1"));
    assert_eq!(parsed.get(&["c/d"]).map(|n| n.raw()), Some("2"));
    let first = parsed.root().members().next().expect("member");
    assert_eq!(first.key(), "ab");
    assert_eq!(first.key_raw(), r#""\u0061b""#);
    assert!(first.key_is("ab") && !first.key_is("\\u0061b"));
}

#[test]
fn reads_integers_exactly_or_not_at_all() {
    let cases: &[(&str, Option<i64>, Option<u64>)] = &[
        ("0", Some(0), Some(0)),
        ("-0", Some(0), Some(0)),
        ("-1", Some(-1), None),
        ("1.0", Some(1), Some(1)),
        ("1e3", Some(1000), Some(1000)),
        ("1.50e1", Some(15), Some(15)),
        ("100e-2", Some(1), Some(1)),
        ("1.5", None, None),
        ("1e-400", None, None),
        ("1e400", None, None),
        ("0e99999999999999999999", Some(0), Some(0)),
        (
            "9223372036854775807",
            Some(i64::MAX),
            Some(9_223_372_036_854_775_807),
        ),
        ("9223372036854775808", None, Some(9_223_372_036_854_775_808)),
        ("-9223372036854775808", Some(i64::MIN), None),
        ("-9223372036854775809", None, None),
        ("18446744073709551615", None, Some(u64::MAX)),
        ("18446744073709551616", None, None),
        ("1844674407370955161.5e1", None, Some(u64::MAX)),
        ("12345678901234567890e-10", None, None),
        ("100000000000000000000", None, None),
        ("99999999999999999999", None, None),
        ("-18446744073709551615", None, None),
        (
            "1795941314598",
            Some(1_795_941_314_598),
            Some(1_795_941_314_598),
        ),
    ];
    for &(text, i, u) in cases {
        let parsed = doc(text);
        assert_eq!(parsed.root().as_i64(), i, "{text} as i64");
        assert_eq!(parsed.root().as_u64(), u, "{text} as u64");
    }
    assert_eq!(
        doc("\"1\"").root().as_i64(),
        None,
        "a string is not a number"
    );
}

#[test]
fn reads_floats_and_refuses_infinity() {
    assert_eq!(doc("1.5").root().as_f64(), Some(1.5));
    assert_eq!(doc("-2.5e-3").root().as_f64(), Some(-0.0025));
    assert_eq!(doc("7").root().as_f64(), Some(7.0));
    assert!(doc("-0")
        .root()
        .as_f64()
        .is_some_and(|f| f == 0.0 && f.is_sign_negative()));
    assert_eq!(doc("1e400").root().as_f64(), None);
    assert_eq!(doc("true").root().as_f64(), None);
}

#[test]
fn typed_accessors_answer_none_for_other_kinds() {
    let parsed = doc(r#"[true, false, null, "s", 1, [], {}]"#);
    let nodes: Vec<_> = parsed.root().elements().collect();
    let kinds: Vec<Kind> = nodes.iter().map(Node::kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Bool,
            Kind::Bool,
            Kind::Null,
            Kind::String,
            Kind::Number,
            Kind::Array,
            Kind::Object
        ]
    );
    assert_eq!(nodes[0].as_bool(), Some(true));
    assert_eq!(nodes[1].as_bool(), Some(false));
    assert!(nodes[2].is_null() && !nodes[3].is_null());
    assert_eq!(nodes[3].as_bool(), None);
    assert_eq!(nodes[4].as_str(), None);
    assert_eq!(nodes[2].as_i64(), None);
    assert!(nodes[6].get("x").is_none() && nodes[5].get("x").is_none());
}

#[test]
fn debug_lines_never_show_values() {
    let parsed = doc(CREDENTIALS);
    let token = parsed
        .get(&["claudeAiOauth", "accessToken"])
        .expect("token");
    let member = parsed.root().members().next().expect("member");
    for line in [
        format!("{parsed:?}"),
        format!("{token:?}"),
        format!("{member:?}"),
        format!("{:?}", parsed.root().to_value()),
        format!("{:?}", parsed.editor()),
    ] {
        assert!(!line.contains("sk-ant"), "{line}");
    }
}
