//! A hazard the crash tests found outside the crash paths, now fixed: `export
//! --force` into Claude Code's file makes the slot active (see SPEC.md §6).

use std::fs;

use super::scenario::Scenario;

/// `export ada --force` used to put ada's login in Claude Code's file while the
/// catalog kept bob active; `refresh ada` then treated ada as inactive and refreshed
/// only the archive, so Claude Code's file kept ada's spent refresh token, which
/// Claude Code would present next (the service then revokes the whole login).
#[test]
fn export_force_then_refresh_leaves_no_spent_token_live() {
    let world = Scenario::ExportForce.set_up();
    world.ok(&["export", "ada", "--force"]);
    world.ok(&["refresh", "ada", "--force"]);
    let live = fs::read_to_string(world.home.credentials_file()).unwrap();
    let newest = world
        .fake
        .current_refresh_token(world.account("ada"))
        .unwrap();
    assert!(
        live.contains(&newest),
        "Claude Code's file holds ada's spent refresh token"
    );
}
