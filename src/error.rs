//! The crate's one error type and its one exit-code table.
//!
//! Primitives keep small error types of their own; they convert into [`Error`] here.
//! Only `main` prints an error, once, through `term::print_error`. Messages are one
//! lower-case line saying what went wrong, with an optional hint saying what to do.
//! No variant ever carries a secret: callers pass paths, names and reasons only.

use crate::cli::SlotName;
use crate::engine::{Defect, KeyProblem};
use crate::store::StoreId;
use crate::{cclock, creds, daemon, fs, json, net, oauth};
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit codes, documented in SPEC.md and README.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const LOGIN_DEAD: u8 = 3;
    pub const UNAVAILABLE: u8 = 4;
    pub const BUSY: u8 = 5;
    pub const NEEDS_ATTENTION: u8 = 6;
}

#[derive(Debug)]
pub enum Error {
    /// The command line is wrong (exit 2).
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// An operating-system call failed on `path` while doing `action` (exit 1).
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A file, directory or lock could not be used as it is (exit 1; a held lock 5).
    Fs(fs::Error),
    /// The network or its configuration failed (exit 4; a bad setting 2).
    Net(net::Error),
    /// The OAuth API said no or could not be reached (exit 3 when the login is dead,
    /// 4 when waiting may help, 2 for a bad endpoint setting, else 1).
    OAuth(oauth::Error),
    /// A file we read is not valid JSON (exit 1).
    Json { path: PathBuf, source: json::Error },
    /// The catalog is not one this version understands; it was left untouched (exit 1).
    Catalog { path: PathBuf, reason: String },
    /// A credentials blob read from `origin` (a store or file, never its content) is
    /// refused or cannot be edited (exit 1).
    Creds {
        origin: String,
        source: creds::CredsError,
    },
    /// No slot has the name or number the user gave, as typed (exit 1).
    NoSuchSlot { slot: String },
    /// A new slot would take a name the catalog already has (exit 1).
    SlotExists { name: SlotName },
    /// A Keychain item could not be read, written or deleted (exit 1). `service` names
    /// the item; `reason` says what failed and never holds a byte of the item; `hint`
    /// what to do about that failure.
    Keychain {
        action: &'static str,
        service: String,
        reason: String,
        hint: &'static str,
    },
    /// A store no longer holds what the command read from it; nothing was written
    /// (exit 1).
    Changed { store: StoreId },
    /// Stores hold neither the old nor the new bytes of a journaled change; nothing
    /// more was written and the entry, with its new bytes, was moved to `entry`
    /// (exit 6).
    Conflict {
        stores: Vec<StoreId>,
        entry: PathBuf,
    },
    /// A journal file failed its checks and was moved to `entry`, never applied
    /// (exit 6).
    Quarantined { entry: PathBuf, defect: Defect },
    /// The journal key file cannot be used as it is (exit 1).
    JournalKey { path: PathBuf, problem: KeyProblem },
    /// The engine was handed a transaction it must not run: a bug (exit 1).
    BadTransaction { reason: String },
    /// One of Claude Code's own locks could not be taken or was taken from us (exit 5
    /// when another process holds or took it, else 1).
    ClaudeLock(cclock::Error),
    /// There is no login where the command looked; `origin` names the place (exit 1).
    NoLogin { origin: String },
    /// Claude Code's live login belongs to an account that has no slot; nothing was
    /// changed, so that login is not lost (exit 1).
    UnknownLogin { email: Option<String> },
    /// Claude Code's live login could belong to several slots of one account, and no
    /// place record says which (exit 1).
    AmbiguousLogin {
        email: Option<String>,
        slots: Vec<SlotName>,
    },
    /// Whose login `origin` holds cannot be told: the blob names no account, no slot
    /// holds its refresh token, and the profile request failed (exit 4).
    UnidentifiedLogin { origin: String, refused: bool },
    /// Replay set journal entries aside or quarantined them; the command stopped
    /// before changing anything (exit 6).
    NeedsAttention {
        set_aside: Vec<PathBuf>,
        quarantined: Vec<PathBuf>,
    },
    /// Writing an inactive slot into Claude Code's credentials file would switch the
    /// account behind the catalog's back (exit 1).
    WouldSwitch { slot: SlotName },
    /// `refresh --all` refreshed some slots but not all (exit 3 when a login is dead,
    /// else `code`, the exit code of the first failure).
    RefreshIncomplete {
        dead: Vec<SlotName>,
        failed: Vec<SlotName>,
        code: u8,
    },
    /// The server refused this slot's refresh token before (`since_ms`); it is not
    /// sent again until the slot's login changes (exit 3).
    DeadLogin { slot: SlotName, since_ms: i64 },
    /// A journal entry set aside in `entry` holds a newer login of `slot` than the one
    /// a refresh would send; nothing was sent (exit 6).
    HeldAside { slot: SlotName, entry: PathBuf },
    /// The server answered a refresh (the old refresh token is spent) but the journal
    /// entry could not be written (`journal`); the new tokens went straight to
    /// `written` (of `stores`), and `failed` says why the rest did not (exit 1).
    Unjournaled {
        journal: Box<Error>,
        stores: Vec<StoreId>,
        written: Vec<StoreId>,
        failed: Option<Box<Error>>,
    },
    /// The service answered the refreshes of `slot` without a usable access token
    /// (its new refresh tokens are stored) (exit 4).
    NoAccessToken { slot: SlotName },
    /// A change was journaled (`entry`) but a store could not be written (`source`);
    /// the next command's replay finishes it (exit code of `source`).
    Unfinished { source: Box<Error>, entry: PathBuf },
    /// The user answered no to a question; nothing was changed (exit 1).
    Cancelled { action: &'static str },
    /// Another daemon holds `<data>/daemon.lock` (exit 5); `pid` is the one it wrote
    /// there, when readable.
    DaemonRunning { pid: Option<u32> },
    /// The daemon's signal handlers could not be installed or waited on (exit 1).
    Signals { source: io::Error },
    /// The binary's path cannot be written into the service file asked for (exit 1).
    ServiceFile {
        path: PathBuf,
        source: daemon::ServiceError,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// Whether the command line or a setting in the environment is wrong (exit 2):
    /// running again unchanged cannot help.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage { .. })
    }

    /// Whether whose login a store holds could not be decided (its account cannot be
    /// told, or several slots share it): nothing was sent or written because of it.
    pub fn is_owner_undecided(&self) -> bool {
        matches!(
            self,
            Error::UnidentifiedLogin { .. } | Error::AmbiguousLogin { .. }
        )
    }

    /// The process exit code for this error (table in SPEC.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Unfinished { source, .. } => source.exit_code(),
            Error::Usage { .. } => exit::USAGE,
            Error::Fs(fs::Error::Busy { .. }) | Error::DaemonRunning { .. } => exit::BUSY,
            Error::Net(err) if is_setting(err) => exit::USAGE,
            Error::Net(_) | Error::UnidentifiedLogin { .. } | Error::NoAccessToken { .. } => {
                exit::UNAVAILABLE
            }
            Error::OAuth(err) => oauth_exit_code(err),
            Error::Conflict { .. }
            | Error::Quarantined { .. }
            | Error::NeedsAttention { .. }
            | Error::HeldAside { .. } => exit::NEEDS_ATTENTION,
            Error::DeadLogin { .. } => exit::LOGIN_DEAD,
            Error::RefreshIncomplete { dead, code, .. } => {
                if dead.is_empty() {
                    *code
                } else {
                    exit::LOGIN_DEAD
                }
            }
            Error::ClaudeLock(cclock::Error::Busy { .. } | cclock::Error::Lost { .. }) => {
                exit::BUSY
            }
            Error::Io { .. }
            | Error::Fs(_)
            | Error::Json { .. }
            | Error::Catalog { .. }
            | Error::Creds { .. }
            | Error::NoSuchSlot { .. }
            | Error::SlotExists { .. }
            | Error::Keychain { .. }
            | Error::Changed { .. }
            | Error::JournalKey { .. }
            | Error::BadTransaction { .. }
            | Error::ClaudeLock(_)
            | Error::NoLogin { .. }
            | Error::UnknownLogin { .. }
            | Error::AmbiguousLogin { .. }
            | Error::WouldSwitch { .. }
            | Error::Unjournaled { .. }
            | Error::Cancelled { .. }
            | Error::Signals { .. }
            | Error::ServiceFile { .. } => exit::ERROR,
        }
    }

    /// What to do about it, when there is something to say.
    #[allow(clippy::too_many_lines)] // one arm per variant: a table, not logic
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoAccessToken { .. } => Some(
                "the login itself is kept (its newest refresh token is stored); try again in \
                 a few minutes"
                    .into(),
            ),
            Error::Unfinished { entry, .. } => Some(format!(
                "the change is kept in the journal ({}); once the cause is fixed (free some \
                 space, unlock, wait for the other program), the next claude-token command \
                 finishes it",
                entry.display()
            )),
            Error::Usage { hint, .. } => hint.clone(),
            Error::Fs(err) => fs_hint(err),
            Error::Net(err) => net_hint(err),
            Error::OAuth(err) => oauth_hint(err),
            Error::Json { .. } => Some("the file was left as it is; fix or move it away".into()),
            Error::Catalog { .. } => Some(
                "the catalog was left as it is; a newer claude-token may have written it".into(),
            ),
            Error::Creds { source, .. } => Some(creds_hint(source).into()),
            Error::NoSuchSlot { .. } => Some("run `claude-token list` to see the slots".into()),
            Error::SlotExists { .. } => {
                Some("choose another name with --name, or remove that slot first".into())
            }
            Error::Keychain { hint, .. } => Some((*hint).into()),
            Error::Io { .. } | Error::Cancelled { .. } | Error::Signals { .. } => None,
            Error::Changed { .. } => {
                Some("another program changed it meanwhile; run the command again".into())
            }
            Error::Conflict { entry, .. } => Some(format!(
                "another program changed the archive; it was not overwritten, and the login \
                 claude-token meant to write there is kept in {} (inspect it with `cat`, then \
                 remove the file to acknowledge it)",
                entry.display()
            )),
            Error::DeadLogin { .. } => Some(
                "log in again in Claude Code (`claude`, then /login), then `claude-token add`; \
                 the refused token is never sent again"
                    .into(),
            ),
            Error::HeldAside { entry, .. } => Some(format!(
                "look at {} (`cat` it): it holds the newer login; remove the file once that \
                 login is safe (e.g. with `claude-token add --path`), then refresh again",
                entry.display()
            )),
            Error::Unjournaled { failed: None, .. } => Some(
                "the login is stored; free the space or fix the disk before the next refresh"
                    .into(),
            ),
            Error::Unjournaled { failed: Some(_), .. } => Some(
                "the new tokens could not be kept everywhere; if no store above holds them, \
                 log in again in Claude Code (`claude`, then /login), then `claude-token add`"
                    .into(),
            ),
            Error::Quarantined { .. } => {
                Some("it was not applied; look at it, then delete it".into())
            }
            Error::JournalKey { problem, .. } => Some(key_hint(*problem).into()),
            Error::BadTransaction { .. } => {
                Some("this is a bug in claude-token; nothing was changed".into())
            }
            Error::ClaudeLock(err) => claude_lock_hint(err),
            Error::NoLogin { .. } => Some(
                "log in with `claude` (then /login), or name a credentials file with --path"
                    .into(),
            ),
            Error::UnknownLogin { .. } => Some(
                "add it with `claude-token add` first, so it is not lost, then run the command again"
                    .into(),
            ),
            Error::AmbiguousLogin { .. } => Some(
                "if you know which slot that login is, say so with `claude-token add \
                 --name SLOT` (for Claude Code's login, this also records the install as \
                 that slot's); else remove the slot that no longer holds this account's \
                 login (`claude-token remove`); then run the command again"
                    .into(),
            ),
            Error::UnidentifiedLogin { refused: false, .. } => Some(
                "claude-token needs the profile service to tell whose login it is; \
                 run the command again when the network is back"
                    .into(),
            ),
            Error::UnidentifiedLogin { refused: true, .. } => Some(
                "the profile service refused that login's access token (it expired or was \
                 revoked), so whose it is cannot be told; start Claude Code once \
                 (`claude`): it refreshes the login, and its new access token tells (if it \
                 asks you to log in, `/login`); then run the command again"
                    .into(),
            ),
            Error::NeedsAttention { .. } => Some(
                "the newest tokens are kept in those files; inspect them with `cat`, then \
                 remove each file to acknowledge it"
                    .into(),
            ),
            Error::WouldSwitch { .. } => Some(
                "use `claude-token use <slot>` to switch accounts, or add --force to write \
                 it anyway"
                    .into(),
            ),
            Error::RefreshIncomplete { dead, .. } if !dead.is_empty() => Some(
                "log in again in Claude Code (`claude`, then /login), then `claude-token add`"
                    .into(),
            ),
            Error::RefreshIncomplete { .. } => {
                Some("the lines above say why; run the command again later".into())
            }
            Error::DaemonRunning { .. } => {
                Some("one daemon per user is enough; stop that one first to start another".into())
            }
            Error::ServiceFile { .. } => Some(
                "install claude-token under a path of plain characters, then print the file again"
                    .into(),
            ),
        }
    }
}

