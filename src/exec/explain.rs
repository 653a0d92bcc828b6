//! `explain [for <principal>] [from <ip>] <data statement>`: the authorizer's full response, as
//! a `StatementResult::Explain` (rendered by `render`). Never writes.
//!
//! INTERFACE: `execute(ctx, txn, stmt)` is called by `Session::execute` for `Statement::Explain`.
//!
//! `explain for RAM$owner:alice from 10.1.2.3 select phone from prj1.users;` builds the same
//! plan the statement would run (`data::plan`: `CreateInstance` on the current project, then
//! `Select` on the table with column `phone`), authorizes each check as alice from 10.1.2.3,
//! and reports the overall decision, then per check its decision, the deciding rules and every
//! layer's verdict, and finally the nearest ways to change the outcome (`authz::advice`). The
//! statement itself is not run, so nothing is written and no instance is created. Explaining
//! another principal's request needs Admin or better in every project it reports on, as
//! `show grants for <p>` does.

use super::access::{require, Mgmt, Need};
use super::data;
use super::result::{DataFlow, Explain, ExplainCheck, ExplainLayer, Outcome};
use super::{ExecContext, StatementResult};
use crate::ast::{ExplainStmt, PrincipalKind};
use crate::authz::{self, advice, texts, Decision, Request, Response};
use crate::catalog::Txn;
use crate::error::{Error, Result};

pub fn execute(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    stmt: &ExplainStmt,
) -> Result<StatementResult> {
    let principal = match &stmt.principal {
        Some(p) if p.kind == PrincipalKind::User => super::resolve_user(&p.name, ctx.user),
        Some(p) => {
            let kind = match p.kind {
                PrincipalKind::Role => "role",
                PrincipalKind::TenantRole => "tenant role",
                PrincipalKind::TenantUser => "tenant user",
                PrincipalKind::Group | PrincipalKind::TenantGroup => "group",
                PrincipalKind::User => "user",
            };
            return Err(Error::invalid(format!(
                "explain for needs a user principal, not {kind} {}",
                p.name
            )));
        }
        None => ctx.user.to_string(),
    };
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
    };
    // Explaining another principal's request shows what `show grants for <p>` would (its
    // membership, roles, grants, labels) and more (the project policy, protection), so it needs
    // what `show grants for <p>` needs, with the same refusal: Admin or better — here in the
    // current project and in every project the checks read, as each check reports on its own
    // project. Explaining one's own request is any member's.
    let for_other = principal != ctx.user;
    let may_show_grants = |project: &str| -> Result<()> {
        match txn.project(project)? {
            Some(p) => require(
                ctx,
                txn,
                &p,
                Need::Admin,
                Mgmt::new("ShowGrants", &p.name, "users"),
            ),
            // A missing project is reported by the check itself.
            None => Ok(()),
        }
    };
    if let (true, Some(current)) = (for_other, ctx.project) {
        may_show_grants(current)?;
    }
    let plan = data::plan(&as_principal, txn, &stmt.statement)?;
    if for_other {
        let mut seen: Vec<&str> = ctx.project.into_iter().collect();
        for request in &plan.requests {
            let project = request.resource.project.as_str();
            if !seen.contains(&project) {
                seen.push(project);
                may_show_grants(project)?;
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

    let outcome = |response: &Response| {
        if response.allowed() {
            Outcome::Allow
        } else {
            Outcome::Deny
        }
    };
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
            action: request.action.clone(),
            resource: texts::path(&request.resource),
            columns: request.resource.columns.clone(),
            task_type: request.task_type,
            outflow: request.outflow.as_ref().map(DataFlow::from),
            decision: outcome(response),
            code: response.code,
            message: response.message.clone(),
            rules: response.rules.clone(),
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
