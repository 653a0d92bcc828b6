//! The answer of `check <statement>`: the decision, its code and the decisive check with its
//! rules, reduced from `explain` by the handler (`exec::check`).

use super::Outcome;
use crate::authz::DenyCode;
use serde::Serialize;

/// The answer of one `check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub statement: String,
    pub principal: String,
    pub source_ip: String,
    pub current_project: Option<String>,
    pub decision: Outcome,
    pub code: Option<DenyCode>,
    /// The refusal text, on deny.
    pub message: Option<String>,
    /// The decisive check: `Select on projects/p/tables/t`, `access to project p`, ...
    pub check: Option<String>,
    /// Its deciding rules, in explain's words.
    pub rules: Vec<String>,
    /// For a statement that is not a data statement, what it would do when run:
    /// `would succeed`, `would fail: <error>`, `refused`.
    pub outcome: Option<String>,
}

impl CheckResult {
    pub fn allowed(&self) -> bool {
        self.decision == Outcome::Allow
    }
}
