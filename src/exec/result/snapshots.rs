//! The rows of `list snapshots`: a saved tenant's name, save time and size.

use serde::Serialize;

/// A row of `list snapshots`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    pub name: String,
    pub saved_at: String,
    /// How many catalog records it holds.
    pub records: usize,
}
