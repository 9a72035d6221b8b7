//! libc calls for files: a flush that reaches stable storage, the free space of a
//! filesystem, and OS randomness.
//!
//! Owns only the calls std does not give us in the form we need. It never opens,
//! names or interprets a file: `crate::fs` does that with std, and calls here for the
//! last step. The macOS branches are type-checked (`.ci/run`) but never run on the Linux
//! build machine; they are kept to a few lines each so that reading them checks them.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Flushes `file` (a regular file or a directory) to stable storage.
///
/// Elsewhere than macOS this is `fsync` (std's `sync_all`, which retries on EINTR).
#[cfg(not(target_os = "macos"))]
pub(crate) fn full_fsync(file: &File) -> io::Result<()> {
    file.sync_all()
}

/// Flushes `file` (a regular file or a directory) to stable storage.
///
/// On macOS `fsync` only hands the data to the drive, whose cache may lose it on
/// power loss; `F_FULLFSYNC` asks the drive to write it out. Filesystems that do not
/// support it (some network and FUSE mounts) say so with an errno, and then plain
/// `fsync` is the best there is. Any other failure is returned as is: after an I/O
/// error a second flush could report success for data that was dropped.
#[cfg(target_os = "macos")]
pub(crate) fn full_fsync(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    loop {
        // SAFETY: `fd` is open for the whole call (borrowed from `file`); F_FULLFSYNC
        // takes no third argument and touches no memory of ours.
        if unsafe { libc::fcntl(fd, libc::F_FULLFSYNC) } != -1 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => {}
            Some(libc::ENOTSUP | libc::EOPNOTSUPP | libc::ENOTTY | libc::EINVAL) => {
                return plain_fsync(fd)
            }
            _ => return Err(err),
        }
    }
}

/// `fsync(2)` itself: on macOS std's `sync_all` is `F_FULLFSYNC`, which just failed.
#[cfg(target_os = "macos")]
fn plain_fsync(fd: std::os::fd::RawFd) -> io::Result<()> {
    loop {
        // SAFETY: `fd` is still open (the caller borrows its `File`); fsync touches
        // no memory of ours.
        if unsafe { libc::fsync(fd) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// Bytes an unprivileged user may still write on the filesystem holding `path`
/// (`statvfs(3)`: `f_bavail * f_frsize`, the blocks left after the root reserve).
/// Symlinks on the way are followed. A path with a NUL byte is `InvalidInput`.
pub(crate) fn free_bytes(path: &Path) -> io::Result<u64> {
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the path holds a NUL byte"))?;
    loop {
        // SAFETY: `statvfs` holds only integers, for which all zero bits are a valid
        // value; the call overwrites it before we read it.
        let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `path` is a NUL-terminated string alive for the whole call, and
        // `stats` is a `statvfs` valid for writes; nothing is kept after the call.
        if unsafe { libc::statvfs(path.as_ptr(), &raw mut stats) } == 0 {
            return Ok(widen(stats.f_bavail).saturating_mul(widen(stats.f_frsize)));
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// A `statvfs` count as `u64`: its fields are `u32` or `u64` depending on the platform
/// (macOS's `f_bavail` is 32 bits), and a direct `u64::from` of a `u64` is flagged.
fn widen<T: Into<u64>>(count: T) -> u64 {
    count.into()
}

/// Fills `buf` with random bytes from the kernel (`getrandom(2)`, which waits only
/// once at boot until the pool is seeded). Large requests come back in parts.
#[cfg(target_os = "linux")]
pub(crate) fn random_bytes(buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: the pointer and length describe `rest`, a live slice we borrow
        // exclusively; getrandom writes at most `rest.len()` bytes into it.
        let got = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if let Ok(n) = usize::try_from(got) {
            filled += n;
            continue;
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
    Ok(())
}

/// Fills `buf` with random bytes from the kernel (`getentropy(3)`, which takes at
/// most 256 bytes a call).
#[cfg(not(target_os = "linux"))]
pub(crate) fn random_bytes(buf: &mut [u8]) -> io::Result<()> {
    for chunk in buf.chunks_mut(256) {
        loop {
            // SAFETY: the pointer and length describe `chunk`, a live slice we borrow
            // exclusively, of at most 256 bytes as getentropy requires.
            if unsafe { libc::getentropy(chunk.as_mut_ptr().cast(), chunk.len()) } == 0 {
                break;
            }
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EINTR) {
                return Err(err);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_differ_between_calls() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        random_bytes(&mut a).unwrap();
        random_bytes(&mut b).unwrap();
        assert_ne!(a, b);
    }

    /// Larger than one getrandom answer (32 MiB - 1) and than many getentropy
    /// chunks, so the loops must carry on; every 256-byte block must be touched
    /// (all zero by chance has probability 2^-2048).
    #[test]
    fn random_bytes_fill_a_large_buffer_to_the_end() {
        let mut buf = vec![0u8; (33 << 20) + 77];
        random_bytes(&mut buf).unwrap();
        assert!(buf.chunks(256).all(|block| block.iter().any(|&b| b != 0)));
    }

    #[test]
    fn random_bytes_accepts_an_empty_buffer() {
        random_bytes(&mut []).unwrap();
    }

    #[test]
    fn free_bytes_of_the_temp_dir_is_positive() {
        assert!(free_bytes(&std::env::temp_dir()).unwrap() > 0);
    }

    /// GNU df reads the same `statvfs`; other writers on the machine may move the
    /// figure between the two calls, hence the tolerance (16 MiB).
    #[cfg(target_os = "linux")]
    #[test]
    fn free_bytes_agrees_with_df() {
        let dir = std::env::temp_dir();
        let ours = free_bytes(&dir).unwrap();
        let df = std::process::Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(df.status.success(), "{df:?}");
        let text = String::from_utf8(df.stdout).unwrap();
        let theirs: u64 = text.lines().nth(1).unwrap().trim().parse().unwrap();
        assert!(ours.abs_diff(theirs) < 16 << 20, "ours {ours}, df {theirs}");
    }

    #[test]
    fn free_bytes_of_a_missing_path_is_not_found() {
        let missing = std::env::temp_dir().join("claude-token-sys-statvfs-missing/x");
        let err = free_bytes(&missing).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn free_bytes_refuses_a_nul_in_the_path() {
        let err = free_bytes(Path::new("/tmp/a\0b")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn full_fsync_flushes_a_file_and_a_directory() {
        let dir = std::env::temp_dir();
        full_fsync(&File::open(&dir).unwrap()).unwrap();
        let path = dir.join(format!("claude-token-sys-fsync-{}", std::process::id()));
        let file = File::create(&path).unwrap();
        let result = full_fsync(&file);
        std::fs::remove_file(&path).unwrap();
        result.unwrap();
    }
}
