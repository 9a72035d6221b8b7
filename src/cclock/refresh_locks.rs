//! The two locks Claude Code holds around a token refresh, taken in its order, with
//! the owner record that lets it take over from a holder that died.
//!
//! Owns the lock paths, the order (`<claude dir>/.oauth_refresh.lock`, then
//! `realpath(<claude dir>) + ".lock"`), the owner record's write and removal, and the
//! release order (record, legacy lock, refresh lock). It never refreshes anything,
//! never reads credentials, and never removes an owner record that names another
//! process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::dirlock::{DirLock, Options};
use super::owner::{birthtime_ms, OwnerRecord};
use super::Error;

/// The refresh lock's name inside the Claude config directory.
pub const REFRESH_LOCK: &str = ".oauth_refresh.lock";
/// The owner record's name inside the Claude config directory.
pub const OWNER_RECORD: &str = ".oauth_refresh.lock.owner";

/// Largest owner record read back (Claude Code's are about 200 bytes).
const RECORD_LIMIT: u64 = 64 << 10;

/// One step of [`RefreshLocks::release`], in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReleaseStep {
    OwnerRecord,
    LegacyLock,
    RefreshLock,
}

/// Both refresh locks, held, with our owner record in place.
#[derive(Debug)]
pub struct RefreshLocks {
    refresh: Option<DirLock>,
    legacy: Option<DirLock>,
    owner_path: PathBuf,
    record: OwnerRecord,
}

impl RefreshLocks {
    /// Claude Code's refresh-lock settings: stale after 60 s; we wait as its waiters
    /// do, 5 retries 1 to 2 s apart, and touch every 4 s.
    pub const OPTIONS: Options = Options {
        stale: Duration::from_secs(60),
        retries: 5,
        retry_min: Duration::from_secs(1),
        retry_max: Duration::from_secs(2),
        refresh_every: Duration::from_secs(4),
    };

    /// Takes both refresh locks of the Claude config directory `claude_dir` with
    /// [`Self::OPTIONS`] and writes our owner record.
    pub fn acquire(claude_dir: &Path) -> Result<Self, Error> {
        Self::acquire_with(claude_dir, &Self::OPTIONS)
    }

    /// As [`Self::acquire`], with other timings (tests scale them down). A busy lock
    /// names the holder's pid when the owner record belongs to that very lock.
    pub fn acquire_with(claude_dir: &Path, options: &Options) -> Result<Self, Error> {
        let owner_path = claude_dir.join(OWNER_RECORD);
        let legacy_path = legacy_lock_path(claude_dir)?;
        let refresh = DirLock::acquire(&claude_dir.join(REFRESH_LOCK), options)
            .map_err(|e| name_holder(e, &owner_path, |r| r.lock_birthtime_ms))?;
        // On an error below, `refresh` is dropped, which releases it.
        let legacy = DirLock::acquire(&legacy_path, options)
            .map_err(|e| name_holder(e, &owner_path, |r| r.legacy_lock_birthtime_ms))?;
        let (born, legacy_born) = (refresh.birthtime_ms(), legacy.birthtime_ms());
        let record = OwnerRecord::for_this_process(born, legacy_born)
            .unwrap_or_else(|_| OwnerRecord::pid_only(born, legacy_born));
        crate::fs::write_atomic(&owner_path, record.to_json().as_bytes()).map_err(Error::Record)?;
        Ok(RefreshLocks {
            refresh: Some(refresh),
            legacy: Some(legacy),
            owner_path,
            record,
        })
    }

    /// Checks now that both locks are still ours; call it right before every write.
    pub fn ensure_held(&self) -> Result<(), Error> {
        for lock in self.refresh.iter().chain(&self.legacy) {
            lock.ensure_held()?;
        }
        Ok(())
    }

    /// Whether a refresh thread has found either lock taken from us.
    pub fn is_lost(&self) -> bool {
        self.refresh
            .iter()
            .chain(&self.legacy)
            .any(DirLock::is_lost)
    }

    /// The owner record we wrote.
    pub fn record(&self) -> &OwnerRecord {
        &self.record
    }

