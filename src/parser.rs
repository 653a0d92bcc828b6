//! nom parser from tokens to `ast::Statement`. Owned by issue 3.
