//! A project whose tunnel downloads need no `Download` grant: anyone who may read a table may
//! take a copy of it to their machine.
//!
//! `diagnose project prj1` with `odps.security.enabledownloadprivilege` unset reports project prj1
//! with `setproject odps.security.enabledownloadprivilege=true;` as the fix.

use super::super::{fix_in, Report, Tenant};
use crate::authz::DOWNLOAD_PRIVILEGE;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let on = p
            .project
            .properties
            .get(DOWNLOAD_PRIVILEGE)
            .is_some_and(|v| v == "true");
        if !on {
            out.push(Report {
                object: format!("project {}", p.name()),
                found: format!("{DOWNLOAD_PRIVILEGE} is not true in project {}", p.name()),
                why: "every principal that may select a table may also download it through Tunnel; with download control a download needs its own Download grant".into(),
                fix: fix_in(p.name(), [format!("setproject {DOWNLOAD_PRIVILEGE}=true")]),
            });
        }
    }
}
