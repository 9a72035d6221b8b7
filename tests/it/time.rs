//! Tests for `time` (placeholder).
