//! The parser: drives the `args` lexer over the grammar table.
//!
//! Two steps, as in ripgrep: the loop records what was typed into [`Typed`] (flags
//! checked against the table, values checked as they arrive), then [`Typed::finish`]
//! checks what each command needs (its positional arguments, flags that exclude each
//! other) and builds the [`Command`]. `--help` and `--version` end parsing at once,
//! whatever follows them. Every failure is an [`Error::Usage`] of one line.

use super::help;
use super::suggest::closest;
use super::table::{self, Cmd, CommandDef, Flag, FlagDef, COMMANDS};
use super::{
    Command, Format, Global, Invocation, Parsed, RefreshTarget, Service, SlotName, SlotRef, Source,
};
use crate::args::{self, shown, Arg, ArgError, Lexer};
use crate::Error;
use std::ffi::OsString;
use std::path::PathBuf;

/// Parses argv without the program name.
pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Parsed, Error> {
    let mut lexer = Lexer::new(argv);
    let mut typed = Typed::default();
    while let Some(arg) = lexer.next().map_err(|e| lex_error(&e))? {
        let def = match arg {
            Arg::Short(letter) => find_short(typed.cmd, letter)?,
            Arg::Long(name) => find_long(typed.cmd, name)?,
            Arg::Value(value) => {
                typed.positional(value, lexer.position())?;
                if typed.rest_is_positional() {
                    lexer.positional_only();
                }
                continue;
            }
        };
        if let Some(done) = typed.flag(def, &mut lexer)? {
            return Ok(done);
        }
    }
    typed.finish()
}

/// What the user typed, flag by flag, before the per-command checks.
#[derive(Debug, Default)]
#[allow(clippy::struct_excessive_bools)] // one field per switch in the table
struct Typed {
    cmd: Option<&'static CommandDef>,
    format: Option<Format>,
    verbosity: u8,
    from: Option<Source>,
    path: Option<PathBuf>,
    name: Option<SlotName>,
    debug: bool,
    detail: bool,
    no_usage: bool,
    all: bool,
    force: bool,
    yes: bool,
    print: Option<Service>,
    fd: bool,
    /// Positional arguments after the command name, with their argv positions.
    positionals: Vec<(OsString, usize)>,
}

impl Typed {
    /// Records one flag from the table. `Some` ends parsing (help, version).
    fn flag(&mut self, def: &'static FlagDef, lexer: &mut Lexer) -> Result<Option<Parsed>, Error> {
        match def.id {
            Flag::Help => {
                return Ok(Some(Parsed::Help(
                    self.cmd.map_or_else(help::top, help::command),
                )))
            }
            Flag::Version => return Ok(Some(Parsed::Version)),
            Flag::Verbose => self.verbosity = (self.verbosity + 1).min(2),
            Flag::Format => once(&mut self.format, def, parse_format(&text_value(lexer)?)?)?,
            Flag::From => once(&mut self.from, def, parse_source(&text_value(lexer)?)?)?,
            Flag::Path => once(&mut self.path, def, path_value(def, lexer)?)?,
            Flag::Name => once(&mut self.name, def, name_value(lexer)?)?,
            Flag::Debug => self.debug = true,
            Flag::Detail => self.detail = true,
            Flag::NoUsage => self.no_usage = true,
            Flag::All => self.all = true,
            Flag::Force => self.force = true,
            Flag::Yes => self.yes = true,
            Flag::Print => once(&mut self.print, def, parse_service(&text_value(lexer)?)?)?,
            Flag::Fd => self.fd = true,
        }
        Ok(None)
    }

    /// The first positional names the command; later ones are its arguments.
    fn positional(&mut self, value: OsString, position: usize) -> Result<(), Error> {
        if self.cmd.is_some() {
            self.positionals.push((value, position));
            return Ok(());
        }
        let word = args::into_string(value, position).map_err(|e| lex_error(&e))?;
        self.cmd = Some(find_command(&word)?);
        Ok(())
    }

    /// Whether every later word belongs to another program: `exec`'s COMMAND was
    /// typed (its slot, then the command), so `-p` after it is the command's flag.
    fn rest_is_positional(&self) -> bool {
        self.cmd.is_some_and(|def| def.id == Cmd::Exec) && self.positionals.len() >= 2
    }

