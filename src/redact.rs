//! Secrets (placeholder).
