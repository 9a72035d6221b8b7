//! Tests for `http` (placeholder).
