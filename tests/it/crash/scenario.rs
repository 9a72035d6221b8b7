//! The operations the crash tests interrupt, each with the state it starts from.
//! Every setup ends with slots ada and bob (bob active, Claude Code signed in as bob),
//! then prepares what its operation needs.

use super::world::World;

/// A minute, in milliseconds: an access token this close to expiry is refreshed by
/// `use` before switching.
const MINUTE_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `add` of Claude Code's new login of cyd: a new slot.
    AddNew,
    /// `add` of Claude Code's new login of ada: ada's slot is updated.
    AddUpdate,
    /// `use ada` (from bob).
    Use,
    /// `use ada` when ada's access token expires within five minutes: refresh, switch.
    UseExpiring,
    /// `refresh --force` of the active slot (bob).
    RefreshActive,
    /// `refresh ada --force` (inactive).
    RefreshInactive,
    /// `refresh ada --force` after the service revoked ada's login.
    RefreshDead,
    /// `remove bob --yes` (the active slot).
    RemoveActive,
    /// `export ada --force` into Claude Code's credentials file.
    ExportForce,
}

impl Scenario {
    pub const ALL: &'static [Scenario] = &[
        Scenario::AddNew,
        Scenario::AddUpdate,
        Scenario::Use,
        Scenario::UseExpiring,
        Scenario::RefreshActive,
        Scenario::RefreshInactive,
        Scenario::RefreshDead,
        Scenario::RemoveActive,
        Scenario::ExportForce,
    ];

    /// The command line of the operation.
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Scenario::AddNew | Scenario::AddUpdate => &["add"],
            Scenario::Use | Scenario::UseExpiring => &["use", "ada"],
            Scenario::RefreshActive => &["refresh", "--force"],
            Scenario::RefreshInactive | Scenario::RefreshDead => &["refresh", "ada", "--force"],
            Scenario::RemoveActive => &["remove", "bob", "--yes"],
            Scenario::ExportForce => &["export", "ada", "--force"],
        }
    }

    /// The exit code of the operation when nothing interrupts it.
    pub fn exit_code(self) -> i32 {
        if self == Scenario::RefreshDead {
            3
        } else {
            0
        }
    }

    /// The exit codes `refresh --all --force` may end with after the operation: a
    /// login the operation found dead is skipped (0) once the catalog says so, and
    /// refused again (3) when the kill came before that mark was durable.
    pub fn refresh_all_codes(self) -> &'static [i32] {
        if self == Scenario::RefreshDead {
            &[0, 3]
        } else {
            &[0]
        }
    }

    /// A fresh world in the state the operation starts from.
    pub fn set_up(self) -> World {
        let world = World::new();
        let ada = world.account("ada");
        let first = if self == Scenario::UseExpiring {
            world.fake.login_expiring_in(ada, MINUTE_MS)
        } else {
            world.fake.login(ada)
        };
        world.log_in(&first);
        world.ok(&["add"]);
        world.log_in(&world.fake.login(world.account("bob")));
        world.ok(&["add"]);
        match self {
            Scenario::AddNew => world.log_in(&world.fake.login(world.account("cyd"))),
            Scenario::AddUpdate => world.log_in(&world.fake.login(ada)),
            Scenario::RefreshDead => world.fake.revoke(ada),
            _ => {}
        }
        world
    }
}
