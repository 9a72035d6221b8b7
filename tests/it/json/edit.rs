//! Splice edits, each checked against output written out by hand: every byte not
//! meant to change stays, and inserted members copy the layout of their object.

use super::doc;
use claude_token::json::{Document, EditError, Editor, Limits, Position, Reason};

/// Applies `edits` to `text`; the result must re-parse.
fn edited(text: &str, edits: impl FnOnce(&mut Editor<'_>) -> Result<(), EditError>) -> String {
    let parsed = doc(text);
    let mut editor = parsed.editor();
    edits(&mut editor).unwrap_or_else(|e| panic!("edit refused: {e}"));
    let out = editor.finish().unwrap_or_else(|e| panic!("finish: {e}"));
    assert!(Document::parse(&out).is_ok(), "result does not re-parse");
    String::from_utf8(out).expect("UTF-8")
}

fn refused(text: &str, edits: impl FnOnce(&mut Editor<'_>) -> Result<(), EditError>) -> EditError {
    let parsed = doc(text);
    let mut editor = parsed.editor();
    match edits(&mut editor) {
        Err(e) => e,
        Ok(()) => editor.finish().expect_err("edits should be refused"),
    }
}

const CREDENTIALS: &str = concat!(
    r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-old","refreshToken":"sk-ant-ort01-old","#,
    r#""expiresAt":1764000000000,"scopes":["user:inference","user:profile"],"#,
    r#""subscriptionType":"max","rateLimitTier":"default_claude_max_20x"},"mcpOAuth":{"s":{"t":1}}}"#
);

#[test]
fn replaces_refreshed_tokens_and_nothing_else() {
    let out = edited(CREDENTIALS, |e| {
        e.replace(
            &["claudeAiOauth", "accessToken"],
            "\"sk-ant-oat01-NEW-longer\"",
        )?;
        e.replace(&["claudeAiOauth", "refreshToken"], "\"sk-ant-ort01-NEW\"")?;
        e.replace(&["claudeAiOauth", "expiresAt"], "1764028800000")
    });
    let expected = concat!(
        r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-NEW-longer","refreshToken":"sk-ant-ort01-NEW","#,
        r#""expiresAt":1764028800000,"scopes":["user:inference","user:profile"],"#,
        r#""subscriptionType":"max","rateLimitTier":"default_claude_max_20x"},"mcpOAuth":{"s":{"t":1}}}"#
    );
    assert_eq!(out, expected);
}

#[test]
fn one_shot_edits_return_new_bytes() {
    let parsed = doc(r#"{"a":1,"b":[2]}"#);
    assert_eq!(
        parsed.replace(&["b"], "null").as_deref(),
        Ok(&br#"{"a":1,"b":null}"#[..])
    );
    assert_eq!(parsed.remove(&["a"]).as_deref(), Ok(&br#"{"b":[2]}"#[..]));
    let inserted = parsed.insert(&[], "c", "{}", Position::After("a"));
    assert_eq!(inserted.as_deref(), Ok(&br#"{"a":1,"c":{},"b":[2]}"#[..]));
    assert_eq!(doc("[1]").replace(&[], "2").as_deref(), Ok(&b"2"[..]));
}

#[test]
fn inserts_into_compact_objects() {
    assert_eq!(
        edited(r#"{"a":1}"#, |e| e.insert(&[], "b", "2", Position::End)),
        r#"{"a":1,"b":2}"#
    );
    let after = edited(r#"{"a":1,"c":3}"#, |e| {
        e.insert(&[], "b", "2", Position::After("a"))
    });
    assert_eq!(after, r#"{"a":1,"b":2,"c":3}"#);
    let empty = edited(r#"{"a":{}}"#, |e| {
        e.insert(&["a"], "k", "\"v\"", Position::End)
    });
    assert_eq!(empty, r#"{"a":{"k":"v"}}"#);
    assert_eq!(
        edited("{}", |e| e.insert(&[], "k", "1", Position::End)),
        r#"{"k":1}"#
    );
    let two = edited(r#"{"a":1}"#, |e| {
        e.insert(&[], "b", "2", Position::End)?;
        e.insert(&[], "c", "3", Position::End)
    });
    assert_eq!(two, r#"{"a":1,"b":2,"c":3}"#);
}

#[test]
fn removes_compact_members_with_their_comma() {
    let text = r#"{"a":1,"b":2,"c":3}"#;
    assert_eq!(edited(text, |e| e.remove(&["a"])), r#"{"b":2,"c":3}"#);
    assert_eq!(edited(text, |e| e.remove(&["b"])), r#"{"a":1,"c":3}"#);
    assert_eq!(edited(text, |e| e.remove(&["c"])), r#"{"a":1,"b":2}"#);
    assert_eq!(
        edited(r#"{"x":{"only":true}}"#, |e| e.remove(&["x", "only"])),
        r#"{"x":{}}"#
    );
    let all = edited(text, |e| {
        e.remove(&["c"])?;
        e.remove(&["a"])?;
        e.remove(&["b"])
    });
    assert_eq!(all, "{}");
}

const PRETTY: &str = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  },\n  \"e\": {}\n}\n";

#[test]
fn replaces_in_a_pretty_document() {
    let out = edited(PRETTY, |e| e.replace(&["b", "c"], "false"));
    assert_eq!(
        out,
        "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": false\n  },\n  \"e\": {}\n}\n"
    );
}

#[test]
fn inserts_into_pretty_objects_with_their_indentation() {
    let end = edited(PRETTY, |e| e.insert(&[], "n", "null", Position::End));
    assert_eq!(
        end,
        "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  },\n  \"e\": {},\n  \"n\": null\n}\n"
    );
    let one = edited(PRETTY, |e| e.insert(&["b"], "d", "2", Position::End));
    assert_eq!(
        one,
        "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true,\n    \"d\": 2\n  },\n  \"e\": {}\n}\n"
    );
    let empty = edited(PRETTY, |e| e.insert(&["e"], "k", "1", Position::End));
    assert_eq!(
        empty,
        "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  },\n  \"e\": {\n    \"k\": 1\n  }\n}\n"
    );
    let after = edited(PRETTY, |e| e.insert(&[], "z", "[]", Position::After("a")));
    assert_eq!(
        after,
        "{\n  \"a\": 1,\n  \"z\": [],\n  \"b\": {\n    \"c\": true\n  },\n  \"e\": {}\n}\n"
    );
}

#[test]
fn inserts_two_members_into_an_empty_pretty_object() {
    let out = edited(PRETTY, |e| {
        e.insert(&["e"], "k", "1", Position::End)?;
        e.insert(&["e"], "l", "2", Position::End)
    });
    let expected = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  },\n  \"e\": {\n    \"k\": 1,\n    \"l\": 2\n  }\n}\n";
    assert_eq!(out, expected);
}

#[test]
fn inserts_into_a_one_line_object_on_that_line() {
    let out = edited("{ \"a\": 1 }", |e| e.insert(&[], "b", "2", Position::End));
    assert_eq!(out, "{ \"a\": 1, \"b\": 2 }");
    let spaced = edited("{\"a\" : 1,  \"b\" : 2}", |e| {
        e.insert(&[], "c", "3", Position::End)
    });
    assert_eq!(spaced, "{\"a\" : 1,  \"b\" : 2,  \"c\" : 3}");
}

#[test]
fn keeps_an_empty_object_on_one_line_when_its_container_is() {
    let spaced = edited(r#"{"a": 1, "e": {}}"#, |e| {
        e.insert(&["e"], "k", "1", Position::End)?;
        e.insert(&["e"], "l", "2", Position::End)
    });
    assert_eq!(spaced, r#"{"a": 1, "e": {"k": 1, "l": 2}}"#);
    let nested = edited("{\n  \"x\": {\"y\": {}}\n}", |e| {
        e.insert(&["x", "y"], "k", "1", Position::End)
    });
    assert_eq!(nested, "{\n  \"x\": {\"y\": {\"k\": 1}}\n}");
}

#[test]
fn copies_four_space_indentation_and_crlf() {
    let text = "{\r\n    \"a\": {}\r\n}";
    let out = edited(text, |e| e.insert(&["a"], "k", "1", Position::End));
    assert_eq!(out, "{\r\n    \"a\": {\r\n        \"k\": 1\r\n    }\r\n}");
    let tabs = edited("{\n\t\"a\": {\n\t\t\"b\": {}\n\t}\n}", |e| {
        e.insert(&["a", "b"], "k", "1", Position::End)
    });
    assert_eq!(
        tabs,
        "{\n\t\"a\": {\n\t\t\"b\": {\n\t\t\t\"k\": 1\n\t\t}\n\t}\n}"
    );
}

#[test]
fn removes_pretty_members_with_their_line() {
    let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}";
    assert_eq!(
        edited(text, |e| e.remove(&["a"])),
        "{\n  \"b\": 2,\n  \"c\": 3\n}"
    );
    assert_eq!(
        edited(text, |e| e.remove(&["b"])),
        "{\n  \"a\": 1,\n  \"c\": 3\n}"
    );
    assert_eq!(
        edited(text, |e| e.remove(&["c"])),
        "{\n  \"a\": 1,\n  \"b\": 2\n}"
    );
    assert_eq!(
        edited("{\n  \"x\": {\n    \"only\": 1\n  }\n}", |e| e
            .remove(&["x", "only"])),
        "{\n  \"x\": {}\n}"
    );
}

#[test]
fn removes_and_inserts_in_one_object() {
    let text = r#"{"a":1,"b":2,"c":3}"#;
    let swapped = edited(text, |e| {
        e.remove(&["b"])?;
        e.insert(&[], "d", "4", Position::After("b"))
    });
    assert_eq!(swapped, r#"{"a":1,"d":4,"c":3}"#);
    let moved = edited(text, |e| {
        e.remove(&["a"])?;
        e.insert(&[], "a", "9", Position::End)
    });
    assert_eq!(moved, r#"{"b":2,"c":3,"a":9}"#);
    let replaced_all = edited("{\n  \"a\": 1\n}", |e| {
        e.remove(&["a"])?;
        e.insert(&[], "b", "2", Position::End)
    });
    assert_eq!(replaced_all, "{\n  \"b\": 2\n}");
}

#[test]
fn swaps_account_members_of_a_credentials_blob() {
    let live =
        r#"{"claudeAiOauth":{"accessToken":"old"},"organizationUuid":"o-1","mcpOAuth":{"m":1}}"#;
    let out = edited(live, |e| {
        e.replace(&["claudeAiOauth"], r#"{"accessToken":"new"}"#)?;
        e.remove(&["organizationUuid"])?;
        e.insert(
            &[],
            "trustedDeviceToken",
            "\"t-2\"",
            Position::After("claudeAiOauth"),
        )
    });
    assert_eq!(
        out,
        r#"{"claudeAiOauth":{"accessToken":"new"},"trustedDeviceToken":"t-2","mcpOAuth":{"m":1}}"#
    );
}

#[test]
fn quotes_new_keys_and_keeps_a_bom() {
    let parsed = Document::parse(b"\xEF\xBB\xBF{}").expect("parses");
    let out = parsed
        .insert(&[], "q\"k\u{1}", "1", Position::End)
        .expect("inserted");
    assert_eq!(out, b"\xEF\xBB\xBF{\"q\\\"k\\u0001\":1}");
}

#[test]
fn refuses_paths_that_name_no_single_member() {
    let text = r#"{"a":{"b":1},"d":2,"d":3,"s":"x"}"#;
    assert_eq!(
        refused(text, |e| e.replace(&["z"], "1")),
        EditError::NotFound
    );
    assert_eq!(
        refused(text, |e| e.remove(&["a", "z"])),
        EditError::NotFound
    );
    assert_eq!(
        refused(text, |e| e.replace(&["s", "x"], "1")),
        EditError::NotAnObject
    );
    assert_eq!(
        refused(text, |e| e.insert(&["s"], "k", "1", Position::End)),
        EditError::NotAnObject
    );
    assert_eq!(
        refused(text, |e| e.replace(&["d"], "1")),
        EditError::AmbiguousKey
    );
    assert_eq!(refused(text, |e| e.remove(&["d"])), EditError::AmbiguousKey);
    assert_eq!(
        refused(text, |e| e.insert(&[], "k", "1", Position::After("d"))),
        EditError::AmbiguousKey
    );
    assert_eq!(
        refused(text, |e| e.insert(&[], "k", "1", Position::After("q"))),
        EditError::NotFound
    );
    assert_eq!(refused(text, |e| e.remove(&[])), EditError::EmptyPath);
    assert_eq!(refused("[1]", |e| e.remove(&["a"])), EditError::NotAnObject);
}

#[test]
fn refuses_a_key_the_object_has_or_gets() {
    let text = r#"{"a":1,"d":2,"d":3}"#;
    assert_eq!(
        refused(text, |e| e.insert(&[], "a", "1", Position::End)),
        EditError::KeyExists
    );
    assert_eq!(
        refused(text, |e| e.insert(&[], "d", "1", Position::End)),
        EditError::KeyExists
    );
    let twice = refused(text, |e| {
        e.insert(&[], "n", "1", Position::End)?;
        e.insert(&[], "n", "2", Position::End)
    });
    assert_eq!(twice, EditError::KeyExists);
}

#[test]
fn refuses_edits_that_touch_the_same_bytes() {
    let text = r#"{"a":{"b":1},"c":{}}"#;
    let conflict = |edits: fn(&mut Editor<'_>) -> Result<(), EditError>| refused(text, edits);
    assert_eq!(
        conflict(|e| e.replace(&["c"], "1").and(e.replace(&["c"], "2"))),
        EditError::Conflict
    );
    assert_eq!(
        conflict(|e| e.remove(&["a"]).and(e.replace(&["a", "b"], "2"))),
        EditError::Conflict
    );
    assert_eq!(
        conflict(|e| e.remove(&["a"]).and(e.replace(&["a"], "2"))),
        EditError::Conflict
    );
    assert_eq!(
        conflict(|e| e.replace(&["a"], "2").and(e.remove(&["a", "b"]))),
        EditError::Conflict
    );
    assert_eq!(
        conflict(|e| e
            .replace(&["c"], "{}")
            .and(e.insert(&["c"], "k", "1", Position::End))),
        EditError::Conflict
    );
    assert_eq!(
        conflict(|e| e.remove(&["a"]).and(e.remove(&["a"]))),
        EditError::Conflict
    );
}

#[test]
fn allows_edits_side_by_side() {
    let out = edited(r#"{"a":{"b":1},"c":2}"#, |e| {
        e.replace(&["a", "b"], "10")?;
        e.insert(&["a"], "x", "0", Position::After("b"))?;
        e.replace(&["c"], "20")?;
        e.insert(&[], "d", "30", Position::After("c"))
    });
    assert_eq!(out, r#"{"a":{"b":10,"x":0},"c":20,"d":30}"#);
}

#[test]
fn refuses_new_text_that_is_not_one_value() {
    let bad = |value: &'static str| refused("{\"a\":1}", move |e| e.replace(&["a"], value));
    let at = |offset, reason| EditError::BadValue(claude_token::json::Error { offset, reason });
    assert_eq!(bad(""), at(0, Reason::UnexpectedEnd));
    assert_eq!(bad("1 2"), at(2, Reason::TrailingCharacters));
    assert_eq!(bad("1,\"b\":2"), at(1, Reason::TrailingCharacters));
    assert_eq!(bad("\u{feff}1"), at(0, Reason::ExpectedValue));
    assert_eq!(bad("'x'"), at(0, Reason::ExpectedValue));
    let inserted = refused("{}", |e| e.insert(&[], "k", "[", Position::End));
    assert_eq!(inserted, at(1, Reason::UnexpectedEnd));
}

#[test]
fn refuses_a_result_deeper_than_the_document_limits() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let parsed = Document::parse_with(br#"{"a":{}}"#, limits).expect("depth 2");
    assert!(parsed.replace(&["a"], "[[[]]]").is_err_and(|e| {
        e == EditError::Result(claude_token::json::Error {
            offset: 7,
            reason: Reason::TooDeep,
        })
    }));
    assert_eq!(
        parsed.replace(&["a"], "[]").as_deref(),
        Ok(&br#"{"a":[]}"#[..])
    );
}

#[test]
fn edit_errors_display_without_content() {
    assert_eq!(
        EditError::KeyExists.to_string(),
        "the object already has a member with that key"
    );
    let e = EditError::BadValue(claude_token::json::Error {
        offset: 2,
        reason: Reason::TrailingCharacters,
    });
    assert_eq!(e.to_string(), "the new value is not one JSON value: invalid JSON at byte 2: unexpected data after the value");
}
