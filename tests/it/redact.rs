//! Tests for `redact` (placeholder).
