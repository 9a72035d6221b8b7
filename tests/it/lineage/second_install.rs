//! A second Claude Code install (`CLAUDE_CONFIG_DIR=<home>/work`) holding bob's login
//! while the catalog's active slot is ada and no place is recorded: the place's slot
//! is read from the login it holds, not from the active slot. So `refresh bob` there
//! adopts the rotation Claude Code made in that install (it never sends the spent
//! token in bob's archive), and `refresh ada` there neither treats the place as
//! ada's nor records it for her.

use std::fs;
use std::path::PathBuf;

use claude_token::json::{self, Value};

use super::{archive, newest, put_login, run_in};
use crate::crash::world::World;
use crate::stand_in::StandIn;
use crate::support::stderr;

/// Slots ada (added from a file of her login, so the first and active slot) and bob
/// (added from the second install's credentials file, which holds his login);
/// returns the second install's config directory.
pub(super) fn second_install() -> (World, PathBuf) {
    let world = World::new();
    let ada = world.home.path().join("ada.json");
    put_login(&ada, &world.fake.login(world.account("ada")));
    world.ok(&["add", "--path", ada.to_str().unwrap()]);
    let work = world.home.path().join("work");
    let file = work.join(".credentials.json");
    put_login(&file, &world.fake.login(world.account("bob")));
    world.ok(&["add", "--path", file.to_str().unwrap()]);
    (world, work)
}

/// The catalog's place records as (credentials directory, slot).
fn place_records(world: &World) -> Vec<(String, String)> {
    let text = fs::read_to_string(world.home.catalog()).expect("slots.json");
    let doc = json::parse(text.as_bytes()).expect("slots.json is JSON");
    let root = doc.root().to_value();
    let Some(Value::Array(places)) = root.get("places") else {
        return Vec::new();
    };
    let field = |record: &Value, key: &str| {
        let value = record.get(key).and_then(Value::as_str);
        value.unwrap_or_default().to_owned()
    };
    places
        .iter()
        .map(|r| (field(r, "credentials_dir"), field(r, "slot")))
        .collect()
}

#[test]
fn refresh_in_a_second_install_adopts_claude_codes_rotation_of_the_login_it_holds() {
    let (world, work) = second_install();
    let report = StandIn::new(&work, world.fake.client())
        .refresh()
        .run()
        .expect("Claude Code's refresh of bob in the second install");
    assert!(report.saved, "{report:?}");

    let out = run_in(&world, &work, &["refresh", "bob", "--force"]);
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "refresh bob --force sent the spent token of bob's archive instead of the one \
         Claude Code rotated in {}: {}",
        work.display(),
        stderr(&out)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh bob --force: {}",
        stderr(&out)
    );
    assert!(
        archive(&world, "bob").contains(&newest(&world, world.account("bob"))),
        "bob's archive does not hold his newest token"
    );
}

#[test]
fn refresh_of_the_active_slot_in_an_install_holding_another_login_records_no_place() {
    let (world, work) = second_install();
    let out = run_in(&world, &work, &["refresh", "ada", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh ada --force: {}",
        stderr(&out)
    );
    let work = fs::canonicalize(&work).unwrap();
    let work = work.to_str().unwrap();
    let records = place_records(&world);
    assert!(
        !records
            .iter()
            .any(|(dir, slot)| dir == work && slot == "ada"),
        "slots.json records the install holding bob's login as ada's: {records:?}"
    );
    assert!(
        archive(&world, "ada").contains(&newest(&world, world.account("ada"))),
        "ada's archive does not hold her newest token"
    );
}