    /// Checks what the command needs and builds it; no command means `list`.
    fn finish(self) -> Result<Parsed, Error> {
        let def = self.cmd.unwrap_or(&table::LIST);
        let command = match def.id {
            Cmd::Help => return self.help_topic(def),
            Cmd::Add => {
                self.no_positional(def)?;
                Command::Add {
                    from: self.from,
                    path: self.path.clone(),
                    name: self.name.clone(),
                }
            }
            Cmd::List => {
                self.no_positional(def)?;
                Command::List {
                    debug: self.debug,
                    detail: self.detail,
                    no_usage: self.no_usage,
                }
            }
            Cmd::Use => Command::Use {
                slot: self.one_slot(def)?,
            },
            Cmd::Refresh => Command::Refresh {
                target: self.refresh_target(def)?,
                force: self.force,
            },
            Cmd::Usage => Command::Usage {
                slot: self.optional_slot(def)?,
            },
            Cmd::Daemon => {
                self.no_positional(def)?;
                Command::Daemon { print: self.print }
            }
            Cmd::Export => Command::Export {
                slot: self.one_slot(def)?,
                path: self.path.clone(),
                force: self.force,
            },
            Cmd::Exec => self.exec(def)?,
            Cmd::Remove => Command::Remove {
                slot: self.one_slot(def)?,
                yes: self.yes,
            },
        };
        let global = Global {
            format: self.format.unwrap_or_default(),
            verbosity: self.verbosity,
        };
        Ok(Parsed::Run(Invocation { global, command }))
    }

    /// `help [COMMAND]`.
    fn help_topic(&self, def: &CommandDef) -> Result<Parsed, Error> {
        self.at_most_one(def)?;
        match self.positionals.first() {
            None => Ok(Parsed::Help(help::top())),
            Some((word, position)) => {
                let word = args::into_string(word.clone(), *position).map_err(|e| lex_error(&e))?;
                Ok(Parsed::Help(help::command(find_command(&word)?)))
            }
        }
    }

    /// `refresh [NAME|#N|--all]`: a slot, all of them, or the active one.
    fn refresh_target(&self, def: &CommandDef) -> Result<RefreshTarget, Error> {
        match (self.optional_slot(def)?, self.all) {
            (Some(_), true) => Err(Error::usage(format!(
                "`{}` takes a slot or --all, not both: {}",
                def.name,
                help::usage_line(def)
            ))),
            (Some(slot), false) => Ok(RefreshTarget::One(slot)),
            (None, true) => Ok(RefreshTarget::All),
            (None, false) => Ok(RefreshTarget::Active),
        }
    }

    /// `exec <NAME|#N> [--fd] [--] COMMAND [ARGS...]`.
    fn exec(&self, def: &CommandDef) -> Result<Command, Error> {
        let Some((value, position)) = self.positionals.first() else {
            return Err(needs(def, "a slot"));
        };
        let text = args::into_string(value.clone(), *position).map_err(|e| lex_error(&e))?;
        let slot = SlotRef::parse(&text).map_err(|e| Error::usage(e.to_string()))?;
        let command: Vec<OsString> = self.positionals[1..]
            .iter()
            .map(|(word, _)| word.clone())
            .collect();
        if command.is_empty() {
            return Err(needs(def, "a command to run"));
        }
        Ok(Command::Exec {
            slot,
            fd: self.fd,
            command,
        })
    }

    /// Exactly one slot argument.
    fn one_slot(&self, def: &CommandDef) -> Result<SlotRef, Error> {
        self.optional_slot(def)?.ok_or_else(|| {
            Error::usage(format!(
                "`{}` needs a slot: {}",
                def.name,
                help::usage_line(def)
            ))
        })
    }

    /// At most one slot argument.
    fn optional_slot(&self, def: &CommandDef) -> Result<Option<SlotRef>, Error> {
        self.at_most_one(def)?;
        let Some((value, position)) = self.positionals.first() else {
            return Ok(None);
        };
        let text = args::into_string(value.clone(), *position).map_err(|e| lex_error(&e))?;
        SlotRef::parse(&text)
            .map(Some)
            .map_err(|e| Error::usage(e.to_string()))
    }

    fn no_positional(&self, def: &CommandDef) -> Result<(), Error> {
        self.extra(def, 0)
    }

    fn at_most_one(&self, def: &CommandDef) -> Result<(), Error> {
        self.extra(def, 1)
    }

    /// Fails on the first positional argument beyond `allowed`.
    fn extra(&self, def: &CommandDef, allowed: usize) -> Result<(), Error> {
        let Some((value, _)) = self.positionals.get(allowed) else {
            return Ok(());
        };
        Err(Error::usage(format!(
            "unexpected argument '{}' for `{}`: {}",
            shown(&value.to_string_lossy()),
            def.name,
            help::usage_line(def)
        )))
    }
}

/// "`exec` needs a slot: <usage line>".
fn needs(def: &CommandDef, what: &str) -> Error {
    Error::usage(format!(
        "`{}` needs {what}: {}",
        def.name,
        help::usage_line(def)
    ))
}

/// Stores a value flag's value; giving the same flag twice is refused rather than
/// letting one value silently win.
fn once<T>(slot: &mut Option<T>, def: &FlagDef, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::usage(format!("flag --{} is given twice", def.long)));
    }
    *slot = Some(value);
    Ok(())
}

