//! `add [--from keychain|file] [--path FILE] [--name NAME]`: register a login as a
//! slot (`ops::add`) and say what happened. Never prints a token.

use std::path::Path;

use super::{describe, in_session, object, print_json, slot_json};
use crate::cli::{Format, Global, SlotName, Source};
use crate::json::Value;
use crate::log::Log;
use crate::ops::add::{self, Action, Added};
use crate::{oauth, term, Error};

pub fn run(
    global: &Global,
    from: Option<Source>,
    path: Option<&Path>,
    name: Option<&SlotName>,
) -> Result<(), Error> {
    let source = source(from, path)?;
    let client = oauth::Client::from_env()?;
    let log = Log::new(global.verbosity);
    let added = in_session(&log, |session| add::run(session, &client, &source, name))?;
    warnings(&added);
    match global.format {
        Format::Json => print_json(&to_json(&added)),
        Format::Pretty => term::out(&pretty(&added)),
    }
}

/// `--from` and `--path` as one source.
fn source(from: Option<Source>, path: Option<&Path>) -> Result<add::Source, Error> {
    match (from, path) {
        (Some(Source::Keychain), Some(_)) => Err(Error::Usage {
            message: "--path names a file; it cannot be used with --from keychain".into(),
            hint: Some("use --from file --path FILE, or drop --path".into()),
        }),
        (_, Some(path)) => Ok(add::Source::Path(path.to_owned())),
        (Some(Source::Keychain), None) => Ok(add::Source::Keychain),
        (Some(Source::File), None) => Ok(add::Source::ClaudeFile),
        (None, None) => Ok(add::Source::Live),
    }
}

fn warnings(added: &Added) {
    if added.offline {
        term::warn("offline: identity from the credentials file");
    }
    if added.kept_newer {
        term::warn(&format!(
            "slot {} already holds a newer login of this account; it was kept",
            added.slot.name
        ));
    }
    if let Some(slot) = &added.name_ignored {
        term::warn(&format!(
            "this account already has slot {slot}, which was updated; --name was not used"
        ));
    }
}

fn pretty(added: &Added) -> String {
    let verb = match added.action {
        Action::Added => "added",
        Action::Updated => "updated",
    };
    let active = if added.slot.active {
        "; it is the active slot"
    } else {
        ""
    };
    format!("{verb} slot {}{active}\n", describe(&added.slot))
}

/// `{"schema":1,"action":"added"|"updated","slot":{…},"offline":bool}`.
fn to_json(added: &Added) -> Value {
    let action = match added.action {
        Action::Added => "added",
        Action::Updated => "updated",
    };
    object(vec![
        ("action", Value::from(action)),
        ("slot", slot_json(&added.slot)),
        ("offline", Value::from(added.offline)),
    ])
}
