//! The subcommands, one file each; this file only dispatches.

use crate::cli::Invocation;
use crate::Error;

/// Runs the command the user asked for.
pub fn run(invocation: &Invocation) -> Result<(), Error> {
    Err(Error::NotBuilt {
        command: invocation.command.name(),
    })
}
