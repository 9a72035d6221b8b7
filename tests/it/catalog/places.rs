//! Place records: the `places` member read, rewritten whole in the document's layout,
//! left alone by slot edits, and refused when malformed; records naming no slot are
//! stale hints, left out of the model.

use super::{name, parse, slot, text, ORIGINAL};
use claude_token::catalog::{CatalogFile, PlaceRecord, TokenFingerprint};
use claude_token::Error;
use std::path::Path;

fn reparsed(result: Result<CatalogFile, Error>) -> CatalogFile {
    let file = result.unwrap();
    let again = CatalogFile::parse(Path::new("/c/slots.json"), file.as_bytes()).unwrap();
    assert_eq!(again.catalog(), file.catalog());
    file
}

/// A fingerprint spelled with one repeated hex digit.
fn print(digit: char) -> TokenFingerprint {
    TokenFingerprint::from_hex(&digit.to_string().repeat(64)).unwrap()
}

fn record(dir: &str, keychain: Option<&str>, slot: &str, seen: Option<char>) -> PlaceRecord {
    PlaceRecord {
        credentials_dir: dir.into(),
        keychain: keychain.map(str::to_owned),
        slot: name(slot),
        seen: seen.map(print),
    }
}

/// The raw text of a top-level member, or `None`.
fn raw<'a>(file: &'a CatalogFile, key: &str) -> Option<&'a str> {
    let src = text(file);
    let doc = claude_token::json::Document::parse(file.as_bytes()).unwrap();
    let span = doc.get(&[key])?.span();
    Some(&src[span])
}

fn reason(input: &str) -> String {
    let err = CatalogFile::parse(Path::new("/c/slots.json"), input.as_bytes()).unwrap_err();
    let text = err.to_string();
    text.strip_prefix("/c/slots.json: ").unwrap().to_owned()
}

#[test]
fn places_are_added_replaced_and_appended_in_the_original_tools_layout() {
    let home = record("/home/z/.claude", None, "work", Some('a'));
    let one = reparsed(parse(ORIGINAL).set_place(home.clone()));
    let mac = record(
        "/Users/z/.claude",
        Some("Claude Code-credentials-ab12cd34"),
        "work",
        None,
    );
    let two = reparsed(one.set_place(mac.clone()));
    let moved = record("/home/z/.claude", None, "work", Some('b'));
    let three = reparsed(two.set_place(moved.clone()));
    let slots_end = ORIGINAL.rfind("\n  ]").unwrap() + 4;
    let expected = format!(
        "{},\n  \"places\": [\n    {{\n      \"credentials_dir\": \"/home/z/.claude\",\n      \
         \"keychain\": null,\n      \"slot\": \"work\",\n      \"seen_sha256\": \"{}\"\n    }},\n    \
         {{\n      \"credentials_dir\": \"/Users/z/.claude\",\n      \
         \"keychain\": \"Claude Code-credentials-ab12cd34\",\n      \"slot\": \"work\"\n    }}\n  ]\n}}",
        &ORIGINAL[..slots_end],
        "b".repeat(64)
    );
    assert_eq!(text(&three), expected);
    assert_eq!(one.catalog().places, [home]);
    assert_eq!(three.catalog().places, [moved.clone(), mac.clone()]);
    let catalog = three.catalog();
    assert_eq!(catalog.place("/home/z/.claude", None), Some(&moved));
    let keychain = Some("Claude Code-credentials-ab12cd34");
    assert_eq!(catalog.place("/Users/z/.claude", keychain), Some(&mac));
    assert_eq!(catalog.place("/Users/z/.claude", None), None);
    assert_eq!(catalog.place("/home/z/.claude", keychain), None);
}

