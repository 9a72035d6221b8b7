//! Where everything lives: our config and data directories, and Claude Code's.
//!
//! Resolution follows the original `claude-token` tool so its installs keep working
//! (SPEC.md "File layout"). Environment values are read through a lookup function so
//! the rules are tested without touching the process environment. An empty value
//! means unset. Relative override paths are refused: a credentials tool must not
//! depend on the directory it happens to be started from. This module never creates
//! or reads a file; it only names them.

use crate::Error;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Application directory name on Linux (under the XDG config and data homes).
const APP_DIR: &str = "claude-token-cli";
/// Application directory name on macOS (under `~/Library/Application Support`).
const MACOS_APP_DIR: &str = "ai.2lab.claude-token-cli";

/// The name of Claude Code's credentials file in its credentials directory.
pub const CREDENTIALS_FILE: &str = ".credentials.json";

/// The resolved locations for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds the catalog `slots.json`.
    pub config_dir: PathBuf,
    /// Holds the keystore, the journal, the lock files and the HMAC key.
    pub data_dir: PathBuf,
    /// The home in which Claude Code's files are found.
    pub home_dir: PathBuf,
    /// Claude Code's own directory (`CLAUDE_CONFIG_DIR`, else `<home>/.claude`).
    pub claude_dir: PathBuf,
    /// Claude Code's global settings file: `$CLAUDE_CONFIG_DIR/.claude.json` when that
    /// variable is set, else `<home>/.claude.json` (as its bundled code resolves it).
    pub claude_json: PathBuf,
    /// Where Claude Code keeps `.credentials.json` (`CLAUDE_SECURESTORAGE_CONFIG_DIR`,
    /// else `claude_dir`).
    pub credentials_dir: PathBuf,
    /// `CLAUDE_TOKEN_FILE_BACKEND` is set: keep the slot archive in files even on macOS.
    pub file_backend: bool,
}

/// Which platform's defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    MacOs,
}

impl Platform {
    /// The platform this binary was built for (everything that is not macOS uses the
    /// XDG layout).
    pub const fn current() -> Self {
        if cfg!(target_os = "macos") {
            Platform::MacOs
        } else {
            Platform::Linux
        }
    }
}

impl Paths {
    /// Resolves the paths from the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::resolve(Platform::current(), &|name| std::env::var_os(name))
    }

    /// Resolves the paths from `env` (a lookup of environment variables).
    pub fn resolve(
        platform: Platform,
        env: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Self, Error> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let absolute = |name: &'static str| -> Result<Option<PathBuf>, Error> {
            var(name)
                .map(PathBuf::from)
                .map(|p| require_absolute(name, p))
                .transpose()
        };
        // HOME is needed only for a location nothing else names.
        let user_home = absolute("HOME")?;
        let home = || user_home.clone().ok_or_else(no_home);
        let home_dir = match absolute("CLAUDE_TOKEN_HOME_DIR")? {
            Some(dir) => dir,
            None => home()?,
        };
        let config_default = || match platform {
            Platform::MacOs => Ok(macos_dir(&home()?)),
            Platform::Linux => xdg_dir(var("XDG_CONFIG_HOME"), home, ".config"),
        };
        let data_default = || match platform {
            Platform::MacOs => Ok(macos_dir(&home()?)),
            Platform::Linux => xdg_dir(var("XDG_DATA_HOME"), home, ".local/share"),
        };
        let config_dir_of_ours = match absolute("CLAUDE_TOKEN_CONFIG_DIR")? {
            Some(dir) => dir,
            None => config_default()?,
        };
        let data_dir = match absolute("CLAUDE_TOKEN_DATA_DIR")? {
            Some(dir) => dir,
            None => data_default()?,
        };
        let config_dir = absolute("CLAUDE_CONFIG_DIR")?;
        let claude_json = config_dir
            .as_ref()
            .unwrap_or(&home_dir)
            .join(".claude.json");
        let claude_dir = config_dir.unwrap_or_else(|| home_dir.join(".claude"));
        let credentials_dir =
            absolute("CLAUDE_SECURESTORAGE_CONFIG_DIR")?.unwrap_or_else(|| claude_dir.clone());
        Ok(Paths {
            config_dir: config_dir_of_ours,
            data_dir,
            home_dir,
            claude_dir,
            claude_json,
            credentials_dir,
            file_backend: var("CLAUDE_TOKEN_FILE_BACKEND").is_some(),
        })
    }

    /// The slot catalog.
    pub fn catalog(&self) -> PathBuf {
        self.config_dir.join("slots.json")
    }

    /// The file archive of slot logins (Linux, or macOS with the file backend).
    pub fn keystore_dir(&self) -> PathBuf {
        self.data_dir.join("keystore")
    }

    /// Write-ahead journal entries.
    pub fn journal_dir(&self) -> PathBuf {
        self.data_dir.join("journal")
    }

    /// The state lock every transaction holds (never deleted).
    pub fn state_lock(&self) -> PathBuf {
        self.data_dir.join(".state.lock")
    }

    /// The per-install key that authenticates journal entries.
    pub fn hmac_key(&self) -> PathBuf {
        self.data_dir.join("hmac.key")
    }

    /// Claude Code's live credentials file.
    pub fn credentials_file(&self) -> PathBuf {
        self.credentials_dir.join(CREDENTIALS_FILE)
    }

    /// The original tool's legacy catalog, migrated on first run.
    pub fn legacy_catalog(&self) -> PathBuf {
        self.home_dir.join(".claude").join("claude-token-cli.json")
    }
}

