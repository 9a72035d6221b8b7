//! The real binary in a temporary home against the scripted loopback server: add two
//! accounts, switch back and forth, refresh, export, remove. No token in any output.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use claude_token::time;

use super::{grant_body, login, profile_body, sent_refresh_token, HOUR};
use crate::server::{cert_path, json, Server};
use crate::support::{stderr, stdout, Home};

fn run(home: &Home, server: &Server, args: &[&str]) -> Output {
    let output = home
        .command(args)
        .env(
            "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
            server.url("/v1/oauth/token"),
        )
        .env("CLAUDE_TOKEN_API_BASE_URL", server.url(""))
        .env("SSL_CERT_FILE", cert_path("ca.pem"))
        .output()
        .expect("run claude-token");
    for text in [stdout(&output), stderr(&output)] {
        assert!(
            !text.contains("sk-ant-"),
            "{args:?} printed a token: {text}"
        );
        assert!(
            !text.contains("mcp-"),
            "{args:?} printed a machine secret: {text}"
        );
    }
    output
}

/// Runs and expects exit 0 and nothing on stderr; returns stdout.
fn ok(home: &Home, server: &Server, args: &[&str]) -> String {
    let output = run(home, server, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    assert_eq!(stderr(&output), "", "{args:?}");
    stdout(&output)
}

/// Claude Code's `/login`: it writes its credentials file, 0600.
fn log_in(home: &Home, blob: &str) {
    let file = home.credentials_file();
    Home::put(&file, blob.as_bytes());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn live(home: &Home) -> String {
    std::fs::read_to_string(home.credentials_file()).unwrap()
}

#[test]
fn add_use_refresh_export_remove_through_the_binary() {
    let home = Home::new();
    let server = Server::tls(
        "localhost",
        vec![
            json(200, &profile_body("ada")),
            json(200, &profile_body("bob")),
            json(200, &grant_body("b2")),
        ],
    );
    let later = time::now_ms() + 6 * HOUR;
    let (ada, bob) = (login("ada", "a1", later), login("bob", "b1", later));
    log_in(&home, &ada);
    assert_eq!(
        ok(&home, &server, &["add"]),
        "added slot ada (ada@example.com, max); it is the active slot\n"
    );
    log_in(&home, &bob);
    assert_eq!(
        ok(&home, &server, &["--format", "json", "add"]),
        concat!(
            r#"{"schema":1,"action":"added","slot":{"name":"bob","email":"bob@example.com","#,
            r#""plan":"max","active":true},"offline":false}"#,
            "\n"
        )
    );
    assert_eq!(
        ok(&home, &server, &["use", "ada"]),
        "switched to ada (ada@example.com, max)\n"
    );
    // Ada's login, with the machine's own member kept from the live blob.
    let mcp = |account: &str| {
        format!(r#""mcpOAuth":{{"srv|{account}":{{"accessToken":"mcp-{account}"}}}}"#)
    };
    assert_eq!(live(&home), ada.replace(&mcp("ada"), &mcp("bob")));
    assert_eq!(
        ok(&home, &server, &["use", "#2", "--format=json"]),
        "{\"schema\":1,\"active\":\"bob\",\"previous\":\"ada\",\"already_active\":false,\"refreshed\":false}\n"
    );
    assert_eq!(live(&home), bob, "a round trip gives the bytes back");
    assert_eq!(
        ok(&home, &server, &["use", "bob"]),
        "bob is already active\n"
    );
    // Cron: quiet on success.
    assert_eq!(ok(&home, &server, &["refresh", "--force"]), "");
    let _profiles = (server.request(), server.request());
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-b1"
    );
    assert!(live(&home).contains("\"refreshToken\":\"sk-ant-ort01-R-b2\""));
    let out = home.path().join("bob.json");
    let shown = ok(
        &home,
        &server,
        &["export", "bob", "--path", out.to_str().unwrap()],
    );
    assert_eq!(shown, format!("wrote bob's login to {}\n", out.display()));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), live(&home));
    let refused = run(&home, &server, &["remove", "ada"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    assert_eq!(
        ok(&home, &server, &["remove", "ada", "--yes"]),
        "removed slot ada\n"
    );
    let list = ok(&home, &server, &["--format", "json", "list", "--no-usage"]);
    assert!(
        list.contains(r#""active":"bob""#) && !list.contains("ada"),
        "{list}"
    );
    assert!(!server.got_another_request());
}

#[test]
fn refresh_of_a_dead_login_exits_3_through_the_binary() {
    let home = Home::new();
    let server = Server::tls(
        "localhost",
        vec![
            json(200, &profile_body("ada")),
            json(
                400,
                r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
            ),
        ],
    );
    log_in(&home, &login("ada", "a1", time::now_ms() + HOUR));
    ok(&home, &server, &["add"]);
    let output = run(&home, &server, &["refresh", "--all"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("login dead: ada"),
        "{}",
        stderr(&output)
    );
    assert!(live(&home).contains("sk-ant-ort01-R-a1"));
}
