//! A dead mark written before refused tokens were fingerprinted (`login_dead` without
//! `refused_sha256`) names whatever ada's archive held then. Once a new login of ada
//! is archived (here by `use bob`, which archives the live ada login it replaces),
//! the mark no longer applies: `refresh ada` sends the new login's token instead of
//! calling it dead.

use std::fs;

use super::{archive, newest};
use crate::crash::world::World;
use crate::support::stderr;

/// `slots.json` with its `refused_sha256` member dropped, as a catalog written before
/// fingerprints were kept has its dead marks.
fn strip_refused_fingerprint(world: &World) {
    let text = fs::read_to_string(world.home.catalog()).unwrap();
    let at = text
        .find("\"refused_sha256\"")
        .unwrap_or_else(|| panic!("no fingerprint: {text}"));
    // From the comma before the member to the end of its value (64 hex digits).
    let start = text[..at].rfind(',').unwrap();
    let value = at + text[at..].find(':').unwrap();
    let open = value + text[value..].find('"').unwrap();
    let end = open + 1 + text[open + 1..].find('"').unwrap() + 1;
    let stripped = format!("{}{}", &text[..start], &text[end..]);
    assert!(
        stripped.contains("\"login_dead\"") && !stripped.contains("refused_sha256"),
        "{stripped}"
    );
    fs::write(world.home.catalog(), stripped).unwrap();
}

#[test]
fn a_legacy_dead_mark_no_longer_applies_once_a_new_login_is_archived() {
    let world = World::new();
    let ada = world.account("ada");
    world.log_in(&world.fake.login(ada));
    world.ok(&["add"]);
    world.log_in(&world.fake.login(world.account("bob")));
    world.ok(&["add"]);
    world.fake.revoke(ada);
    let dead = world.run(&["refresh", "ada", "--force"]);
    assert_eq!(dead.status.code(), Some(3), "{}", stderr(&dead));
    strip_refused_fingerprint(&world);
    let listed = world.run(&["list", "--no-usage"]);
    assert_eq!(
        listed.status.code(),
        Some(0),
        "the edited catalog reads: {}",
        stderr(&listed)
    );

    // Ada logs in again in Claude Code, while the catalog still calls bob active.
    world.log_in(&world.fake.login(ada));
    world.ok(&["use", "bob"]);
    assert!(
        archive(&world, "ada").contains(&newest(&world, ada)),
        "use bob did not archive ada's new login"
    );

    let out = world.run(&["refresh", "ada", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "refresh ada --force took the new login for the dead one: {}",
        stderr(&out)
    );
    assert!(
        archive(&world, "ada").contains(&newest(&world, ada)),
        "ada's archive does not hold her newest token"
    );
}
