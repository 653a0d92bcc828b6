//! The authorizer. Owned by issue 5.
