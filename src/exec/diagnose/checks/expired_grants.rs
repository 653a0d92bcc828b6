//! Expired grants no longer allow anything, but they stay in every listing and review until
//! cleared, and hide the grants that matter.
//!
//! A label grant `with exp 0` is counted at the session's clock and reported with `clear
//! expired grants;`.

use super::super::{fix_in, Report, Tenant};
use crate::policy::{PolicyDocument, PolicyKind};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let expired = |at: Option<i64>| at.is_some_and(|at| t.now >= at);
        let acl = p
            .acl
            .iter()
            .map(|(_, _, g)| g.entries.iter().filter(|e| expired(e.expires)).count())
            .sum::<usize>();
        let labels = p
            .label_grants
            .iter()
            .map(|(_, _, g)| {
                g.entries
                    .iter()
                    .filter(|e| expired(Some(e.expires)))
                    .count()
            })
            .sum::<usize>();
        // Policy-mode grants with `expires` are role-policy statements with a DateLessThan
        // condition; `clear expired grants` removes those too.
        let count_expired = |text: Option<String>, kind: PolicyKind| {
            text.and_then(|text| PolicyDocument::parse(&text, kind).ok())
                .map_or(0, |doc| {
                    doc.statements
                        .iter()
                        .filter(|s| expired(s.expires()))
                        .count()
                })
        };
        let policy = p
            .roles
            .iter()
            .map(|r| {
                count_expired(
                    t.txn.role_policy(p.name(), &r.name).ok().flatten(),
                    PolicyKind::Role,
                )
            })
            .sum::<usize>()
            + count_expired(p.project.policy.clone(), PolicyKind::Project);
        if acl + labels + policy == 0 {
            continue;
        }
        out.push(Report {
            object: format!("project {}", p.name()),
            found: format!("{acl} expired ACL grant(s), {labels} expired label grant(s) and {policy} expired policy statement(s) are still stored"),
            why: "expired grants clutter every review of who holds what, and a reviewer cannot tell them from live ones at a glance".into(),
            fix: fix_in(p.name(), ["clear expired grants".to_string()]),
        });
    }
}
