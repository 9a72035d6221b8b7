//! `use <NAME|#N>`: make a slot Claude Code's login (`ops::use_slot`) and say so.
//! Never prints a token.

use super::{describe, in_session, object, optional, print_json};
use crate::cli::{Format, Global, SlotName, SlotRef};
use crate::json::Value;
use crate::log::Log;
use crate::ops::use_slot::{self, Switched};
use crate::{oauth, term, Error};

pub fn run(global: &Global, slot: &SlotRef) -> Result<(), Error> {
    let client = oauth::Client::from_env()?;
    let log = Log::new(global.verbosity);
    let switched = in_session(&log, |session| use_slot::run(session, &client, slot))?;
    if let Some(err) = &switched.refresh_failed {
        term::warn(&format!(
            "could not refresh {} first ({err}); switched anyway, Claude Code refreshes it itself",
            switched.slot.name
        ));
    }
    if let Some(err) = &switched.account_not_shown {
        term::warn(&format!(
            "switched, but could not update the account Claude Code shows ({err})"
        ));
    }
    if switched.refreshed {
        log.info(&format!(
            "refreshed {} before switching",
            switched.slot.name
        ));
    }
    if let Some(archived) = &switched.archived {
        log.info(&format!(
            "archived Claude Code's login into slot {archived}"
        ));
    }
    match global.format {
        Format::Json => print_json(&to_json(&switched)),
        Format::Pretty => term::out(&pretty(&switched)),
    }
}

fn pretty(switched: &Switched) -> String {
    if switched.already {
        format!("{} is already active\n", switched.slot.name)
    } else {
        format!("switched to {}\n", describe(&switched.slot))
    }
}

/// `{"schema":1,"active":NAME,"previous":NAME|null,"already_active":bool,
/// "refreshed":bool}`.
fn to_json(switched: &Switched) -> Value {
    object(vec![
        ("active", Value::from(switched.slot.name.as_str())),
        (
            "previous",
            optional(switched.previous.as_ref().map(SlotName::as_str)),
        ),
        ("already_active", Value::from(switched.already)),
        ("refreshed", Value::from(switched.refreshed)),
    ])
}
