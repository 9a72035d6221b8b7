//! The per-install journal key `<data>/hmac.key`: 32 random bytes, mode 0600.
//!
//! Owns loading the key and creating it the first time, without a race: the bytes go
//! to a temp file that is hard-linked to the key's name, so two creators cannot both
//! win and nobody reads a half-written key. It never regenerates or repairs an
//! existing key (that would orphan every journal entry written under the old one),
//! never follows a symlink to it, and never shows its bytes (`Debug` is redacted).

use std::fmt;
use std::path::Path;

use crate::{fs, Error};

/// Bytes in a key.
pub const KEY_LEN: usize = 32;

/// Read at most this much, so a wrong size is reported as such up to here.
const READ_LIMIT: u64 = 1024;

/// The journal key. Wiped when dropped.
pub struct HmacKey([u8; KEY_LEN]);

impl HmacKey {
    /// A key from known bytes (tests and the fuzz target; real keys come from
    /// [`load_or_create`]).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        HmacKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([REDACTED])")
    }
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        crate::sys::mem::wipe(&mut self.0);
    }
}

/// Why an existing key file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// Not exactly [`KEY_LEN`] bytes long.
    WrongSize { len: usize },
    /// The group or others may access it.
    TooOpen { mode: u32 },
    /// It vanished right after another process created it.
    Vanished,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::WrongSize { len } => write!(f, "is {len} bytes long, not {KEY_LEN}"),
            KeyProblem::TooOpen { mode } => write!(f, "has mode {mode:o}, open to others"),
            KeyProblem::Vanished => f.write_str("disappeared while it was being created"),
        }
    }
}

/// Reads the key at `path`, or creates it when nothing is there. Of several
/// processes or threads creating it at once, all end up with the one that was
/// published first.
pub fn load_or_create(path: &Path) -> Result<HmacKey, Error> {
    if let Some(key) = load(path)? {
        return Ok(key);
    }
    let mut fresh = HmacKey([0; KEY_LEN]);
    fs::random_bytes(&mut fresh.0).map_err(|source| Error::Io {
        action: "get randomness for",
        path: path.to_owned(),
        source,
    })?;
    if fs::create_new(path, &fresh.0)? {
        return Ok(fresh);
    }
    // Someone else published theirs first: use it (ours is wiped on drop).
    load(path)?.ok_or_else(|| problem(path, KeyProblem::Vanished))
}

/// The key at `path`, `None` when missing; an unusable key is an error.
fn load(path: &Path) -> Result<Option<HmacKey>, Error> {
    let Some(file) = fs::read_regular(path, READ_LIMIT)? else {
        return Ok(None);
    };
    let file = Wiped(file);
    if file.0.too_open {
        return Err(problem(path, KeyProblem::TooOpen { mode: file.0.mode }));
    }
    let bytes: [u8; KEY_LEN] = file.0.bytes.as_slice().try_into().map_err(|_| {
        let len = file.0.bytes.len();
        problem(path, KeyProblem::WrongSize { len })
    })?;
    Ok(Some(HmacKey(bytes)))
}

fn problem(path: &Path, problem: KeyProblem) -> Error {
    Error::JournalKey {
        path: path.to_owned(),
        problem,
    }
}

/// A read file whose bytes (a key) are wiped when dropped.
struct Wiped(fs::ReadFile);

impl Drop for Wiped {
    fn drop(&mut self) {
        crate::sys::mem::wipe(&mut self.0.bytes);
    }
}
