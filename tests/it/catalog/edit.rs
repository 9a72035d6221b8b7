//! Edits: exact expected text for small catalogs (written by hand), unknown members
//! kept byte for byte (compared through the parser's spans), and every result
//! re-parsing to the catalog the edit meant.

use super::{name, parse, slot, text, ORIGINAL};
use claude_token::catalog::{
    CatalogFile, Organization, PlaceRecord, RefreshOutcome, Slot, TokenFingerprint, UsageSnapshot,
    UsageWindow,
};
use claude_token::json::Document;
use claude_token::redact::Secret;
use claude_token::Error;
use std::path::Path;

/// The result of an edit, after checking that its bytes read back as its catalog.
fn reparsed(result: Result<CatalogFile, Error>) -> CatalogFile {
    let file = result.unwrap();
    let again = CatalogFile::parse(Path::new("/c/slots.json"), file.as_bytes()).unwrap();
    assert_eq!(again.catalog(), file.catalog());
    file
}

fn new_catalog() -> CatalogFile {
    CatalogFile::empty(Path::new("/c/slots.json"))
}

fn work_slot() -> Slot {
    Slot {
        email: Some("z@2lab.ai".into()),
        account_uuid: Some("11111111-2222-3333-4444-555555555555".into()),
        organization: Some(Organization {
            uuid: "org-1".into(),
            name: Some("2lab".into()),
        }),
        plan: Some("team".into()),
        created_at_ms: Some(1_776_515_696_000),
        ..slot("work")
    }
}

#[test]
fn a_new_catalog_grows_in_the_original_tools_layout() {
    let one = reparsed(new_catalog().add_slot(work_slot()));
    assert_eq!(
        text(&one),
        r#"{
  "version": 1,
  "active": null,
  "slots": [
    {
      "name": "work",
      "email": "z@2lab.ai",
      "account_uuid": "11111111-2222-3333-4444-555555555555",
      "organization": {
        "uuid": "org-1",
        "name": "2lab"
      },
      "plan": "team",
      "created_at_ms": 1776515696000
    }
  ]
}
"#
    );
    let home = Slot {
        email: Some("a@example.com".into()),
        ..slot("home")
    };
    let two = reparsed(one.add_slot(home));
    let active = reparsed(two.set_active(Some(&name("home"))));
    assert_eq!(
        text(&active),
        r#"{
  "version": 1,
  "active": "home",
  "slots": [
    {
      "name": "work",
      "email": "z@2lab.ai",
      "account_uuid": "11111111-2222-3333-4444-555555555555",
      "organization": {
        "uuid": "org-1",
        "name": "2lab"
      },
      "plan": "team",
      "created_at_ms": 1776515696000
    },
    {
      "name": "home",
      "email": "a@example.com"
    }
  ]
}
"#
    );
    assert_eq!(active.catalog().active, Some(name("home")));
}

#[test]
fn updating_an_original_slot_replaces_changed_members_and_appends_new_ones() {
    let file = parse(ORIGINAL);
    let updated = reparsed(file.update_slot(&name("work"), |s| {
        s.plan = Some("max".into());
        s.account_uuid = Some("u-1".into());
        s.refresh = Some(RefreshOutcome::Ok {
            at_ms: 1_776_515_696_000,
        });
    }));
    assert_eq!(
        text(&updated),
        r#"{
  "version": 1,
  "active": "work",
  "slots": [
    {
      "name": "work",
      "email": "z@2lab.ai",
      "plan": "max",
      "rate_limit_tier": "tier4",
      "last_expires_at": "2026-04-18T12:34:56Z",
      "last_five_hour_percent": 42.1,
      "last_seven_day_percent": 10.8,
      "last_seven_day_sonnet_percent": 7.5,
      "last_resets_at": "2026-04-18T17:00:00Z",
      "account_uuid": "u-1",
      "last_refresh": {
        "result": "ok",
        "at_ms": 1776515696000
      }
    }
  ]
}"#
    );
}

#[test]
fn removing_the_active_slot_clears_active() {
    let removed = reparsed(parse(ORIGINAL).remove_slot(&name("work")));
    assert_eq!(
        text(&removed),
        "{\n  \"version\": 1,\n  \"active\": null,\n  \"slots\": []\n}"
    );
    assert_eq!(removed.catalog().active, None);
}

