//! One proper-lockfile style lock directory: taken with `mkdir`, kept fresh by a
//! thread that touches its mtime, released with `rmdir`.
//!
//! Owns the take-or-break rule, the jittered retries, the refresh thread and the
//! "is it still ours" check. It never breaks a lock whose mtime is fresh, never
//! removes or touches a directory it did not create (touches go through the descriptor
//! of our own directory, so a lock re-created by someone else is never refreshed by
//! us), and never knows which lock it is: `refresh_locks` and `storage_lock` name them.

use std::fs::{DirBuilder, File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use super::owner::birthtime_ms;
use super::Error;

/// How long a lock may go untouched before waiters call it abandoned, how long we
/// wait for one held by someone else, and how often we touch ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// An mtime older than this marks an abandoned lock (Claude Code's stale time).
    pub stale: Duration,
    /// Tries after the first one before giving up with [`Error::Busy`].
    pub retries: u32,
    /// The pause before retry `n` (from 0) is `retry_min * 2^n`, times a random
    /// factor in [1, 2), capped at `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// How often the holder touches the mtime; Claude Code's waiters expect a change
    /// at least every 5 s (they may take over after 7.5 s without one).
    pub refresh_every: Duration,
}

impl Options {
    /// `stale`, about ten retries 100 ms to 1 s apart, and a touch every 4 s.
    pub const fn new(stale: Duration) -> Self {
        Options {
            stale,
            retries: 10,
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            refresh_every: Duration::from_secs(4),
        }
    }
}

/// A lock directory we created and hold. Dropping it releases it like
/// [`DirLock::release`], ignoring errors.
#[derive(Debug)]
pub struct DirLock {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the holder and its refresh thread share.
#[derive(Debug)]
struct Shared {
    path: PathBuf,
    /// Our directory, opened right after mkdir: touches go through it, never by path.
    dir: File,
    /// Set once the lock was found taken from us; never cleared.
    lost: AtomicBool,
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Debug)]
struct State {
    /// What the path showed right after our last touch.
    stamp: Stamp,
    /// When that touch succeeded (a failing touch gives up after the stale time).
    touched: Instant,
    stopping: bool,
}

/// What identifies our lock at its path: the directory and the mtime we set on it,
/// as read back (the filesystem may round the time we asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    mtime: SystemTime,
}

impl DirLock {
    /// Takes the lock directory at `path`, waiting for a live holder as `options` say.
    ///
    /// An existing directory whose mtime is older than `options.stale` is abandoned:
    /// it is removed and one more `mkdir` is tried; if someone else wins that race the
    /// lock counts as held. A fresh one is waited for, then [`Error::Busy`].
    pub fn acquire(path: &Path, options: &Options) -> Result<Self, Error> {
        let mut attempt = 0;
        loop {
            if let Some(dir) = try_take(path, options.stale)? {
                return Ok(Self::hold(path, dir, options));
            }
            if attempt >= options.retries {
                return Err(Error::Busy {
                    path: path.to_owned(),
                    holder: None,
                });
            }
            thread::sleep(pause(options, attempt));
            attempt += 1;
        }
    }

    /// The lock directory's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Whether the refresh thread has found the lock taken from us.
    pub fn is_lost(&self) -> bool {
        self.shared.lost.load(Ordering::SeqCst)
    }

    /// Checks now that the lock is still ours: its path names our directory with the
    /// mtime we last set. Call it right before every write made under the lock.
    pub fn ensure_held(&self) -> Result<(), Error> {
        if self.is_lost() {
            return Err(self.shared.lost_error());
        }
        let state = self.shared.lock_state();
        match self.shared.current() {
            Ok(Some(now)) if now == state.stamp => Ok(()),
            Ok(_) => {
                self.shared.lost.store(true, Ordering::SeqCst);
                Err(self.shared.lost_error())
            }
            Err(e) => Err(Error::io("inspect lock", &self.shared.path, e)),
        }
    }

    /// Birth time of our directory in milliseconds as Node's `fs.stat` reports it
    /// (`birthtimeMs`), 0 where the filesystem does not record one.
    pub fn birthtime_ms(&self) -> f64 {
        self.shared
            .dir
            .metadata()
            .map_or(0.0, |meta| birthtime_ms(&meta))
    }

