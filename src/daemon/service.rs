//! Service files that run claude-token unattended: a launchd agent, a systemd user
//! service, a systemd timer with its one-shot service, and a crontab line.
//!
//! Owns each format's quoting of the binary's path: XML escapes in the plist, systemd's
//! rules in `ExecStart=` (double quotes around spaces, `%%` for `%`; quotes and
//! backslashes cannot appear in a systemd executable name at all), shell quotes in the
//! crontab line (plus `\%`, since cron turns `%` into a newline). A path that a format
//! cannot hold is refused, never written half-right. It only builds text; `commands`
//! finds the path and prints.

use crate::cli::Service;
use std::fmt;
use std::path::Path;

/// The launchd job label (the macOS application directory's name, plus `.daemon`).
pub(super) const LAUNCHD_LABEL: &str = "ai.2lab.claude-token-cli.daemon";

/// Why a path cannot go into a service file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceError {
    NotUtf8,
    NotAbsolute,
    /// A newline, tab or other control character: no format holds one on one line.
    ControlCharacter,
    /// systemd refuses an executable name with `"`, `'` or `\`.
    SystemdSpecial,
    /// A backslash right before `%`: cron would read `\%` as its own escape.
    CronBackslashPercent,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceError::NotUtf8 => "the path is not valid UTF-8",
            ServiceError::NotAbsolute => "the path is not absolute",
            ServiceError::ControlCharacter => "the path holds a control character",
            ServiceError::SystemdSpecial => {
                "systemd cannot run a program whose path holds a quote or a backslash"
            }
            ServiceError::CronBackslashPercent => {
                "a backslash before % cannot be written in a crontab line"
            }
        })
    }
}

impl std::error::Error for ServiceError {}

/// The file for `kind`, running the binary at `exe`; `home` is the user's home (the
/// launchd log file goes under it).
pub fn render(kind: Service, exe: &Path, home: &Path) -> Result<String, ServiceError> {
    let exe = plain_text(exe)?;
    if !exe.starts_with('/') {
        return Err(ServiceError::NotAbsolute);
    }
    match kind {
        Service::Launchd => Ok(launchd(exe, plain_text(home)?)),
        Service::Systemd => systemd(exe),
        Service::SystemdTimer => systemd_timer(exe),
        Service::Cron => cron(exe),
    }
}

/// The path as text with no control character.
fn plain_text(path: &Path) -> Result<&str, ServiceError> {
    let text = path.to_str().ok_or(ServiceError::NotUtf8)?;
    if text.chars().any(char::is_control) {
        return Err(ServiceError::ControlCharacter);
    }
    Ok(text)
}

fn launchd(exe: &str, home: &str) -> String {
    let log = format!("{home}/Library/Logs/claude-token-daemon.log");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Save as ~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist, then run:
     launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LAUNCHD_LABEL}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{exe}</string>
		<string>daemon</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>60</integer>
	<key>StandardErrorPath</key>
	<string>{log}</string>
</dict>
</plist>
"#,
        exe = xml_escape(exe),
        log = xml_escape(&log),
    )
}

fn systemd(exe: &str) -> Result<String, ServiceError> {
    Ok(format!(
        "# ~/.config/systemd/user/claude-token.service
# then: systemctl --user daemon-reload && systemctl --user enable --now claude-token.service
[Unit]
Description=claude-token: refresh Claude Code logins before they expire

[Service]
Type=simple
ExecStart={} daemon
Restart=on-failure
RestartSec=60
# Exit 2 is a bad setting: restarting cannot fix it.
RestartPreventExitStatus=2

[Install]
WantedBy=default.target
",
        systemd_exec(exe)?
    ))
}

fn systemd_timer(exe: &str) -> Result<String, ServiceError> {
    Ok(format!(
        "# ~/.config/systemd/user/claude-token-refresh.service
[Unit]
Description=claude-token: refresh every Claude Code login that expires soon

[Service]
Type=oneshot
ExecStart={} refresh --all

# ~/.config/systemd/user/claude-token-refresh.timer
# then: systemctl --user daemon-reload && systemctl --user enable --now claude-token-refresh.timer
[Unit]
Description=claude-token: refresh Claude Code logins every 30 minutes

[Timer]
OnCalendar=*:0/30
Persistent=true

[Install]
WantedBy=timers.target
",
        systemd_exec(exe)?
    ))
}

