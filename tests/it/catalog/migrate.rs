//! The legacy catalog migration, against real files in a temporary home.

use super::ORIGINAL;
use crate::support::TempDir;
use claude_token::catalog::{migrate_legacy, MigrationOutcome};
use claude_token::paths::Paths;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

struct Setup {
    dir: TempDir,
    paths: Paths,
}

impl Setup {
    fn new() -> Self {
        let dir = TempDir::new();
        let home = dir.join("home");
        fs::create_dir_all(home.join(".claude")).unwrap();
        let paths = Paths {
            config_dir: dir.join("config/claude-token-cli"),
            data_dir: dir.join("data"),
            claude_dir: home.join(".claude"),
            claude_json: home.join(".claude.json"),
            credentials_dir: home.join(".claude"),
            home_dir: home,
            file_backend: true,
        };
        Setup { dir, paths }
    }

    fn legacy(&self) -> PathBuf {
        self.paths.legacy_catalog()
    }

    fn moved(&self, suffix: &str) -> PathBuf {
        self.paths
            .home_dir
            .join(format!(".claude/claude-token-cli.json{suffix}"))
    }

    fn write_catalog(&self, text: &str) {
        fs::create_dir_all(&self.paths.config_dir).unwrap();
        fs::write(self.paths.catalog(), text).unwrap();
    }

    fn claude_names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.paths.claude_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn without_a_legacy_file_nothing_happens() {
    let s = Setup::new();
    assert_eq!(
        migrate_legacy(&s.paths).unwrap(),
        MigrationOutcome::NoLegacy
    );
    assert!(!s.paths.config_dir.exists());
}

#[test]
fn a_legacy_file_alone_becomes_the_catalog_and_is_moved_aside() {
    let s = Setup::new();
    fs::write(s.legacy(), ORIGINAL).unwrap();
    fs::set_permissions(s.legacy(), fs::Permissions::from_mode(0o644)).unwrap();
    let outcome = migrate_legacy(&s.paths).unwrap();
    assert_eq!(
        outcome,
        MigrationOutcome::Migrated {
            legacy: s.legacy(),
            moved_to: s.moved(".moved"),
        }
    );
    assert_eq!(fs::read(s.paths.catalog()).unwrap(), ORIGINAL.as_bytes());
    assert_eq!(mode(&s.paths.catalog()), 0o600);
    assert_eq!(mode(&s.paths.config_dir), 0o700);
    assert_eq!(mode(&s.dir.join("config")), 0o700);
    assert_eq!(s.claude_names(), ["claude-token-cli.json.moved"]);
    assert_eq!(fs::read(s.moved(".moved")).unwrap(), ORIGINAL.as_bytes());
    // A second run has nothing left to do.
    assert_eq!(
        migrate_legacy(&s.paths).unwrap(),
        MigrationOutcome::NoLegacy
    );
}

#[test]
fn with_both_files_the_legacy_one_is_ignored_and_left() {
    let s = Setup::new();
    fs::write(s.legacy(), ORIGINAL).unwrap();
    let ours = r#"{"version":1,"active":null,"slots":[]}"#;
    s.write_catalog(ours);
    assert_eq!(
        migrate_legacy(&s.paths).unwrap(),
        MigrationOutcome::LegacyIgnored { legacy: s.legacy() }
    );
    assert_eq!(fs::read(s.paths.catalog()).unwrap(), ours.as_bytes());
    assert_eq!(fs::read(s.legacy()).unwrap(), ORIGINAL.as_bytes());
}

#[test]
fn a_crash_between_write_and_rename_is_completed_on_the_next_run() {
    let s = Setup::new();
    fs::write(s.legacy(), ORIGINAL).unwrap();
    s.write_catalog(ORIGINAL);
    assert_eq!(
        migrate_legacy(&s.paths).unwrap(),
        MigrationOutcome::Completed {
            legacy: s.legacy(),
            moved_to: s.moved(".moved"),
        }
    );
    assert_eq!(s.claude_names(), ["claude-token-cli.json.moved"]);
    assert_eq!(fs::read(s.paths.catalog()).unwrap(), ORIGINAL.as_bytes());
}

#[test]
fn a_taken_moved_name_is_never_overwritten() {
    let s = Setup::new();
    fs::write(s.moved(".moved"), b"an older backup").unwrap();
    fs::write(s.legacy(), ORIGINAL).unwrap();
    let outcome = migrate_legacy(&s.paths).unwrap();
    assert_eq!(
        outcome,
        MigrationOutcome::Migrated {
            legacy: s.legacy(),
            moved_to: s.moved(".moved.2"),
        }
    );
    assert_eq!(fs::read(s.moved(".moved")).unwrap(), b"an older backup");
    assert_eq!(fs::read(s.moved(".moved.2")).unwrap(), ORIGINAL.as_bytes());
}

#[test]
fn garbage_in_the_legacy_file_is_refused_and_left() {
    let cases = [
        ("{\"version\":1,", "invalid JSON at byte 13"),
        (
            r#"{"version":3,"slots":[]}"#,
            "the catalog has version 3, this claude-token reads version 1",
        ),
        (
            r#"{"version":1,"slots":[{"name":"Bad Name"}]}"#,
            "slot #1: invalid slot name 'Bad Name'",
        ),
    ];
    for (text, expected) in cases {
        let s = Setup::new();
        fs::write(s.legacy(), text).unwrap();
        let outcome = migrate_legacy(&s.paths).unwrap();
        let MigrationOutcome::LegacyRefused { legacy, reason } = outcome else {
            panic!("{text}: {outcome:?}");
        };
        assert_eq!(legacy, s.legacy());
        assert!(reason.contains(expected), "{reason}");
        assert!(!s.paths.catalog().exists());
        assert!(!s.paths.config_dir.exists());
        assert_eq!(fs::read(s.legacy()).unwrap(), text.as_bytes());
    }
}

#[test]
fn a_symlinked_legacy_file_is_refused_and_left() {
    let s = Setup::new();
    let elsewhere = s.dir.join("elsewhere.json");
    fs::write(&elsewhere, ORIGINAL).unwrap();
    std::os::unix::fs::symlink(&elsewhere, s.legacy()).unwrap();
    let outcome = migrate_legacy(&s.paths).unwrap();
    let MigrationOutcome::LegacyRefused { reason, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(reason.contains("symbolic link"), "{reason}");
    assert!(!s.paths.catalog().exists());
    assert!(fs::symlink_metadata(s.legacy())
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn an_unreadable_catalog_beside_a_legacy_file_is_an_error() {
    let s = Setup::new();
    fs::write(s.legacy(), ORIGINAL).unwrap();
    fs::create_dir_all(&s.paths.config_dir).unwrap();
    std::os::unix::fs::symlink(s.legacy(), s.paths.catalog()).unwrap();
    let err = migrate_legacy(&s.paths).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(fs::read(s.legacy()).unwrap(), ORIGINAL.as_bytes());
}
