//! The grammar as data: every command and flag, with the words its help shows.
//!
//! One table serves three readers: the parser (which flags are valid where), the help
//! texts, and the suggestions for mistyped words. It holds no logic; adding a flag
//! here and a match arm in `parse` is the whole job of adding a flag.

/// Every flag the grammar knows; the parser matches on it exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Help,
    Version,
    Verbose,
    Format,
    From,
    Path,
    Name,
    Debug,
    Detail,
    NoUsage,
    All,
    Force,
    Yes,
    Print,
    Fd,
}

/// One flag: how it is typed and what its help line says.
#[derive(Debug)]
pub struct FlagDef {
    pub id: Flag,
    pub long: &'static str,
    pub short: Option<char>,
    /// The value's placeholder (`FILE`), or `None` for a switch.
    pub value: Option<&'static str>,
    pub about: &'static str,
}

/// Every command; `Help` is `help [COMMAND]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Add,
    List,
    Use,
    Refresh,
    Usage,
    Daemon,
    Export,
    Remove,
    Exec,
    Help,
}

/// One command: its name, synopsis, summary, positional arguments and flags.
#[derive(Debug)]
pub struct CommandDef {
    pub id: Cmd,
    pub name: &'static str,
    /// What follows `claude-token <name>` in the usage line.
    pub synopsis: &'static str,
    pub about: &'static str,
    /// Positional arguments as `(placeholder, description)`.
    pub args: &'static [(&'static str, &'static str)],
    pub flags: &'static [FlagDef],
}

const fn switch(id: Flag, long: &'static str, about: &'static str) -> FlagDef {
    FlagDef {
        id,
        long,
        short: None,
        value: None,
        about,
    }
}

const fn valued(id: Flag, long: &'static str, value: &'static str, about: &'static str) -> FlagDef {
    FlagDef {
        id,
        long,
        short: None,
        value: Some(value),
        about,
    }
}

/// Flags valid before and after any command.
pub static GLOBAL_FLAGS: &[FlagDef] = &[
    valued(
        Flag::Format,
        "format",
        "pretty|json",
        "output for people (default) or for programs",
    ),
    FlagDef {
        id: Flag::Verbose,
        long: "verbose",
        short: Some('v'),
        value: None,
        about: "say more on stderr; -vv says even more",
    },
    FlagDef {
        id: Flag::Help,
        long: "help",
        short: Some('h'),
        value: None,
        about: "print help",
    },
    FlagDef {
        id: Flag::Version,
        long: "version",
        short: Some('V'),
        value: None,
        about: "print the version",
    },
];

const SLOT: (&str, &str) = (
    "<NAME|#N>",
    "a slot, by name or by its number in `claude-token list`",
);
const SLOT_OPT: (&str, &str) = (
    "[NAME|#N]",
    "a slot, by name or by number (default: the active slot)",
);

pub static ADD: CommandDef = CommandDef {
    id: Cmd::Add,
    name: "add",
    synopsis: "[--from keychain|file] [--path FILE] [--name NAME]",
    about: "save Claude Code's current login as a new slot",
    args: &[],
    flags: &[
        valued(
            Flag::From,
            "from",
            "keychain|file",
            "where to read the login from",
        ),
        valued(
            Flag::Path,
            "path",
            "FILE",
            "read this credentials file (with --from file)",
        ),
        valued(
            Flag::Name,
            "name",
            "NAME",
            "the slot's name (default: from the account)",
        ),
    ],
};

pub static LIST: CommandDef = CommandDef {
    id: Cmd::List,
    name: "list",
    synopsis: "[--debug] [--detail] [--no-usage]",
    about: "list slots and their quota usage (the default command)",
    args: &[],
    flags: &[
        switch(
            Flag::Debug,
            "debug",
            "also show token fields (prints secrets)",
        ),
        switch(
            Flag::Detail,
            "detail",
            "show every usage window and expiry time",
        ),
        switch(
            Flag::NoUsage,
            "no-usage",
            "do not ask the service for usage",
        ),
    ],
};

