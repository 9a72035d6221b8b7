//! The command-line grammar: turns argv into a validated [`Parsed`] value.
//!
//! `table` lists every command and flag, `parse` drives the `args` lexer over that
//! table and checks what was typed, `slot` owns slot names and `#N`, `help` renders
//! help texts, `suggest` finds the word a typo meant. Nothing here touches a file,
//! the network or the terminal: the result is plain data that `commands` acts on.

mod help;
mod parse;
mod slot;
mod suggest;
mod table;

pub use parse::parse;
pub use slot::{SlotError, SlotName, MAX_NAME_LEN, RESERVED_NAME};

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

/// A command with the global settings it runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub global: Global,
    pub command: Command,
}

/// Flags valid before or after any command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Global {
    pub format: Format,
    /// 0 quiet, 1 `-v`, 2 `-vv`. Further `-v` are accepted and capped at 2, so a
    /// script that adds one more `-v` to an alias never turns into a usage error.
    pub verbosity: u8,
}

/// How results are printed (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pretty,
    Json,
}

/// A slot as the user names it: by name, or by its 1-based number `#N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRef {
    Name(SlotName),
    /// `#N`, N ≥ 1; whether slot N exists is decided by the catalog.
    Index(u32),
}

/// Where `add` reads Claude Code's login from (`--from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Keychain,
    File,
}

/// Which service file `daemon --print` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// A launchd agent (macOS) running `daemon`.
    Launchd,
    /// A systemd user service running `daemon`.
    Systemd,
    /// A systemd timer with a one-shot service running `refresh --all`.
    SystemdTimer,
    /// A crontab line running `refresh --all`.
    Cron,
}

/// Which slots `refresh` works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshTarget {
    /// No argument: the active slot.
    Active,
    One(SlotRef),
    All,
}

/// A command with its arguments, each already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Add {
        from: Option<Source>,
        path: Option<PathBuf>,
        name: Option<SlotName>,
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
    Daemon {
        /// Print this service file instead of running.
        print: Option<Service>,
    },
    /// Run `command` with the slot's access token in its environment (or, `fd`, on
    /// an inherited pipe).
    Exec {
        slot: SlotRef,
        fd: bool,
        /// The program and its arguments; never empty.
        command: Vec<OsString>,
    },
    Export {
        slot: SlotRef,
        path: Option<PathBuf>,
        /// Write an inactive slot into Claude Code's credentials file anyway.
        force: bool,
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
            Command::Daemon { .. } => "daemon",
            Command::Export { .. } => "export",
            Command::Remove { .. } => "remove",
            Command::Exec { .. } => "exec",
        }
    }
}

impl Format {
    /// The word `--format` takes for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pretty => "pretty",
            Format::Json => "json",
        }
    }
}

impl Source {
    /// The word `--from` takes for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Keychain => "keychain",
            Source::File => "file",
        }
    }
}

impl Service {
    /// The word `--print` takes for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Launchd => "launchd",
            Service::Systemd => "systemd",
            Service::SystemdTimer => "systemd-timer",
            Service::Cron => "cron",
        }
    }
}

impl Invocation {
    /// An argv (without program name) that parses back to this invocation: the
    /// canonical spelling, with every value in its own token.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut out: Vec<OsString> = Vec::new();
        if self.global.format != Format::default() {
            out.extend(["--format".into(), self.global.format.as_str().into()]);
        }
        out.extend((0..self.global.verbosity).map(|_| OsString::from("-v")));
        out.push(self.command.name().into());
        self.command.push_args(&mut out);
        out
    }
}

impl Command {
    /// Appends this command's arguments and flags in canonical form.
    fn push_args(&self, out: &mut Vec<OsString>) {
        match self {
            Command::Add { from, path, name } => {
                push_value(out, "--from", from.map(|s| s.as_str().into()));
                push_value(out, "--path", path.clone().map(PathBuf::into_os_string));
                push_value(out, "--name", name.as_ref().map(|n| n.as_str().into()));
            }
            Command::List {
                debug,
                detail,
                no_usage,
            } => {
                push_switch(out, *debug, "--debug");
                push_switch(out, *detail, "--detail");
                push_switch(out, *no_usage, "--no-usage");
            }
            Command::Refresh { target, force } => {
                match target {
                    RefreshTarget::Active => {}
                    RefreshTarget::One(slot) => out.push(slot.to_string().into()),
                    RefreshTarget::All => out.push("--all".into()),
                }
                push_switch(out, *force, "--force");
            }
            Command::Use { slot } => out.push(slot.to_string().into()),
            Command::Usage { slot } => out.extend(slot.iter().map(|s| s.to_string().into())),
            Command::Daemon { print } => {
                push_value(out, "--print", print.map(|s| s.as_str().into()));
            }
            Command::Export { slot, path, force } => {
                out.push(slot.to_string().into());
                push_value(out, "--path", path.clone().map(PathBuf::into_os_string));
                push_switch(out, *force, "--force");
            }
            Command::Remove { slot, yes } => {
                out.push(slot.to_string().into());
                push_switch(out, *yes, "--yes");
            }
            Command::Exec { slot, fd, command } => {
                out.push(slot.to_string().into());
                push_switch(out, *fd, "--fd");
                out.push("--".into());
                out.extend(command.iter().cloned());
            }
        }
    }
}

/// Appends `flag` when it is on.
fn push_switch(out: &mut Vec<OsString>, on: bool, flag: &str) {
    if on {
        out.push(flag.into());
    }
}

/// Appends `flag value` when there is a value; the value gets its own token, so it
/// is never read as a flag even when it starts with `-`.
fn push_value(out: &mut Vec<OsString>, flag: &str, value: Option<OsString>) {
    if let Some(value) = value {
        out.extend([flag.into(), value]);
    }
}
