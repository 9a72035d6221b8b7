//! Reading: the original tool's catalog, the members we own, and refusals that
//! leave the file as it was.

use super::{name, parse, slot, ORIGINAL};
use crate::support::TempDir;
use claude_token::catalog::{
    self, Catalog, CatalogFile, Organization, PlaceRecord, RefreshOutcome, Slot, TokenFingerprint,
    UsageSnapshot, UsageWindow,
};
use std::path::Path;

#[test]
fn reads_the_original_tools_pretty_catalog() {
    let file = parse(ORIGINAL);
    let expected = Catalog {
        active: Some(name("work")),
        slots: vec![Slot {
            email: Some("z@2lab.ai".into()),
            plan: Some("team".into()),
            rate_limit_tier: Some("tier4".into()),
            ..slot("work")
        }],
        places: Vec::new(),
    };
    assert_eq!(file.catalog(), &expected);
    assert_eq!(file.as_bytes(), ORIGINAL.as_bytes());
}

#[test]
fn reads_every_member_we_own() {
    let text = r#"{"version":1,"active":"a","slots":[{"name":"a","email":"e@x.io",
        "account_uuid":"u-1","organization":{"uuid":"o-1","name":"Org"},"plan":"max",
        "rate_limit_tier":"default_claude_max_20x","created_at_ms":1700000000000,
        "last_usage":{"fetched_at_ms":1700000001000,
            "five_hour":{"utilization":42.5,"resets_at_ms":1700000002000},
            "seven_day":{"utilization":7,"resets_at_ms":null},
            "seven_day_sonnet":null},
        "last_refresh":{"result":"login_dead","since_ms":1700000003000,
            "refused_sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
        {"name":"b","organization":{"uuid":"o-2"},"last_refresh":{"result":"ok","at_ms":5}}],
        "places":[{"credentials_dir":"/home/e/.claude","keychain":null,"slot":"b",
            "seen_sha256":"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"},
            {"credentials_dir":"/Users/e/.claude","keychain":"Claude Code-credentials","slot":"a"}]}"#;
    let catalog = parse(text).into_catalog();
    let a = Slot {
        email: Some("e@x.io".into()),
        account_uuid: Some("u-1".into()),
        organization: Some(Organization {
            uuid: "o-1".into(),
            name: Some("Org".into()),
        }),
        plan: Some("max".into()),
        rate_limit_tier: Some("default_claude_max_20x".into()),
        created_at_ms: Some(1_700_000_000_000),
        usage: Some(UsageSnapshot {
            fetched_at_ms: 1_700_000_001_000,
            five_hour: Some(UsageWindow {
                utilization: 42.5,
                resets_at_ms: Some(1_700_000_002_000),
            }),
            seven_day: Some(UsageWindow {
                utilization: 7.0,
                resets_at_ms: None,
            }),
            seven_day_sonnet: None,
            seven_day_opus: None,
        }),
        refresh: Some(RefreshOutcome::LoginDead {
            since_ms: 1_700_000_003_000,
            refused: Some(hex("0123456789abcdef")),
        }),
        ..slot("a")
    };
    let b = Slot {
        organization: Some(Organization {
            uuid: "o-2".into(),
            name: None,
        }),
        refresh: Some(RefreshOutcome::Ok { at_ms: 5 }),
        ..slot("b")
    };
    assert_eq!(catalog.slots, [a, b]);
    assert_eq!(catalog.active, Some(name("a")));
    let places = [
        PlaceRecord {
            credentials_dir: "/home/e/.claude".into(),
            keychain: None,
            slot: name("b"),
            seen: Some(hex("fedcba9876543210")),
        },
        PlaceRecord {
            credentials_dir: "/Users/e/.claude".into(),
            keychain: Some("Claude Code-credentials".into()),
            slot: name("a"),
            seen: None,
        },
    ];
    assert_eq!(catalog.places, places);
}

/// The fingerprint spelled by `quarter` four times.
fn hex(quarter: &str) -> TokenFingerprint {
    TokenFingerprint::from_hex(&quarter.repeat(4)).unwrap()
}

#[test]
fn a_login_dead_written_before_refused_fingerprints_still_reads() {
    for refused in ["", r#","refused_sha256":null"#] {
        let text = format!(
            r#"{{"version":1,"slots":[{{"name":"a","last_refresh":{{"result":"login_dead","since_ms":9{refused}}}}}]}}"#
        );
        let catalog = parse(&text).into_catalog();
        let dead = RefreshOutcome::LoginDead {
            since_ms: 9,
            refused: None,
        };
        assert_eq!(catalog.slots[0].refresh, Some(dead), "{text}");
        assert!(catalog.places.is_empty());
    }
}

#[test]
fn an_unknown_version_is_refused_and_the_file_left_untouched() {
    let dir = TempDir::new();
    let path = dir.join("slots.json");
    let text = r#"{"version":2,"active":null,"slots":[],"new_thing":true}"#;
    std::fs::write(&path, text).unwrap();
    let err = catalog::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the catalog has version 2, this claude-token reads version 1",
            path.display()
        )
    );
    assert_eq!(err.exit_code(), 1);
    assert_eq!(std::fs::read(&path).unwrap(), text.as_bytes());
}

#[test]
fn load_reports_loose_permissions_and_a_missing_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    let path = dir.join("slots.json");
    assert!(catalog::load(&path).unwrap().is_none());
    std::fs::write(&path, ORIGINAL).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loaded = catalog::load(&path).unwrap().unwrap();
    assert!(loaded.too_open);
    assert_eq!(loaded.file.catalog().slots.len(), 1);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(!catalog::load(&path).unwrap().unwrap().too_open);
}

#[test]
fn a_symlinked_catalog_is_refused() {
    let dir = TempDir::new();
    let real = dir.join("real.json");
    std::fs::write(&real, ORIGINAL).unwrap();
    let path = dir.join("slots.json");
    std::os::unix::fs::symlink(&real, &path).unwrap();
    let err = catalog::load(&path).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
}

#[test]
fn garbage_is_a_json_error_naming_the_file() {
    let err = CatalogFile::parse(Path::new("/c/slots.json"), b"{\"version\":1,").unwrap_err();
    assert_eq!(
        err.to_string(),
        "/c/slots.json: invalid JSON at byte 13: unexpected end of input"
    );
}
