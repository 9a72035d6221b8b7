//! SHA-256, HMAC-SHA256 and constant-time equality (placeholder).
