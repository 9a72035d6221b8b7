//! `export` into Claude Code's file, end to end: everything it writes there is read
//! under Claude Code's refresh locks (so a refresh of Claude Code's own in flight is
//! never overwritten with the login it spent), and the slot's login is switched in
//! as `use` switches it (the file's machine members, such as `mcpOAuth`, stay).

use std::cell::RefCell;
use std::process::{Child, Stdio};

use claude_token::json;

use super::{assert_no_login_lost, finish, let_run, live, newest, refresh_token, HOLD};
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::stderr;

/// An MCP login Claude Code keeps in its file beside the account's login.
const MCP: &str = r#"{"github|0c1d2e3f4a5b6c7d":{"serverName":"github","serverUrl":"https://api.githubcopilot.com/mcp/","accessToken":"gho_kept_by_the_machine","expiresAt":1,"clientId":"Iv1.fedcba9876543210"}}"#;

#[test]
fn export_of_the_active_slot_while_claude_code_refreshes_it_keeps_claude_codes_new_login() {
    let world = Scenario::ExportForce.set_up(); // bob live and active
    let claude = StandIn::on(&world.home, &world.fake);
    let export: RefCell<Option<Child>> = RefCell::new(None);
    let report = claude
        .refresh()
        .before_post(|| {
            let mut child = world
                .command(&["export", "bob"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start claude-token");
            // The export reads bob's login and reaches Claude Code's refresh locks,
            // which the stand-in holds until its new tokens are saved.
            let_run(&mut child, HOLD);
            *export.borrow_mut() = Some(child);
        })
        .run()
        .expect("Claude Code's refresh of bob");
    let out = finish(export.into_inner().unwrap());
    assert!(
        report.saved,
        "Claude Code discarded its new tokens: under .storage-write.lock its file held \
         another login ({report:?})"
    );
    assert_eq!(out.status.code(), Some(0), "export bob: {}", stderr(&out));
    assert_no_login_lost(
        &world,
        "export of the active slot during Claude Code's refresh",
    );
    assert_eq!(
        refresh_token(&live(&world)),
        newest(&world, world.account("bob")),
        "Claude Code's file no longer holds the login it refreshed"
    );
}

#[test]
fn export_force_into_claude_codes_file_keeps_the_mcp_login_claude_code_just_wrote() {
    let world = Scenario::ExportForce.set_up(); // bob live and active
    StandIn::on(&world.home, &world.fake).write_member("mcpOAuth", MCP);
    let out = world.run(&["export", "ada", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "export ada --force: {}",
        stderr(&out)
    );
    let file = live(&world);
    assert_eq!(
        refresh_token(&file),
        newest(&world, world.account("ada")),
        "Claude Code's file does not hold ada's login"
    );
    let doc = json::parse(file.as_bytes()).expect("Claude Code's file is JSON");
    assert_eq!(
        doc.get(&["mcpOAuth"]).map(|n| n.raw()),
        Some(MCP),
        "the export dropped the mcpOAuth member Claude Code's file had"
    );
    assert_no_login_lost(&world, "export --force after Claude Code wrote mcpOAuth");
}
