//! The authorizer: a pure function from (request, catalog) to a response carrying the decision
//! and the reasons. Owned by issue 5 (authorizer helper).
//!
//! INTERFACE used by the executor (keep these signatures):
//! - `check_project_access(txn, project, principal, source_ip) -> Result<()>`: the network gate
//!   (IP whitelist, §9.3) then membership (4002). Called for `use`/`--project` and before every
//!   statement that runs in a project. Errors carry the exact contract/§11.4 wording.

use crate::catalog::Txn;
use crate::error::{Error, Result};

/// Network gate then membership for `principal` entering `project` from `source_ip`.
pub fn check_project_access(txn: &Txn<'_>, project: &str, principal: &str, _source_ip: &str) -> Result<()> {
    let Some(p) = txn.project(project)? else {
        return Err(Error::invalid(format!("ODPS-0420111: Project not found - '{project}'.")));
    };
    if p.owner == principal || txn.user(project, principal)?.is_some() {
        Ok(())
    } else {
        Err(Error::denied(format!(
            "ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project {project}."
        )))
    }
}
