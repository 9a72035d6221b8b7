//! `list` through the real binary in a temporary home: guidance with no slots, rows
//! and JSON from a catalog whose slots have no archive (no network needed), and bad
//! catalogs refused with the file left untouched. Usage, expiry and status against
//! the fake service are in `usage_cmd`.

use crate::support::{stderr, stdout, Home};
use std::os::unix::fs::{symlink, PermissionsExt};

const CATALOG: &str = r#"{
  "version": 1,
  "active": "work",
  "slots": [
    { "name": "personal", "email": "me@example.com", "plan": "pro", "last_five_hour_percent": 4.5 },
    { "name": "work", "email": "me@example.org", "plan": "max" }
  ]
}"#;

#[test]
fn bare_invocation_with_nothing_says_to_log_in_then_add() {
    let home = Home::new();
    let out = home.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("No slots yet, and no Claude Code login at "),
        "{text}"
    );
    assert!(text.contains("claude-token add"), "{text}");
    assert!(
        !home.path().join(".config").exists(),
        "list must not create anything"
    );
    assert!(
        !home.path().join(".local").exists(),
        "list must not create anything"
    );
}

#[test]
fn no_slots_with_a_live_login_describes_it_without_tokens() {
    let home = Home::new();
    let blob = br#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-abc","refreshToken":"sk-ant-ort01-def","expiresAt":4102444800000,"subscriptionType":"max"}}"#;
    Home::put(&home.credentials_file(), blob);
    let out = home.run(&["list"]);
    let text = stdout(&out);
    assert!(
        text.contains("logged in, plan max, access token expires in "),
        "{text}"
    );
    assert!(text.contains("Register that login as a slot with: claude-token add"));
    assert!(!text.contains("sk-ant") && !stderr(&out).contains("sk-ant"));
}

#[test]
fn rows_come_from_the_catalog_with_the_active_marker() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    let out = home.run(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = concat!(
        "  #1  personal  me@example.com  pro  expired\n",
        "      usage  not known\n",
        "      token  no readable login in the archive\n",
        "* #2  work      me@example.org  max  expired\n",
        "      usage  not known\n",
        "      token  no readable login in the archive\n",
    );
    assert_eq!(stdout(&out), expected);
}

#[test]
fn json_format_is_versioned_and_global_flags_go_anywhere() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    let expected = concat!(
        r#"{"schema":1,"active":"work","slots":["#,
        r#"{"index":1,"name":"personal","email":"me@example.com","active":false,"plan":"pro","#,
        r#""status":"expired","expires_at":null,"expires_at_ms":null,"login_deadline":null,"usage":null},"#,
        r#"{"index":2,"name":"work","email":"me@example.org","active":true,"plan":"max","#,
        r#""status":"expired","expires_at":null,"expires_at_ms":null,"login_deadline":null,"usage":null}]}"#,
        "\n"
    );
    for args in [
        &["--format", "json", "list"][..],
        &["list", "--format=json"][..],
    ] {
        let out = home.run(args);
        assert_eq!(stdout(&out), expected, "{args:?}");
    }
}

