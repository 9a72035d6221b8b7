//! Review 2: real Claude Code 2.1.332 rebuilds `claudeAiOauth` after its own refresh
//! and drops `tokenAccount` (see `claude_code::print_mode::REBUILT_LOGIN`), and so
//! does the stand-in. These tests replay `second_install` with the blob Claude Code
//! really leaves: a rotated login that names no account.

use std::fs;
use std::path::Path;

use claude_token::json;

use super::second_install::second_install;
use super::{archive, newest, put_login, run_in};
use crate::stand_in::StandIn;
use crate::support::stderr;

/// The file without `claudeAiOauth.tokenAccount`, as Claude Code's rebuild leaves it
/// (the stand-in already drops it on its refresh; then this only checks that).
pub fn drop_token_account(file: &Path) {
    let text = fs::read_to_string(file).unwrap();
    let doc = json::parse(text.as_bytes()).unwrap();
    let Some(account) = doc.get(&["claudeAiOauth", "tokenAccount"]) else {
        return;
    };
    let span = account.span();
    let start = text[..span.start].rfind(",\"tokenAccount\"").unwrap();
    let out = format!("{}{}", &text[..start], &text[span.end..]);
    json::parse(out.as_bytes()).expect("still JSON");
    put_login(file, &out);
}

#[test]
fn refresh_in_a_second_install_after_claude_codes_real_rotation_sends_no_spent_token() {
    let (world, work) = second_install();
    let report = StandIn::new(&work, world.fake.client())
        .refresh()
        .run()
        .expect("Claude Code's refresh of bob in the second install");
    assert!(report.saved, "{report:?}");
    drop_token_account(&work.join(".credentials.json"));

    let out = run_in(&world, &work, &["refresh", "bob", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh bob --force sent the spent token of bob's archive (Claude Code's \
         rotated blob names no account, the place has no record, the active slot is \
         ada): {}",
        stderr(&out)
    );
    assert!(
        archive(&world, "bob").contains(&newest(&world, world.account("bob"))),
        "bob's archive does not hold his newest token"
    );
}

#[test]
fn refresh_of_the_active_slot_does_not_record_an_install_holding_anothers_rotated_login() {
    let (world, work) = second_install();
    StandIn::new(&work, world.fake.client())
        .refresh()
        .run()
        .expect("Claude Code's refresh of bob in the second install");
    drop_token_account(&work.join(".credentials.json"));

    // ada's refresh there: the place is taken as ada's (active fallback) and recorded.
    run_in(&world, &work, &["refresh", "ada", "--force"]);
    let catalog = fs::read_to_string(world.home.catalog()).unwrap();
    let work_c = fs::canonicalize(&work).unwrap();
    assert!(
        !catalog.contains(&format!(
            "\"credentials_dir\": {}",
            json::quote(work_c.to_str().unwrap())
        )) || !catalog.contains("\"slot\": \"ada\""),
        "the install holding bob's login was recorded: {catalog}"
    );
    // And then bob's refresh there sends his spent archive token.
    let out = run_in(&world, &work, &["refresh", "bob", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh bob --force sent bob's spent archive token: {}",
        stderr(&out)
    );
}

/// `outgoing_login` with the blob real Claude Code leaves: `use ada` killed once its
/// entry is durable, Claude Code refreshes bob's login (dropping `tokenAccount`),
/// replay records the place as ada's; `refresh --all` then takes the place's
/// unreadable login as ada's and sends bob's spent archive token.
#[test]
fn use_killed_then_claude_codes_real_rotation_of_the_outgoing_login_sends_no_spent_token() {
    let world = crate::crash::scenario::Scenario::Use.set_up(); // bob live and active
    super::use_ada_killed_at(&world, "journal-written#1");
    let report = StandIn::on(&world.home, &world.fake)
        .refresh()
        .run()
        .expect("Claude Code's refresh of bob");
    assert!(report.saved, "{report:?}");
    drop_token_account(&world.home.credentials_file());

    let out = world.run(&["refresh", "--all", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh --all --force sent bob's spent archive token: {}",
        stderr(&out)
    );
    super::assert_no_login_lost(&world, "refresh --all after the interrupted use");
}
