//! Tests for `fs` (placeholder).
