//! Sensitivity labels that nothing enforces: with LabelSecurity off they are decoration.
//!
//! The same labelled project with `LabelSecurity=false` is reported with `set
//! LabelSecurity=true;`.

use super::super::{fix_in, Report, Tenant};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let labelled = p.labelled_columns();
        if !p.project.settings.label_security && !labelled.is_empty() {
            out.push(Report {
                object: format!("project {}", p.name()),
                found: format!(
                    "LabelSecurity is off while columns carry labels ({})",
                    labelled.join(", ")
                ),
                why: "labels are only checked when LabelSecurity is on; until then every reader of the table reads its sensitive columns".into(),
                fix: fix_in(p.name(), ["set LabelSecurity=true".to_string()]),
            });
        }
    }
}
