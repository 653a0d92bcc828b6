//! A package allowed to every project, or to many, shares its objects further than a review
//! of each installer would.
//!
//! `allow project * to install package pkg` is reported with `disallow project * to install
//! package pkg;`; a list of more than three projects with the disallows past the third.

use super::super::{fix_in, ident, Report, Tenant};

/// More allowed projects than this is "many".
pub const MANY: usize = 3;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        for package in &p.packages {
            let everyone = package.allowed.iter().any(|a| a.project == "*");
            if !everyone && package.allowed.len() <= MANY {
                continue;
            }
            let found = if everyone {
                "every project may install the package (allowed to *)".to_string()
            } else {
                format!(
                    "{} projects may install the package ({})",
                    package.allowed.len(),
                    package
                        .allowed
                        .iter()
                        .map(|a| a.project.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let fix: Vec<String> = if everyone {
                vec![format!(
                    "disallow project * to install package {}",
                    ident(&package.name)
                )]
            } else {
                package
                    .allowed
                    .iter()
                    .skip(MANY)
                    .map(|a| {
                        format!(
                            "disallow project {} to install package {}",
                            ident(&a.project),
                            ident(&package.name)
                        )
                    })
                    .collect()
            };
            out.push(Report {
                object: format!("package {}.{}", p.name(), package.name),
                found,
                why: format!("each installing project's members may read what the package gives; more than {MANY} installers is more sharing than one review covers"),
                fix: fix_in(p.name(), fix),
            });
        }
    }
}