    /// Stops refreshing and removes the directory if it is still ours. A lock taken
    /// from us is left alone and reported as [`Error::Lost`].
    pub fn release(mut self) -> Result<(), Error> {
        self.finish()
    }

    fn hold(path: &Path, (dir, stamp): (File, Stamp), options: &Options) -> Self {
        let shared = Arc::new(Shared {
            path: path.to_owned(),
            dir,
            lost: AtomicBool::new(false),
            state: Mutex::new(State {
                stamp,
                touched: Instant::now(),
                stopping: false,
            }),
            wake: Condvar::new(),
        });
        let worker = Arc::clone(&shared);
        let (every, stale) = (options.refresh_every, options.stale);
        let thread = thread::Builder::new()
            .name("claude-lock-refresh".into())
            .spawn(move || worker.keep_fresh(every, stale));
        // Without a thread the lock would go stale under us; treat it as lost so no
        // write happens under it (spawning fails only when the system is out of
        // threads or memory).
        if thread.is_err() {
            shared.lost.store(true, Ordering::SeqCst);
        }
        DirLock {
            shared,
            thread: thread.ok(),
        }
    }

    /// Stops the refresh thread (at once: it waits on a condition variable), then
    /// removes the directory if it is still ours. Runs once; later calls do nothing.
    fn finish(&mut self) -> Result<(), Error> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.shared.lock_state().stopping = true;
        self.shared.wake.notify_all();
        // A panicked refresh thread has already stopped touching; the check below
        // still decides whether the directory is ours.
        let _ = thread.join();
        self.ensure_held()?;
        remove_dir(&self.shared.path)
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

impl Shared {
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lost_error(&self) -> Error {
        Error::Lost {
            path: self.path.clone(),
        }
    }

    /// What the path shows now; `None` when nothing is there.
    fn current(&self) -> io::Result<Option<Stamp>> {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) => Ok(Some(stamp(&meta)?)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The refresh thread: touch every `every` until stopped or the lock is lost.
    fn keep_fresh(&self, every: Duration, give_up: Duration) {
        let mut state = self.lock_state();
        loop {
            state = self
                .wake
                .wait_timeout_while(state, every, |s| !s.stopping)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if state.stopping {
                return;
            }
            if !self.touch(&mut state, give_up) {
                self.lost.store(true, Ordering::SeqCst);
                return;
            }
        }
    }

    /// Sets our directory's mtime to now if the path still shows what we last set.
    /// Returns whether the lock is still ours. A failing stat or touch is tried again
    /// next time, until the lock has gone untouched for `give_up` (the stale time: by
    /// then a waiter may have taken it).
    fn touch(&self, state: &mut State, give_up: Duration) -> bool {
        match self.current() {
            Ok(Some(now)) if now == state.stamp => {}
            Ok(_) => return false,
            Err(_) => return state.touched.elapsed() < give_up,
        }
        match set_mtime_now(&self.dir) {
            Ok(stamp) => {
                state.stamp = stamp;
                state.touched = Instant::now();
                true
            }
            Err(_) => state.touched.elapsed() < give_up,
        }
    }
}

/// One try: mkdir; if taken, break it only when its mtime is stale (or it vanished
/// meanwhile), then one more mkdir. `None`: held by someone else.
fn try_take(path: &Path, stale: Duration) -> Result<Option<(File, Stamp)>, Error> {
    if let Some(taken) = make(path)? {
        return Ok(Some(taken));
    }
    match holder_mtime(path)? {
        None => make(path),
        Some(mtime) if is_stale(mtime, stale) => {
            remove_dir(path)?;
            make(path)
        }
        Some(_) => Ok(None),
    }
}

/// `mkdir` (0700) and, on success, our descriptor and first touch. `None` on EEXIST.
fn make(path: &Path) -> Result<Option<(File, Stamp)>, Error> {
    match DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(Error::io("create lock", path, e)),
    }
    match open_and_touch(path) {
        Ok(taken) => Ok(Some(taken)),
        Err(e) => {
            // Ours and never touched: remove it rather than leave a lock behind.
            let _ = std::fs::remove_dir(path);
            Err(Error::io("set the time of lock", path, e))
        }
    }
}

fn open_and_touch(path: &Path) -> io::Result<(File, Stamp)> {
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let stamp = set_mtime_now(&dir)?;
    Ok((dir, stamp))
}

/// Sets the directory's mtime to now (its atime is left alone) and reads it back.
fn set_mtime_now(dir: &File) -> io::Result<Stamp> {
    dir.set_modified(SystemTime::now())?;
    stamp(&dir.metadata()?)
}

fn stamp(meta: &Metadata) -> io::Result<Stamp> {
    Ok(Stamp {
        dev: meta.dev(),
        ino: meta.ino(),
        mtime: meta.modified()?,
    })
}

/// The mtime of the lock at `path`; `None` when it vanished.
fn holder_mtime(path: &Path) -> Result<Option<SystemTime>, Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("inspect lock", path, e)),
    };
    if !meta.is_dir() {
        return Err(Error::NotALock {
            path: path.to_owned(),
        });
    }
    let mtime = meta
        .modified()
        .map_err(|e| Error::io("inspect lock", path, e))?;
    Ok(Some(mtime))
}

