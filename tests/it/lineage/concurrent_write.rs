//! Reproduction 1: `refresh --force` of the active slot while Claude Code writes
//! `mcpOAuth` under `.storage-write.lock` alone (it may, while we hold its refresh
//! locks). Our step into its file is decided by the login it holds, and spliced into
//! its current bytes, so neither the refresh nor Claude Code's write is lost.

use std::time::Duration;

use claude_token::json;

use super::{archive, finish, live, newest, refresh_token, wait_for};
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::stderr;

const MCP: &str = r#"{"github|6f3a9c0e12b4d5e7":{"serverName":"github","serverUrl":"https://api.githubcopilot.com/mcp/","accessToken":"gho_written_meanwhile","expiresAt":1,"clientId":"Iv1.0123456789abcdef"}}"#;

#[test]
fn refresh_keeps_its_tokens_and_claude_codes_mcp_write_made_during_the_request() {
    let world = Scenario::RefreshActive.set_up();
    let bob = world.account("bob");
    let claude = StandIn::on(&world.home, &world.fake);
    world.fake.set_delay(Duration::from_millis(800));
    let before = world.fake.refreshes().len();
    let child = world
        .command(&["refresh", "--force"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start claude-token");
    // The request is in flight (the fake judged it, its answer is delayed): Claude
    // Code writes an MCP login now.
    wait_for("the refresh request", || {
        world.fake.refreshes().len() > before
    });
    claude.write_member("mcpOAuth", MCP);
    let out = finish(child);
    world.fake.set_delay(Duration::ZERO);

    let newest = newest(&world, bob);
    let text = stderr(&out);
    assert!(
        archive(&world, "bob").contains(&newest),
        "bob's archive does not hold the refreshed token, it keeps the spent one \
         (exit {:?}: {})",
        out.status.code(),
        text.trim()
    );
    let file = live(&world);
    assert_eq!(
        refresh_token(&file),
        newest,
        "Claude Code's file does not hold the refreshed token"
    );
    let doc = json::parse(file.as_bytes()).expect("Claude Code's file is JSON");
    assert_eq!(
        doc.get(&["mcpOAuth"]).map(|n| n.raw()),
        Some(MCP),
        "Claude Code's mcpOAuth write was lost"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh --force beside Claude Code's mcpOAuth write: {text}"
    );
    let again = world.run(&["refresh", "--force"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "the next refresh: {}",
        stderr(&again)
    );
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
}
