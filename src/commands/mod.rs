//! The subcommands, one file each; this file dispatches and holds the little they
//! share: running an operation in a session of the real environment (printing the
//! session's notes and the stores' notices), and JSON pieces.

mod add;
mod daemon;
mod exec;
mod export;
mod list;
mod refresh;
mod remove;
mod usage;
mod use_slot;

use crate::cli::{Command, Invocation};
use crate::engine::{StateLock, DEFAULT_WAIT};
use crate::json::{self, Value};
use crate::log::Log;
use crate::ops::{Env, Replay, Session, SlotSummary};
use crate::store::file::Notice;
use crate::{term, time, Error};

/// Runs the command the user asked for.
pub fn run(invocation: &Invocation) -> Result<(), Error> {
    let global = &invocation.global;
    match &invocation.command {
        Command::List {
            debug,
            detail,
            no_usage,
        } => list::run(
            global,
            list::Flags {
                debug: *debug,
                detail: *detail,
                no_usage: *no_usage,
            },
        ),
        Command::Add { from, path, name } => {
            add::run(global, *from, path.as_deref(), name.as_ref())
        }
        Command::Use { slot } => use_slot::run(global, slot),
        Command::Refresh { target, force } => refresh::run(global, target, *force),
        Command::Remove { slot, yes } => remove::run(global, slot, *yes),
        Command::Export { slot, path, force } => export::run(global, slot, path.as_deref(), *force),
        Command::Daemon { print } => daemon::run(*print, &mut daemon::sweeper()),
        Command::Usage { slot } => usage::run(global, slot.as_ref()),
        Command::Exec { slot, fd, command } => exec::run(global, slot, *fd, command),
    }
}

/// Runs `body` in a strict session of the real environment, under the state lock,
/// which is released when it returns. Notes and notices are shown before and after.
fn in_session<T>(
    log: &Log,
    body: impl FnOnce(&mut Session<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let env = Env::from_env()?;
    log.debug(&format!(
        "catalog {}, data {}",
        env.paths.catalog().display(),
        env.paths.data_dir.display()
    ));
    let lock = StateLock::acquire(&env.paths.data_dir, DEFAULT_WAIT)?;
    let opened = Session::open(
        &lock,
        &env.backend,
        &env.paths,
        Replay::Strict,
        time::now_ms,
    );
    show_notices(&env);
    let mut session = opened?;
    show_notes(log, &mut session);
    let result = body(&mut session);
    show_notes(log, &mut session);
    show_notices(&env);
    result
}

fn show_notes(log: &Log, session: &mut Session<'_>) {
    for note in session.take_notes() {
        if note.is_warning() {
            term::warn(&note.to_string());
        } else {
            log.info(&note.to_string());
        }
    }
}

fn show_notices(env: &Env) {
    for notice in env.backend.notices().take() {
        term::warn(&match notice {
            Notice::TooOpen { path, mode } => format!(
                "{} is open to other users (mode {mode:o}); run: chmod 600 {}",
                path.display(),
                path.display()
            ),
            Notice::OverwroteInPlace { path } => format!(
                "{} is a mount point of its own, so it was overwritten in place rather \
                 than replaced atomically",
                path.display()
            ),
        });
    }
}

/// Prints `value` as one line of compact JSON.
fn print_json(value: &Value) -> Result<(), Error> {
    term::out(&format!("{}\n", json::to_compact_string(value)))
}

/// A JSON object from its members, `schema` first.
fn object(members: Vec<(&str, Value)>) -> Value {
    let schema = ("schema".to_owned(), Value::from(1u64));
    let rest = members.into_iter().map(|(k, v)| (k.to_owned(), v));
    Value::Object(std::iter::once(schema).chain(rest).collect())
}

/// A string or `null`.
fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, Value::from)
}

/// `{"name":…,"email":…,"plan":…,"active":bool}`.
fn slot_json(slot: &SlotSummary) -> Value {
    Value::Object(vec![
        ("name".into(), Value::from(slot.name.as_str())),
        ("email".into(), optional(slot.email.as_deref())),
        ("plan".into(), optional(slot.plan.as_deref())),
        ("active".into(), Value::from(slot.active)),
    ])
}

/// `work (me@example.com, max)`, with whatever of email and plan is known.
fn describe(slot: &SlotSummary) -> String {
    let known: Vec<String> = [slot.email.as_deref(), slot.plan.as_deref()]
        .into_iter()
        .flatten()
        .map(term::one_line)
        .collect();
    if known.is_empty() {
        slot.name.to_string()
    } else {
        format!("{} ({})", slot.name, known.join(", "))
    }
}
