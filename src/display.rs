//! Canonical text of every AST node (`impl Display`). Owned by the parser work (issue 3).
