//! Reproduction 6: a refresh token the server refused (`invalid_grant`) is never sent
//! again. After one `refresh --all` finds ada's login dead, `refresh --all` skips it
//! with one warning line (exit 0 when nothing else failed), JSON reports it
//! `login_dead`, `refresh ada` names it and exits 3 without a request, and `use ada`
//! and `exec ada` refuse with exit 3 (Claude Code's file untouched).
//!
//! Ada's access token has two hours left: due for `refresh` (7 h margin), not for
//! `use` and `exec` (5 minutes), which today therefore switch to it without asking.

use claude_token::json::{self, Value};

use super::live;
use crate::crash::world::World;
use crate::support::{stderr, stdout};

const HOUR_MS: i64 = 3_600_000;

/// Slots ada (dead on the server, due for a refresh) and bob (active, fresh), after
/// one `refresh --all` that found ada's login dead.
fn dead_ada() -> World {
    let world = World::new();
    let ada = world.account("ada");
    world.log_in(&world.fake.login_expiring_in(ada, 2 * HOUR_MS));
    world.ok(&["add"]);
    world.log_in(&world.fake.login(world.account("bob")));
    world.ok(&["add"]);
    world.fake.revoke(ada);
    let out = world.run(&["refresh", "--all"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the first refresh --all: {}",
        stderr(&out)
    );
    assert_eq!(
        ada_requests(&world),
        1,
        "the first refresh --all asked once for ada"
    );
    world
}

/// Refresh requests that presented one of ada's refresh tokens.
fn ada_requests(world: &World) -> usize {
    let refreshes = world.fake.refreshes();
    let ada = |r: &&crate::fake::RefreshRecord| r.account.as_deref() == Some("ada@example.com");
    refreshes.iter().filter(ada).count()
}

fn assert_no_new_request(world: &World, command: &str) {
    let sent = ada_requests(world) - 1;
    assert_eq!(
        sent, 0,
        "{command} sent ada's refused refresh token again ({sent} more request(s))"
    );
}

#[test]
fn refresh_all_skips_a_dead_login_with_one_warning_and_no_request() {
    let world = dead_ada();
    let out = world.run(&["refresh", "--all"]);
    assert_no_new_request(&world, "refresh --all");
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh --all: {}",
        stderr(&out)
    );
    let text = stderr(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one warning line: {text}");
    assert!(
        lines[0].starts_with("claude-token: warning: ") && lines[0].contains("ada"),
        "a warning naming ada: {text}"
    );
}

#[test]
fn refresh_all_json_reports_a_dead_login_as_login_dead_without_a_request() {
    let world = dead_ada();
    let out = world.run(&["refresh", "--all", "--format", "json"]);
    assert_no_new_request(&world, "refresh --all --format json");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json::parse(stdout(&out).as_bytes()).expect("refresh prints JSON");
    let root = doc.root().to_value();
    let Some(Value::Array(results)) = root.get("results") else {
        panic!("no results: {}", stdout(&out));
    };
    let ada = results
        .iter()
        .find(|r| r.get("slot").and_then(Value::as_str) == Some("ada"))
        .expect("a result for ada");
    assert_eq!(
        ada.get("result").and_then(Value::as_str),
        Some("login_dead"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn refresh_of_a_dead_slot_exits_3_without_a_request() {
    let world = dead_ada();
    let out = world.run(&["refresh", "ada"]);
    assert_no_new_request(&world, "refresh ada");
    assert_eq!(out.status.code(), Some(3), "refresh ada: {}", stderr(&out));
    assert!(stderr(&out).contains("ada"), "{}", stderr(&out));
}

#[test]
fn use_of_a_dead_slot_refuses_with_the_fix_and_leaves_claude_code_alone() {
    let world = dead_ada();
    let before = live(&world);
    let out = world.run(&["use", "ada"]);
    let text = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "use ada: {}{text}",
        stdout(&out)
    );
    assert!(
        text.contains("/login") && text.contains("claude-token add"),
        "the hint names the fix: {text}"
    );
    assert_eq!(live(&world), before, "Claude Code's file changed");
    assert_no_new_request(&world, "use ada");
}

#[test]
fn exec_of_a_dead_slot_refuses() {
    let world = dead_ada();
    let out = world.run(&["exec", "ada", "--", "true"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "exec of a dead login must refuse, not run the command: {}",
        stderr(&out)
    );
    assert_no_new_request(&world, "exec ada");
}
