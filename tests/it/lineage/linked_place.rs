//! Claude Code's config directory named through a symbolic link before it exists
//! (`CLAUDE_CONFIG_DIR=<home>/link/cc`, `link -> real`, no `real/cc` yet): `use`
//! creates it while holding its refresh locks and must know them for its own once the
//! path resolves, rather than wait for them as if another program held them; and it
//! records the place under the canonical path every later run looks up.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::process::Output;

use claude_token::json;

use super::{archive, refresh_token, run_in};
use crate::crash::scenario::Scenario;
use crate::crash::world::World;
use crate::support::stderr;

/// `use ada` (slots ada and bob) into `<home>/link/cc`; returns the world, the real
/// directory behind the link, and what the run did.
fn use_ada_through_a_link() -> (World, PathBuf, Output) {
    let world = Scenario::Use.set_up();
    let real = world.home.path().join("real");
    fs::create_dir(&real).unwrap();
    symlink(&real, world.home.path().join("link")).unwrap();
    let config = world.home.path().join("link/cc");
    let out = run_in(&world, &config, &["use", "ada"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "use ada into {}: {}",
        config.display(),
        stderr(&out)
    );
    (world, real, out)
}

#[test]
fn use_into_a_config_dir_named_through_a_link_before_it_exists_switches() {
    let (world, real, _) = use_ada_through_a_link();
    let file = fs::read_to_string(real.join("cc/.credentials.json"))
        .expect("Claude Code's credentials file in the new config directory");
    assert_eq!(
        refresh_token(&file),
        refresh_token(&archive(&world, "ada")),
        "the new config directory does not hold ada's login"
    );
}

/// Recorded under the path as given, the record would never be found again, and the
/// place would hold no slot we can name.
#[test]
fn use_into_a_linked_config_dir_records_the_place_by_its_canonical_path() {
    let (world, real, _) = use_ada_through_a_link();
    let canonical = fs::canonicalize(real.join("cc")).unwrap();
    let catalog = fs::read_to_string(world.home.catalog()).unwrap();
    assert!(
        catalog.contains(&format!(
            "\"credentials_dir\": {}",
            json::quote(canonical.to_str().unwrap())
        )),
        "no record under {}: {catalog}",
        canonical.display()
    );
}
