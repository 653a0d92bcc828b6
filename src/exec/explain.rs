//! `explain [for <principal>] [from <ip>] <statement>`: the authorizer's full responses, as a
//! `StatementResult::Explain` (data statements) or `StatementResult::ExplainStatement` (every
//! other statement), rendered by `render`. Never writes.
//!
//! `explain for RAM$owner:alice from 10.1.2.3 select phone from prj1.users;` builds the same
//! plan the statement would run (`data::plan`: `CreateInstance` on the current project, then
//! `Select` on the table with column `phone`), authorizes each check as alice from 10.1.2.3,
//! and prints the overall decision, then per check its decision, the deciding rules and every
//! layer's verdict, and finally the nearest ways to change the outcome (`authz::advice`). The
//! statement itself is not run, so nothing is written and no instance is created. Explaining
//! another principal's request needs Admin or better in every project it reports on, as
//! `show grants for <p>` does.
//!
//! `explain for RAM$owner:bob grant Select on table t to user RAM$owner:carol;` has no data
//! plan: the statement is bound and run as bob with every check of its plan recorded
//! (`access::Recorded`: entering the current project, then `GrantPrivilege` on
//! `projects/p/tables/t` needing Admin), and its writes are dropped. The output shows bob's
//! standing, each check with its layers and deciding rule, the outcome the statement would have
//! (it may pass every check and still fail, e.g. on a missing user), and the ways to change it.

use super::access::Recorded;
use super::data;
use super::result::{
    CheckKind, DataFlow, Explain, ExplainCheck, ExplainLayer, ExplainStatement, Outcome,
    Prediction, StatementCheck,
};
use super::{ExecContext, StatementResult};
use crate::ast::{ExplainStmt, Statement};
use crate::authz::{self, advice, texts, Decision, Request, Response};
use crate::catalog::Txn;
use crate::error::{Error, Result};

fn outcome(response: &Response) -> Outcome {
    if response.allowed() {
        Outcome::Allow
    } else {
        Outcome::Deny
    }
}

/// Explaining another principal's request shows what `show grants for <p>` would (its
/// membership, roles, grants, labels) and more (the project policy, protection), so it needs
/// what `show grants for <p>` needs, with the same refusal: Admin or better — in the current
/// project and in every project the checks read, as each check reports on its own project.
/// Explaining one's own request is any member's.
///
/// The current project's check is in the explain statement's own plan; the other projects are
/// known only once the explained statement is planned or run, so they are checked here, through
/// the same authorization as a plan's checks.
fn may_show_grants(ctx: &ExecContext<'_>, txn: &Txn<'_>, project: &str) -> Result<()> {
    match txn.project(project)? {
        Some(p) => super::access::authorize(ctx, txn, &super::plan::show_grants_check(&p.name)),
        // A missing project is reported by the check itself.
        None => Ok(()),
    }
}

/// Statements the data plane plans (`data::plan`); every other statement is explained by
/// running it with its management checks recorded.
fn is_data_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateTable { .. }
            | Statement::CreateTableAs { .. }
            | Statement::DropTable { .. }
            | Statement::InsertValues { .. }
            | Statement::InsertSelect { .. }
            | Statement::Select(_)
            | Statement::TunnelDownload { .. }
            | Statement::CreateFunction { .. }
            | Statement::DropFunction { .. }
            | Statement::AddResource { .. }
            | Statement::DropResource { .. }
    )
}

/// Explains `stmt` in the current project, which the caller has entered: binds the explain
/// statement (`plan::bind_explain`), authorizes its checks, then explains. `dispatch` does the
/// same through the statement's full plan and calls [`run`].
pub fn execute(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &ExplainStmt,
) -> Result<StatementResult> {
    let (checks, principal) = super::plan::bind_explain(ctx, txn, stmt);
    for check in &checks {
        super::access::authorize(ctx, txn, check)?;
    }
    run(ctx, txn, stmt, principal?)
}