/// An XDG base directory: the variable when it is absolute (the XDG spec says a
/// relative value is invalid and must be ignored), else `<home>/<fallback>`, plus our
/// application directory.
fn xdg_dir(
    value: Option<OsString>,
    home: impl FnOnce() -> Result<PathBuf, Error>,
    fallback: &str,
) -> Result<PathBuf, Error> {
    let base = match value.map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(base) => base,
        None => home()?.join(fallback),
    };
    Ok(base.join(APP_DIR))
}

/// macOS keeps config and data in one directory under Application Support.
fn macos_dir(home: &Path) -> PathBuf {
    home.join("Library/Application Support").join(MACOS_APP_DIR)
}

fn require_absolute(name: &'static str, path: PathBuf) -> Result<PathBuf, Error> {
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(Error::Usage {
            message: format!("{name} must be an absolute path, not {}", path.display()),
            hint: Some(format!("set {name} to a path starting with /, or unset it")),
        })
    }
}

fn no_home() -> Error {
    Error::Usage {
        message: "cannot tell where your home directory is: HOME is not set".into(),
        hint: Some(
            "set HOME, or set CLAUDE_TOKEN_HOME_DIR, CLAUDE_TOKEN_CONFIG_DIR and \
             CLAUDE_TOKEN_DATA_DIR"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(platform: Platform, vars: &[(&str, &str)]) -> Result<Paths, Error> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), OsString::from(v)))
            .collect();
        Paths::resolve(platform, &|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn linux_defaults_follow_xdg_under_home() {
        let p = resolve(Platform::Linux, &[("HOME", "/home/a")]).unwrap();
        assert_eq!(p.config_dir, Path::new("/home/a/.config/claude-token-cli"));
        assert_eq!(
            p.data_dir,
            Path::new("/home/a/.local/share/claude-token-cli")
        );
        assert_eq!(p.claude_dir, Path::new("/home/a/.claude"));
        assert_eq!(p.claude_json, Path::new("/home/a/.claude.json"));
        assert_eq!(
            p.credentials_file(),
            Path::new("/home/a/.claude/.credentials.json")
        );
        assert_eq!(
            p.catalog(),
            Path::new("/home/a/.config/claude-token-cli/slots.json")
        );
        assert_eq!(
            p.keystore_dir(),
            Path::new("/home/a/.local/share/claude-token-cli/keystore")
        );
        assert!(!p.file_backend);
    }

    #[test]
    fn xdg_variables_move_config_and_data() {
        let p = resolve(
            Platform::Linux,
            &[
                ("HOME", "/h"),
                ("XDG_CONFIG_HOME", "/x/c"),
                ("XDG_DATA_HOME", "/x/d"),
            ],
        )
        .unwrap();
        assert_eq!(p.config_dir, Path::new("/x/c/claude-token-cli"));
        assert_eq!(p.data_dir, Path::new("/x/d/claude-token-cli"));
    }

    #[test]
    fn relative_xdg_values_are_ignored_as_the_spec_says() {
        let p = resolve(
            Platform::Linux,
            &[("HOME", "/h"), ("XDG_CONFIG_HOME", "rel")],
        )
        .unwrap();
        assert_eq!(p.config_dir, Path::new("/h/.config/claude-token-cli"));
    }

    #[test]
    fn macos_keeps_config_and_data_in_application_support() {
        let p = resolve(
            Platform::MacOs,
            &[("HOME", "/Users/a"), ("XDG_CONFIG_HOME", "/x")],
        )
        .unwrap();
        let dir = Path::new("/Users/a/Library/Application Support/ai.2lab.claude-token-cli");
        assert_eq!(p.config_dir, dir);
        assert_eq!(p.data_dir, dir);
    }

    #[test]
    fn overrides_win_and_empty_values_mean_unset() {
        let p = resolve(
            Platform::Linux,
            &[
                ("HOME", "/h"),
                ("CLAUDE_TOKEN_CONFIG_DIR", "/c"),
                ("CLAUDE_TOKEN_DATA_DIR", ""),
                ("CLAUDE_TOKEN_HOME_DIR", "/other"),
                ("CLAUDE_TOKEN_FILE_BACKEND", "1"),
            ],
        )
        .unwrap();
        assert_eq!(p.config_dir, Path::new("/c"));
        assert_eq!(p.data_dir, Path::new("/h/.local/share/claude-token-cli"));
        assert_eq!(p.claude_dir, Path::new("/other/.claude"));
        assert_eq!(
            p.legacy_catalog(),
            Path::new("/other/.claude/claude-token-cli.json")
        );
        assert!(p.file_backend);
        let q = resolve(
            Platform::Linux,
            &[("HOME", "/h"), ("CLAUDE_TOKEN_FILE_BACKEND", "")],
        )
        .unwrap();
        assert!(!q.file_backend);
    }

    #[test]
    fn claude_config_dir_and_secure_storage_dir_move_claude_files() {
        let p = resolve(
            Platform::Linux,
            &[("HOME", "/h"), ("CLAUDE_CONFIG_DIR", "/cc")],
        )
        .unwrap();
        assert_eq!(p.claude_dir, Path::new("/cc"));
        assert_eq!(p.claude_json, Path::new("/cc/.claude.json"));
        assert_eq!(p.credentials_file(), Path::new("/cc/.credentials.json"));
        let q = resolve(
            Platform::Linux,
            &[
                ("HOME", "/h"),
                ("CLAUDE_CONFIG_DIR", "/cc"),
                ("CLAUDE_SECURESTORAGE_CONFIG_DIR", "/s"),
            ],
        )
        .unwrap();
        assert_eq!(q.credentials_file(), Path::new("/s/.credentials.json"));
    }

    #[test]
    fn relative_overrides_are_a_usage_error_naming_the_variable() {
        let err = resolve(
            Platform::Linux,
            &[("HOME", "/h"), ("CLAUDE_TOKEN_DATA_DIR", "data")],
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "CLAUDE_TOKEN_DATA_DIR must be an absolute path, not data"
        );
    }

    #[test]
    fn without_home_the_overrides_are_enough() {
        let p = resolve(
            Platform::Linux,
            &[
                ("CLAUDE_TOKEN_HOME_DIR", "/h"),
                ("CLAUDE_TOKEN_CONFIG_DIR", "/c"),
                ("CLAUDE_TOKEN_DATA_DIR", "/d"),
            ],
        )
        .unwrap();
        assert_eq!(p.claude_dir, Path::new("/h/.claude"));
        assert_eq!(p.config_dir, Path::new("/c"));
        let err = resolve(Platform::Linux, &[("CLAUDE_TOKEN_HOME_DIR", "/h")]).unwrap_err();
        assert!(err.to_string().contains("HOME is not set"), "{err}");
    }

    #[test]
    fn missing_home_is_a_clear_error() {
        let err = resolve(Platform::Linux, &[]).unwrap_err();
        assert!(err.to_string().contains("HOME is not set"), "{err}");
    }
}
