//! The subcommands, one file each; this file only dispatches.

mod daemon;
mod list;

use crate::cli::{Command, Invocation};
use crate::Error;

/// Runs the command the user asked for. A command whose body belongs to a later
/// phase says so plainly (exit 1).
pub fn run(invocation: &Invocation) -> Result<(), Error> {
    match &invocation.command {
        Command::List { debug, .. } => list::run(&invocation.global, *debug),
        Command::Daemon { print } => daemon::run(*print, &mut daemon::sweeper()),
        other => Err(Error::NotBuilt {
            command: other.name(),
        }),
    }
}
