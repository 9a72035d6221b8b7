//! Shared helpers for the integration tests.

use std::path::PathBuf;

/// Path of a file under `tests/vectors/` (outside test vectors, with their licences).
pub fn vector(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(rel)
}