#[test]
fn removing_takes_one_separator_with_the_slot() {
    let three =
        r#"{"version":1,"active":"b","slots":[{"name":"a"}, {"name":"b"}, {"name":"c","x":1}]}"#;
    let cases = [
        (
            "a",
            r#"{"version":1,"active":"b","slots":[{"name":"b"}, {"name":"c","x":1}]}"#,
        ),
        (
            "b",
            r#"{"version":1,"active":null,"slots":[{"name":"a"}, {"name":"c","x":1}]}"#,
        ),
        (
            "c",
            r#"{"version":1,"active":"b","slots":[{"name":"a"}, {"name":"b"}]}"#,
        ),
    ];
    for (gone, expected) in cases {
        let file = reparsed(parse(three).remove_slot(&name(gone)));
        assert_eq!(text(&file), expected, "removing {gone}");
    }
}

#[test]
fn compact_catalogs_stay_compact() {
    let file = parse(r#"{"version":1,"slots":[{"name":"a","x":[1, 2.50]}],"z":null}"#);
    let usage = UsageSnapshot {
        fetched_at_ms: 5,
        five_hour: Some(UsageWindow {
            utilization: 42.5,
            resets_at_ms: Some(9),
        }),
        seven_day: None,
        seven_day_sonnet: None,
        seven_day_opus: Some(UsageWindow {
            utilization: 0.0,
            resets_at_ms: None,
        }),
    };
    let used = reparsed(file.set_usage(&name("a"), Some(usage)));
    assert_eq!(
        text(&used),
        r#"{"version":1,"slots":[{"name":"a","x":[1, 2.50],"last_usage":{"fetched_at_ms":5,"five_hour":{"utilization":42.5,"resets_at_ms":9},"seven_day_opus":{"utilization":0.0}}}],"z":null}"#
    );
    let added = reparsed(used.add_slot(Slot {
        plan: Some("pro".into()),
        ..slot("b")
    }));
    let active = reparsed(added.set_active(Some(&name("b"))));
    assert_eq!(
        text(&active),
        r#"{"version":1,"active":"b","slots":[{"name":"a","x":[1, 2.50],"last_usage":{"fetched_at_ms":5,"five_hour":{"utilization":42.5,"resets_at_ms":9},"seven_day_opus":{"utilization":0.0}}},{"name":"b","plan":"pro"}],"z":null}"#
    );
}

#[test]
fn one_line_slots_in_a_pretty_catalog_stay_on_one_line() {
    let file = parse(
        "{\n  \"version\": 1,\n  \"slots\": [\n    { \"name\": \"a\" },\n    { \"name\": \"b\" }\n  ]\n}",
    );
    let added = reparsed(file.add_slot(slot("c")));
    let org = Organization {
        uuid: "o".into(),
        name: None,
    };
    let updated = reparsed(added.update_slot(&name("a"), |s| s.organization = Some(org)));
    assert_eq!(
        text(&updated),
        "{\n  \"version\": 1,\n  \"slots\": [\n    { \"name\": \"a\", \"organization\": {\"uuid\":\"o\"} },\n    { \"name\": \"b\" },\n    {\"name\":\"c\"}\n  ]\n}"
    );
}

#[test]
fn a_catalog_without_slots_gets_the_member() {
    let compact = reparsed(parse(r#"{"version": 1}"#).add_slot(slot("a")));
    assert_eq!(text(&compact), r#"{"version": 1,"slots": [{"name":"a"}]}"#);
    let pretty = reparsed(parse("{\n  \"version\": 1\n}\n").add_slot(slot("a")));
    assert_eq!(
        text(&pretty),
        "{\n  \"version\": 1,\n  \"slots\": [\n    {\n      \"name\": \"a\"\n    }\n  ]\n}\n"
    );
}

#[test]
fn set_and_clear_active() {
    let none = parse(r#"{"version":1,"slots":[{"name":"a"}]}"#);
    let set = reparsed(none.set_active(Some(&name("a"))));
    assert_eq!(
        text(&set),
        r#"{"version":1,"active":"a","slots":[{"name":"a"}]}"#
    );
    let cleared = reparsed(set.set_active(None));
    assert_eq!(
        text(&cleared),
        r#"{"version":1,"active":null,"slots":[{"name":"a"}]}"#
    );
    // Clearing what is not set changes nothing.
    assert_eq!(none.set_active(None).unwrap().as_bytes(), none.as_bytes());
    // A dangling name is rewritten when cleared.
    let dangling = parse(r#"{"version":1,"active":"gone","slots":[]}"#);
    assert_eq!(
        text(&reparsed(dangling.set_active(None))),
        r#"{"version":1,"active":null,"slots":[]}"#
    );
}

#[test]
fn adding_a_slot_never_activates_it_through_a_dangling_name() {
    let file = parse(r#"{"version":1,"active":"b","slots":[{"name":"a"}]}"#);
    let added = reparsed(file.add_slot(slot("b")));
    assert_eq!(
        text(&added),
        r#"{"version":1,"active":null,"slots":[{"name":"a"},{"name":"b"}]}"#
    );
    assert_eq!(added.catalog().active, None);
}

#[test]
fn clearing_a_member_writes_null_and_an_absent_one_stays_absent() {
    let file = parse(r#"{"version":1,"slots":[{"name":"a","email":"e@x.io"}]}"#);
    let cleared = reparsed(file.update_slot(&name("a"), |s| {
        s.email = None;
        s.plan = None;
    }));
    assert_eq!(
        text(&cleared),
        r#"{"version":1,"slots":[{"name":"a","email":null}]}"#
    );
    let same = cleared.update_slot(&name("a"), |s| s.email = None).unwrap();
    assert_eq!(same.as_bytes(), cleared.as_bytes());
}

#[test]
fn an_unchanged_value_keeps_its_spelling() {
    let file = parse(r#"{"version":1,"slots":[{"name":"a","created_at_ms":1.0e3}]}"#);
    let same = reparsed(file.update_slot(&name("a"), |s| s.created_at_ms = Some(1000)));
    assert_eq!(same.as_bytes(), file.as_bytes());
    let moved = reparsed(file.update_slot(&name("a"), |s| s.created_at_ms = Some(2000)));
    assert_eq!(
        text(&moved),
        r#"{"version":1,"slots":[{"name":"a","created_at_ms":2000}]}"#
    );
}

#[test]
fn refresh_outcomes_are_replaced_whole() {
    let file = parse(ORIGINAL);
    let refused = TokenFingerprint::of(&Secret::from("abc"));
    let dead = reparsed(file.set_refresh(
        &name("work"),
        Some(RefreshOutcome::LoginDead {
            since_ms: 7,
            refused: Some(refused),
        }),
    ));
    let tail = text(&dead).split("last_resets_at").nth(1).unwrap();
    assert_eq!(
        tail,
        "\": \"2026-04-18T17:00:00Z\",\n      \"last_refresh\": {\n        \"result\": \"login_dead\",\n        \"since_ms\": 7,\n        \"refused_sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\n      }\n    }\n  ]\n}"
    );
    let unknown = reparsed(dead.set_refresh(
        &name("work"),
        Some(RefreshOutcome::LoginDead {
            since_ms: 7,
            refused: None,
        }),
    ));
    assert!(!text(&unknown).contains("refused_sha256"));
    let ok = reparsed(dead.set_refresh(&name("work"), Some(RefreshOutcome::Ok { at_ms: 8 })));
    let tail = text(&ok).split("last_resets_at").nth(1).unwrap();
    assert_eq!(
        tail,
        "\": \"2026-04-18T17:00:00Z\",\n      \"last_refresh\": {\n        \"result\": \"ok\",\n        \"at_ms\": 8\n      }\n    }\n  ]\n}"
    );
}

/// Members none of our code owns, with their exact text: `(slot or "top", raw)`.
fn unknown_members(bytes: &[u8]) -> Vec<(String, String)> {
    const TOP: [&str; 4] = ["version", "active", "slots", "places"];
    const SLOT: [&str; 9] = [
        "name",
        "email",
        "account_uuid",
        "organization",
        "plan",
        "rate_limit_tier",
        "created_at_ms",
        "last_usage",
        "last_refresh",
    ];
    let doc = Document::parse(bytes).unwrap();
    let src = doc.source();
    let mut found = Vec::new();
    for member in doc.root().members() {
        if !TOP.iter().any(|k| member.key_is(k)) {
            found.push(("top".to_owned(), src[member.span()].to_owned()));
        }
    }
    for slot in doc.get(&["slots"]).unwrap().elements() {
        let owner = slot.get("name").unwrap().as_str().unwrap().into_owned();
        for member in slot.members() {
            if !SLOT.iter().any(|k| member.key_is(k)) {
                found.push((owner.clone(), src[member.span()].to_owned()));
            }
        }
    }
    found
}

#[test]
fn every_edit_keeps_unknown_members_byte_for_byte() {
    let start = r#"{
  "version": 1,
  "active": "work",
  "future": {"a": [1, 2.50, "\u00e9"], "b": null},
  "slots": [
    {
      "name": "work",
      "email": "z@2lab.ai",
      "last_five_hour_percent": 42.10,
      "last_resets_at": "2026-04-18T17:00:00Z"
    },
    {"name": "home", "note": "caf\u00e9 \"x\"", "plan": "pro", "n": -0.0e-0}
  ],
  "zz": []
}"#;
    let file = parse(start);
    let before = unknown_members(file.as_bytes());
    assert_eq!(before.len(), 6);
    let edits: Vec<(&str, CatalogFile)> = vec![
        ("-", reparsed(file.set_active(Some(&name("home"))))),
        ("-", reparsed(file.set_active(None))),
        ("-", reparsed(file.add_slot(work_slot_named("third")))),
        (
            "-",
            reparsed(file.update_slot(&name("home"), |s| {
                s.plan = None;
                s.email = Some("h@x.io".into());
                s.organization = Some(Organization {
                    uuid: "o".into(),
                    name: None,
                });
            })),
        ),
        (
            "-",
            reparsed(file.set_refresh(&name("work"), Some(RefreshOutcome::Ok { at_ms: 1 }))),
        ),
        ("work", reparsed(file.remove_slot(&name("work")))),
        ("home", reparsed(file.remove_slot(&name("home")))),
        ("-", reparsed(file.set_place(place_of("work")))),
        (
            "home",
            reparsed(
                file.set_place(place_of("home"))
                    .and_then(|f| f.remove_slot(&name("home"))),
            ),
        ),
    ];
    for (removed, edited) in &edits {
        let after = unknown_members(edited.as_bytes());
        let kept: Vec<_> = before
            .iter()
            .filter(|(owner, _)| owner != removed)
            .collect();
        assert_eq!(after.iter().collect::<Vec<_>>(), kept, "{}", text(edited));
    }
}

fn place_of(slot: &str) -> PlaceRecord {
    PlaceRecord {
        credentials_dir: "/home/z/.claude".into(),
        keychain: None,
        slot: name(slot),
        seen: Some(TokenFingerprint::of(&Secret::from(slot))),
    }
}

fn work_slot_named(text: &str) -> Slot {
    Slot {
        name: name(text),
        ..work_slot()
    }
}

#[test]
fn refused_edits_say_why() {
    let file = parse(ORIGINAL);
    let err = file.add_slot(slot("work")).unwrap_err();
    assert_eq!(err.to_string(), "a slot named work already exists");
    assert_eq!(err.exit_code(), 1);
    let missing = [
        file.remove_slot(&name("nope")).unwrap_err(),
        file.set_active(Some(&name("nope"))).unwrap_err(),
        file.update_slot(&name("nope"), |_| {}).unwrap_err(),
    ];
    for err in missing {
        assert_eq!(err.to_string(), "there is no slot nope");
    }
    let rename = file
        .update_slot(&name("work"), |s| s.name = name("other"))
        .unwrap_err();
    assert_eq!(
        rename.to_string(),
        "/c/slots.json: an update may not rename slot work"
    );
    let nan = UsageSnapshot {
        fetched_at_ms: 1,
        five_hour: Some(UsageWindow {
            utilization: f64::NAN,
            resets_at_ms: None,
        }),
        seven_day: None,
        seven_day_sonnet: None,
        seven_day_opus: None,
    };
    let err = file.set_usage(&name("work"), Some(nan)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/c/slots.json: the five_hour utilization is not a finite number"
    );
}