/// Explains `stmt` as `principal`, which the plan resolved (and, when it is not the caller,
/// checked in the current project).
pub fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &ExplainStmt,
    principal: String,
) -> Result<StatementResult> {
    let source_ip = stmt
        .source_ip
        .clone()
        .unwrap_or_else(|| ctx.source_ip.to_string());
    let as_principal = ExecContext {
        user: &principal,
        project: ctx.project,
        source_ip: &source_ip,
        now: ctx.now,
        records: ctx.records,
        files: ctx.files,
        checks: None,
        audit: None,
    };
    // Explaining another principal's request needs Admin or better in every project the checks
    // read; the current project's check was the plan's.
    let for_other = principal != ctx.user;
    if !is_data_statement(&stmt.statement) {
        return explain_management(ctx, &as_principal, txn, stmt);
    }
    let txn: &Txn<'_> = txn;
    let plan = data::plan(&as_principal, txn, &stmt.statement)?;
    if for_other {
        let mut seen: Vec<&str> = ctx.project.into_iter().collect();
        for request in &plan.requests {
            let project = request.resource.project.as_str();
            if !seen.contains(&project) {
                seen.push(project);
                may_show_grants(ctx, txn, project)?;
            }
        }
    }
    let snapshot = authz::Snapshot::reusing(txn, ctx.records);
    let checks: Vec<(Request, Response)> = plan
        .requests
        .into_iter()
        .map(|request| {
            let response = authz::try_authorize_in(&request, &snapshot)?;
            Ok((request, response))
        })
        .collect::<Result<_>>()?;
    let decisive = checks.iter().find(|(_, r)| r.decision == Decision::Deny);

    let mut advice_lines = Vec::new();
    let mut shown = Vec::with_capacity(checks.len());
    for (request, response) in &checks {
        let advice = advice::advise(request, response);
        for line in &advice {
            if !advice_lines.contains(line) {
                advice_lines.push(line.clone());
            }
        }
        shown.push(ExplainCheck {
            action: request.action.name().to_string(),
            resource: texts::path(&request.resource),
            columns: request.resource.columns.clone(),
            task_type: request.task_type,
            outflow: request.outflow.as_ref().map(DataFlow::from),
            decision: outcome(response),
            code: response.code,
            message: response.message.clone(),
            rules: response.rules().iter().map(ToString::to_string).collect(),
            layers: response.layers.iter().map(ExplainLayer::from).collect(),
            advice,
        });
    }
    Ok(StatementResult::Explain(Explain {
        statement: stmt.statement.to_string(),
        principal,
        source_ip,
        current_project: ctx.project.map(str::to_string),
        decision: decisive.map_or(Outcome::Allow, |(_, r)| outcome(r)),
        code: decisive.and_then(|(_, r)| r.code),
        message: decisive.and_then(|(_, r)| r.message.clone()),
        checks: shown,
        advice: advice_lines,
    }))
}

