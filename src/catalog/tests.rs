//! Unit tests of reading: what is accepted, and the exact reasons for what is not.
//! Edits, lookups and migration are tested through the public API in tests/it.

use super::*;

fn check(input: &str) -> Result<Catalog, String> {
    CatalogFile::parse(Path::new("/c/slots.json"), input.as_bytes())
        .map(CatalogFile::into_catalog)
        .map_err(|e| e.to_string())
}

fn reason(input: &str) -> String {
    let err = check(input).unwrap_err();
    err.strip_prefix("/c/slots.json: ")
        .unwrap_or_else(|| panic!("no path prefix: {err}"))
        .to_owned()
}

#[test]
fn an_unknown_version_is_refused_with_both_versions_named() {
    assert_eq!(
        reason(r#"{"version":2,"slots":[]}"#),
        "the catalog has version 2, this claude-token reads version 1"
    );
    assert_eq!(reason(r#"{"slots":[]}"#), "the catalog has no version");
    assert_eq!(
        reason(r#"{"version":"1"}"#),
        "the catalog has version (not a number), this claude-token reads version 1"
    );
}

#[test]
fn ambiguous_catalogs_are_refused() {
    assert_eq!(
        reason(r#"{"version":1,"slots":[{"name":"a"},{"name":"a"}]}"#),
        "slot name a appears twice"
    );
    assert_eq!(
        reason(r#"{"version":1,"version":1,"slots":[]}"#),
        "the key `version` appears twice in one object of the catalog"
    );
    // Repeated keys are refused even in members we do not know.
    assert_eq!(
        reason(r#"{"version":1,"x":{"y":1,"y":2}}"#),
        "the key `y` appears twice in one object of the catalog"
    );
}

#[test]
fn malformed_members_name_the_slot_and_key() {
    let cases = [
        (
            r#"{"version":1,"slots":[{"name":"a"},{"email":"x"}]}"#,
            "slot #2: has no name",
        ),
        (
            r#"{"version":1,"slots":[{"name":7}]}"#,
            "slot #1: `name` is not a string",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","email":3}]}"#,
            "slot #1 (a): `email` is not a string",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","created_at_ms":1.5}]}"#,
            "slot #1 (a): `created_at_ms` is not a whole number",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","organization":"o"}]}"#,
            "slot #1 (a): `organization` is not a JSON object",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","organization":{"name":"o"}}]}"#,
            "slot #1 (a): in `organization`: `uuid` is missing",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","last_usage":{"fetched_at_ms":1,"five_hour":{"utilization":"9"}}}]}"#,
            "slot #1 (a): in `last_usage`: in `five_hour`: `utilization` is not a finite number",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","last_usage":{"seven_day":null}}]}"#,
            "slot #1 (a): in `last_usage`: `fetched_at_ms` is missing",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","last_refresh":{"result":"maybe"}}]}"#,
            "slot #1 (a): in `last_refresh`: `result` is neither \"ok\" nor \"login_dead\"",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","last_refresh":{"result":"ok"}}]}"#,
            "slot #1 (a): in `last_refresh`: `at_ms` is missing",
        ),
        (
            r#"{"version":1,"slots":[{"name":"a","last_refresh":{"result":"login_dead","since_ms":1,"refused_sha256":"00"}}]}"#,
            "slot #1 (a): in `last_refresh`: `refused_sha256` is not 64 lower-case hex digits",
        ),
        (r#"{"version":1,"slots":{}}"#, "`slots` is not an array"),
        (r#"{"version":1,"slots":null}"#, "`slots` is not an array"),
        (r#"{"version":1,"slots":[3]}"#, "slot #1: not a JSON object"),
        (r#"{"version":1,"active":3}"#, "`active` is not a string"),
        ("[1]", "the catalog is not a JSON object"),
    ];
    for (input, expected) in cases {
        assert_eq!(reason(input), expected, "{input}");
    }
}

#[test]
fn slot_names_that_break_the_naming_rule_make_the_catalog_corrupt() {
    assert_eq!(
        reason(r#"{"version":1,"slots":[{"name":"Work"}]}"#),
        "slot #1: invalid slot name 'Work': use 1 to 32 of a-z, 0-9, '-' and '_', \
         starting with a letter or digit"
    );
    assert_eq!(
        reason(r#"{"version":1,"slots":[{"name":"ok"},{"name":"all"}]}"#),
        "slot #2: 'all' is reserved and cannot name a slot"
    );
    assert_eq!(
        reason(r#"{"version":1,"slots":[{"name":"a\u0007b"}]}"#),
        "slot #1: invalid slot name 'a\\u{7}b': use 1 to 32 of a-z, 0-9, '-' and '_', \
         starting with a letter or digit"
    );
}

#[test]
fn truncated_catalog_is_a_json_error_with_an_offset() {
    let err = check(r#"{"version":1,"slots":[{"na"#).unwrap_err();
    assert_eq!(
        err,
        "/c/slots.json: invalid JSON at byte 26: unexpected end of input"
    );
}

#[test]
fn an_active_name_without_a_slot_is_no_active_slot() {
    for input in [
        r#"{"version":1,"active":"gone","slots":[{"name":"a"}]}"#,
        r#"{"version":1,"active":"Not A Name","slots":[{"name":"a"}]}"#,
        r#"{"version":1,"active":null,"slots":[{"name":"a"}]}"#,
        r#"{"version":1,"slots":[{"name":"a"}]}"#,
    ] {
        let catalog = check(input).unwrap();
        assert_eq!(catalog.active, None, "{input}");
        assert_eq!(catalog.slots.len(), 1);
    }
}

#[test]
fn null_members_read_as_no_value() {
    let catalog = check(
        r#"{"version":1,"slots":[{"name":"a","email":null,"organization":null,
            "created_at_ms":null,"last_usage":null,"last_refresh":null}]}"#,
    )
    .unwrap();
    let name = crate::cli::SlotName::parse("a").unwrap();
    assert_eq!(catalog.slots, [Slot::new(name)]);
}

#[test]
fn the_new_catalog_is_empty_and_pretty() {
    let file = CatalogFile::empty(Path::new("/c/slots.json"));
    assert_eq!(file.catalog(), &Catalog::default());
    assert_eq!(
        std::str::from_utf8(file.as_bytes()).unwrap(),
        "{\n  \"version\": 1,\n  \"active\": null,\n  \"slots\": []\n}\n"
    );
}
