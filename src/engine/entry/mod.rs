//! The journal entry format: its file name, its bytes, and the strict reading of both.
//!
//! Owns encoding an entry (one line of compact JSON, then `hmac-sha256:<64 hex>`) and
//! deciding whether a file is an authentic, well-formed entry. Reading is strict on
//! purpose: anything that is not exactly what [`encode`] writes is a [`Defect`], and a
//! defective entry is quarantined by the caller, never applied. It never touches the
//! filesystem or a store.
//!
//! Two versions are read: 2, which this build writes (steps of both kinds, Claude
//! Code's stores named by place, a refresh's answer as received), and 1, written
//! before phase 8 (whole bytes for every store), still replayed when one is pending
//! at upgrade. SPEC.md §6 has both layouts; `write` encodes, `read` decodes.
//!
//! ```text
//! {"version":2,"op_id":"<16 hex>","op":"refresh","created_at_ms":<int>,"grant":GRANT|null,
//!  "steps":[STEP,...]}\n
//! hmac-sha256:<64 lower hex>\n        (the HMAC covers the first line and its \n)
//! ```

mod read;
mod write;

use std::fmt;

use super::key::HmacKey;
use super::step::{Grant, Step};
use super::transaction::Transaction;
use crate::sha256;
use crate::store::{Blob, Place};

/// Largest entry file we write or read: far above any credentials blob or catalog.
pub const MAX_ENTRY_LEN: usize = 16 << 20;

/// The entry version this build writes.
pub const VERSION: u64 = 2;

/// The version written before phase 8, still read.
pub const LEGACY_VERSION: u64 = 1;

/// Start of the second line.
const TAG_PREFIX: &[u8] = b"hmac-sha256:";

/// `created_at_ms` is written as 16 digits so names sort chronologically; this is the
/// largest value that fits (the year 318857).
pub const MAX_CREATED_AT_MS: u64 = 9_999_999_999_999_999;

/// An authentic, well-formed journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// [`VERSION`] or [`LEGACY_VERSION`].
    pub version: u64,
    pub op: String,
    pub op_id: u64,
    pub created_at_ms: u64,
    /// The refresh answer the grant steps splice in (version 2 only).
    pub grant: Option<Grant>,
    /// Non-empty, strictly increasing by store (the write order).
    pub steps: Vec<Step>,
}

impl Entry {
    /// The entry's file name: `<created_at_ms, 16 digits>-<op_id, 16 hex>.json`.
    pub fn file_name(&self) -> String {
        format!("{:016}-{:016x}.json", self.created_at_ms, self.op_id)
    }

    /// The entry `tx` becomes, Claude Code's stores named by `place` where the
    /// transaction left them to the environment.
    pub(crate) fn from_transaction(
        tx: Transaction,
        op_id: u64,
        created_at_ms: u64,
        place: &Place,
    ) -> Entry {
        let op = tx.op().to_owned();
        let (mut steps, grant) = tx.into_parts();
        for step in &mut steps {
            if let Step::Claude(step) = step {
                step.place.get_or_insert_with(|| place.clone());
            }
        }
        Entry {
            version: VERSION,
            op,
            op_id,
            created_at_ms,
            grant,
            steps,
        }
    }

    /// `tx` as an entry that is never written (see `transaction::apply_unjournaled`).
    pub(crate) fn unjournaled(tx: Transaction, place: &Place) -> Entry {
        Self::from_transaction(tx, 0, 0, place)
    }
}

