//! The result of `diagnose`: the scope it looked at and its [`Finding`]s, each with a stable
//! check id, a risk, what was found and the statements that fix it.

use crate::ast::RiskLevel;
use serde::Serialize;

/// One finding: a stable check id, its risk, the object it is about, what was found, why it
/// matters, and the statements that fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub risk: RiskLevel,
    pub title: &'static str,
    pub object: String,
    pub found: String,
    pub why: String,
    pub fix: Vec<String>,
}

/// The result of `diagnose`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// `tenant` or `project <p>`.
    pub scope: String,
    pub min_risk: RiskLevel,
    pub projects: Vec<String>,
    pub findings: Vec<Finding>,
}
