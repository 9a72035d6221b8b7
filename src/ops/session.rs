//! A session: the state every operation starts from, held under the state lock.
//!
//! [`Session::open`] does, in order: open the journal (its key), move a legacy
//! catalog into place, replay the journal, note what is left in `attention/` and
//! `quarantine/`, and load the catalog through the stores. A replay that sets an entry
//! aside or quarantines one stops a strict session with exit 6; a lenient one
//! (`list`) notes it and goes on. The session keeps the catalog's bytes as they are on
//! disk, so every transaction's catalog step has the right `expected` value, and
//! follows every commit. It never prints: [`Note`]s are for the command to show.

use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::claude_locks::{LockTimings, PlaceLockSet};
use crate::catalog::{self, Catalog, CatalogFile, MigrationOutcome};
use crate::engine::{
    self, Commit, Journal, Left, Pending, ReplayReport, Reserved, StateLock, Transaction, Why,
};
use crate::paths::Paths;
use crate::store::{Blob, Place, StoreId, Stores};
use crate::Error;

/// What a replay that needs attention does to the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Stop with [`Error::NeedsAttention`] (exit 6).
    Strict,
    /// Note it and go on (`list`).
    Lenient,
}

/// Something the command should tell the user about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The legacy catalog became `slots.json`.
    Migrated { legacy: PathBuf, moved_to: PathBuf },
    /// A legacy catalog was left alone because `slots.json` differs.
    LegacyIgnored { legacy: PathBuf },
    /// A legacy catalog cannot be used.
    LegacyRefused { legacy: PathBuf, reason: String },
    /// Replay finished an interrupted operation.
    RolledForward { op: String },
    /// Replay set entries aside or quarantined them (lenient sessions only).
    Attention { paths: Vec<PathBuf> },
    /// A side directory of the journal holds files a user has not looked at yet.
    Waiting { dir: PathBuf, files: usize },
    /// A journaled change left a store as it was (see [`engine::Why`]).
    Left(Left),
}

impl Note {
    /// Whether the note is a warning (shown always) rather than information (`-v`).
    pub fn is_warning(&self) -> bool {
        !matches!(self, Note::Migrated { .. } | Note::RolledForward { .. })
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Migrated { legacy, moved_to } => write!(
                f,
                "moved the legacy catalog {} into place (the old file is now {})",
                legacy.display(),
                moved_to.display()
            ),
            Note::LegacyIgnored { legacy } => write!(
                f,
                "ignored the legacy catalog {}: slots.json already exists and differs",
                legacy.display()
            ),
            Note::LegacyRefused { legacy, reason } => {
                write!(
                    f,
                    "cannot use the legacy catalog {}: {reason}",
                    legacy.display()
                )
            }
            Note::RolledForward { op } => {
                write!(f, "finished an interrupted `{op}` from the journal")
            }
            Note::Attention { paths } => {
                let all: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "journal changes could not be applied: {}",
                    all.join(", ")
                )
            }
            Note::Waiting { dir, files } => write!(
                f,
                "{} holds {files} journal file(s) to look at; remove each once checked",
                dir.display()
            ),
            Note::Left(left) => write_left(f, left),
        }
    }
}

/// One line for a store a journaled change left as it was.
fn write_left(f: &mut fmt::Formatter<'_>, left: &Left) -> fmt::Result {
    let store = super::origin(&left.store);
    let at = left
        .place
        .as_ref()
        .map_or_else(String::new, |p| format!(" in {}", p.describe()));
    match &left.why {
        Why::AnotherLogin { email: Some(email) } => write!(
            f,
            "{store}{at} now holds another login ({}); it was left as it is",
            crate::term::one_line(email)
        ),
        Why::AnotherLogin { email: None } => {
            write!(
                f,
                "{store}{at} now holds another login; it was left as it is"
            )
        }
        Why::Unreadable => write!(f, "{store}{at} cannot be read; it was left as it is"),
        Why::Missing => write!(f, "{store}{at} does not exist here; it was left as it is"),
        Why::CannotSplice => write!(
            f,
            "{store}{at} holds the login but cannot take the new values; it was left as it is"
        ),
        Why::CatalogChanged => write!(
            f,
            "{store} was changed by another program; this change to it was skipped"
        ),
    }
}

