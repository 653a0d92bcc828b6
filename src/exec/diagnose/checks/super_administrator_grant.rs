//! Super_Administrator holds every management permission; it should be the owner's alone.
//!
//! `grant super_administrator to RAM$eve` is reported with its revoke.

use super::super::{fix_in, principal, Report, Tenant};
use crate::exec::SUPER_ADMINISTRATOR;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        for u in p.holders(SUPER_ADMINISTRATOR) {
            out.push(Report {
                object: format!("user {} in project {}", u.principal, p.name()),
                found: format!("{} holds Super_Administrator in project {}", u.principal, p.name()),
                why: "Super_Administrator may change every security setting and grant, bypasses labels and download control, and is bound by no role policy".into(),
                fix: fix_in(p.name(), [format!("revoke super_administrator from user {}", principal(&u.principal))]),
            });
        }
    }
}
