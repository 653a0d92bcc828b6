//! A workspace's scheduling access identity used by a person: scheduled nodes run SQL jobs and
//! Tunnel transfers, so a management statement under that identity (a grant, a user added, a
//! listing of grants) — run or refused — means someone works with its credentials. The
//! session's own statements (`use`, `login`, `whoami`) do not count.
//!
//! The audit trail is read for the identity's records, newest last (an indexed query by
//! principal); those before its access keys were last revoked (`drop accesskeys for <p>`,
//! recorded when the identity or the tenant account ran it) no longer count: the credentials
//! used then are gone. The fix revokes them; DataWorks is then given a new key.

use super::super::{principal, Report, Tenant};
use crate::catalog::audit::{AuditRecord, Filter, TaskType};

/// The session's own statements, which any client runs around its work.
const SESSION_STATEMENTS: &[&str] = &["use ", "login ", "whoami"];

fn is_session(statement: &str) -> bool {
    SESSION_STATEMENTS.iter().any(|s| statement.starts_with(s))
}

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for w in &t.workspaces {
        let Some(identity) = &w.scheduler else {
            continue;
        };
        let records = |who: &str| {
            t.txn
                .audit_records(
                    &Filter {
                        principal: Some(who.to_string()),
                        ..Filter::default()
                    },
                    t.now,
                )
                .unwrap_or_default()
        };
        let revocation = format!("drop accesskeys for {}", principal(identity));
        let revoked_at = [identity.as_str(), crate::exec::TENANT_ACCOUNT]
            .iter()
            .flat_map(|who| records(who))
            .filter(|r| r.entry.statement == revocation && r.entry.error.is_none())
            .map(|r| r.seq)
            .max();
        let interactive: Vec<AuditRecord> = records(identity)
            .into_iter()
            .filter(|r| revoked_at.is_none_or(|at| r.seq > at))
            .filter(|r| r.entry.task == TaskType::Management && !is_session(&r.entry.statement))
            .collect();
        let Some(last) = interactive.last() else {
            continue;
        };
        let mut addresses: Vec<&str> = interactive
            .iter()
            .map(|r| r.entry.source_ip.as_str())
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        out.push(Report {
            object: format!("workspace {}", w.name),
            found: format!(
                "the scheduling identity {identity} ran {} management statement{} (the last: {}) from {}",
                interactive.len(),
                if interactive.len() == 1 { "" } else { "s" },
                last.entry.statement,
                addresses.join(", ")
            ),
            why: "the scheduling identity runs the workspace's scheduled jobs with production rights; statements run by hand under it are no one's, and its credentials are in someone's hands".into(),
            fix: vec![format!("{revocation};")],
        });
    }
}
