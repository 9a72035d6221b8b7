//! claude-token's commands with the real Claude Code on the same HOME: the slot we
//! `use` is the account Claude Code answers as; Claude Code's own refresh followed by
//! our `refresh`/`use` loses nothing; refreshes that overlap Claude Code's (either way
//! round) never send a spent refresh token; `exec` runs Claude Code as another slot.
//!
//! The overlap and `exec` scenarios need phase 6 (claude-token taking Claude Code's
//! refresh locks around its refresh; the `exec` command): `.ci/claude-interop.sh`
//! lists them as pending and reports their outcome without failing on it.

use std::thread;
use std::time::{Duration, Instant};

use super::harness::{Finished, Scenario};
use super::string_at;
use crate::fake::{greeting, AccountHandle};

const ADA: &str = "ada@example.com";
const BOB: &str = "bob@example.com";

/// Puts a new login of `who` where Claude Code keeps it (as `/login` would) and
/// registers it as slot `name`.
fn login_and_add(s: &Scenario, who: &AccountHandle, name: &str, expiring_in_ms: i64) {
    s.write_credentials(&s.fake.login_expiring_in(who, expiring_in_ms));
    s.claude_token(&format!("add-{name}"), &["add", "--name", name])
        .assert_success("claude-token add");
}

fn claude_says(s: &Scenario, label: &str) -> Finished {
    let run = s.claude_p(label, "say hi");
    run.assert_success("claude -p");
    run
}

/// Waits (up to 30 s) until the stand-in has taken `count` refresh requests.
fn wait_for_refreshes(s: &Scenario, count: usize) {
    let start = Instant::now();
    while s.fake.refreshes().len() < count {
        assert!(start.elapsed() < Duration::from_secs(30), "no refresh came");
        thread::sleep(Duration::from_millis(20));
    }
}

const EIGHT_HOURS_MS: i64 = 8 * 3600 * 1000;

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_answers_as_the_slot_we_use() {
    let s = Scenario::start("answers_as_the_slot_we_use");
    let (ada, bob) = (s.fake.add_account(ADA), s.fake.add_account(BOB));
    login_and_add(&s, &ada, "ada", EIGHT_HOURS_MS);
    login_and_add(&s, &bob, "bob", EIGHT_HOURS_MS);

    s.claude_token("use-ada", &["use", "ada"])
        .assert_success("use ada");
    assert_eq!(claude_says(&s, "claude-ada").stdout.trim(), greeting(ADA));
    s.claude_token("use-bob", &["use", "bob"])
        .assert_success("use bob");
    assert_eq!(claude_says(&s, "claude-bob").stdout.trim(), greeting(BOB));
    s.note_requests("requests (add ada, add bob, use ada, claude, use bob, claude):");
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
}

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_refreshing_then_our_refresh_and_use_lose_nothing() {
    let s = Scenario::start("claude_code_refresh_then_ours");
    let (ada, bob) = (s.fake.add_account(ADA), s.fake.add_account(BOB));
    login_and_add(&s, &bob, "bob", EIGHT_HOURS_MS);
    login_and_add(&s, &ada, "ada", 60_000);

    // Claude Code rotates ada's login by itself: the slot's copy is now behind.
    assert_eq!(
        claude_says(&s, "claude-refreshes").stdout.trim(),
        greeting(ADA)
    );
    assert_eq!(s.fake.refreshes().len(), 1, "Claude Code refreshed");
    let rotated = string_at(&s.credentials(), &["claudeAiOauth", "refreshToken"]);
    assert_eq!(rotated, s.fake.current_refresh_token(&ada));

    s.claude_token("refresh-all", &["refresh", "--all", "--force"])
        .assert_success("refresh --all --force");
    s.claude_token("use-bob", &["use", "bob"])
        .assert_success("use bob");
    assert_eq!(claude_says(&s, "claude-bob").stdout.trim(), greeting(BOB));
    s.claude_token("use-ada", &["use", "ada"])
        .assert_success("use ada");
    assert_eq!(claude_says(&s, "claude-ada").stdout.trim(), greeting(ADA));
    s.note_requests("requests (Claude Code refresh, refresh --all --force, use, use):");
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
    let live = string_at(&s.credentials(), &["claudeAiOauth", "refreshToken"]);
    assert_eq!(
        live,
        s.fake.current_refresh_token(&ada),
        "ada's login is live"
    );
}

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_wanting_the_lock_during_our_refresh_sends_no_spent_token() {
    let s = Scenario::start("claude_code_during_our_refresh");
    let ada = s.fake.add_account(ADA);
    login_and_add(&s, &ada, "ada", 60_000);
    // Our refresh stays in flight, holding Claude Code's refresh locks, for 3 s.
    s.fake.set_delay(Duration::from_secs(3));
    let ours = s.spawn(
        "refresh",
        s.claude_token_command(&["refresh", "ada", "--force"]),
    );
    wait_for_refreshes(&s, 1);
    let claude = s.spawn("claude", s.claude_command(&["-p", "say hi"]));
    let ours = ours.wait();
    let claude = claude.wait();
    s.note_requests("requests (our refresh in flight when Claude Code starts):");
    ours.assert_success("claude-token refresh");
    claude.assert_success("claude -p");
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
    assert_eq!(claude.stdout.trim(), greeting(ADA));
}

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn our_refresh_during_claude_code_refresh_sends_no_spent_token() {
    let s = Scenario::start("ours_during_claude_code_refresh");
    let ada = s.fake.add_account(ADA);
    login_and_add(&s, &ada, "ada", 60_000);
    // Claude Code's refresh stays in flight, under its locks, for 3 s.
    s.fake.set_delay(Duration::from_secs(3));
    let claude = s.spawn("claude", s.claude_command(&["-p", "say hi"]));
    wait_for_refreshes(&s, 1);
    let ours = s.claude_token("refresh", &["refresh", "ada", "--force"]);
    let claude = claude.wait();
    s.note_requests("requests (our refresh while Claude Code's is in flight):");
    ours.assert_success("claude-token refresh");
    claude.assert_success("claude -p");
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
    let live = string_at(&s.credentials(), &["claudeAiOauth", "refreshToken"]);
    assert_eq!(
        live,
        s.fake.current_refresh_token(&ada),
        "the live login is current"
    );
}

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn exec_runs_claude_code_as_a_slot_that_is_not_active() {
    let s = Scenario::start("exec_as_another_slot");
    let (ada, bob) = (s.fake.add_account(ADA), s.fake.add_account(BOB));
    login_and_add(&s, &bob, "bob", EIGHT_HOURS_MS);
    login_and_add(&s, &ada, "ada", EIGHT_HOURS_MS);
    let active = s.credentials();
    let claude = s.claude.to_string_lossy().into_owned();
    let mut cmd = s.claude_token_command(&["exec", "bob", "--", &claude, "-p", "say hi"]);
    for (name, value) in s.claude_env() {
        cmd.env(name, value);
    }
    let run = s.spawn("exec-bob", cmd).wait();
    s.note_requests("requests (claude-token exec bob -- claude -p):");
    run.assert_success("claude-token exec bob -- claude -p");
    assert_eq!(run.stdout.trim(), greeting(BOB));
    assert_eq!(s.credentials(), active, "the active login is untouched");
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
}
