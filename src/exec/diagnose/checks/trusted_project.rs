//! Each trusted project is a standing exception to project protection: data may flow to it
//! without an exception policy, whatever is done with it there.
//!
//! `add trustedproject prj2` in prj1 is reported on project prj1, saying whether prj1 is
//! protected, with `remove trustedproject prj2;`.

use super::super::{fix_in, ident, Report, Tenant};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        for trusted in &p.project.trusted_projects {
            let state = if p.project.settings.project_protection {
                "protection lets data flow to it"
            } else {
                "the project is not protected, so it matters once protection is on"
            };
            out.push(Report {
                object: format!("project {}", p.name()),
                found: format!("{trusted} is a trusted project of {} ({state})", p.name()),
                why: format!("any job of {trusted} may read {}'s data into {trusted}, where {}'s grants, labels and protection no longer apply", p.name(), p.name()),
                fix: fix_in(p.name(), [format!("remove trustedproject {}", ident(trusted))]),
            });
        }
    }
}
