//! `list` (also a bare `claude-token`): one row per slot from the catalog.
//!
//! This release shows what the catalog knows (number, name, email, plan, which slot is
//! active). With no slots it tells the user what to do next, looking at Claude Code's
//! credentials file without ever printing a token from it. It reads only; it never
//! writes or creates anything.

use crate::catalog::{self, Catalog};
use crate::cli::{Format, Global, SlotName};
use crate::json::{self, Value};
use crate::paths::Paths;
use crate::{fs, term, time, Error};

/// Claude Code's credentials file is small; a larger file is not one.
const MAX_CREDENTIALS: u64 = 1 << 20;

/// Runs `list`. `debug` adds the resolved paths (the catalog holds no tokens).
pub fn run(global: &Global, debug: bool) -> Result<(), Error> {
    let paths = Paths::from_env()?;
    let catalog_path = paths.catalog();
    let loaded = catalog::load(&catalog_path)?;
    let too_open = loaded.as_ref().is_some_and(|l| l.too_open);
    let catalog = loaded.map_or_else(Catalog::default, |l| l.file.into_catalog());
    if too_open {
        term::warn(&format!(
            "{} can be read by other users; run: chmod 600 {}",
            catalog_path.display(),
            catalog_path.display()
        ));
    }
    if debug {
        term::out(&debug_paths(&paths))?;
    }
    match global.format {
        Format::Json => term::out(&format!(
            "{}\n",
            json::to_compact_string(&to_json(&catalog))
        )),
        Format::Pretty if catalog.slots.is_empty() => term::out(&no_slots(&paths)),
        Format::Pretty => term::out(&table(&catalog)),
    }
}

/// The machine-readable form: `{"schema":1,"active":…,"slots":[…]}` (SPEC.md §4).
pub fn to_json(catalog: &Catalog) -> Value {
    let slots = catalog.slots.iter().enumerate().map(|(i, slot)| {
        let active = catalog.active.as_ref() == Some(&slot.name);
        Value::Object(vec![
            ("index".into(), Value::from(i as u64 + 1)),
            ("name".into(), Value::from(slot.name.as_str())),
            ("email".into(), optional(slot.email.as_deref())),
            ("active".into(), Value::from(active)),
            ("plan".into(), optional(slot.plan.as_deref())),
        ])
    });
    Value::Object(vec![
        ("schema".into(), Value::from(1u64)),
        (
            "active".into(),
            optional(catalog.active.as_ref().map(SlotName::as_str)),
        ),
        ("slots".into(), Value::Array(slots.collect())),
    ])
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, Value::from)
}

/// Aligned rows: active marker, `#N`, name, email, plan.
pub fn table(catalog: &Catalog) -> String {
    let rows: Vec<[String; 4]> = catalog
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let marker = if catalog.active.as_ref() == Some(&s.name) {
                "*"
            } else {
                " "
            };
            [
                format!("{marker} #{}", i + 1),
                s.name.to_string(),
                s.email.clone().unwrap_or_else(|| "-".into()),
                s.plan.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "  #".to_string(),
        "NAME".into(),
        "EMAIL".into(),
        "PLAN".into(),
    ];
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// What to do when there are no slots: what we see of Claude Code's login, then `add`.
fn no_slots(paths: &Paths) -> String {
    let file = paths.credentials_file();
    let seen = match fs::read_regular(&file, MAX_CREDENTIALS) {
        Ok(Some(read)) => describe_login(&read.bytes),
        Ok(None) => {
            return format!(
                "No slots yet, and no Claude Code login at {}.\n\
                 Log in with `claude` (then /login), then run: claude-token add\n",
                file.display()
            )
        }
        Err(err) => format!("but it cannot be read: {err}"),
    };
    format!(
        "No slots yet.\nClaude Code's login file is {} ({seen}).\n\
         Register that login as a slot with: claude-token add\n",
        file.display()
    )
}

/// A one-phrase description of a credentials blob; never shows a token.
fn describe_login(bytes: &[u8]) -> String {
    let Ok(doc) = json::parse(bytes) else {
        return "but it is not valid JSON".into();
    };
    let Some(oauth) = doc.get(&["claudeAiOauth"]) else {
        return "but it holds no Claude login".into();
    };
    let plan = oauth
        .get("subscriptionType")
        .and_then(|n| n.as_str().map(std::borrow::Cow::into_owned));
    let expiry = oauth
        .get("expiresAt")
        .and_then(|n| n.as_i64())
        .filter(|&ms| ms > 0);
    let mut text = plan.map_or_else(
        || "logged in".into(),
        |p| format!("logged in, plan {}", clean(&p)),
    );
    if let Some(ms) = expiry {
        let now = time::now_ms();
        let verb = if ms > now { "expires" } else { "expired" };
        let when = time::relative(now, ms);
        text = format!("{text}, access token {verb} {when}");
    }
    text
}

/// Outside text shown in a sentence: printable ASCII only, short.
fn clean(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_graphic)
        .take(40)
        .collect()
}

fn debug_paths(paths: &Paths) -> String {
    format!(
        "config dir:        {}\ndata dir:          {}\nclaude dir:        {}\n\
         credentials file:  {}\ncatalog:           {}\nfile backend:      {}\n\n",
        paths.config_dir.display(),
        paths.data_dir.display(),
        paths.claude_dir.display(),
        paths.credentials_file().display(),
        paths.catalog().display(),
        paths.file_backend,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Slot;

    fn name(text: &str) -> SlotName {
        SlotName::parse(text).unwrap()
    }

    fn sample() -> Catalog {
        Catalog {
            active: Some(name("work")),
            slots: vec![
                Slot {
                    email: Some("a@example.com".into()),
                    plan: Some("max".into()),
                    ..Slot::new(name("personal"))
                },
                Slot::new(name("work")),
            ],
        }
    }

    #[test]
    fn table_marks_the_active_slot_and_aligns_columns() {
        let expected = concat!(
            "  #   NAME      EMAIL          PLAN\n",
            "  #1  personal  a@example.com  max\n",
            "* #2  work      -              -\n",
        );
        assert_eq!(table(&sample()), expected);
    }

    #[test]
    fn json_form_has_schema_index_and_nulls_for_unknowns() {
        let text = json::to_compact_string(&to_json(&sample()));
        assert_eq!(
            text,
            r#"{"schema":1,"active":"work","slots":[{"index":1,"name":"personal","email":"a@example.com","active":false,"plan":"max"},{"index":2,"name":"work","email":null,"active":true,"plan":null}]}"#
        );
    }

    #[test]
    fn describing_a_login_never_shows_its_tokens() {
        let blob = br#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET","refreshToken":"sk-ant-ort01-SECRET","expiresAt":1,"subscriptionType":"max"}}"#;
        let text = describe_login(blob);
        assert!(text.starts_with("logged in, plan max"), "{text}");
        assert!(!text.contains("SECRET"));
        assert_eq!(describe_login(b"{"), "but it is not valid JSON");
        assert_eq!(describe_login(b"{}"), "but it holds no Claude login");
    }
}