/// The state of one command under the state lock.
pub struct Session<'a> {
    stores: &'a dyn Stores,
    journal: Journal<'a>,
    paths: Paths,
    clock: fn() -> i64,
    catalog: CatalogFile,
    /// The catalog's bytes on disk (`None`: no file yet): the expected value of the
    /// next catalog step.
    on_disk: Option<Blob>,
    notes: Vec<Note>,
    /// Claude Code's refresh locks this session holds, by place.
    locks: PlaceLockSet,
    /// This environment's place, named once (naming it resolves paths).
    place: std::cell::OnceCell<Place>,
}

impl fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("journal", &self.journal)
            .field("catalog", &self.catalog)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

impl<'a> Session<'a> {
    /// Opens a session under `lock` (see the module docs). `clock` gives epoch ms.
    pub fn open(
        lock: &'a StateLock,
        stores: &'a dyn Stores,
        paths: &Paths,
        replay: Replay,
        clock: fn() -> i64,
    ) -> Result<Session<'a>, Error> {
        let journal = Journal::open(lock)?;
        let mut notes: Vec<Note> = migration_note(catalog::migrate_legacy(paths)?)
            .into_iter()
            .collect();
        let mut locks = PlaceLockSet::new(LockTimings::default());
        let report = engine::replay(&journal, stores, &mut locks.for_engine())?;
        notes.extend(replay_notes(&report, replay)?);
        if report.is_clean() {
            let waiting = waiting_notes(&journal)?;
            // `list` (lenient) skips the sweep: it is the command run most, kept
            // near the cost of start-up; every other command tidies.
            if waiting.is_empty() && replay == Replay::Strict {
                remove_stale_temps(paths);
            }
            notes.extend(waiting);
        }
        let (catalog, on_disk) = load_catalog(stores, &paths.catalog())?;
        Ok(Session {
            stores,
            journal,
            paths: paths.clone(),
            clock,
            catalog,
            on_disk,
            notes,
            locks,
            place: std::cell::OnceCell::new(),
        })
    }

    /// Waits for Claude Code's refresh locks as `timings` say (tests scale them down).
    pub fn set_lock_timings(&mut self, timings: LockTimings) {
        self.locks.set_timings(timings);
    }

    /// How long Claude Code's locks are waited for.
    pub fn lock_timings(&self) -> &LockTimings {
        self.locks.timings()
    }

    /// The place of this environment's Claude Code (named once its directories exist:
    /// until then a later look may resolve them differently).
    pub fn place(&self) -> Place {
        if let Some(place) = self.place.get() {
            return place.clone();
        }
        let place = self.stores.place();
        if place.claude_dir.exists() && place.credentials_dir.exists() {
            let _ = self.place.set(place.clone());
        }
        place
    }

    /// Runs `body` holding Claude Code's refresh locks of `place` (taken after the
    /// state lock this session holds; see `claude_locks`); they are let go when it
    /// returns, unless an enclosing call holds them too.
    pub fn with_place_locks<T>(
        &mut self,
        place: &Place,
        body: impl FnOnce(&mut Session<'a>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.locks.acquire(place)?;
        let result = body(self);
        self.locks.release(place);
        result
    }

    /// Checks that the refresh locks of `place` are held and still ours (a waiter may
    /// take over a lock it found stale).
    pub fn ensure_place_locks(&self, place: &Place) -> Result<(), Error> {
        self.locks.ensure_held(place)
    }

    pub fn stores(&self) -> &'a dyn Stores {
        self.stores
    }

    pub fn journal(&self) -> &Journal<'a> {
        &self.journal
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The clock, in epoch milliseconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    pub fn catalog(&self) -> &Catalog {
        self.catalog.catalog()
    }

    /// The catalog, shared: for a reader that keeps it after the session ends.
    pub fn catalog_shared(&self) -> Rc<Catalog> {
        self.catalog.shared()
    }

    pub fn catalog_file(&self) -> &CatalogFile {
        &self.catalog
    }

    /// The notes gathered so far; the list is empty afterwards.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Reads store `id`.
    pub fn read(&self, id: &StoreId) -> Result<Option<Blob>, Error> {
        let store = self
            .stores
            .open(id)
            .ok_or_else(|| super::missing_store(id))?;
        store.read()
    }

    /// Adds the step that turns the catalog into `new` to `tx`.
    pub fn catalog_step(&self, tx: Transaction, new: &CatalogFile) -> Result<Transaction, Error> {
        let new = Some(Blob::from(new.as_bytes()));
        tx.step(StoreId::Catalog, self.on_disk.clone(), new)
    }

    /// Commits `tx`, whose catalog step (if any) leads to `catalog`. Claude Code's
    /// stores are written under its refresh locks (those this session holds, else
    /// taken for the commit).
    pub fn commit(
        &mut self,
        tx: Transaction,
        catalog: Option<CatalogFile>,
    ) -> Result<Commit, Error> {
        let result = engine::commit(&self.journal, self.stores, tx, &mut self.locks.for_engine());
        self.follow(result, catalog)
    }

    /// Reserves the journal entry of a refresh before the request (see
    /// [`Journal::reserve`]); `answer_cap` is the most an answer can hold.
    /// Every store the transaction writes is checked first to take what it will get
    /// (`engine::check_room`): nothing is sent that could not be stored.
    pub fn reserve(&self, tx: &Transaction, answer_cap: usize) -> Result<Reserved, Error> {
        engine::check_room(self.stores, tx)?;
        self.journal.reserve(tx, &self.place(), answer_cap)
    }

    /// Journals `tx` (with its grant) into `reserved`.
    pub fn write_reserved(&self, reserved: Reserved, tx: Transaction) -> Result<Pending, Error> {
        self.journal.write_reserved(reserved, tx)
    }

    /// Applies an entry already journaled (a refresh journals the server's answer
    /// before anything else), whose catalog step (if any) leads to `catalog`.
    pub fn apply(
        &mut self,
        pending: Pending,
        catalog: Option<CatalogFile>,
    ) -> Result<Commit, Error> {
        let result = engine::apply(
            &self.journal,
            self.stores,
            pending,
            &mut self.locks.for_engine(),
        );
        self.follow(result, catalog)
    }

    /// Applies `tx` without a journal entry (see [`engine::apply_unjournaled`]):
    /// what was done, and what stopped it.
    pub fn apply_unjournaled(&mut self, tx: Transaction) -> (Commit, Option<Error>) {
        let done = engine::apply_unjournaled(self.stores, tx, &mut self.locks.for_engine());
        // What is on disk is whatever got written: read it again.
        let reread = self.reload_catalog();
        (done.0, done.1.or(reread.err()))
    }

    /// Makes sure no journal entry is pending before a change that cannot be undone
    /// (a refresh spends its refresh token): replays, and stops when replay could not
    /// finish everything.
    pub fn settle(&mut self) -> Result<(), Error> {
        let report = engine::replay(&self.journal, self.stores, &mut self.locks.for_engine())?;
        let notes = replay_notes(&report, Replay::Strict)?;
        self.notes.extend(notes);
        if !report.rolled_forward.is_empty() {
            self.reload_catalog()?;
        }
        Ok(())
    }

    /// Re-reads the catalog after an operation failed halfway.
    pub fn reload_catalog(&mut self) -> Result<(), Error> {
        let (catalog, on_disk) = load_catalog(self.stores, &self.paths.catalog())?;
        self.catalog = catalog;
        self.on_disk = on_disk;
        Ok(())
    }

    fn follow(
        &mut self,
        result: Result<Commit, Error>,
        catalog: Option<CatalogFile>,
    ) -> Result<Commit, Error> {
        if let Ok(commit) = &result {
            self.notes
                .extend(commit.left.iter().cloned().map(Note::Left));
        }
        match (result, catalog) {
            (Ok(commit), _) if commit.left.iter().any(|l| l.store == StoreId::Catalog) => {
                // Another program changed the catalog and the step was skipped: what is
                // on disk is theirs.
                self.reload_catalog()?;
                Ok(commit)
            }
            (Ok(commit), Some(new)) => {
                self.on_disk = Some(Blob::from(new.as_bytes()));
                self.catalog = new;
                Ok(commit)
            }
            (Ok(commit), None) => Ok(commit),
            (Err(err), _) => {
                // What is on disk is unknown now; a failed re-read keeps the first error.
                let _ = self.reload_catalog();
                Err(err)
            }
        }
    }
}

