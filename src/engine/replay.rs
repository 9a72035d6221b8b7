//! Replay: finishing, at the start of a command, whatever an interrupted command
//! journaled.
//!
//! Owns the walk over the journal in name (= chronological) order and the report of
//! what it did. For each entry: not authentic or not well formed -> quarantined,
//! never applied; a store holding a third value (or missing on this platform) ->
//! nothing written, entry moved to `attention/`; otherwise the remaining steps are
//! applied (apply.rs) and the entry removed. Temp files of interrupted journal writes
//! are removed; any other file is quarantined. Replaying twice equals replaying once:
//! every entry replay looks at leaves the journal directory. It never decides the
//! command's exit code: the caller reads the report.

use std::ffi::OsStr;
use std::path::PathBuf;

use super::apply::{roll_forward, Outcome};
use super::entry::Defect;
use super::journal::Journal;
use super::transaction::Commit;
use crate::store::{StoreId, Stores};
use crate::Error;

/// What one replay did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Entries whose steps are now all applied (and that were removed).
    pub rolled_forward: Vec<RolledForward>,
    /// Files moved to `quarantine/`, never applied.
    pub quarantined: Vec<Quarantined>,
    /// Entries moved to `attention/` because a store held a third value.
    pub attention: Vec<Attention>,
    /// Temp files of interrupted journal writes that were removed.
    pub temps_removed: usize,
    /// Complete, authentic entries found in temp files (a kill between writing an
    /// entry and renaming it into place) and renamed into place to be replayed.
    pub temps_adopted: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct RolledForward {
    /// The entry's file name (now removed).
    pub name: String,
    pub op: String,
    pub commit: Commit,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// Where the file is now.
    pub path: PathBuf,
    pub defect: Defect,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Attention {
    /// Where the entry is now (its new bytes stay there).
    pub path: PathBuf,
    pub op: String,
    /// The stores holding a third value or missing here.
    pub stores: Vec<StoreId>,
}

impl ReplayReport {
    /// Nothing was quarantined or set aside.
    pub fn is_clean(&self) -> bool {
        self.quarantined.is_empty() && self.attention.is_empty()
    }

    /// The error a command reports for this replay, if any: the first conflict,
    /// else the first quarantined file (both exit 6).
    pub fn to_error(&self) -> Option<Error> {
        if let Some(first) = self.attention.first() {
            return Some(Error::Conflict {
                stores: first.stores.clone(),
                entry: first.path.clone(),
            });
        }
        self.quarantined.first().map(|first| Error::Quarantined {
            entry: first.path.clone(),
            defect: first.defect,
        })
    }
}

/// Replays every entry in `journal` against `stores`. Stops with `Err` only when a
/// file or store cannot be read or written; whatever was not finished stays for the
/// next replay.
pub fn replay(journal: &Journal<'_>, stores: &dyn Stores) -> Result<ReplayReport, Error> {
    let mut listing = journal.list()?;
    let mut report = ReplayReport::default();
    for temp in &listing.temps {
        if let Some(entry) = journal.adopt_temp(temp)? {
            listing.entries.push(entry);
            report.temps_adopted += 1;
        } else if journal.remove_temp(temp)? {
            report.temps_removed += 1;
        }
    }
    listing.entries.sort();
    for stray in &listing.strays {
        quarantine(journal, stray, Defect::Name, &mut report)?;
    }
    for name in &listing.entries {
        replay_one(journal, stores, name, &mut report)?;
    }
    Ok(report)
}

fn replay_one(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    name: &OsStr,
    report: &mut ReplayReport,
) -> Result<(), Error> {
    let entry = match journal.load(name)? {
        Ok(entry) => entry,
        Err(defect) => return quarantine(journal, name, defect, report),
    };
    match roll_forward(stores, &entry.steps)? {
        Outcome::Done(commit) => {
            journal.remove(name)?;
            report.rolled_forward.push(RolledForward {
                name: entry.file_name(),
                op: entry.op,
                commit,
            });
        }
        Outcome::Conflict(stores) => {
            let path = journal.set_aside(name)?;
            report.attention.push(Attention {
                path,
                op: entry.op,
                stores,
            });
        }
    }
    Ok(())
}

fn quarantine(
    journal: &Journal<'_>,
    name: &OsStr,
    defect: Defect,
    report: &mut ReplayReport,
) -> Result<(), Error> {
    let path = journal.quarantine(name)?;
    report.quarantined.push(Quarantined { path, defect });
    Ok(())
}
