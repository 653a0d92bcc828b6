//! The audit trail is switched off: nothing records who ran what, so neither this diagnosis nor
//! the account survey can see how accounts are used, and a refusal leaves no trace.
//!
//! After `alter tenant set audit retention off;` the finding is the tenant, with the statement
//! that turns the trail back on at its default retention.

use super::super::{Report, Tenant};
use crate::catalog::audit::{Retention, DEFAULT_RETENTION_DAYS};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    // A trail that cannot be read is not known to be off.
    if t.txn.audit_retention().ok() != Some(Retention::Off) {
        return;
    }
    out.push(Report {
        object: "tenant".into(),
        found: "the audit trail is off: statements are not recorded".into(),
        why: "without the trail there is no record of who ran which statement from where, refusals included; the account survey cannot find idle or shared accounts, and an incident cannot be traced".into(),
        fix: vec![format!(
            "alter tenant set audit retention {DEFAULT_RETENTION_DAYS} days;"
        )],
    });
}
