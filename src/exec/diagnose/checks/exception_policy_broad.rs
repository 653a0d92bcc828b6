//! An exception policy is a hole in project protection; a statement naming everyone, every
//! resource, or any kind of task makes the hole as wide as the project.
//!
//! An exception statement `Principal: *` on `.../tables/*` without a condition is reported
//! with all three reasons; the fix drops the policy (`set ProjectProtection=true;`).

use super::super::{fix_in, Report, Tenant};
use crate::policy::Effect;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let Some(doc) = super::exception_policy(p) else {
            continue;
        };
        for (i, s) in doc.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let mut broad = Vec::new();
            if let Some(x) = s.principals.iter().find(|x| x.contains('*')) {
                broad.push(format!("its Principal {x} is a wildcard"));
            }
            // The `acs:odps:*:` prefix names every region, not every object.
            let wildcard = |r: &&String| r.strip_prefix("acs:odps:*:").unwrap_or(r).contains('*');
            if let Some(r) = s.resources.iter().find(wildcard) {
                broad.push(format!("its Resource {r} is a wildcard"));
            }
            let task_type = s
                .conditions
                .iter()
                .any(|c| c.key.eq_ignore_ascii_case("odps:TaskType"));
            if !task_type {
                broad.push("it has no odps:TaskType condition".to_string());
            }
            if broad.is_empty() {
                continue;
            }
            out.push(Report {
                object: format!("project {} exception policy statement {}", p.name(), i + 1),
                found: broad.join("; "),
                why: "the statement lets protected data leave for more principals, tables or kinds of job than a reviewed exception names; every flow it matches bypasses protection".into(),
                // Setting protection again without `with exception` drops the policy; a
                // narrowed one goes back with `set ProjectProtection=true with exception <file>`.
                fix: fix_in(p.name(), ["set ProjectProtection=true".to_string()]),
            });
        }
    }
}