/// `explain` of a management (or sandbox) statement: the statement runs as the explained
/// principal, every management check it makes is recorded, and its writes are dropped. The
/// first check is entering the current project, as every statement run in it does.
fn explain_management(
    ctx: &ExecContext<'_>,
    as_principal: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &ExplainStmt,
) -> Result<StatementResult> {
    let inner = &*stmt.statement;
    if let Statement::Explain(_)
    | Statement::Use { .. }
    | Statement::Login { .. }
    | Statement::CreateAccessKey { .. }
    | Statement::ListAccessKeys { .. }
    | Statement::DropAccessKey { .. } = inner
    {
        return Err(Error::invalid(format!(
            "explain takes a statement that runs in the catalog, not `{}`",
            inner.to_string().split(' ').next().unwrap_or_default()
        )));
    }
    let principal = as_principal.user;
    let source_ip = as_principal.source_ip;
    let recorder = super::access::Recorder::default();
    let recording = ExecContext {
        records: None,
        checks: Some(&recorder),
        ..as_principal.clone()
    };
    let outcome_of = super::dispatch(&recording, txn, inner);
    txn.discard_writes();
    let checks = recorder.into_inner();
    if principal != ctx.user {
        let mut seen: Vec<&str> = ctx.project.into_iter().collect();
        for check in &checks {
            let project = match check {
                Recorded::Entry { project, .. } => project,
                Recorded::Management(request, _) => &request.project,
                Recorded::Tenant(..) => continue,
            };
            if !seen.contains(&project.as_str()) {
                seen.push(project);
                may_show_grants(ctx, txn, project)?;
            }
        }
    }
    let decisive = checks
        .iter()
        .map(Recorded::response)
        .find(|response| !response.allowed());
    let standing = checks.iter().find_map(|c| match c {
        Recorded::Entry {
            project, standing, ..
        } if Some(project.as_str()) == ctx.project => Some(*standing),
        _ => None,
    });

    let mut advice_lines: Vec<String> = Vec::new();
    let shown: Vec<StatementCheck> = checks
        .iter()
        .map(|check| {
            let advice = match check {
                Recorded::Entry {
                    project, response, ..
                } => advice::advise_entry(principal, source_ip, project, response),
                Recorded::Management(request, response) => {
                    advice::advise_management(request, response)
                }
                Recorded::Tenant(request, response) if !response.allowed() => vec![format!(
                    "would be allowed if run as the tenant's account (login {};)",
                    request.account
                )],
                Recorded::Tenant(..) => Vec::new(),
            };
            for line in &advice {
                if !advice_lines.contains(line) {
                    advice_lines.push(line.clone());
                }
            }
            statement_check(check, advice)
        })
        .collect();
    let prediction = match (outcome_of, decisive) {
        (_, Some(_)) => Prediction::Refused,
        (Ok(_), None) => Prediction::WouldSucceed,
        (Err(e), None) => Prediction::WouldFail {
            error: e.to_string(),
        },
    };
    Ok(StatementResult::ExplainStatement(ExplainStatement {
        statement: inner.to_string(),
        principal: principal.to_string(),
        source_ip: source_ip.to_string(),
        current_project: ctx.project.map(str::to_string),
        standing,
        decision: decisive.map_or(Outcome::Allow, outcome),
        code: decisive.and_then(|r| r.code),
        message: decisive.and_then(|r| r.message.clone()),
        checks: shown,
        outcome: prediction,
        advice: advice_lines,
    }))
}

/// A recorded check as the explained statement's result shows it.
fn statement_check(check: &Recorded, advice: Vec<String>) -> StatementCheck {
    let response = check.response();
    let mut shown = StatementCheck {
        kind: CheckKind::ProjectAccess,
        project: None,
        standing: None,
        action: None,
        resource: None,
        need: None,
        account: None,
        decision: if response.allowed() {
            Outcome::Allow
        } else {
            Outcome::Deny
        },
        code: response.code,
        message: response.message.clone(),
        rules: response.rules().iter().map(ToString::to_string).collect(),
        layers: response.layers.iter().map(ExplainLayer::from).collect(),
        advice,
    };
    match check {
        Recorded::Entry {
            project, standing, ..
        } => {
            shown.project = Some(project.clone());
            shown.standing = Some(*standing);
        }
        Recorded::Management(request, _) => {
            shown.kind = CheckKind::Management;
            shown.project = Some(request.project.clone());
            shown.action = Some(request.action);
            shown.resource = Some(request.resource.clone());
            shown.need = Some(request.need);
        }
        Recorded::Tenant(request, _) => {
            shown.kind = CheckKind::Tenant;
            shown.action = Some(request.action);
            shown.resource = Some(request.resource.clone());
            shown.account = Some(request.account.clone());
        }
    }
    shown
}
