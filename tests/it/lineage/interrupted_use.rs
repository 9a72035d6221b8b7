//! Reproduction 5: `use` killed after Claude Code's file was written but before the
//! catalog step, then Claude Code refreshes the login now in its file. Our own steps
//! (the catalog) always apply on replay, and the step into Claude Code's file is done
//! (it holds a newer login of the same lineage), so nothing needs attention and the
//! next refresh sends no spent token.

use claude_token::json::{self, Value};

use super::use_ada_killed_at;
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::{stderr, stdout};

#[test]
fn use_killed_before_its_catalog_step_then_claude_code_refreshes_replays_cleanly() {
    let world = Scenario::Use.set_up();
    use_ada_killed_at(&world, "applied:claude-file");
    let report = StandIn::on(&world.home, &world.fake)
        .refresh()
        .run()
        .expect("Claude Code's refresh of ada");
    assert!(report.saved, "{report:?}");

    let scratch = world.home.path().join("replayed.json");
    let out = world.run(&["export", "#1", "--path", scratch.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the replaying command: {}",
        stderr(&out)
    );
    let list = world.ok(&["list", "--no-usage", "--format", "json"]);
    let doc = json::parse(stdout(&list).as_bytes()).expect("list prints JSON");
    let active = doc.root().to_value();
    let active = active.get("active").and_then(Value::as_str);
    assert_eq!(
        active,
        Some("ada"),
        "the catalog's active slot after replay"
    );

    let out = world.run(&["refresh", "--all", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh --all --force: {}",
        stderr(&out)
    );
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh --all --force sent a spent refresh token"
    );
}
