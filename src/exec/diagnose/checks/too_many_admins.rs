//! Every administrator can grant themselves or anyone else the project's data; the diagnosis
//! of the DataWorks console flags more than three.
//!
//! Four users holding `admin`: the three added first keep it, the fix revokes it from the
//! fourth.

use super::super::{fix_in, ident, principal, Report, Tenant};
use crate::exec::workspace::ADMIN_ROLE;
use crate::exec::{ADMIN, SUPER_ADMINISTRATOR};

/// At most this many administrators per project.
pub const MOST: usize = 3;

const ADMIN_ROLES: [&str; 3] = [SUPER_ADMINISTRATOR, ADMIN, ADMIN_ROLE];

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let mut admins: Vec<_> = p
            .users
            .iter()
            .filter(|u| u.roles.iter().any(|r| ADMIN_ROLES.contains(&r.as_str())))
            .collect();
        if admins.len() <= MOST {
            continue;
        }
        // The earliest added keep the role; the fix takes it from the rest.
        admins.sort_by(|a, b| {
            a.added_at
                .cmp(&b.added_at)
                .then_with(|| a.principal.cmp(&b.principal))
        });
        let names: Vec<&str> = admins.iter().map(|u| u.principal.as_str()).collect();
        let fix: Vec<String> = admins
            .iter()
            .skip(MOST)
            .flat_map(|u| {
                u.roles
                    .iter()
                    .filter(|r| ADMIN_ROLES.contains(&r.as_str()))
                    .map(move |r| {
                        format!("revoke {} from user {}", ident(r), principal(&u.principal))
                    })
            })
            .collect();
        out.push(Report {
            object: format!("project {}", p.name()),
            found: format!(
                "{} administrators (holders of {}): {}",
                admins.len(),
                ADMIN_ROLES.join(", "),
                names.join(", ")
            ),
            why: format!("each administrator can grant any data of the project to anyone; more than {MOST} is more than can be held to account"),
            fix: fix_in(p.name(), fix),
        });
    }
}
