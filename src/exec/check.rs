//! `check [for <principal>] [from <ip>] <statement>`: `explain` reduced to one line, the
//! decision and the rule that decided it, for suites of expected decisions.
//!
//! `check for RAM$owner:alice select phone from prj1.users;` is bound and authorized exactly as
//! the same `explain` (`plan::Binder::explain`: checking someone else needs Admin or better),
//! then `explain::run` answers it — a data statement's requests asked of the authorizer, any
//! other statement run with its checks recorded and its writes dropped (the `Recorder` and
//! `Txn::discard_writes`), so a check never changes the catalog. The decisive check is the
//! first refused one, or when all pass the statement's last check (the object request itself,
//! after entering the project and `CreateInstance`), and its deciding rules are the line's
//! reason: `ALLOW: ACL user/RAM$owner:alice: Select on projects/prj1/tables/users` or
//! `DENY [4031]: column phone: sensitivity 2 > effective label 0 (user label 0)`. `mcsec check`
//! turns the decision into the exit code (0 allow, 3 deny).

pub use super::render::check::render;
pub use super::result::CheckResult;
use super::result::{Outcome, Prediction};
use super::{ExecContext, StatementResult};
use crate::ast::ExplainStmt;
use crate::authz::DenyCode;
use crate::catalog::Txn;
use crate::error::Result;

/// Runs `check`: the same binding and answer as `explain`, reduced.
pub fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &ExplainStmt,
    principal: String,
) -> Result<StatementResult> {
    let explained = super::explain::run(ctx, txn, stmt, principal)?;
    Ok(StatementResult::Check(reduce(explained)?))
}

fn reduce(explained: StatementResult) -> Result<CheckResult> {
    Ok(match explained {
        StatementResult::Explain(e) => {
            let decisive = decisive(&e.checks, |c| c.decision);
            CheckResult {
                statement: e.statement,
                principal: e.principal,
                source_ip: e.source_ip,
                current_project: e.current_project,
                decision: e.decision,
                code: e.code,
                message: e.message,
                check: decisive.map(|c| match &c.columns {
                    Some(columns) => {
                        format!("{} on {} ({})", c.action, c.resource, columns.join(", "))
                    }
                    None => format!("{} on {}", c.action, c.resource),
                }),
                rules: decisive.map(|c| c.rules.clone()).unwrap_or_default(),
                outcome: None,
            }
        }
        StatementResult::ExplainStatement(e) => {
            let decisive = decisive(&e.checks, |c| c.decision);
            // A statement whose recorded checks all pass can still be refused by an object
            // check the data plane makes for it (`describe <table>` needs `Describe`): that
            // refusal is the answer, not a failure after authorization.
            if let (Outcome::Allow, Prediction::WouldFail { error }) = (e.decision, &e.outcome) {
                if let Some(code) = refusal_code(error) {
                    return Ok(CheckResult {
                        statement: e.statement,
                        principal: e.principal,
                        source_ip: e.source_ip,
                        current_project: e.current_project,
                        decision: Outcome::Deny,
                        code: Some(code),
                        message: Some(error.clone()),
                        check: Some("the statement's own object check".to_string()),
                        rules: Vec::new(),
                        outcome: Some("refused".to_string()),
                    });
                }
            }
            CheckResult {
                statement: e.statement,
                principal: e.principal,
                source_ip: e.source_ip,
                current_project: e.current_project,
                decision: e.decision,
                code: e.code,
                message: e.message,
                check: decisive.map(|c| c.words()),
                rules: decisive.map(|c| c.rules.clone()).unwrap_or_default(),
                outcome: Some(match &e.outcome {
                    Prediction::WouldFail { error } => format!("would fail: {error}"),
                    other => other.words(),
                }),
            }
        }
        other => {
            return Err(crate::error::Error::invalid(format!(
                "check could not reduce a {} result",
                other.text().lines().next().unwrap_or_default()
            )))
        }
    })
}

/// The check that decided: the first refused one, or when all pass the last one.
fn decisive<C>(checks: &[C], decision: impl Fn(&C) -> Outcome) -> Option<&C> {
    checks
        .iter()
        .find(|c| decision(c) == Outcome::Deny)
        .or_else(|| checks.last())
}

/// The sub-code of an authorization refusal's text (`... Authorization Failed [4019], ...`,
/// or the whitelist's refusal), as the texts of `authz::texts` write them.
fn refusal_code(error: &str) -> Option<DenyCode> {
    if error.contains("is not in the ip white list of project") {
        return Some(DenyCode::Whitelist);
    }
    let (_, after) = error.split_once("Authorization Failed [")?;
    let number = after.get(..4)?;
    [
        DenyCode::NotMember,
        DenyCode::PolicyDeny,
        DenyCode::NoPrivilege,
        DenyCode::Protected,
        DenyCode::Label,
        DenyCode::ProjectStatus,
    ]
    .into_iter()
    .find(|c| c.number() == number)
}
