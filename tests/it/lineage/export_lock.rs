//! Reproduction 3: `export <inactive slot> --force` into Claude Code's file while
//! Claude Code refreshes the active login. The export writes a login into Claude
//! Code's store, so it holds Claude Code's refresh locks: it waits for the refresh in
//! flight, whose new tokens Claude Code saves (and the export then archives into
//! their slot before it replaces them).

use std::cell::RefCell;
use std::process::{Child, Stdio};

use super::{assert_no_login_lost, finish, let_run, live, newest, refresh_token, HOLD};
use crate::crash::scenario::Scenario;
use crate::stand_in::StandIn;
use crate::support::stderr;

#[test]
fn export_force_into_claude_codes_file_waits_for_its_refresh_and_loses_no_login() {
    let world = Scenario::ExportForce.set_up();
    let claude = StandIn::on(&world.home, &world.fake);
    let export: RefCell<Option<Child>> = RefCell::new(None);
    let report = claude
        .refresh()
        .before_post(|| {
            let child = world
                .command(&["export", "ada", "--force"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start claude-token");
            *export.borrow_mut() = Some(child);
        })
        .after_post(|| {
            let_run(export.borrow_mut().as_mut().unwrap(), HOLD);
        })
        .run()
        .expect("Claude Code's refresh of bob");
    let out = finish(export.into_inner().unwrap());
    assert_eq!(
        out.status.code(),
        Some(0),
        "export --force: {}",
        stderr(&out)
    );

    assert_no_login_lost(&world, "export --force during Claude Code's refresh");
    assert!(
        report.saved,
        "Claude Code discarded its new tokens: under .storage-write.lock its file held \
         another login (the export wrote while Claude Code held its refresh locks)"
    );
    assert_eq!(
        refresh_token(&live(&world)),
        newest(&world, world.account("ada")),
        "Claude Code's file does not hold the exported login"
    );
}
