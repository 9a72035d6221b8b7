//! Tests for `args` (placeholder).
