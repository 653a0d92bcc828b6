//! What a project is, for a client that shows it rather than runs a statement on it: the
//! endpoint's `GET /projects/<p>` answers with its owner, comment and creation time.
//!
//! [`Session::project_summary`] enters the project exactly as `use <p>;` does — missing project,
//! whitelist, status and membership are checked by the authorizer, with the same errors — and
//! only then reads the project's record in the same read transaction, so a caller who may not
//! enter a project learns no more about it than `use` tells.

use super::Session;
use crate::error::Result;

/// A project's public description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub name: String,
    pub owner: String,
    pub comment: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl Session {
    /// The project `name` as the acting principal may see it.
    pub fn project_summary(&self, name: &str) -> Result<ProjectSummary> {
        let name = name.to_ascii_lowercase();
        let txn = self.catalog().begin();
        crate::authz::check_project_access(&txn, &name, self.user(), &self.options.source_ip)?;
        let project = txn
            .project(&name)?
            .ok_or_else(|| crate::authz::project_not_found(&name))?;
        Ok(ProjectSummary {
            name: project.name,
            owner: project.owner,
            comment: project.comment,
            created_at: project.created_at,
        })
    }
}
