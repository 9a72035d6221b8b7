//! The journal entry format: its file name, its bytes, and the strict reading of both.
//!
//! Owns encoding an entry (one line of compact JSON, then `hmac-sha256:<64 hex>`) and
//! deciding whether a file is an authentic, well-formed entry. Reading is strict on
//! purpose: anything that is not exactly what [`encode`] writes is a [`Defect`], and a
//! defective entry is quarantined by the caller, never applied. It never touches the
//! filesystem or a store.
//!
//! ```text
//! {"version":1,"op_id":"<16 hex>","op":"use","created_at_ms":<int>,
//!  "steps":[{"store":"archive:work","expected":"<hex>"|null,"new":"<hex>"|null},...]}\n
//! hmac-sha256:<64 lower hex>\n        (the HMAC covers the first line and its \n)
//! ```

use std::fmt;

use super::key::HmacKey;
use super::transaction::Step;
use crate::json::{self, Document, Kind, Node};
use crate::sha256;
use crate::store::{Blob, StoreId};

/// Largest entry file we write or read: far above any credentials blob or catalog.
pub const MAX_ENTRY_LEN: usize = 16 << 20;

/// The only entry version this build reads and writes.
const VERSION: u64 = 1;

/// Start of the second line.
const TAG_PREFIX: &[u8] = b"hmac-sha256:";

/// `created_at_ms` is written as 16 digits so names sort chronologically; this is the
/// largest value that fits (the year 318857).
pub const MAX_CREATED_AT_MS: u64 = 9_999_999_999_999_999;

/// An authentic, well-formed journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub op: String,
    pub op_id: u64,
    pub created_at_ms: u64,
    /// Non-empty, strictly increasing by store (the write order).
    pub steps: Vec<Step>,
}