#[test]
fn an_unknown_catalog_version_is_an_error_and_the_file_is_untouched() {
    let home = Home::new();
    let text = br#"{"version":7,"slots":[],"future":true}"#;
    Home::put(&home.catalog(), text);
    let out = home.run(&["list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("the catalog has version 7, this claude-token reads version 1"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(std::fs::read(home.catalog()).unwrap(), text);
}

#[test]
fn a_truncated_catalog_names_the_byte_and_changes_nothing() {
    let home = Home::new();
    let text = &CATALOG.as_bytes()[..60];
    Home::put(&home.catalog(), text);
    let out = home.run(&["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid JSON at byte"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(home.catalog()).unwrap(), text);
}

#[test]
fn a_symlinked_catalog_is_refused() {
    let home = Home::new();
    let real = home.path().join("elsewhere.json");
    Home::put(&real, CATALOG.as_bytes());
    std::fs::create_dir_all(home.catalog().parent().unwrap()).unwrap();
    symlink(&real, home.catalog()).unwrap();
    let out = home.run(&["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
}

#[test]
fn a_catalog_others_can_read_gets_a_warning_but_lists() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    std::fs::set_permissions(home.catalog(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.run(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn a_relative_override_is_a_usage_error() {
    let home = Home::new();
    let out = home
        .command(["list"])
        .env("CLAUDE_TOKEN_CONFIG_DIR", "cfg")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CLAUDE_TOKEN_CONFIG_DIR must be an absolute path"));
}

#[test]
fn usage_without_an_active_slot_is_a_usage_error() {
    let home = Home::new();
    Home::put(
        &home.catalog(),
        br#"{"version":1,"active":null,"slots":[]}"#,
    );
    let out = home.run(&["usage"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no active slot; name one"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_empty_catalog_gives_the_same_guidance_and_json_has_no_slots() {
    let home = Home::new();
    Home::put(
        &home.catalog(),
        br#"{"version":1,"active":null,"slots":[]}"#,
    );
    assert!(stdout(&home.run(&["list"])).contains("claude-token add"));
    assert_eq!(
        stdout(&home.run(&["list", "--format", "json"])),
        "{\"schema\":1,\"active\":null,\"slots\":[]}\n"
    );
}

#[test]
fn a_slot_without_a_readable_archive_asks_nothing_and_says_so() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    // No service variables: a request would go to the real service and fail.
    let out = home.run(&["list", "--detail"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("usage"), "{}", stderr(&out));
    assert!(stdout(&out).contains("no readable login in the archive"));
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    let mut child = home
        .command(["list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A pid that no process has: a child that has been waited for.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait for true");
    pid
}

#[test]
fn temp_files_a_killed_run_left_in_our_directories_are_removed_and_nothing_else() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    let data = home.path().join(".local/share/claude-token-cli");
    let keystore = data.join("keystore");
    let config = home.catalog().parent().unwrap().to_owned();
    let dead = dead_pid();
    let stale = [
        keystore.join(format!(".work.json.tmp.{dead}.0123456789abcdef")),
        config.join(format!(".slots.json.tmp.{dead}.fedcba9876543210")),
        data.join(format!(".hmac.key.tmp.{dead}.00000000000000ff")),
    ];
    let kept = [
        // A live writer's (this test process stands in for one).
        keystore.join(format!(
            ".work.json.tmp.{}.0123456789abcdef",
            std::process::id()
        )),
        // Names this tool does not make.
        keystore.join(format!(".work.json.tmp.{dead}.0123456789ABCDEF")),
        keystore.join(format!("work.json.tmp.{dead}.0123456789abcdef")),
        // Claude Code's directory is not ours to tidy.
        home.path().join(format!(
            ".claude/.credentials.json.tmp.{dead}.0123456789abcdef"
        )),
    ];
    for path in stale.iter().chain(&kept) {
        Home::put(path, b"{\"claudeAiOauth\":{}}");
    }
    let target = keystore.join("elsewhere.json");
    Home::put(&target, b"kept");
    let link = keystore.join(format!(".link.json.tmp.{dead}.0123456789abcdef"));
    symlink(&target, &link).unwrap();

    // `list` leaves them (it is kept fast); any other command that opens a session
    // tidies, even one that then fails (`use` finds no archive here, changes nothing).
    home.run(&["list", "--no-usage"]);
    assert!(
        stale.iter().all(|path| path.exists()),
        "list does not sweep"
    );
    let out = home.run(&["use", "work"]);
    assert!(
        stderr(&out).contains("no login in the archive"),
        "{}",
        stderr(&out)
    );
    for path in &stale {
        assert!(!path.exists(), "{} was left", path.display());
    }
    for path in &kept {
        assert!(path.exists(), "{} was removed", path.display());
    }
    assert!(
        link.symlink_metadata().is_ok(),
        "a symlink is never removed"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"kept");
}

#[test]
fn temp_files_stay_while_a_journal_entry_waits_for_attention() {
    let home = Home::new();
    Home::put(&home.catalog(), CATALOG.as_bytes());
    let data = home.path().join(".local/share/claude-token-cli");
    let dead = dead_pid();
    let temp = data.join(format!("keystore/.work.json.tmp.{dead}.0123456789abcdef"));
    Home::put(&temp, b"{\"claudeAiOauth\":{}}");
    // An entry that is not one of ours: replay quarantines it.
    Home::put(
        &data.join("journal/0001795941314598-0123456789abcdef.json"),
        b"not an entry",
    );
    for _ in 0..2 {
        home.run(&["use", "work"]);
        assert!(
            data.join("journal/quarantine").read_dir().unwrap().count() > 0,
            "the entry was quarantined"
        );
        assert!(temp.exists(), "a temp file may be the only copy: kept");
    }
}