/// The catalog through the stores, and its bytes; an empty catalog when absent.
fn load_catalog(stores: &dyn Stores, path: &Path) -> Result<(CatalogFile, Option<Blob>), Error> {
    let store = stores
        .open(&StoreId::Catalog)
        .ok_or_else(|| super::missing_store(&StoreId::Catalog))?;
    match store.read()? {
        Some(blob) => Ok((CatalogFile::parse(path, blob.as_bytes())?, Some(blob))),
        None => Ok((CatalogFile::empty(path), None)),
    }
}

/// Removes the temp files a killed claude-token left beside our own files (archives,
/// catalog, key). Only after a clean replay with nothing waiting in the attention or
/// quarantine folders, under the state lock: every write of ours there holds that
/// lock, and the journal then holds nothing a temp file could be the only copy of.
/// Best effort: a leftover is untidy, not exposed (0600, in 0700 directories).
/// Claude Code's directory is not swept: files there are not only ours.
fn remove_stale_temps(paths: &Paths) {
    for dir in [
        paths.keystore_dir(),
        paths.config_dir.clone(),
        paths.data_dir.clone(),
    ] {
        let _ = crate::fs::remove_stale_temps(&dir);
    }
}

fn migration_note(outcome: MigrationOutcome) -> Option<Note> {
    match outcome {
        MigrationOutcome::NoLegacy => None,
        MigrationOutcome::Migrated { legacy, moved_to }
        | MigrationOutcome::Completed { legacy, moved_to } => {
            Some(Note::Migrated { legacy, moved_to })
        }
        MigrationOutcome::LegacyIgnored { legacy } => Some(Note::LegacyIgnored { legacy }),
        MigrationOutcome::LegacyRefused { legacy, reason } => {
            Some(Note::LegacyRefused { legacy, reason })
        }
    }
}

