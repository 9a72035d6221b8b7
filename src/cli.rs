//! The command-line grammar: turns argv into a validated [`Invocation`].
//! (Skeleton: the parser lands with phase 1's `args` work.)

use crate::Error;
use std::ffi::OsString;
use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Run a command.
    Run(Invocation),
    /// Print this help text (`--help`, `-h`, `help [COMMAND]`).
    Help(String),
    /// Print the version (`--version`, `-V`).
    Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub global: Global,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Global {
    pub format: Format,
    /// 0 quiet, 1 `-v`, 2 `-vv` (capped).
    pub verbosity: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pretty,
    Json,
}

/// A slot as the user names it: by name, or by its 1-based number `#N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRef {
    Name(String),
    Index(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Keychain,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshTarget {
    /// No argument: the active slot.
    Active,
    One(SlotRef),
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Add {
        from: Option<Source>,
        path: Option<PathBuf>,
        name: Option<String>,
    },
    List {
        debug: bool,
        detail: bool,
        no_usage: bool,
    },
    Use {
        slot: SlotRef,
    },
    Refresh {
        target: RefreshTarget,
        force: bool,
    },
    Usage {
        slot: Option<SlotRef>,
    },
    Daemon,
    Export {
        slot: SlotRef,
        path: Option<PathBuf>,
    },
    Remove {
        slot: SlotRef,
        yes: bool,
    },
}

impl Command {
    /// The command's name as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Add { .. } => "add",
            Command::List { .. } => "list",
            Command::Use { .. } => "use",
            Command::Refresh { .. } => "refresh",
            Command::Usage { .. } => "usage",
            Command::Daemon => "daemon",
            Command::Export { .. } => "export",
            Command::Remove { .. } => "remove",
        }
    }
}

/// Parses argv without the program name.
pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Parsed, Error> {
    let _ = argv.into_iter().count();
    Ok(Parsed::Run(Invocation {
        global: Global::default(),
        command: Command::List {
            debug: false,
            detail: false,
            no_usage: false,
        },
    }))
}
