//! Tests for `cli` (placeholder).
