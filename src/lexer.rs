//! Lexer and statement splitter. Owned by issue 3.
