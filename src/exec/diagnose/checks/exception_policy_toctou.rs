//! The data-protection document's warning: an exception policy approves a table as it was when
//! reviewed; whoever can write the table afterwards can put anything into it, and the exception
//! lets that leave too (time of check to time of use).
//!
//! An exception naming `orders` and `grant Update on table orders to user RAM$bob`: the
//! authorizer, asked whether bob may `Update`, `Alter` or `Drop` orders, allows `Update` by the
//! ACL rule, which becomes `revoke Update on table orders from user RAM$owner:bob;`.

use super::super::{fix_in, ident, principal, Report, Tenant};
use crate::authz::{Action, Resource, Rule};
use crate::catalog::model::{Grantee, ObjectType};
use crate::policy::Effect;

/// The actions that change what a table holds.
const WRITES: [Action; 3] = [Action::Update, Action::Alter, Action::Drop];

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let Some(doc) = super::exception_policy(p) else {
            continue;
        };
        for table in &p.tables {
            let arn = format!("acs:odps:*:projects/{}/tables/{}", p.name(), table.name);
            let named = doc
                .statements
                .iter()
                .any(|s| s.effect == Effect::Allow && s.matches_resource(&arn));
            if !named {
                continue;
            }
            for user in &p.users {
                let writes: Vec<(Action, Vec<Rule>)> = WRITES
                    .iter()
                    .filter_map(|a| {
                        let r = t.allowed(
                            &user.principal,
                            *a,
                            Resource::object(p.name(), ObjectType::Table, &table.name),
                        );
                        r.allowed()
                            .then(|| (*a, r.rules().into_iter().cloned().collect()))
                    })
                    .collect();
                if writes.is_empty() {
                    continue;
                }
                let mut fix = Vec::new();
                let mut via = Vec::new();
                for (action, rules) in &writes {
                    for rule in rules {
                        via.push(rule.to_string());
                        if let Some(s) = undo(rule, *action, &table.name, &user.principal) {
                            if !fix.contains(&s) {
                                fix.push(s);
                            }
                        }
                    }
                }
                via.dedup();
                let actions: Vec<&str> = writes.iter().map(|(a, _)| a.name()).collect();
                out.push(Report {
                    object: format!("table {}.{}", p.name(), table.name),
                    found: format!(
                        "the exception policy names the table and {} may {} it ({})",
                        user.principal,
                        actions.join(", "),
                        via.join("; ")
                    ),
                    why: "rows written after the exception was reviewed leave the protected project under the same exception".into(),
                    fix: if fix.is_empty() { Vec::new() } else { fix_in(p.name(), fix) },
                });
            }
        }
    }
}

/// The statement that takes away what `rule` gives, when one statement can.
fn undo(rule: &Rule, action: Action, table: &str, user: &str) -> Option<String> {
    match rule {
        Rule::Acl {
            grantee,
            action: granted,
            path,
            ..
        } if path.contains("/tables/") => {
            let whom = match grantee {
                Grantee::User(u) => format!("user {}", principal(u)),
                Grantee::Role(r) => format!("role {}", ident(r)),
            };
            let object = match path.rsplit('/').next().unwrap_or(table) {
                "*" => "*".to_string(),
                name => ident(name),
            };
            Some(format!("revoke {granted} on table {object} from {whom}"))
        }
        Rule::Implicit { who: "admin", .. } => {
            Some(format!("revoke admin from user {}", principal(user)))
        }
        Rule::Implicit {
            who: "super_administrator",
            ..
        } => Some(format!(
            "revoke super_administrator from user {}",
            principal(user)
        )),
        Rule::Implicit {
            who: "object_creator",
            ..
        } => Some("set ObjectCreatorHasAccessPermission=false".to_string()),
        _ => {
            let _ = action;
            None
        }
    }
}
