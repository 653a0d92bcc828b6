//! The text of `show outflow paths`: one chain per line.

use crate::exec::result::OutflowPath;

/// Text mode: one chain per line, `OK` when there is none.
pub fn text(paths: &[OutflowPath]) -> String {
    if paths.is_empty() {
        return "OK".into();
    }
    paths
        .iter()
        .map(|p| p.chain.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
