//! Tests for `sha256` (placeholder).