pub static USE: CommandDef = CommandDef {
    id: Cmd::Use,
    name: "use",
    synopsis: "<NAME|#N>",
    about: "make a slot Claude Code's active login",
    args: &[SLOT],
    flags: &[],
};

pub static REFRESH: CommandDef = CommandDef {
    id: Cmd::Refresh,
    name: "refresh",
    synopsis: "[NAME|#N|--all] [--force]",
    about: "refresh a slot's tokens when they expire soon",
    args: &[SLOT_OPT],
    flags: &[
        switch(Flag::All, "all", "refresh every slot"),
        switch(
            Flag::Force,
            "force",
            "refresh even when the tokens are still fresh",
        ),
    ],
};

pub static USAGE: CommandDef = CommandDef {
    id: Cmd::Usage,
    name: "usage",
    synopsis: "[NAME|#N]",
    about: "show a slot's 5-hour, 7-day and per-model quota",
    args: &[SLOT_OPT],
    flags: &[],
};

pub static DAEMON: CommandDef = CommandDef {
    id: Cmd::Daemon,
    name: "daemon",
    synopsis: "[--print launchd|systemd|systemd-timer|cron]",
    about: "stay running and refresh every slot before it expires",
    args: &[],
    flags: &[valued(
        Flag::Print,
        "print",
        "KIND",
        "print a launchd, systemd, systemd-timer or cron file, and exit",
    )],
};

pub static EXPORT: CommandDef = CommandDef {
    id: Cmd::Export,
    name: "export",
    synopsis: "<NAME|#N> [--path FILE] [--force]",
    about: "write a slot's credentials, as Claude Code stores them",
    args: &[SLOT],
    flags: &[
        valued(
            Flag::Path,
            "path",
            "FILE",
            "write to this file, 0600 (default: Claude Code's credentials file)",
        ),
        switch(
            Flag::Force,
            "force",
            "write an inactive slot into Claude Code's credentials file",
        ),
    ],
};

pub static REMOVE: CommandDef = CommandDef {
    id: Cmd::Remove,
    name: "remove",
    synopsis: "<NAME|#N> [--yes]",
    about: "delete a slot and its archived login",
    args: &[SLOT],
    flags: &[switch(Flag::Yes, "yes", "do not ask for confirmation")],
};

pub static EXEC: CommandDef = CommandDef {
    id: Cmd::Exec,
    name: "exec",
    synopsis: "<NAME|#N> [--fd] [--] COMMAND [ARGS...]",
    about: "run a command as a slot, with only its access token",
    args: &[
        SLOT,
        (
            "COMMAND [ARGS...]",
            "the program to run; every word after it is its own",
        ),
    ],
    flags: &[switch(
        Flag::Fd,
        "fd",
        "pass the token on an inherited pipe, not in the environment",
    )],
};

pub static HELP: CommandDef = CommandDef {
    id: Cmd::Help,
    name: "help",
    synopsis: "[COMMAND]",
    about: "print help for claude-token or for one command",
    args: &[("[COMMAND]", "the command to explain")],
    flags: &[],
};

/// Every command, in the order the top-level help lists them.
pub static COMMANDS: [&CommandDef; 10] = [
    &ADD, &LIST, &USE, &REFRESH, &USAGE, &DAEMON, &EXPORT, &REMOVE, &EXEC, &HELP,
];

/// The command called `name`.
pub fn command(name: &str) -> Option<&'static CommandDef> {
    COMMANDS.into_iter().find(|def| def.name == name)
}

/// Flags valid after `cmd` (or before any command): the command's, then the global ones.
pub fn flags_at(cmd: Option<&'static CommandDef>) -> impl Iterator<Item = &'static FlagDef> {
    cmd.map_or(&[][..], |def| def.flags)
        .iter()
        .chain(GLOBAL_FLAGS)
}
