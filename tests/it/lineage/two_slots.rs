//! Reproduction 7: two slots of one account (the catalog allows it; the original
//! tool's catalogs can hold it), each with its own login (lineage). When Claude Code
//! rotates the login of the active slot `second`, that rotation is adopted by lineage
//! (the place record names `second`), so `refresh second --force` sends the rotated
//! token, never the spent one in the archive, and leaves `first` alone.
//!
//! `add` never makes a second slot for a known account, so the second slot is written
//! by hand, as the original tool could have left it: its object in `slots.json` (a
//! copy of the first's under a new name) and `keystore/second.json` holding the second
//! login. Then `use second` puts that login in Claude Code's file, so the place's
//! record names `second` before Claude Code rotates it.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use claude_token::json;

use super::{archive, archive_file, live, newest, refresh_token};
use crate::crash::world::World;
use crate::stand_in::StandIn;
use crate::support::{stderr, Home};

/// Slots `first` and `second` of ada's account, each with its own login, `second`
/// made active by `use` and live in Claude Code's file.
fn two_slots_of_one_account() -> World {
    let world = World::new();
    let ada = world.account("ada");
    world.log_in(&world.fake.login(ada));
    world.ok(&["add", "--name", "first"]);

    let catalog = fs::read_to_string(world.home.catalog()).unwrap();
    let doc = json::parse(catalog.as_bytes()).unwrap();
    let slot = doc.get(&["slots"]).unwrap().elements().next().unwrap();
    let copy = slot.raw().replacen("\"first\"", "\"second\"", 1);
    let end = slot.span().end;
    let catalog = format!("{},\n    {copy}{}", &catalog[..end], &catalog[end..]);
    fs::write(world.home.catalog(), catalog).unwrap();
    let file = archive_file(&world, "second");
    Home::put(&file, world.fake.login(ada).as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();

    world.ok(&["use", "second"]);
    assert_eq!(
        refresh_token(&live(&world)),
        refresh_token(&archive(&world, "second")),
        "use second put second's login in Claude Code's file"
    );
    world
}

#[test]
fn refresh_of_the_second_slot_of_an_account_sends_claude_codes_rotated_token() {
    let world = two_slots_of_one_account();
    let first_before = archive(&world, "first");
    let report = StandIn::on(&world.home, &world.fake)
        .refresh()
        .run()
        .expect("Claude Code's refresh of second's login");
    assert!(report.saved, "{report:?}");
    assert_eq!(
        report.posted,
        refresh_token(&archive(&world, "second")),
        "Claude Code rotated second's login"
    );

    let out = world.run(&["refresh", "second", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh second --force sent the archive's spent refresh token instead of the \
         one Claude Code rotated"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh second --force: {}",
        stderr(&out)
    );
    let newest = newest(&world, world.account("ada"));
    assert!(
        archive(&world, "second").contains(&newest),
        "second's archive does not hold the newest token"
    );
    assert_eq!(
        archive(&world, "first"),
        first_before,
        "first's archive changed"
    );
}
