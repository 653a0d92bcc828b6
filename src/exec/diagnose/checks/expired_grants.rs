//! Expired grants no longer allow anything, but they stay in every listing and review until
//! cleared, and hide the grants that matter.

use super::super::{fix_in, Report, Tenant};

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
            .map(|(_, _, g)| g.entries.iter().filter(|e| expired(Some(e.expires))).count())
            .sum::<usize>();
        if acl + labels == 0 {
            continue;
        }
        out.push(Report {
            object: format!("project {}", p.name()),
            found: format!("{acl} expired ACL grant(s) and {labels} expired label grant(s) are still stored"),
            why: "expired grants clutter every review of who holds what, and a reviewer cannot tell them from live ones at a glance".into(),
            fix: fix_in(p.name(), ["clear expired grants".to_string()]),
        });
    }
}
