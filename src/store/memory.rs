//! In-memory stores for tests and the fuzz target, with failure injection.
//!
//! Owns a map from [`StoreId`] to bytes, a log of every guard, read, write and delete
//! in the order they happened, and planned faults: a store can be told to fail its
//! next read or write, to be changed "by someone else" (as Claude Code would) right
//! after one of its reads, or to not exist on this platform. It never touches a file
//! and is not thread-safe (one `MemoryStores` belongs to one test).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use super::{Blob, Place, Store, StoreId, Stores, WriteGuard};
use crate::Error;

/// One thing the engine did to a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Took the store's write guard.
    Guard,
    Read,
    Write,
    Delete,
    /// Dropped the write guard.
    Release,
}

/// An [`Action`] on a store, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub store: StoreId,
    pub action: Action,
}

/// A set of in-memory stores; [`Stores::open`] hands out views of it.
#[derive(Debug, Default)]
pub struct MemoryStores {
    state: Rc<RefCell<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The one place whose Claude Code stores these are (`None`: [`memory_place`]).
    place: Option<Place>,
    contents: BTreeMap<StoreId, Blob>,
    missing: BTreeSet<StoreId>,
    /// Stores that take at most so many bytes (as a Keychain item does).
    room: BTreeMap<StoreId, usize>,
    plans: Vec<Plan>,
    events: Vec<Event>,
}

#[derive(Debug)]
struct Plan {
    store: StoreId,
    fault: Fault,
}

#[derive(Debug)]
enum Fault {
    FailRead,
    FailWrite,
    /// After `reads` more reads of the store, its content becomes `content`.
    ChangeAfterReads {
        reads: u32,
        content: Option<Blob>,
    },
}

impl MemoryStores {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `place` the place of this environment's Claude Code (the only place
    /// these stores hold; Claude Code's stores at any other place do not exist here).
    pub fn set_place(&self, place: Place) {
        self.state.borrow_mut().place = Some(place);
    }

    /// Sets a store's content directly (not logged).
    pub fn set(&self, id: &StoreId, content: Option<&[u8]>) {
        let mut state = self.state.borrow_mut();
        match content {
            Some(bytes) => state.contents.insert(id.clone(), Blob::from(bytes)),
            None => state.contents.remove(id),
        };
    }

    /// A store's content (not logged).
    pub fn get(&self, id: &StoreId) -> Option<Vec<u8>> {
        let state = self.state.borrow();
        state.contents.get(id).map(|blob| blob.as_bytes().to_vec())
    }

    /// Every store's content.
    pub fn snapshot(&self) -> BTreeMap<StoreId, Vec<u8>> {
        let state = self.state.borrow();
        let contents = state.contents.iter();
        contents
            .map(|(id, blob)| (id.clone(), blob.as_bytes().to_vec()))
            .collect()
    }

    /// Lets store `id` take at most `max` bytes, as a Keychain item takes at most so
    /// many through `security`: a longer write fails, and so does its check.
    pub fn set_room(&self, id: &StoreId, max: usize) {
        self.state.borrow_mut().room.insert(id.clone(), max);
    }

    /// Makes `open(id)` answer `None`, as for Claude Code's Keychain item off macOS.
    pub fn set_missing(&self, id: &StoreId) {
        self.state.borrow_mut().missing.insert(id.clone());
    }

    /// The next read of `id` fails.
    pub fn fail_next_read(&self, id: &StoreId) {
        self.plan(id, Fault::FailRead);
    }

    /// The next write or delete of `id` fails and changes nothing.
    pub fn fail_next_write(&self, id: &StoreId) {
        self.plan(id, Fault::FailWrite);
    }

    /// Right after the `reads`-th read of `id` from now (1 = the next one) has
    /// answered, someone else sets its content to `content`.
    pub fn change_after_reads(&self, id: &StoreId, reads: u32, content: Option<&[u8]>) {
        let content = content.map(Blob::from);
        let reads = reads.max(1);
        self.plan(id, Fault::ChangeAfterReads { reads, content });
    }

    /// Everything done to the stores so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.state.borrow().events.clone()
    }

    /// The stores written or deleted so far, in order.
    pub fn writes(&self) -> Vec<StoreId> {
        let events = self.events().into_iter();
        let writes = events.filter(|e| matches!(e.action, Action::Write | Action::Delete));
        writes.map(|e| e.store).collect()
    }

    /// Forgets the event log.
    pub fn clear_events(&self) {
        self.state.borrow_mut().events.clear();
    }

    fn plan(&self, id: &StoreId, fault: Fault) {
        let store = id.clone();
        self.state.borrow_mut().plans.push(Plan { store, fault });
    }
}

