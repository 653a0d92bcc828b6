//! Removing a user leaves their grants in place (§1.2): if the account is added again, or its
//! name reused, it gets them all back.
//!
//! `remove user RAM$gina` after `grant Select ... to user RAM$gina` leaves an ACL grant to a
//! non-member, reported with `purge privs from user RAM$owner:gina;`.

use super::super::{fix_in, principal, Report, Tenant};
use crate::catalog::model::Grantee;
use std::collections::BTreeMap;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        // principal -> (ACL grants, label grants)
        let mut left: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (_, g, grants) in &p.acl {
            if let Grantee::User(u) = g {
                if !p.is_member(u) && !grants.entries.is_empty() {
                    left.entry(u).or_default().0 += grants.entries.len();
                }
            }
        }
        for (_, g, grants) in &p.label_grants {
            if let Grantee::User(u) = g {
                if !p.is_member(u) && !grants.entries.is_empty() {
                    left.entry(u).or_default().1 += grants.entries.len();
                }
            }
        }
        for (user, (acl, labels)) in left {
            out.push(Report {
                object: format!("user {user} in project {}", p.name()),
                found: format!("{user} is not a user of project {} but still holds {acl} ACL grant(s) and {labels} label grant(s)", p.name()),
                why: "the grants come back the moment the account is added again (or a new account gets the name), without anyone granting them".into(),
                fix: fix_in(p.name(), [format!("purge privs from user {}", principal(user))]),
            });
        }
    }
}
