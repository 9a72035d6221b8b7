//! The reproductions of issue 11 ("never lose a login while Claude Code writes its
//! file"), end to end: the real binary on a test home (`crash::world`), the fake
//! service, and a stand-in for Claude Code that follows its real write rules
//! (`stand_in`). Each test asserts the behaviour DESIGN.md section 4 asks for; each
//! failed on the release that had the whole-bytes compare-and-swap rule.
//!
//! Files, one per reproduction: `concurrent_write` (1: Claude Code writes `mcpOAuth`
//! during our refresh), `full_disk` (2: the journal cannot take the answer),
//! `export_lock` (3: `export --force` while Claude Code refreshes), `replay_lock` (4:
//! journal replay while Claude Code refreshes), `interrupted_use` (5: `use` killed
//! before its catalog step, then Claude Code refreshes), `dead_login` (6: a refused
//! refresh token sent again), `two_slots` (7: two slots of one account), `odd_grant`
//! (8: a 2xx answer with a new refresh token but a missing field).
//!
//! Regressions found by the review of those fixes, each failing before its fix:
//! `export_switch` (`export` of the active slot during Claude Code's refresh; `export
//! --force` keeping the `mcpOAuth` Claude Code wrote), `outgoing_login` (`use` killed
//! before its writes, then Claude Code refreshes the outgoing login), `second_install`
//! (a second `CLAUDE_CONFIG_DIR` holding another slot's login than the active one),
//! `held_aside` (`use` of a slot whose newer login waits in `journal/attention/`),
//! `linked_place` (a config directory named through a link before it exists),
//! `vanished_place` (a pending entry whose place was removed) and `legacy_dead_mark`
//! (a dead mark without a fingerprint, then a new login archived).
//!
//! No timing is asserted: where a test lets the binary run while the stand-in holds
//! Claude Code's locks, the stand-in waits (bounded) for the binary to reach a point,
//! then releases; what is checked is where each account's newest token ended up.

mod anonymous_rotation;
mod concurrent_write;
mod dead_login;
mod export_lock;
mod export_switch;
mod full_disk;
mod held_aside;
mod interrupted_use;
mod legacy_dead_mark;
mod linked_place;
mod odd_grant;
mod outgoing_login;
mod replay_lock;
mod second_install;
mod two_slots;
mod vanished_place;

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Output};
use std::thread;
use std::time::{Duration, Instant};

use claude_token::json;

use crate::crash::world::World;
use crate::fake::AccountHandle;

/// How long a waiting step may take before the test gives up (not a timing check:
/// only a hang ends there).
const PATIENCE: Duration = Duration::from_secs(20);

/// How long the stand-in keeps Claude Code's refresh locks while it waits for the
/// binary to finish: well under the binary's own wait for those locks (5 retries,
/// 1 to 2 s apart, so at least 9 s), so a binary that waits for them gets them.
const HOLD: Duration = Duration::from_millis(1500);

/// Polls `ready` every 10 ms until it is true; panics naming `what` after
/// [`PATIENCE`].
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Lets `child` run for up to `at_most` (a holder of a lock lets the other side reach
/// its write, or its wait for the lock); whether it ended meanwhile.
fn let_run(child: &mut Child, at_most: Duration) -> bool {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("poll the child").is_some() {
            return true;
        }
        if start.elapsed() >= at_most {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// The output of a spawned child, once it ends.
fn finish(child: Child) -> Output {
    child.wait_with_output().expect("wait for claude-token")
}

/// `<data>/keystore/<slot>.json`.
/// Runs claude-token with `args` for the Claude Code install in `config`
/// (`CLAUDE_CONFIG_DIR`).
fn run_in(world: &World, config: &std::path::Path, args: &[&str]) -> Output {
    world
        .command(args)
        .env("CLAUDE_CONFIG_DIR", config)
        .output()
        .expect("run claude-token")
}

/// `blob` written to `path` as Claude Code writes its credentials file (0600).
fn put_login(path: &std::path::Path, blob: &str) {
    use std::os::unix::fs::PermissionsExt;
    crate::support::Home::put(path, blob.as_bytes());
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn archive_file(world: &World, slot: &str) -> PathBuf {
    world.data_dir().join(format!("keystore/{slot}.json"))
}

/// The archive's bytes as text ("" when absent).
fn archive(world: &World, slot: &str) -> String {
    fs::read_to_string(archive_file(world, slot)).unwrap_or_default()
}

/// Claude Code's credentials file as text ("" when absent).
fn live(world: &World) -> String {
    fs::read_to_string(world.home.credentials_file()).unwrap_or_default()
}

/// `claudeAiOauth.refreshToken` of a blob ("" when there is none).
fn refresh_token(blob: &str) -> String {
    let Ok(doc) = json::parse(blob.as_bytes()) else {
        return String::new();
    };
    let token = doc.get(&["claudeAiOauth", "refreshToken"]);
    token
        .and_then(|n| n.as_str())
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default()
}

/// The fake's newest refresh token of `account` (its latest live login's).
fn newest(world: &World, account: &AccountHandle) -> String {
    world
        .fake
        .current_refresh_token(account)
        .unwrap_or_else(|| panic!("{} has no live login", account.email))
}

/// Where `token` is kept: the archive files holding it and whether Claude Code's
/// file does.
fn holders(world: &World, token: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(world.data_dir().join("keystore")) {
        for entry in entries {
            let path = entry.unwrap().path();
            if fs::read_to_string(&path).is_ok_and(|t| t.contains(token)) {
                found.push(format!(
                    "archive {}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    if live(world).contains(token) {
        found.push("Claude Code's file".to_owned());
    }
    found
}

/// Asserts that every account's newest refresh token is kept in an archive or in
/// Claude Code's file.
fn assert_no_login_lost(world: &World, label: &str) {
    for account in &world.accounts {
        let Some(token) = world.fake.current_refresh_token(account) else {
            continue;
        };
        assert!(
            !holders(world, &token).is_empty(),
            "{label}: {}'s newest refresh token is held in no archive and not in \
             Claude Code's file (lost: the next refresh must send a spent token)",
            account.email
        );
    }
}

/// A killed claude-token leaves Claude Code's lock directories behind; by Claude
/// Code's own rule they become breakable once their mtime is older than the stale
/// time: the crash harness moves them back instead of waiting.
fn age_claude_code_locks(world: &World) {
    crate::crash::check::age_claude_code_locks(world);
}

/// Runs `use ada` in `world` killed at the crash point `at` (asserting it was), then
/// lets Claude Code's stale-lock rule apply to what it left behind.
fn use_ada_killed_at(world: &World, at: &str) {
    let killed = world
        .command(&["use", "ada"])
        .env(claude_token::crash::ENV, at)
        .output()
        .expect("run claude-token");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&killed.status),
        Some(libc::SIGKILL),
        "use ada was not killed at {at}: {}",
        crate::support::stderr(&killed)
    );
    age_claude_code_locks(world);
}