    /// Releases in Claude Code's order: the owner record (only while it still names
    /// us), the legacy lock, the refresh lock. Every step runs; the first error is
    /// returned ([`Error::Lost`] for a lock taken from us, which is left alone).
    pub fn release(mut self) -> Result<(), Error> {
        self.release_observed(&mut |_| {})
    }

    /// [`Self::release`], telling `observe` before each step (tests watch the order).
    fn release_observed(&mut self, observe: &mut dyn FnMut(ReleaseStep)) -> Result<(), Error> {
        let mut first_error = None;
        if let Some(legacy) = self.legacy.take() {
            observe(ReleaseStep::OwnerRecord);
            first_error = self.remove_record_if_ours().err();
            observe(ReleaseStep::LegacyLock);
            first_error = first_error.or(legacy.release().err());
        }
        if let Some(refresh) = self.refresh.take() {
            observe(ReleaseStep::RefreshLock);
            first_error = first_error.or(refresh.release().err());
        }
        first_error.map_or(Ok(()), Err)
    }

    fn remove_record_if_ours(&self) -> Result<(), Error> {
        let read =
            crate::fs::read_regular(&self.owner_path, RECORD_LIMIT).map_err(Error::Record)?;
        let ours = read
            .and_then(|file| OwnerRecord::parse(&file.bytes))
            .is_some_and(|found| found.same_holder(&self.record));
        if ours {
            crate::fs::remove_file(&self.owner_path).map_err(Error::Record)?;
        }
        Ok(())
    }
}

impl Drop for RefreshLocks {
    fn drop(&mut self) {
        let _ = self.release_observed(&mut |_| {});
    }
}

/// `realpath(<claude dir>) + ".lock"`, the lock proper-lockfile puts beside the
/// directory it locks (`~/.claude.lock` for `~/.claude`).
fn legacy_lock_path(claude_dir: &Path) -> Result<PathBuf, Error> {
    let real =
        std::fs::canonicalize(claude_dir).map_err(|e| Error::io("resolve", claude_dir, e))?;
    let mut name = OsString::from(real);
    name.push(".lock");
    Ok(PathBuf::from(name))
}

/// Adds the holder's pid to a busy error when the owner record was written for the
/// lock now at that path (its recorded birth time, picked by `recorded`, matches).
fn name_holder(err: Error, owner_path: &Path, recorded: fn(&OwnerRecord) -> f64) -> Error {
    let Error::Busy { path, holder: None } = err else {
        return err;
    };
    let holder = holder_of(&path, owner_path, recorded);
    Error::Busy { path, holder }
}

fn holder_of(lock: &Path, owner_path: &Path, recorded: fn(&OwnerRecord) -> f64) -> Option<u32> {
    let file = crate::fs::read_regular(owner_path, RECORD_LIMIT).ok()??;
    let record = OwnerRecord::parse(&file.bytes)?;
    let born = birthtime_ms(&std::fs::symlink_metadata(lock).ok()?);
    #[allow(clippy::float_cmp)] // both sides are the same computation on the same stat
    let same_lock = recorded(&record) == born;
    same_lock.then_some(record.pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn claude_dir() -> Dir {
        let mut random = [0u8; 8];
        crate::fs::random_bytes(&mut random).unwrap();
        let root = std::env::temp_dir().join(format!("cclock-unit-{}", u64::from_ne_bytes(random)));
        std::fs::create_dir_all(root.join(".claude")).unwrap();
        Dir(root)
    }

    #[test]
    fn release_runs_in_claude_codes_order_with_the_state_each_step_expects() {
        let root = claude_dir();
        let dir = root.0.join(".claude");
        let (record, refresh) = (dir.join(OWNER_RECORD), dir.join(REFRESH_LOCK));
        let legacy = root.0.join(".claude.lock");
        let mut locks = RefreshLocks::acquire(&dir).unwrap();
        let mut seen = Vec::new();
        locks
            .release_observed(&mut |step| {
                let present = [record.exists(), legacy.exists(), refresh.exists()];
                seen.push((step, present));
            })
            .unwrap();
        assert_eq!(
            seen,
            [
                (ReleaseStep::OwnerRecord, [true, true, true]),
                (ReleaseStep::LegacyLock, [false, true, true]),
                (ReleaseStep::RefreshLock, [false, false, true]),
            ]
        );
        assert!(!record.exists() && !legacy.exists() && !refresh.exists());
    }
}
