//! Replay: finishing, at the start of a command, whatever an interrupted command
//! journaled.
//!
//! Owns the walk over the journal in name (= chronological) order and the report of
//! what it did. For each entry: not authentic or not well formed -> quarantined,
//! never applied; otherwise every step is rolled forward by its store's rule
//! (apply.rs: Claude Code's stores under its refresh locks, taken through the
//! caller's [`PlaceLocks`], at the place the entry names), and the entry is removed,
//! or moved to `attention/` when one of our archives holds a third value. Temp files
//! of interrupted journal writes holding a whole authentic entry are adopted; one
//! signed under another key is quarantined; any other is removed; any other file is
//! quarantined. Replaying twice equals replaying once: every entry replay looks at
//! leaves the journal directory. It never decides the command's exit code: the
//! caller reads the report.

use std::ffi::OsStr;
use std::path::PathBuf;

use super::apply::{roll_forward, Left, PlaceLocks};
use super::entry::Defect;
use super::journal::{Adopted, Journal};
use super::transaction::Commit;
use crate::store::{StoreId, Stores};
use crate::Error;

/// What one replay did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Entries rolled forward (and removed).
    pub rolled_forward: Vec<RolledForward>,
    /// Files moved to `quarantine/`, never applied.
    pub quarantined: Vec<Quarantined>,
    /// Entries moved to `attention/` because one of our archives held a third value
    /// (every other step was applied).
    pub attention: Vec<Attention>,
    /// Temp files of interrupted journal writes that were removed.
    pub temps_removed: usize,
    /// Complete, authentic entries found in temp files (a kill between writing an
    /// entry and renaming it into place) and put into place to be replayed.
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
    /// Our archives holding a third value.
    pub stores: Vec<StoreId>,
    /// What the entry's other steps did.
    pub commit: Commit,
}

impl ReplayReport {
    /// Nothing was quarantined or set aside.
    pub fn is_clean(&self) -> bool {
        self.quarantined.is_empty() && self.attention.is_empty()
    }

    /// Every store an entry left as it was (Claude Code's stores holding another
    /// login, a catalog changed by someone else), for the user to hear of.
    pub fn left(&self) -> impl Iterator<Item = &Left> {
        let rolled = self.rolled_forward.iter().map(|r| &r.commit);
        let aside = self.attention.iter().map(|a| &a.commit);
        rolled.chain(aside).flat_map(|c| &c.left)
    }
}

/// Replays every entry in `journal` against `stores`, holding Claude Code's refresh
/// locks through `locks` for every write of its stores. Stops with `Err` only when a
/// file or store cannot be read or written, or a lock cannot be taken; whatever was
/// not finished stays for the next replay.
pub fn replay(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    locks: &mut dyn PlaceLocks,
) -> Result<ReplayReport, Error> {
    let mut listing = journal.list()?;
    let mut report = ReplayReport::default();
    for temp in &listing.temps {
        match journal.adopt_temp(temp)? {
            Adopted::Yes(entry) => {
                listing.entries.push(entry);
                report.temps_adopted += 1;
            }
            Adopted::Quarantine(defect) => quarantine(journal, temp, defect, &mut report)?,
            Adopted::No => {
                if journal.remove_temp(temp)? {
                    report.temps_removed += 1;
                }
            }
        }
    }
    listing.entries.sort();
    for stray in &listing.strays {
        quarantine(journal, stray, Defect::Name, &mut report)?;
    }
    for name in &listing.entries {
        replay_one(journal, stores, name, locks, &mut report)?;
    }
    Ok(report)
}

fn replay_one(
    journal: &Journal<'_>,
    stores: &dyn Stores,
    name: &OsStr,
    locks: &mut dyn PlaceLocks,
    report: &mut ReplayReport,
) -> Result<(), Error> {
    let entry = match journal.load(name)? {
        Ok(entry) => entry,
        Err(defect) => return quarantine(journal, name, defect, report),
    };
    let rolled = roll_forward(stores, &entry, locks)?;
    if rolled.conflicts.is_empty() {
        journal.remove(name)?;
        report.rolled_forward.push(RolledForward {
            name: entry.file_name(),
            op: entry.op,
            commit: rolled.commit,
        });
    } else {
        let path = journal.set_aside(name)?;
        report.attention.push(Attention {
            path,
            op: entry.op,
            stores: rolled.conflicts,
            commit: rolled.commit,
        });
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
