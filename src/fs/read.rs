//! Checked reads: a regular file, not through a symlink, up to a size limit, with its
//! permissions and identity.
//!
//! Owns the refusal of symlinks, special files and oversized files at read time. It
//! never follows a symlink in the last path component, never blocks on a FIFO, never
//! reads more than the limit, and never prints the bytes (`Debug` shows their length).

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::SystemTime;

use super::{open_error, Error, GROUP_OR_OTHER};

/// A file's contents as read, with what its metadata said when it was opened.
pub struct ReadFile {
    pub bytes: Vec<u8>,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// The group or others have some access (`mode & 0o077 != 0`).
    pub too_open: bool,
    pub id: FileId,
}

/// Which file was read and in what state: a later read with a different `FileId`
/// saw a different file or a rewritten one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    pub mtime: SystemTime,
}

impl fmt::Debug for ReadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadFile")
            .field("bytes", &format_args!("[{} bytes]", self.bytes.len()))
            .field("mode", &format_args!("{:o}", self.mode))
            .field("too_open", &self.too_open)
            .field("id", &self.id)
            .finish()
    }
}

/// Reads the regular file at `path`, at most `max_len` bytes; `None` when it does
/// not exist. A symlink is [`Error::Symlink`] (even a dangling one), a directory,
/// FIFO, socket or device is [`Error::NotRegular`], a longer file is
/// [`Error::TooLarge`].
pub fn read_regular(path: &Path, max_len: u64) -> Result<Option<ReadFile>, Error> {
    let file = match open_no_follow(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(open_error("open", path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(Error::NotRegular {
            path: path.to_owned(),
        });
    }
    let too_large = || Error::TooLarge {
        path: path.to_owned(),
        limit: max_len,
    };
    if meta.len() > max_len {
        return Err(too_large());
    }
    let bytes = read_capped(file, &meta, max_len).map_err(|e| Error::io("read", path, e))?;
    if u64::try_from(bytes.len()).map_or(true, |len| len > max_len) {
        return Err(too_large());
    }
    let mode = meta.mode() & 0o7777;
    let id = file_id(&meta).map_err(|e| Error::io("inspect", path, e))?;
    Ok(Some(ReadFile {
        bytes,
        mode,
        too_open: mode & GROUP_OR_OTHER != 0,
        id,
    }))
}

/// `O_NOFOLLOW` refuses a symlink; `O_NONBLOCK` keeps a FIFO from hanging the open.
fn open_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
}

/// Reads up to `max_len + 1` bytes (one more than allowed shows the file grew past
/// the limit). The buffer is sized up front so secrets are not copied by regrowth.
fn read_capped(file: File, meta: &Metadata, max_len: u64) -> io::Result<Vec<u8>> {
    let expected = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    let mut bytes = Vec::with_capacity(expected);
    file.take(max_len.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn file_id(meta: &Metadata) -> io::Result<FileId> {
    Ok(FileId {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime: meta.modified()?,
    })
}
