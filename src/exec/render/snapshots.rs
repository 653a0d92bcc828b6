//! The text of `list snapshots`: a `+---+` table of name, save time and size.

use super::{col, table};
use crate::exec::result::SnapshotInfo;

/// `+---+` table of name, save time and size; `OK` when there are none.
pub fn render(snapshots: &[SnapshotInfo]) -> String {
    if snapshots.is_empty() {
        return "OK".to_string();
    }
    let rows: Vec<Vec<String>> = snapshots
        .iter()
        .map(|s| vec![s.name.clone(), s.saved_at.clone(), s.records.to_string()])
        .collect();
    table(&[col("Name"), col("SavedAt"), col("Records")], &rows)
}
