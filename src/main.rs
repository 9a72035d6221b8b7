//! The `claude-token` binary: a thin shell over the `claude_token` library.
//! It hands argv to the library, prints an error once, and turns it into the exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match claude_token::run(std::env::args_os().skip(1)) {
        Ok(()) => 0,
        Err(err) => {
            claude_token::term::print_error(&err);
            err.exit_code()
        }
    };
    ExitCode::from(code)
}