/// The flag's value as UTF-8 text.
fn text_value(lexer: &mut Lexer) -> Result<String, Error> {
    let value = lexer.value().map_err(|e| lex_error(&e))?;
    args::into_string(value, lexer.position()).map_err(|e| lex_error(&e))
}

/// A path value, which may be any bytes except empty.
fn path_value(def: &FlagDef, lexer: &mut Lexer) -> Result<PathBuf, Error> {
    let value = lexer.value().map_err(|e| lex_error(&e))?;
    if value.is_empty() {
        return Err(Error::usage(format!(
            "flag --{} needs a file name",
            def.long
        )));
    }
    Ok(PathBuf::from(value))
}

/// `--name`: a new slot's name, so never a number `#N`.
fn name_value(lexer: &mut Lexer) -> Result<SlotName, Error> {
    let text = text_value(lexer)?;
    if text.starts_with('#') {
        let message = format!(
            "flag --name takes a slot name, not a number like '{}'",
            shown(&text)
        );
        return Err(Error::usage(message));
    }
    SlotName::parse(&text).map_err(|e| Error::usage(e.to_string()))
}

fn parse_format(text: &str) -> Result<Format, Error> {
    match text {
        "pretty" => Ok(Format::Pretty),
        "json" => Ok(Format::Json),
        _ => Err(Error::usage(format!(
            "invalid format '{}': use pretty or json",
            shown(text)
        ))),
    }
}

fn parse_source(text: &str) -> Result<Source, Error> {
    match text {
        "keychain" => Ok(Source::Keychain),
        "file" => Ok(Source::File),
        _ => Err(Error::usage(format!(
            "invalid source '{}': use keychain or file",
            shown(text)
        ))),
    }
}

fn parse_service(text: &str) -> Result<Service, Error> {
    match text {
        "launchd" => Ok(Service::Launchd),
        "systemd" => Ok(Service::Systemd),
        "systemd-timer" => Ok(Service::SystemdTimer),
        "cron" => Ok(Service::Cron),
        _ => Err(Error::usage(format!(
            "invalid service '{}': use launchd, systemd, systemd-timer or cron",
            shown(text)
        ))),
    }
}

/// The command called `word`, or an error suggesting the closest one.
fn find_command(word: &str) -> Result<&'static CommandDef, Error> {
    table::command(word).ok_or_else(|| {
        let names = COMMANDS.iter().map(|def| def.name);
        let advice = closest(word, names).map_or_else(
            || "see claude-token --help".to_owned(),
            |name| format!("did you mean {name}?"),
        );
        Error::usage(format!("unknown command '{}'; {advice}", shown(word)))
    })
}

/// The long flag `--name`, valid after `cmd`.
fn find_long(cmd: Option<&'static CommandDef>, name: &str) -> Result<&'static FlagDef, Error> {
    if let Some(def) = table::flags_at(cmd).find(|def| def.long == name) {
        return Ok(def);
    }
    if let Some(message) = misplaced(cmd, name) {
        return Err(Error::usage(message));
    }
    let valid = table::flags_at(cmd).map(|def| def.long);
    let advice = closest(name, valid)
        .map_or_else(|| see_help(cmd), |word| format!("did you mean --{word}?"));
    Err(Error::usage(format!(
        "unknown flag '{}'; {advice}",
        shown(&format!("--{name}"))
    )))
}

/// The short flag `-x`, valid after `cmd`.
fn find_short(cmd: Option<&'static CommandDef>, letter: char) -> Result<&'static FlagDef, Error> {
    table::flags_at(cmd)
        .find(|def| def.short == Some(letter))
        .ok_or_else(|| {
            let typed = format!("-{letter}");
            Error::usage(format!(
                "unknown flag '{}'; {}",
                shown(&typed),
                see_help(cmd)
            ))
        })
}

/// When `--name` is another command's flag: says whose.
fn misplaced(cmd: Option<&CommandDef>, name: &str) -> Option<String> {
    let owners: Vec<&str> = COMMANDS
        .iter()
        .filter(|def| def.flags.iter().any(|flag| flag.long == name))
        .map(|def| def.name)
        .collect();
    if owners.is_empty() {
        return None;
    }
    let here = cmd.map_or_else(
        || "before a command".to_owned(),
        |def| format!("with `{}`", def.name),
    );
    Some(format!(
        "flag --{name} is not valid {here}; it belongs to {}",
        owners.join(" and ")
    ))
}

fn see_help(cmd: Option<&CommandDef>) -> String {
    match cmd {
        Some(def) => format!("see claude-token {} --help", def.name),
        None => "see claude-token --help".to_owned(),
    }
}

/// A lexer error as a usage error.
fn lex_error(err: &ArgError) -> Error {
    Error::usage(err.to_string())
}
