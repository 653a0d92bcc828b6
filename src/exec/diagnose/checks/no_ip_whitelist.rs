//! Without an IP or VPC whitelist a leaked AccessKey works from anywhere.
//!
//! A project whose `odps.security.ip.whitelist` and `odps.security.vpc.whitelist` are empty is
//! reported with a whitelist of the diagnosing session's address.

use super::super::{fix_in, Report, Tenant};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let set = |key: &str| {
            p.project
                .properties
                .get(key)
                .is_some_and(|v| !v.trim().is_empty())
        };
        if set("odps.security.ip.whitelist") || set("odps.security.vpc.whitelist") {
            continue;
        }
        out.push(Report {
            object: format!("project {}", p.name()),
            found: format!("project {} has neither an IP nor a VPC whitelist", p.name()),
            why: "requests are accepted from any address, so a leaked AccessKey can be used from anywhere".into(),
            // The diagnosing session's own address, so that the fix does not lock it out.
            fix: fix_in(p.name(), [format!("setproject odps.security.ip.whitelist={}", t.source_ip)]),
        });
    }
}
