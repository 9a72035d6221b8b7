//! Network transport (placeholder).
