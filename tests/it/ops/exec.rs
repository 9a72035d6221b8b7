//! `exec` through the real binary: the named slot's access token reaches the command
//! (in the environment, or on an inherited pipe with `--fd`), never its refresh token;
//! the command's exit status is ours; an expiring slot is refreshed first; the active
//! slot and Claude Code's file stay as they were.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use claude_token::time;

use super::{grant_body, login, profile_body, sent_refresh_token, HOUR, MINUTE};
use crate::server::{cert_path, json, Reply, Server};
use crate::support::{stderr, stdout, Home};

/// A home with slots `ada` (valid `ada_for` ms more) and `bob` (active, live),
/// added through the binary; the server answers the two profile calls, then `more`.
fn two_slots(ada_for: i64, more: Vec<Reply>) -> (Home, Server, String) {
    let home = Home::new();
    let mut replies = vec![
        json(200, &profile_body("ada")),
        json(200, &profile_body("bob")),
    ];
    replies.extend(more);
    let server = Server::tls("localhost", replies);
    let now = time::now_ms();
    let ada = login("ada", "a1", now + ada_for);
    let bob = login("bob", "b1", now + 6 * HOUR);
    for blob in [&ada, &bob] {
        log_in(&home, blob);
        let out = run(&home, &server, &["add"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    (home, server, bob)
}

fn log_in(home: &Home, blob: &str) {
    let file = home.credentials_file();
    Home::put(&file, blob.as_bytes());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn run(home: &Home, server: &Server, args: &[&str]) -> Output {
    home.command(args)
        .env(
            "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
            server.url("/v1/oauth/token"),
        )
        .env("CLAUDE_TOKEN_API_BASE_URL", server.url(""))
        .env("SSL_CERT_FILE", cert_path("ca.pem"))
        // A token our caller had must not reach the command.
        .env("CLAUDE_CODE_OAUTH_TOKEN", "stale-from-the-caller")
        .output()
        .expect("run claude-token")
}

fn live(home: &Home) -> String {
    std::fs::read_to_string(home.credentials_file()).unwrap()
}

fn catalog(home: &Home) -> String {
    std::fs::read_to_string(home.catalog()).unwrap()
}

#[test]
fn exec_hands_the_named_slots_access_token_in_the_environment() {
    let (home, server, bob) = two_slots(6 * HOUR, vec![]);
    let before = catalog(&home);
    let script = r#"printf %s "$CLAUDE_CODE_OAUTH_TOKEN""#;
    let out = run(&home, &server, &["exec", "ada", "sh", "-c", script]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "sk-ant-oat01-A-a1");
    assert_eq!(stderr(&out), "");
    assert_eq!(live(&home), bob, "Claude Code's login is untouched");
    assert_eq!(catalog(&home), before, "the active slot is untouched");
    server.request(); // the two profile calls of `add`
    server.request();
    assert!(
        !server.got_another_request(),
        "a fresh slot needs no refresh"
    );
}

#[test]
// Reads the inherited descriptor through `/proc/self/fd`.
#[cfg(target_os = "linux")]
fn exec_with_fd_passes_the_token_on_an_inherited_pipe_only() {
    let (home, server, _) = two_slots(6 * HOUR, vec![]);
    let script = concat!(
        r#"cat "/proc/self/fd/$CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR"; "#,
        r#"printf '[%s]' "${CLAUDE_CODE_OAUTH_TOKEN-unset}""#
    );
    let out = run(
        &home,
        &server,
        &["exec", "--fd", "ada", "--", "sh", "-c", script],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "sk-ant-oat01-A-a1[unset]");
}

#[test]
fn exec_never_hands_out_the_refresh_token() {
    let (home, server, _) = two_slots(6 * HOUR, vec![]);
    let out = run(&home, &server, &["exec", "#1", "--", "env"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let env = stdout(&out);
    assert!(env.contains("CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-A-a1\n"));
    assert!(!env.contains("sk-ant-ort01-"), "a refresh token leaked");
}

#[test]
fn exec_exits_with_the_commands_status() {
    let (home, server, _) = two_slots(6 * HOUR, vec![]);
    let out = run(&home, &server, &["exec", "ada", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn exec_refreshes_a_slot_expiring_within_five_minutes_first() {
    let (home, server, bob) = two_slots(2 * MINUTE, vec![json(200, &grant_body("a2"))]);
    let script = r#"printf %s "$CLAUDE_CODE_OAUTH_TOKEN""#;
    let out = run(&home, &server, &["exec", "ada", "sh", "-c", script]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "sk-ant-oat01-A-a2");
    server.request();
    server.request();
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a1"
    );
    let archive = home
        .path()
        .join(".local/share/claude-token-cli/keystore/ada.json");
    let archived = std::fs::read_to_string(archive).unwrap();
    assert!(
        archived.contains("sk-ant-ort01-R-a2"),
        "the new tokens are archived"
    );
    assert_eq!(live(&home), bob, "Claude Code's login is untouched");
}

#[test]
fn exec_of_a_command_that_cannot_start_is_an_error_naming_it() {
    let (home, server, _) = two_slots(6 * HOUR, vec![]);
    let out = run(&home, &server, &["exec", "ada", "/nonexistent/program"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/program"), "{err}");
    assert!(!err.contains("sk-ant-"), "{err}");
}

/// A 200 answer that rotates the refresh token (`sk-ant-ort01-R-<tag>`) but carries
/// no access token.
fn grant_without_access_token(tag: &str) -> String {
    format!(
        r#"{{"token_type":"Bearer","refresh_token":"sk-ant-ort01-R-{tag}","expires_in":28800,"scope":"user:inference user:profile"}}"#
    )
}

#[test]
fn exec_never_hands_out_an_empty_access_token_when_the_refreshes_answer_without_one() {
    let odd = vec![
        json(200, &grant_without_access_token("a2")),
        json(200, &grant_without_access_token("a3")),
    ];
    let (home, server, _) = two_slots(2 * MINUTE, odd);
    let script = r#"printf "[%s]" "$CLAUDE_CODE_OAUTH_TOKEN""#;
    let out = run(&home, &server, &["exec", "ada", "--", "sh", "-c", script]);
    assert_ne!(stdout(&out), "[]", "the command got an empty access token");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "the command must not run");
    let archive = home
        .path()
        .join(".local/share/claude-token-cli/keystore/ada.json");
    let archived = std::fs::read_to_string(archive).unwrap();
    assert!(
        archived.contains("sk-ant-ort01-R-a3"),
        "the newest refresh token is stored"
    );
}

#[test]
fn exec_refreshes_again_when_the_first_answer_has_no_access_token_and_hands_out_the_second() {
    let replies = vec![
        json(200, &grant_without_access_token("a2")),
        json(200, &grant_body("a3")),
    ];
    let (home, server, _) = two_slots(2 * MINUTE, replies);
    let script = r#"printf "[%s]" "$CLAUDE_CODE_OAUTH_TOKEN""#;
    let out = run(&home, &server, &["exec", "ada", "--", "sh", "-c", script]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "[sk-ant-oat01-A-a3]");
    server.request(); // the two profile calls of `add`
    server.request();
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a1"
    );
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a2",
        "the second refresh sends the token the first answer rotated in"
    );
}
