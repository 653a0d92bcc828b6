//! The statements that check a tenant rather than change it: the audit trail (`show audit`,
//! its retention) and the account survey, plus the sandbox statement that leaves the residue
//! of a RAM user deleted at the account level.
//!
//! `show audit for user RAM$bob in project prj1 since '2026-01-01T00:00:00Z' denied limit 20;`
//! parses to [`AuditQuery`] with every filter set; the executor resolves the user as it does
//! everywhere (`RAM$owner:bob`) and asks the trail's read API for the newest 20 refused
//! statements of bob in prj1 since then.

use super::Principal;
use serde::Serialize;

/// `show audit [for user <u>] [in project <p>] [since '<t>'] [until '<t>'] [denied] [limit <n>]`
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AuditQuery {
    pub user: Option<Principal>,
    pub project: Option<String>,
    /// RFC 3339 times as written.
    pub since: Option<String>,
    pub until: Option<String>,
    pub denied: bool,
    pub limit: Option<u64>,
}

/// What `survey` looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SurveyScope {
    /// The current project.
    Current,
    Project(String),
    /// Every project of the tenant.
    Tenant,
}

/// `survey [project <p> | tenant] [inactive <n> days] [addresses <n>]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyStmt {
    pub scope: SurveyScope,
    /// Days without a statement after which a user counts as inactive (default 90).
    pub inactive_days: Option<u64>,
    /// Accounts seen from more than this many source addresses are listed (default 3).
    pub addresses: Option<u64>,
}

/// `alter tenant set audit retention <n> days | off`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RetentionWord {
    Days(u64),
    Off,
}