impl Stores for MemoryStores {
    fn open(&self, id: &StoreId) -> Option<Box<dyn Store + '_>> {
        if self.state.borrow().missing.contains(id) {
            return None;
        }
        Some(Box::new(MemoryStore {
            id: id.clone(),
            state: Rc::clone(&self.state),
        }))
    }

    fn place(&self) -> Place {
        self.state
            .borrow()
            .place
            .clone()
            .unwrap_or_else(memory_place)
    }

    fn open_at(&self, id: &StoreId, place: &Place) -> Option<Box<dyn Store + '_>> {
        let claudes = matches!(id, StoreId::ClaudeFile | StoreId::ClaudeKeychain);
        if claudes && *place != self.place() {
            return None;
        }
        self.open(id)
    }
}

/// The place of memory stores nobody gave one.
fn memory_place() -> Place {
    let dir = PathBuf::from("/memory/.claude");
    Place {
        claude_dir: dir.clone(),
        credentials_dir: dir,
        keychain: None,
    }
}

/// One store of a [`MemoryStores`].
#[derive(Debug)]
pub struct MemoryStore {
    id: StoreId,
    state: Rc<RefCell<State>>,
}

impl MemoryStore {
    fn log(&self, action: Action) {
        let store = self.id.clone();
        self.state.borrow_mut().events.push(Event { store, action });
    }

    /// Takes the first planned fault of this store that `pick` accepts.
    fn take_fault(&self, pick: fn(&Fault) -> bool) -> Option<Fault> {
        let mut state = self.state.borrow_mut();
        let at = state
            .plans
            .iter()
            .position(|p| p.store == self.id && pick(&p.fault))?;
        Some(state.plans.remove(at).fault)
    }

    /// Counts one read against every planned change of this store; those due fire.
    fn after_read(&self) {
        let mut state = self.state.borrow_mut();
        let mut due = Vec::new();
        state.plans.retain_mut(|plan| {
            let Fault::ChangeAfterReads { reads, content } = &mut plan.fault else {
                return true;
            };
            if plan.store != self.id {
                return true;
            }
            *reads -= 1;
            if *reads > 0 {
                return true;
            }
            due.push(content.take());
            false
        });
        for content in due {
            match content {
                Some(blob) => state.contents.insert(self.id.clone(), blob),
                None => state.contents.remove(&self.id),
            };
        }
    }

    /// The error of a write of `len` bytes past the store's room.
    fn too_large(&self, len: usize) -> Option<Error> {
        let max = *self.state.borrow().room.get(&self.id)?;
        (len > max).then(|| Error::Keychain {
            action: "write",
            service: self.id.to_text(),
            reason: format!("the login is {len} bytes; the item takes at most {max}"),
            hint: "remove what the login no longer needs",
        })
    }

    fn injected(&self, action: &'static str) -> Error {
        Error::Io {
            action,
            path: PathBuf::from(self.id.to_text()),
            source: io::Error::other("injected failure"),
        }
    }
}

impl Store for MemoryStore {
    fn id(&self) -> StoreId {
        self.id.clone()
    }

    fn read(&self) -> Result<Option<Blob>, Error> {
        self.log(Action::Read);
        if self.take_fault(|f| matches!(f, Fault::FailRead)).is_some() {
            return Err(self.injected("read"));
        }
        let content = self.state.borrow().contents.get(&self.id).cloned();
        self.after_read();
        Ok(content)
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        self.log(Action::Write);
        if self.take_fault(|f| matches!(f, Fault::FailWrite)).is_some() {
            return Err(self.injected("write"));
        }
        if let Some(err) = self.too_large(bytes.len()) {
            return Err(err);
        }
        let mut state = self.state.borrow_mut();
        state.contents.insert(self.id.clone(), Blob::from(bytes));
        Ok(())
    }

    fn delete(&self) -> Result<(), Error> {
        self.log(Action::Delete);
        if self.take_fault(|f| matches!(f, Fault::FailWrite)).is_some() {
            return Err(self.injected("delete"));
        }
        self.state.borrow_mut().contents.remove(&self.id);
        Ok(())
    }

    fn limits_size(&self) -> bool {
        self.state.borrow().room.contains_key(&self.id)
    }

    fn check_room(&self, len: usize) -> Result<(), Error> {
        self.too_large(len).map_or(Ok(()), Err)
    }

    fn write_guard(&self) -> Result<Option<Box<dyn WriteGuard>>, Error> {
        self.log(Action::Guard);
        Ok(Some(Box::new(MemoryGuard {
            id: self.id.clone(),
            state: Rc::clone(&self.state),
        })))
    }
}

/// Logs [`Action::Release`] when dropped.
#[derive(Debug)]
struct MemoryGuard {
    id: StoreId,
    state: Rc<RefCell<State>>,
}

impl WriteGuard for MemoryGuard {}

impl Drop for MemoryGuard {
    fn drop(&mut self) {
        let store = self.id.clone();
        let action = Action::Release;
        self.state.borrow_mut().events.push(Event { store, action });
    }
}
