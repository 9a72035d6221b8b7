//! Tests for `json` (placeholder).