/// Why a file in the journal is not an entry we may apply. Carries no entry content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// The file name is not `<16 digits>-<16 hex>.json`.
    Name,
    /// Not a regular file (a symlink, directory, FIFO...).
    NotRegular,
    /// Larger than any entry we write.
    TooLarge,
    /// Not two lines: JSON, then `hmac-sha256:<64 lower hex>`.
    Layout,
    /// The HMAC does not match: damaged, forged, or written under another key.
    Hmac,
    /// The first line is not JSON, or repeats a key.
    Json,
    /// A field is missing, unknown, repeated or of the wrong form.
    Field(&'static str),
    /// A version this build does not know.
    Version,
    /// Steps are missing, out of write order, repeated, change nothing, or do not fit
    /// their store or the entry's grant.
    Steps,
    /// Valid JSON, but not byte for byte what this build writes.
    NotCanonical,
    /// The file name does not match the entry's time and op id.
    NameMismatch,
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::Name => f.write_str("its name is not a journal entry name"),
            Defect::NotRegular => f.write_str("it is not a regular file"),
            Defect::TooLarge => write!(f, "it is larger than {MAX_ENTRY_LEN} bytes"),
            Defect::Layout => f.write_str("it is not a JSON line followed by an HMAC line"),
            Defect::Hmac => f.write_str("its HMAC does not verify"),
            Defect::Json => f.write_str("it is not valid JSON without repeated keys"),
            Defect::Field(name) => write!(f, "its field `{name}` is missing or malformed"),
            Defect::Version => f.write_str("its version is unknown"),
            Defect::Steps => f.write_str("its steps are empty, repeated or out of order"),
            Defect::NotCanonical => f.write_str("it is not in the form claude-token writes"),
            Defect::NameMismatch => f.write_str("its name does not match its content"),
        }
    }
}

/// The full file bytes of `entry`, signed with `key`. A [`Blob`], because they hold
/// the new logins in full (wiped when dropped).
pub fn encode(entry: &Entry, key: &HmacKey) -> Blob {
    let mut bytes = write::line(entry);
    let tag = sha256::hmac_sha256(key.as_bytes(), &bytes);
    bytes.extend_from_slice(TAG_PREFIX);
    bytes.extend_from_slice(crate::hex::encode(&tag).as_bytes());
    bytes.push(b'\n');
    Blob::new(bytes)
}

/// Bytes an entry grows by when a grant whose token values total at most
/// `answer_cap` bytes is added: each value is hex (two characters a byte), plus the
/// grant's fixed text and its numbers at their widest.
pub fn grant_room(answer_cap: usize) -> usize {
    answer_cap.saturating_mul(2).saturating_add(512)
}

/// Reads the entry file `name` holding `bytes`: authenticates it with `key`, then
/// parses it strictly. Anything but an entry [`encode`] could have written under
/// this key and name is a [`Defect`].
pub fn decode(name: &str, bytes: &[u8], key: &HmacKey) -> Result<Entry, Defect> {
    let named = parse_name(name).ok_or(Defect::Name)?;
    if bytes.len() > MAX_ENTRY_LEN {
        return Err(Defect::TooLarge);
    }
    let line = authenticate(bytes, key)?;
    let entry = read::line(line)?;
    if Blob::new(write::line(&entry)).as_bytes() != line {
        return Err(Defect::NotCanonical);
    }
    if (entry.created_at_ms, entry.op_id) != named {
        return Err(Defect::NameMismatch);
    }
    Ok(entry)
}

/// `(created_at_ms, op_id)` from a name `<16 digits>-<16 lower hex>.json`.
pub fn parse_name(name: &str) -> Option<(u64, u64)> {
    let stem = name.strip_suffix(".json")?;
    let (time, id) = stem.split_once('-')?;
    let digits = time.len() == 16 && time.bytes().all(|b| b.is_ascii_digit());
    if !digits || !is_lower_hex(id, 16) {
        return None;
    }
    Some((time.parse().ok()?, u64::from_str_radix(id, 16).ok()?))
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The first line (with its `\n`) once the second line's tag verifies over it.
fn authenticate<'a>(bytes: &'a [u8], key: &HmacKey) -> Result<&'a [u8], Defect> {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(Defect::Layout)?;
    let (line, tail) = bytes.split_at(end + 1);
    let hex = tail
        .strip_prefix(TAG_PREFIX)
        .and_then(|rest| rest.strip_suffix(b"\n"))
        .and_then(|hex| std::str::from_utf8(hex).ok())
        .filter(|hex| is_lower_hex(hex, 2 * sha256::TAG_LEN))
        .ok_or(Defect::Layout)?;
    let tag = crate::hex::decode(hex).map_err(|_| Defect::Layout)?;
    if sha256::verify_hmac_sha256(key.as_bytes(), line, &tag) {
        Ok(line)
    } else {
        Err(Defect::Hmac)
    }
}

/// Operation names: `[a-z][a-z0-9-]{0,31}`.
pub fn is_op_name(op: &str) -> bool {
    let bytes = op.as_bytes();
    (1..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