#[test]
fn compact_catalogs_get_compact_places() {
    let file = parse(r#"{"version":1,"slots":[{"name":"a"}],"z":[1, 2]}"#);
    let added = reparsed(file.set_place(record("/p", None, "a", Some('c'))));
    assert_eq!(
        text(&added),
        format!(
            r#"{{"version":1,"slots":[{{"name":"a"}}],"z":[1, 2],"places":[{{"credentials_dir":"/p","keychain":null,"slot":"a","seen_sha256":"{}"}}]}}"#,
            "c".repeat(64)
        )
    );
    let replaced = reparsed(added.set_place(record("/p", Some("k"), "a", None)));
    assert_eq!(
        raw(&replaced, "places"),
        Some(
            r#"[{"credentials_dir":"/p","keychain":null,"slot":"a","seen_sha256":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},{"credentials_dir":"/p","keychain":"k","slot":"a"}]"#
        )
    );
}

#[test]
fn setting_a_record_the_catalog_already_holds_changes_no_byte() {
    let start =
        r#"{"version":1,"slots":[{"name":"a"}],"places":[ {"slot":"a","credentials_dir":"/p"} ]}"#;
    let file = parse(start);
    let same = reparsed(file.set_place(record("/p", None, "a", None)));
    assert_eq!(text(&same), start);
}

#[test]
fn a_place_edit_leaves_the_slots_and_unknown_members_byte_for_byte() {
    let start = "{\n  \"version\": 1,\n  \"x\": {\"k\": 1.50},\n  \"slots\": [\n    { \"name\": \"a\", \"n\": -0.0 },\n    {\"name\": \"b\"}\n  ],\n  \"places\": [],\n  \"zz\": \"\\u00e9\"\n}\n";
    let file = parse(start);
    let edited = reparsed(file.set_place(record("/p", None, "b", Some('d'))));
    for key in ["version", "x", "slots", "zz"] {
        assert_eq!(raw(&edited, key), raw(&file, key), "{key}");
    }
    assert_eq!(edited.catalog().slots, file.catalog().slots);
    assert_eq!(
        text(&edited),
        format!(
            "{{\n  \"version\": 1,\n  \"x\": {{\"k\": 1.50}},\n  \"slots\": [\n    {{ \"name\": \"a\", \"n\": -0.0 }},\n    {{\"name\": \"b\"}}\n  ],\n  \"places\": [\n    {{\n      \"credentials_dir\": \"/p\",\n      \"keychain\": null,\n      \"slot\": \"b\",\n      \"seen_sha256\": \"{}\"\n    }}\n  ],\n  \"zz\": \"\\u00e9\"\n}}\n",
            "d".repeat(64)
        )
    );
}

/// Two slots, a record for `a`, and `places` in a spelling no writer of ours uses.
const WITH_PLACES: &str = r#"{"version":1,"active":"a","slots":[{"name":"a"},{"name":"b"}], "places" : [ {"x":1, "slot":"a", "credentials_dir":"/p", "keychain":null} ] }"#;

#[test]
fn slot_edits_leave_the_places_bytes_untouched() {
    let file = parse(WITH_PLACES);
    let places = raw(&file, "places").unwrap();
    let edits = [
        reparsed(file.add_slot(slot("c"))),
        reparsed(file.update_slot(&name("a"), |s| s.plan = Some("max".into()))),
        reparsed(file.set_active(Some(&name("b")))),
        reparsed(file.set_active(None)),
        reparsed(file.remove_slot(&name("b"))),
    ];
    for edited in &edits {
        assert_eq!(raw(edited, "places"), Some(places), "{}", text(edited));
        assert_eq!(edited.catalog().places, [record("/p", None, "a", None)]);
    }
}

#[test]
fn removing_a_slot_drops_the_records_naming_it() {
    let file = parse(WITH_PLACES);
    let removed = reparsed(file.remove_slot(&name("a")));
    assert_eq!(
        text(&removed),
        r#"{"version":1,"active":null,"slots":[{"name":"b"}], "places" : [] }"#
    );
    assert!(removed.catalog().places.is_empty());
    let two = reparsed(file.set_place(record("/q", None, "b", None)));
    let one = reparsed(two.remove_slot(&name("a")));
    assert_eq!(
        raw(&one, "places"),
        Some(r#"[{"credentials_dir":"/q","keychain":null,"slot":"b"}]"#)
    );
    assert_eq!(one.catalog().places, [record("/q", None, "b", None)]);
}

#[test]
fn records_naming_no_slot_are_left_out_until_places_is_rewritten() {
    let start = r#"{"version":1,"slots":[{"name":"a"}],"places":[{"credentials_dir":"/old","keychain":null,"slot":"gone"},{"credentials_dir":"/p","slot":"a"}]}"#;
    let file = parse(start);
    assert_eq!(file.catalog().places, [record("/p", None, "a", None)]);
    assert_eq!(file.catalog().place("/old", None), None);
    let active = reparsed(file.set_active(Some(&name("a"))));
    assert!(text(&active).contains(r#""slot":"gone""#));
    let rewritten = reparsed(file.set_place(record("/q", None, "a", None)));
    assert_eq!(
        raw(&rewritten, "places"),
        Some(
            r#"[{"credentials_dir":"/p","keychain":null,"slot":"a"},{"credentials_dir":"/q","keychain":null,"slot":"a"}]"#
        )
    );
}

#[test]
fn a_new_slot_does_not_inherit_a_stale_record_of_its_name() {
    let start = r#"{"version":1,"slots":[{"name":"a"}],"places":[{"credentials_dir":"/old","keychain":null,"slot":"b"}]}"#;
    let added = reparsed(parse(start).add_slot(slot("b")));
    assert_eq!(
        text(&added),
        r#"{"version":1,"slots":[{"name":"a"},{"name":"b"}],"places":[]}"#
    );
    assert!(added.catalog().places.is_empty());
    // A stale record naming another slot stays as it is.
    let other = reparsed(parse(start).add_slot(slot("c")));
    assert_eq!(raw(&other, "places"), raw(&parse(start), "places"));
}

#[test]
fn a_record_must_name_an_existing_slot() {
    let err = parse(ORIGINAL)
        .set_place(record("/p", None, "nope", None))
        .unwrap_err();
    assert_eq!(err.to_string(), "there is no slot nope");
}

#[test]
fn malformed_places_are_refused_naming_the_key() {
    let head = r#"{"version":1,"slots":[{"name":"a"}],"places":"#;
    let cases = [
        ("{}", "`places` is not an array"),
        ("null", "`places` is not an array"),
        ("[3]", "place #1: not a JSON object"),
        (
            r#"[{"credentials_dir":"/p","slot":"a"},{"slot":"a"}]"#,
            "place #2: `credentials_dir` is missing",
        ),
        (
            r#"[{"credentials_dir":7,"slot":"a"}]"#,
            "place #1: `credentials_dir` is not a string",
        ),
        (
            r#"[{"credentials_dir":"/p","keychain":1,"slot":"a"}]"#,
            "place #1: `keychain` is not a string",
        ),
        (
            r#"[{"credentials_dir":"/p"}]"#,
            "place #1: `slot` is missing",
        ),
        (
            r#"[{"credentials_dir":"/p","slot":["a"]}]"#,
            "place #1: `slot` is not a string",
        ),
        (
            r#"[{"credentials_dir":"/p","slot":"all"}]"#,
            "place #1: `slot`: 'all' is reserved and cannot name a slot",
        ),
        (
            r#"[{"credentials_dir":"/p","slot":"a","seen_sha256":"ABCD"}]"#,
            "place #1: `seen_sha256` is not 64 lower-case hex digits",
        ),
        (
            r#"[{"credentials_dir":"/p","slot":"a","seen_sha256":5}]"#,
            "place #1: `seen_sha256` is not 64 lower-case hex digits",
        ),
        (
            r#"[{"credentials_dir":"/p","slot":"a"},{"credentials_dir":"/p","keychain":null,"slot":"gone"}]"#,
            "place #2 has the `credentials_dir` and `keychain` of place #1",
        ),
    ];
    for (places, expected) in cases {
        let input = format!("{head}{places}}}");
        assert_eq!(reason(&input), expected, "{input}");
    }
    // The same directory with another Keychain item is another place.
    let two = format!(
        r#"{head}[{{"credentials_dir":"/p","slot":"a"}},{{"credentials_dir":"/p","keychain":"k","slot":"a"}}]}}"#
    );
    assert_eq!(parse(&two).catalog().places.len(), 2);
}
