//! A package carries its tables past project protection; a labelled column in one is
//! sensitive data shared with every installer.
//!
//! `add table customers to package pkg` with `customers.phone` at label 2 is reported on
//! package prj1.pkg with `remove table customers from package pkg;`.

use super::super::{fix_in, ident, Report, Tenant};
use crate::catalog::model::ObjectType;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        for package in &p.packages {
            for object in package
                .objects
                .iter()
                .filter(|o| o.kind == ObjectType::Table)
            {
                let Some(table) = p.tables.iter().find(|t| t.name == object.name) else {
                    continue;
                };
                let labelled: Vec<String> = table
                    .columns
                    .iter()
                    .filter_map(|c| {
                        let level = c.label.unwrap_or(table.label);
                        (level > 0).then(|| format!("{} L{level}", c.name))
                    })
                    .collect();
                if labelled.is_empty() {
                    continue;
                }
                out.push(Report {
                    object: format!("package {}.{}", p.name(), package.name),
                    found: format!(
                        "the package shares table {} with labelled columns ({})",
                        table.name,
                        labelled.join(", ")
                    ),
                    why: "objects shared by a package are not blocked by project protection, so the sensitive columns reach every project allowed to install it".into(),
                    fix: fix_in(
                        p.name(),
                        [format!(
                            "remove table {} from package {}",
                            ident(&table.name),
                            ident(&package.name)
                        )],
                    ),
                });
            }
        }
    }
}
