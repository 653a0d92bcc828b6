//! DataWorks separates duties by role (develop, deploy, operate, administer); one member
//! holding several of them undoes the separation.
//!
//! `grant role_project_dev, role_project_pe to RAM$carol` is reported with the revoke of
//! `role_project_pe`, the later of the two in the workspace's order of roles.

use super::super::{fix_in, ident, principal, Report, Tenant};
use crate::exec::workspace::{is_workspace_role, ROLES};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        for u in &p.users {
            let mut held: Vec<&str> = u
                .roles
                .iter()
                .map(String::as_str)
                .filter(|r| is_workspace_role(r))
                .collect();
            if held.len() < 2 {
                continue;
            }
            // Keep the first in the workspace's own order of roles, revoke the others.
            held.sort_by_key(|r| ROLES.iter().position(|w| w.name == *r));
            out.push(Report {
                object: format!("user {} in project {}", u.principal, p.name()),
                found: format!("{} holds {} workspace roles: {}", u.principal, held.len(), held.join(", ")),
                why: "workspace roles separate development, deployment, operation and administration; holding several lets one person do what the separation means to split".into(),
                fix: fix_in(
                    p.name(),
                    held[1..].iter().map(|r| format!("revoke {} from user {}", ident(r), principal(&u.principal))),
                ),
            });
        }
    }
}
