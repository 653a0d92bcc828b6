//! Labelled columns mark sensitive data; without project protection any reader may copy it
//! into another project.
//!
//! A project with `set label 2 to table customers(phone)` and protection off is reported with
//! the labelled columns listed (`customers.phone L2`) and `set ProjectProtection=true;`.

use super::super::{fix_in, Report, Tenant};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let labelled = p.labelled_columns();
        if !p.project.settings.project_protection && !labelled.is_empty() {
            out.push(Report {
                object: format!("project {}", p.name()),
                found: format!(
                    "ProjectProtection is off and the project holds labelled columns ({})",
                    labelled.join(", ")
                ),
                why: "without protection a reader of a sensitive table may copy it into any project it can write, out of reach of this project's labels and grants".into(),
                fix: fix_in(p.name(), ["set ProjectProtection=true".to_string()]),
            });
        }
    }
}
