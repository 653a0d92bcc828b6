//! A role nobody holds still carries its grants: granting it later hands them all over at
//! once, usually without a review of what it holds.
//!
//! `create role readers` with a grant and no member is reported with `drop role readers;` and
//! `purge privs from role readers;`.

use super::super::{fix_in, ident, Report, Tenant};
use crate::catalog::model::Grantee;
use crate::exec::workspace::is_workspace_role;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        // A workspace's role_project_* roles are the platform's, as admin is MaxCompute's.
        let in_workspace = t
            .workspaces
            .iter()
            .any(|w| w.production == p.name() || w.development.as_deref() == Some(p.name()));
        let platform = |name: &str| in_workspace && is_workspace_role(name);
        for role in p.roles.iter().filter(|r| !r.builtin && !platform(&r.name)) {
            if !p.holders(&role.name).is_empty() {
                continue;
            }
            let grants = p
                .acl
                .iter()
                .filter(|(_, g, a)| {
                    matches!(g, Grantee::Role(r) if *r == role.name) && !a.entries.is_empty()
                })
                .count();
            let policy = t
                .txn
                .role_policy(p.name(), &role.name)
                .ok()
                .flatten()
                .is_some();
            // A role holding nothing gives nothing when granted: not a risk.
            if grants == 0 && !policy {
                continue;
            }
            let mut fix = vec![format!("drop role {}", ident(&role.name))];
            if grants > 0 {
                fix.push(format!("purge privs from role {}", ident(&role.name)));
            }
            out.push(Report {
                object: format!("role {} in project {}", role.name, p.name()),
                found: format!(
                    "role {} has no members and holds {grants} grant(s){}",
                    role.name,
                    if policy { " and a role policy" } else { "" }
                ),
                why: "an unused role is unreviewed permission waiting for a member; drop it, or grant it deliberately".into(),
                fix: fix_in(p.name(), fix),
            });
        }
    }
}