impl fmt::Display for Error {
    #[allow(clippy::too_many_lines)] // one arm per variant: a table, not logic
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage { message, .. } => f.write_str(message),
            Error::Io {
                action,
                path,
                source,
            } => {
                write!(f, "cannot {action} {}: {source}", path.display())
            }
            Error::Fs(err) => err.fmt(f),
            Error::Net(err) => err.fmt(f),
            Error::OAuth(err) => err.fmt(f),
            Error::Json { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Catalog { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::Creds { origin, source } => write!(f, "{origin}: {source}"),
            Error::NoSuchSlot { slot } => write!(f, "there is no slot {slot}"),
            Error::SlotExists { name } => write!(f, "a slot named {name} already exists"),
            Error::Keychain {
                action,
                service,
                reason,
                ..
            } => write!(
                f,
                "cannot {action} the keychain item \"{service}\": {reason}"
            ),
            Error::Changed { store } => write!(f, "{store} changed while claude-token was working"),
            Error::Conflict { stores, .. } => {
                let names: Vec<String> = stores.iter().map(StoreId::to_text).collect();
                write!(
                    f,
                    "conflicting content in {}; it was not overwritten",
                    names.join(", ")
                )
            }
            Error::Quarantined { entry, defect } => {
                write!(
                    f,
                    "journal file {} was quarantined: {defect}",
                    entry.display()
                )
            }
            Error::JournalKey { path, problem } => {
                write!(f, "journal key {} {problem}", path.display())
            }
            Error::BadTransaction { reason } => write!(f, "internal error: {reason}"),
            Error::ClaudeLock(err) => err.fmt(f),
            Error::NoLogin { origin } => write!(f, "there is no login in {origin}"),
            Error::UnknownLogin { email: Some(email) } => write!(
                f,
                "the login Claude Code uses now ({email}) has no slot; nothing was changed"
            ),
            Error::UnknownLogin { email: None } => f.write_str(
                "the login Claude Code uses now belongs to an account with no slot; \
                 nothing was changed",
            ),
            Error::AmbiguousLogin { email, slots } => {
                let names: Vec<&str> = slots.iter().map(SlotName::as_str).collect();
                let who = email
                    .as_deref()
                    .map_or_else(String::new, |e| format!(" ({})", crate::term::one_line(e)));
                write!(
                    f,
                    "the login Claude Code uses now{who} may belong to slot {}; claude-token \
                     cannot tell which, so nothing was changed",
                    names.join(" or ")
                )
            }
            Error::UnidentifiedLogin { origin, .. } => write!(
                f,
                "cannot tell whose login {origin} holds; nothing was changed"
            ),
            Error::NeedsAttention {
                set_aside,
                quarantined,
            } => {
                let all: Vec<String> = set_aside
                    .iter()
                    .chain(quarantined)
                    .map(|p| p.display().to_string())
                    .collect();
                write!(
                    f,
                    "the journal holds changes that could not be applied: {}",
                    all.join(", ")
                )
            }
            Error::WouldSwitch { slot } => write!(
                f,
                "slot {slot} is not active; writing it into Claude Code's credentials file \
                 would switch accounts behind claude-token's back"
            ),
            Error::RefreshIncomplete { dead, failed, .. } => {
                let names = |list: &[SlotName]| {
                    list.iter()
                        .map(SlotName::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match (dead.is_empty(), failed.is_empty()) {
                    (false, true) => write!(f, "login dead: {}", names(dead)),
                    (true, _) => write!(f, "refresh failed: {}", names(failed)),
                    (false, false) => write!(
                        f,
                        "login dead: {}; refresh failed: {}",
                        names(dead),
                        names(failed)
                    ),
                }
            }
            Error::DeadLogin { slot, since_ms } => write!(
                f,
                "the login of slot {slot} is dead: the server refused its refresh token \
                 (first on {}); nothing was sent",
                crate::time::format_local(*since_ms)
            ),
            Error::HeldAside { slot, entry } => write!(
                f,
                "a newer login of slot {slot} waits in {}; refreshing would send an older \
                 token, so nothing was sent",
                entry.display()
            ),
            Error::Unjournaled {
                journal,
                stores,
                written,
                failed,
            } => {
                let names = |list: &[StoreId]| {
                    list.iter()
                        .map(StoreId::to_text)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(
                    f,
                    "the server issued new tokens but the journal could not be written ({journal}); "
                )?;
                if written.is_empty() {
                    write!(f, "they could not be written to {} either", names(stores))?;
                } else {
                    write!(f, "they were written straight to {}", names(written))?;
                }
                match failed {
                    Some(err) => write!(f, " ({err})"),
                    None => Ok(()),
                }
            }
            Error::NoAccessToken { slot } => write!(
                f,
                "the service answered the refresh of slot {slot} without a usable access token"
            ),
            Error::Unfinished { source, .. } => {
                write!(f, "the change is only partly written: {source}")
            }
            Error::Cancelled { action } => write!(f, "{action} cancelled; nothing was changed"),
            Error::DaemonRunning { pid: Some(pid) } => {
                write!(f, "another daemon is running (pid {pid})")
            }
            Error::DaemonRunning { pid: None } => {
                f.write_str("another daemon is running (its pid is unknown)")
            }
            Error::Signals { source } => write!(f, "cannot wait for signals: {source}"),
            Error::ServiceFile { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Signals { source } => Some(source),
            Error::Fs(err) => Some(err),
            Error::Net(err) => Some(err),
            Error::OAuth(err) => Some(err),
            Error::Json { source, .. } => Some(source),
            Error::Creds { source, .. } => Some(source),
            Error::ClaudeLock(err) => Some(err),
            Error::ServiceFile { source, .. } => Some(source),
            Error::Unfinished { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<fs::Error> for Error {
    fn from(err: fs::Error) -> Self {
        Error::Fs(err)
    }
}

fn fs_hint(err: &fs::Error) -> Option<String> {
    let hint = match err {
        fs::Error::DiskFull { .. } => {
            "free some space and run the command again; nothing was replaced"
        }
        fs::Error::Symlink { .. } => {
            "claude-token never follows a link where it reads or writes secrets; \
             replace the link with the file it points to"
        }
        fs::Error::NotRegular { .. } | fs::Error::NotDirectory { .. } => {
            "move the thing at that path away and run the command again"
        }
        fs::Error::TooLarge { .. } => {
            "this file is far larger than any claude-token writes; check what it is"
        }
        fs::Error::Busy { .. } => "another claude-token is running; try again in a moment",
        fs::Error::Io { .. } => return None,
    };
    Some(hint.into())
}

impl From<cclock::Error> for Error {
    fn from(err: cclock::Error) -> Self {
        Error::ClaudeLock(err)
    }
}

fn claude_lock_hint(err: &cclock::Error) -> Option<String> {
    let hint = match err {
        cclock::Error::Busy { .. } => {
            "Claude Code (or another claude-token) is refreshing or saving its login; \
             try again in a moment"
        }
        cclock::Error::Lost { .. } => {
            "another process decided claude-token had stopped and took the lock; nothing \
             more was written under it; run the command again"
        }
        cclock::Error::NotALock { .. } => {
            "move the thing at that path away and run the command again"
        }
        cclock::Error::Record(err) => return fs_hint(err),
        cclock::Error::Io { .. } => return None,
    };
    Some(hint.into())
}

fn creds_hint(err: &creds::CredsError) -> &'static str {
    match err {
        creds::CredsError::Husk(_) => {
            "Claude Code leaves an empty login after a refused refresh or an unfinished /login; \
             sign in again with /login in Claude Code"
        }
        creds::CredsError::Swap { source, .. } => creds_hint(source),
        _ => "the credentials were left as they are",
    }
}

fn key_hint(problem: KeyProblem) -> &'static str {
    match problem {
        KeyProblem::TooOpen { .. } => "make it private: chmod 600 on that file",
        KeyProblem::WrongSize { .. } | KeyProblem::Vanished => {
            "it is damaged; if the journal directory beside it holds no entries, \
             move the key away and run the command again"
        }
    }
}

impl From<net::Error> for Error {
    fn from(err: net::Error) -> Self {
        Error::Net(err)
    }
}

/// Network errors that come from the user's settings rather than from the network.
fn is_setting(err: &net::Error) -> bool {
    matches!(
        err,
        net::Error::BadUrl { .. }
            | net::Error::InsecureScheme { .. }
            | net::Error::BadProxy { .. }
            | net::Error::ProxyUnsupported { .. }
            | net::Error::CertFile { .. }
    )
}

fn net_hint(err: &net::Error) -> Option<String> {
    let hint = match err {
        net::Error::Tls { .. } => {
            "behind a TLS-inspecting proxy, put its CA certificate in a PEM file and set SSL_CERT_FILE to it"
        }
        net::Error::ProxyAuth => "check the user and password in HTTPS_PROXY",
        net::Error::CertFile { .. } => "SSL_CERT_FILE must name a readable PEM file of CA certificates",
        net::Error::BadProxy { .. } | net::Error::ProxyUnsupported { .. } => {
            "set HTTPS_PROXY to http://[user:password@]host:port, or unset it"
        }
        net::Error::Dns { .. } | net::Error::Connect { .. } | net::Error::Timeout { .. } => {
            "check the network connection (and HTTPS_PROXY / NO_PROXY), then try again"
        }
        _ => return None,
    };
    Some(hint.into())
}

impl From<oauth::Error> for Error {
    fn from(err: oauth::Error) -> Self {
        Error::OAuth(err)
    }
}

/// Dead logins 3; what waiting may fix 4 (an unreadable answer counts: it is most often
/// a proxy or a cut connection); bad settings 2; other refusals 1.
fn oauth_exit_code(err: &oauth::Error) -> u8 {
    use oauth::Error as E;
    match err {
        E::LoginDead { .. } | E::Unauthorized { .. } => exit::LOGIN_DEAD,
        E::Network { source, .. } if is_setting(source) => exit::USAGE,
        E::Setting { .. } => exit::USAGE,
        E::RateLimited { .. } | E::Server { .. } | E::Network { .. } | E::Protocol { .. } => {
            exit::UNAVAILABLE
        }
        E::Rejected { .. } => exit::ERROR,
    }
}

fn oauth_hint(err: &oauth::Error) -> Option<String> {
    use oauth::Error as E;
    let hint = match err {
        E::LoginDead { .. } => {
            "log in again in Claude Code (`claude`, then /login), then `claude-token add`; \
             retrying cannot revive this login"
        }
        E::Unauthorized { .. } => {
            "the server refused a freshly refreshed access token; log in again in Claude Code"
        }
        E::RateLimited { .. } => "wait until the time given, then try again",
        E::Server { .. } => "the service has a problem; try again in a few minutes",
        E::Network { source, .. } => return net_hint(source),
        E::Protocol {
            reason: oauth::Protocol::Redirect { .. },
            ..
        } => {
            "a proxy or captive portal may be answering instead of the service; \
             check CLAUDE_TOKEN_OAUTH_TOKEN_URL and CLAUDE_TOKEN_API_BASE_URL if set"
        }
        E::Protocol { .. } => {
            "the answer could not be read; if a proxy sits in between, check it, then try again"
        }
        E::Setting { .. } => "set it to an https:// URL, or unset it to use the default",
        E::Rejected { .. } => return None,
    };
    Some(hint.into())
}
