//! The interactive shell. Owned by issue 6.
