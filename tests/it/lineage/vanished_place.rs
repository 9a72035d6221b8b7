//! A pending journal entry whose Claude Code place is gone (an unmounted volume, a
//! removed install): `use ada` with `CLAUDE_CONFIG_DIR=<home>/mnt/cc` killed once its
//! entry is durable, then `<home>/mnt` removed. The next command's replay leaves the
//! step on that place's file, with a warning, applies our own steps (bob's rotated
//! login archived, ada active), and the command goes on.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;

use claude_token::crash;
use claude_token::json::{self, Value};

use super::{archive, refresh_token};
use crate::crash::scenario::Scenario;
use crate::support::{stderr, stdout, Home};

#[test]
fn a_pending_entry_whose_place_was_removed_is_replayed_without_it() {
    let world = Scenario::Use.set_up(); // slots ada and bob
    let bob = world.account("bob");
    // A second install holds bob's login, rotated there: only it has his newest token.
    let config = world.home.path().join("mnt/cc");
    let file = config.join(".credentials.json");
    let rotated = world
        .fake
        .refresh_as_claude_code(bob, archive(&world, "bob"));
    Home::put(&file, rotated.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();

    let killed = world
        .command(&["use", "ada"])
        .env("CLAUDE_CONFIG_DIR", &config)
        .env(crash::ENV, "journal-written#1")
        .output()
        .expect("run claude-token");
    assert_eq!(
        killed.status.signal(),
        Some(libc::SIGKILL),
        "use ada was not killed: {}",
        stderr(&killed)
    );
    fs::remove_dir_all(world.home.path().join("mnt")).unwrap();

    let out = world.run(&["list", "--no-usage", "--format", "json"]);
    let text = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "list after the place was removed: {text}"
    );
    assert!(
        text.contains("warning") && text.contains("mnt/cc"),
        "a warning names the place left: {text}"
    );
    assert_eq!(
        refresh_token(&archive(&world, "bob")),
        refresh_token(&rotated),
        "bob's rotated login was not archived by the replay"
    );
    let doc = json::parse(stdout(&out).as_bytes()).expect("list prints JSON");
    let root = doc.root().to_value();
    assert_eq!(
        root.get("active").and_then(Value::as_str),
        Some("ada"),
        "the replay's catalog step did not apply"
    );
    let again = world.run(&["list", "--no-usage"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}
