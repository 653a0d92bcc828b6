//! The text of `show effective grants`: one `+---+` table row per grant.

use super::{col, table};
use crate::exec::result::EffectiveGrants;

/// The text layout: one `+---+` table row per grant (`In`: the project the request is made
/// in); `OK` when there are none.
pub fn render(e: &EffectiveGrants) -> String {
    if e.grants.is_empty() {
        return "OK".to_string();
    }
    let rows: Vec<Vec<String>> = e
        .grants
        .iter()
        .map(|g| {
            vec![
                g.principal.clone(),
                g.project.clone(),
                g.object.clone(),
                g.action.clone(),
                match &g.columns {
                    Some(c) => c.join(","),
                    None if g.object_type == "table" => "*".to_string(),
                    None => String::new(),
                },
                g.via.join("; "),
                g.expires.clone().unwrap_or_default(),
                g.conditions.join("; "),
                g.restrictions.join("; "),
            ]
        })
        .collect();
    table(
        &[
            col("Principal"),
            col("In"),
            col("Object"),
            col("Action"),
            col("Columns"),
            col("Via"),
            col("Expires"),
            col("Conditions"),
            col("Restrictions"),
        ],
        &rows,
    )
}
