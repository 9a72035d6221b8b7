//! argv pull lexer (placeholder).
