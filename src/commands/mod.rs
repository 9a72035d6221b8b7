//! The subcommands, one file each; this file only dispatches.

use crate::cli::Invocation;
use crate::Error;

/// Runs the command the user asked for.
pub fn run(invocation: &Invocation) -> Result<(), Error> {
    match &invocation.command {
        other => Err(Error::NotBuilt { command: other.name() }),
    }
}
