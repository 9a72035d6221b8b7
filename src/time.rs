//! Time (placeholder).
