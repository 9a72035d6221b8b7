//! Opening a session: replay first, a conflict stops a strict session (exit 6) and is
//! only noted by a lenient one, leftovers are noted every time, and the catalog comes
//! through the stores.

use std::time::Duration;

use claude_token::engine::{Journal, StateLock, Transaction};
use claude_token::ops::{Note, Replay, Session};
use claude_token::store::{Blob, Stores};
use claude_token::Error;

use super::{archive, clock, World};

/// Journals a write of an archive that is never applied (a crash right after the
/// journal write), then writes a third value there by hand.
fn leave_conflict(world: &World) {
    let lock = StateLock::acquire(&world.paths.data_dir, Duration::from_secs(10)).unwrap();
    let journal = Journal::open(&lock).unwrap();
    let tx = Transaction::new("use")
        .unwrap()
        .step(archive("ada"), None, Some(Blob::from(&b"ours"[..])))
        .unwrap();
    journal.write(tx, &world.stores.place()).unwrap();
    world.put(&archive("ada"), "theirs");
}

fn open(world: &World, replay: Replay) -> Result<Vec<Note>, Error> {
    let lock = StateLock::acquire(&world.paths.data_dir, Duration::from_secs(10)).unwrap();
    let mut session = Session::open(&lock, &world.stores, &world.paths, replay, clock)?;
    Ok(session.take_notes())
}

#[test]
fn a_replay_conflict_stops_a_strict_session_and_names_the_entry() {
    let world = World::linux();
    leave_conflict(&world);
    let err = open(&world, Replay::Strict).unwrap_err();
    assert_eq!(err.exit_code(), 6);
    let Error::NeedsAttention {
        set_aside,
        quarantined,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(set_aside.len(), 1);
    assert!(quarantined.is_empty());
    assert!(set_aside[0].starts_with(world.paths.data_dir.join("journal/attention")));
    assert!(err
        .to_string()
        .contains(&set_aside[0].display().to_string()));
    assert_eq!(world.text(&archive("ada")).as_deref(), Some("theirs"));
    // The entry is set aside now: later sessions open, with a warning every time.
    for _ in 0..2 {
        let notes = open(&world, Replay::Strict).expect("opens");
        assert!(
            matches!(&notes[..], [Note::Waiting { files: 1, .. }]),
            "{notes:?}"
        );
        assert!(notes[0].is_warning());
    }
}

#[test]
fn a_lenient_session_notes_the_conflict_and_goes_on() {
    let world = World::linux();
    leave_conflict(&world);
    let notes = open(&world, Replay::Lenient).expect("opens");
    assert!(
        matches!(&notes[..], [Note::Attention { paths }] if paths.len() == 1),
        "{notes:?}"
    );
}

#[test]
fn an_interrupted_operation_is_finished_and_noted() {
    let world = World::linux();
    {
        let lock = StateLock::acquire(&world.paths.data_dir, Duration::from_secs(10)).unwrap();
        let journal = Journal::open(&lock).unwrap();
        let tx = Transaction::new("add")
            .unwrap()
            .step(archive("ada"), None, Some(Blob::from(&b"ours"[..])))
            .unwrap();
        journal.write(tx, &world.stores.place()).unwrap();
    }
    let notes = open(&world, Replay::Strict).expect("opens");
    assert_eq!(notes, [Note::RolledForward { op: "add".into() }]);
    assert!(!notes[0].is_warning());
    assert_eq!(world.text(&archive("ada")).as_deref(), Some("ours"));
    assert!(world.journal_files().is_empty());
}

#[test]
fn no_catalog_reads_as_an_empty_one_and_nothing_is_written() {
    let world = World::linux();
    world.session(|session| {
        assert!(session.catalog().slots.is_empty());
        assert_eq!(session.catalog().active, None);
    });
    assert_eq!(world.stores.writes(), []);
}