/// proper-lockfile's rule: stale when the mtime is older than now minus `stale`.
/// An mtime in the future is fresh.
fn is_stale(mtime: SystemTime, stale: Duration) -> bool {
    SystemTime::now()
        .duration_since(mtime)
        .is_ok_and(|age| age > stale)
}

/// `rmdir`; a directory already gone is fine.
fn remove_dir(path: &Path) -> Result<(), Error> {
    match std::fs::remove_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove lock", path, e)),
    }
}

/// The pause before retry `attempt`: `retry_min * 2^attempt` times a random factor
/// in [1, 2), at most `retry_max`. Jitter keeps waiters from retrying in step.
fn pause(options: &Options, attempt: u32) -> Duration {
    let base = options
        .retry_min
        .saturating_mul(1 << attempt.min(20))
        .min(options.retry_max);
    let jittered = Duration::try_from_secs_f64(base.as_secs_f64() * (1.0 + unit_random()));
    jittered.unwrap_or(options.retry_max).min(options.retry_max)
}

/// A random number in [0, 1); 0 if the system has no randomness to give (then the
/// pauses are merely not jittered).
fn unit_random() -> f64 {
    let mut bytes = [0u8; 4];
    match crate::fs::random_bytes(&mut bytes) {
        Ok(()) => f64::from(u32::from_ne_bytes(bytes)) / 4_294_967_296.0,
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(min_ms: u64, max_ms: u64) -> Options {
        Options {
            retry_min: Duration::from_millis(min_ms),
            retry_max: Duration::from_millis(max_ms),
            ..Options::new(Duration::from_secs(60))
        }
    }

    #[test]
    fn pauses_grow_from_min_and_stay_within_max() {
        let opts = options(1000, 2000);
        for _ in 0..50 {
            let first = pause(&opts, 0);
            assert!(first >= Duration::from_secs(1) && first < Duration::from_secs(2));
            assert_eq!(pause(&opts, 1), Duration::from_secs(2));
            assert_eq!(pause(&opts, 40), Duration::from_secs(2));
        }
    }

    #[test]
    fn pauses_are_jittered() {
        let opts = options(100, 100_000);
        let pauses: Vec<Duration> = (0..8).map(|_| pause(&opts, 3)).collect();
        assert!(pauses.iter().any(|p| *p != pauses[0]));
        assert!(pauses
            .iter()
            .all(|p| *p >= Duration::from_millis(800) && *p < Duration::from_millis(1600)));
    }

    #[test]
    fn staleness_is_strictly_older_than_the_stale_time() {
        let stale = Duration::from_secs(60);
        let now = SystemTime::now();
        assert!(is_stale(now - Duration::from_secs(61), stale));
        assert!(!is_stale(now - Duration::from_secs(30), stale));
        assert!(!is_stale(now + Duration::from_secs(30), stale));
    }
}
