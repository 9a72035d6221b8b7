//! Tests for `net` (placeholder).