/// Notes for a replay; a strict session stops when anything needs attention.
fn replay_notes(report: &ReplayReport, replay: Replay) -> Result<Vec<Note>, Error> {
    let mut notes: Vec<Note> = report
        .rolled_forward
        .iter()
        .map(|done| Note::RolledForward {
            op: done.op.clone(),
        })
        .collect();
    notes.extend(report.left().cloned().map(Note::Left));
    if report.is_clean() {
        return Ok(notes);
    }
    let set_aside: Vec<PathBuf> = report.attention.iter().map(|a| a.path.clone()).collect();
    let quarantined: Vec<PathBuf> = report.quarantined.iter().map(|q| q.path.clone()).collect();
    if replay == Replay::Strict {
        return Err(Error::NeedsAttention {
            set_aside,
            quarantined,
        });
    }
    let paths = set_aside.into_iter().chain(quarantined).collect();
    notes.push(Note::Attention { paths });
    Ok(notes)
}

/// One note per non-empty side directory of the journal.
fn waiting_notes(journal: &Journal<'_>) -> Result<Vec<Note>, Error> {
    let mut notes = Vec::new();
    for dir in [journal.attention_dir(), journal.quarantine_dir()] {
        let files = count_files(&dir)?;
        if files > 0 {
            notes.push(Note::Waiting { dir, files });
        }
    }
    Ok(notes)
}

fn count_files(dir: &Path) -> Result<usize, Error> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.count()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(Error::Io {
            action: "list",
            path: dir.to_owned(),
            source,
        }),
    }
}