impl Entry {
    /// The entry's file name: `<created_at_ms, 16 digits>-<op_id, 16 hex>.json`.
    pub fn file_name(&self) -> String {
        format!("{:016}-{:016x}.json", self.created_at_ms, self.op_id)
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
    /// Steps are missing, out of write order, repeated, or change nothing.
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
    let mut bytes = encode_line(entry);
    let tag = sha256::hmac_sha256(key.as_bytes(), &bytes);
    bytes.extend_from_slice(TAG_PREFIX);
    bytes.extend_from_slice(crate::hex::encode(&tag).as_bytes());
    bytes.push(b'\n');
    Blob::new(bytes)
}

/// The first line, including its `\n`, in a buffer large enough for the tag line
/// too (so the secrets in it are not copied by regrowth).
fn encode_line(entry: &Entry) -> Vec<u8> {
    let blobs: usize = entry.steps.iter().map(step_len).sum();
    let mut line = Vec::with_capacity(blobs * 2 + 128 * entry.steps.len() + 256);
    line.extend_from_slice(b"{\"version\":1,\"op_id\":\"");
    line.extend_from_slice(format!("{:016x}", entry.op_id).as_bytes());
    line.extend_from_slice(b"\",\"op\":");
    line.extend_from_slice(json::quote(&entry.op).as_bytes());
    line.extend_from_slice(format!(",\"created_at_ms\":{}", entry.created_at_ms).as_bytes());
    line.extend_from_slice(b",\"steps\":[");
    for (index, step) in entry.steps.iter().enumerate() {
        if index > 0 {
            line.push(b',');
        }
        push_step(&mut line, step);
    }
    line.extend_from_slice(b"]}\n");
    line
}

fn step_len(step: &Step) -> usize {
    step.expected.as_ref().map_or(0, Blob::len) + step.new.as_ref().map_or(0, Blob::len)
}

fn push_step(line: &mut Vec<u8>, step: &Step) {
    line.extend_from_slice(b"{\"store\":");
    line.extend_from_slice(json::quote(&step.store.to_text()).as_bytes());
    line.extend_from_slice(b",\"expected\":");
    push_blob(line, step.expected.as_ref());
    line.extend_from_slice(b",\"new\":");
    push_blob(line, step.new.as_ref());
    line.push(b'}');
}

fn push_blob(line: &mut Vec<u8>, blob: Option<&Blob>) {
    let Some(blob) = blob else {
        line.extend_from_slice(b"null");
        return;
    };
    // The hex spells a login: held in a Blob so this copy is wiped too.
    let hex = Blob::new(crate::hex::encode(blob.as_bytes()).into_bytes());
    line.push(b'"');
    line.extend_from_slice(hex.as_bytes());
    line.push(b'"');
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
    let entry = parse_line(line)?;
    if Blob::new(encode_line(&entry)).as_bytes() != line {
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

/// Parses an authenticated first line (with its `\n`) into an entry.
fn parse_line(line: &[u8]) -> Result<Entry, Defect> {
    let limits = json::Limits {
        max_depth: 3,
        max_size: MAX_ENTRY_LEN,
    };
    let doc = Document::parse_with(line, limits).map_err(|_| Defect::Json)?;
    if !doc.duplicate_keys().is_empty() || doc.has_bom() {
        return Err(Defect::Json);
    }
    let root = doc.root();
    only_fields(root, &["version", "op_id", "op", "created_at_ms", "steps"])?;
    if field(root, "version")?.as_u64() != Some(VERSION) {
        return Err(Defect::Version);
    }
    Ok(Entry {
        op: op_name(root)?,
        op_id: op_id(root)?,
        created_at_ms: created_at(root)?,
        steps: steps(field(root, "steps")?)?,
    })
}

/// `node` is an object holding exactly the keys `names`.
fn only_fields(node: Node<'_>, names: &[&'static str]) -> Result<(), Defect> {
    if node.kind() != Kind::Object {
        return Err(Defect::Field("(object)"));
    }
    for member in node.members() {
        if !names.iter().any(|name| member.key_is(name)) {
            return Err(Defect::Field("(unknown)"));
        }
    }
    names
        .iter()
        .try_for_each(|name| field(node, name).map(drop))
}

fn field<'a>(node: Node<'a>, name: &'static str) -> Result<Node<'a>, Defect> {
    node.get(name).ok_or(Defect::Field(name))
}

fn text(node: Node<'_>, name: &'static str) -> Result<String, Defect> {
    let value = node.get(name).and_then(|n| n.as_str());
    value
        .map(std::borrow::Cow::into_owned)
        .ok_or(Defect::Field(name))
}

fn op_name(root: Node<'_>) -> Result<String, Defect> {
    let op = text(root, "op")?;
    if is_op_name(&op) {
        Ok(op)
    } else {
        Err(Defect::Field("op"))
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

fn op_id(root: Node<'_>) -> Result<u64, Defect> {
    let id = text(root, "op_id")?;
    if !is_lower_hex(&id, 16) {
        return Err(Defect::Field("op_id"));
    }
    u64::from_str_radix(&id, 16).map_err(|_| Defect::Field("op_id"))
}

fn created_at(root: Node<'_>) -> Result<u64, Defect> {
    let created = field(root, "created_at_ms")?.as_u64();
    created
        .filter(|&ms| ms <= MAX_CREATED_AT_MS)
        .ok_or(Defect::Field("created_at_ms"))
}

fn steps(node: Node<'_>) -> Result<Vec<Step>, Defect> {
    if node.kind() != Kind::Array {
        return Err(Defect::Field("steps"));
    }
    let steps = node.elements().map(step).collect::<Result<Vec<_>, _>>()?;
    let ordered = steps.windows(2).all(|pair| pair[0].store < pair[1].store);
    if steps.is_empty() || !ordered || steps.iter().any(|s| s.expected == s.new) {
        return Err(Defect::Steps);
    }
    Ok(steps)
}

fn step(node: Node<'_>) -> Result<Step, Defect> {
    only_fields(node, &["store", "expected", "new"])?;
    let store = StoreId::from_text(&text(node, "store")?).ok_or(Defect::Field("store"))?;
    Ok(Step {
        store,
        expected: blob(field(node, "expected")?, "expected")?,
        new: blob(field(node, "new")?, "new")?,
    })
}

/// `null`, or a string of lower-case hex digit pairs.
fn blob(node: Node<'_>, name: &'static str) -> Result<Option<Blob>, Defect> {
    if node.is_null() {
        return Ok(None);
    }
    let hex = node.as_str().ok_or(Defect::Field(name))?;
    let lower = hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match crate::hex::decode(&hex) {
        Ok(bytes) if lower => Ok(Some(Blob::new(bytes))),
        _ => Err(Defect::Field(name)),
    }
}
