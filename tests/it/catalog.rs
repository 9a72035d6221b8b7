//! The slot catalog: reading the original tool's files, splice edits that keep what
//! they do not own, place records and token fingerprints, lookups, and the legacy
//! migration.

mod edit;
mod fingerprint;
mod lookup;
mod migrate;
mod places;
mod read;

use claude_token::catalog::{CatalogFile, Slot};
use claude_token::cli::SlotName;
use std::path::Path;

/// A catalog as the original tool's `serde_json` pretty printer writes it.
const ORIGINAL: &str = r#"{
  "version": 1,
  "active": "work",
  "slots": [
    {
      "name": "work",
      "email": "z@2lab.ai",
      "plan": "team",
      "rate_limit_tier": "tier4",
      "last_expires_at": "2026-04-18T12:34:56Z",
      "last_five_hour_percent": 42.1,
      "last_seven_day_percent": 10.8,
      "last_seven_day_sonnet_percent": 7.5,
      "last_resets_at": "2026-04-18T17:00:00Z"
    }
  ]
}"#;

fn name(text: &str) -> SlotName {
    SlotName::parse(text).unwrap()
}

fn slot(text: &str) -> Slot {
    Slot::new(name(text))
}

fn parse(text: &str) -> CatalogFile {
    CatalogFile::parse(Path::new("/c/slots.json"), text.as_bytes()).unwrap()
}

fn text(file: &CatalogFile) -> &str {
    std::str::from_utf8(file.as_bytes()).unwrap()
}
