//! A standard-mode workspace keeps development away from production data; a member of both
//! who can write production carries development work (and development mistakes) straight in.
//!
//! A user of shop_dev who is also a user of shop and may `CreateTable` there (asked of the
//! authorizer) is reported on workspace shop; the fix removes it from production.

use super::super::{fix_in, ident, principal, Report, Tenant};
use crate::authz::{Action, Resource};
use crate::catalog::model::ObjectType;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for w in &t.workspaces {
        let Some(dev) = &w.development else { continue };
        let Some(prod) = t.view(&w.production) else {
            continue;
        };
        let Ok(dev_users) = t.txn.users(dev) else {
            continue;
        };
        for user in &prod.users {
            if !dev_users.iter().any(|d| d.principal == user.principal) {
                continue;
            }
            let mut writes: Vec<String> = Vec::new();
            if t.allowed(
                &user.principal,
                Action::CreateTable,
                Resource::project(prod.name()),
            )
            .allowed()
            {
                writes.push(format!("CreateTable on project {}", prod.name()));
            }
            for table in &prod.tables {
                let r = Resource::object(prod.name(), ObjectType::Table, &table.name);
                if t.allowed(&user.principal, Action::Update, r).allowed() {
                    writes.push(format!("Update on table {}", table.name));
                }
            }
            if writes.is_empty() {
                continue;
            }
            let mut fix: Vec<String> = user
                .roles
                .iter()
                .map(|r| {
                    format!(
                        "revoke {} from user {}",
                        ident(r),
                        principal(&user.principal)
                    )
                })
                .collect();
            fix.push(format!("remove user {}", principal(&user.principal)));
            let holds_grants = prod.acl.iter().any(|(_, g, _)| matches!(g, crate::catalog::model::Grantee::User(u) if *u == user.principal))
                || prod.label_grants.iter().any(|(_, g, _)| matches!(g, crate::catalog::model::Grantee::User(u) if *u == user.principal));
            if holds_grants {
                fix.push(format!(
                    "purge privs from user {}",
                    principal(&user.principal)
                ));
            }
            out.push(Report {
                object: format!("workspace {}", w.name),
                found: format!(
                    "{} is a member of {dev} and of {} and may write production ({})",
                    user.principal,
                    prod.name(),
                    writes.join(", ")
                ),
                why: "development and production are isolated so that only reviewed, deployed work writes production; a shared member with write access bypasses the deployment".into(),
                fix: fix_in(prod.name(), fix),
            });
        }
    }
}