fn cron(exe: &str) -> Result<String, ServiceError> {
    if exe.contains("\\%") {
        return Err(ServiceError::CronBackslashPercent);
    }
    let command = shell_word(exe).replace('%', "\\%");
    Ok(format!(
        "# claude-token: refresh every login that expires soon, every 30 minutes\n\
         */30 * * * * {command} refresh --all\n"
    ))
}

/// `text` with the five XML special characters escaped.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The executable as the first word of `ExecStart=`: `%` doubled (systemd specifiers),
/// double quotes when it holds a space. systemd takes `$` literally in this position.
fn systemd_exec(exe: &str) -> Result<String, ServiceError> {
    if exe.contains(['"', '\'', '\\']) {
        return Err(ServiceError::SystemdSpecial);
    }
    let word = exe.replace('%', "%%");
    if word.contains(char::is_whitespace) {
        Ok(format!("\"{word}\""))
    } else {
        Ok(word)
    }
}

/// `text` as one POSIX shell word: as it is when every character is plain, else in
/// single quotes (a `'` inside written as `'\''`).
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// What `sh` makes of `word`: the argument it passes to printf.
    fn through_sh(word: &str) -> String {
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("printf '%s' {word}"))
            .output()
            .expect("run /bin/sh");
        assert!(out.status.success(), "{word}");
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    #[test]
    fn shell_quoting_survives_the_shell() {
        for text in [
            "/usr/local/bin/claude-token",
            "/Applications/My Tools/claude-token",
            "/opt/it's/bin",
            "/a'b'c",
            "/$HOME/`x`/$(y)/*/?/~/;/&/|/!/#/\\/\"",
            "/caf\u{e9}/\u{1f600}",
        ] {
            assert_eq!(through_sh(&shell_word(text)), text);
        }
    }

    #[test]
    fn plain_paths_stay_unquoted_everywhere() {
        let exe = "/usr/local/bin/claude-token";
        assert_eq!(shell_word(exe), exe);
        assert_eq!(systemd_exec(exe), Ok(exe.to_owned()));
        assert_eq!(xml_escape(exe), exe);
    }

    #[test]
    fn systemd_doubles_percent_and_quotes_spaces() {
        assert_eq!(
            systemd_exec("/opt/a b/100%/$x"),
            Ok("\"/opt/a b/100%%/$x\"".to_owned())
        );
    }

    #[test]
    fn systemd_refuses_quotes_and_backslashes() {
        for exe in ["/a\"b", "/a'b", "/a\\b"] {
            assert_eq!(
                systemd_exec(exe),
                Err(ServiceError::SystemdSpecial),
                "{exe}"
            );
        }
    }

    #[test]
    fn xml_escapes_all_five_specials() {
        assert_eq!(xml_escape("<a&b>\"'"), "&lt;a&amp;b&gt;&quot;&apos;");
    }

    #[test]
    fn cron_escapes_percent_outside_the_shell_quotes() {
        let text = cron("/opt/100% sure/claude-token").expect("renders");
        assert!(
            text.contains("*/30 * * * * '/opt/100\\% sure/claude-token' refresh --all\n"),
            "{text}"
        );
        assert_eq!(cron("/opt/a\\%b"), Err(ServiceError::CronBackslashPercent));
    }

    #[test]
    fn refuses_relative_and_control_character_paths() {
        let home = Path::new("/home/me");
        for kind in [
            Service::Launchd,
            Service::Systemd,
            Service::SystemdTimer,
            Service::Cron,
        ] {
            assert_eq!(
                render(kind, Path::new("bin/claude-token"), home),
                Err(ServiceError::NotAbsolute)
            );
            assert_eq!(
                render(kind, Path::new("/bin/claude\ntoken"), home),
                Err(ServiceError::ControlCharacter)
            );
        }
    }
}
