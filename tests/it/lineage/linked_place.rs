//! Claude Code's config directory named through a symbolic link before it exists
//! (`CLAUDE_CONFIG_DIR=<home>/link/cc`, `link -> real`, no `real/cc` yet): `use`
//! creates it while holding its refresh locks and must know them for its own once the
//! path resolves, rather than wait for them as if another program held them.

use std::fs;
use std::os::unix::fs::symlink;

use super::{archive, refresh_token};
use crate::crash::scenario::Scenario;
use crate::support::stderr;

#[test]
fn use_into_a_config_dir_named_through_a_link_before_it_exists_switches() {
    let world = Scenario::Use.set_up(); // slots ada and bob
    let real = world.home.path().join("real");
    fs::create_dir(&real).unwrap();
    symlink(&real, world.home.path().join("link")).unwrap();
    let config = world.home.path().join("link/cc");
    let out = world
        .command(&["use", "ada"])
        .env("CLAUDE_CONFIG_DIR", &config)
        .output()
        .expect("run claude-token");
    assert_eq!(
        out.status.code(),
        Some(0),
        "use ada into {}: {}",
        config.display(),
        stderr(&out)
    );
    let file = fs::read_to_string(real.join("cc/.credentials.json"))
        .expect("Claude Code's credentials file in the new config directory");
    assert_eq!(
        refresh_token(&file),
        refresh_token(&archive(&world, "ada")),
        "the new config directory does not hold ada's login"
    );
}
