//! `explain [for <principal>] [from <ip>] <statement>`: the authorizer's full responses,
//! rendered. Never writes.
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
//! plan: the statement runs as bob with every check recorded (`access::Recorded`: entering the
//! current project, then `GrantPrivilege` on `projects/p/tables/t` needing Admin), and its
//! writes are dropped. The output shows bob's standing, each check with its layers and deciding
//! rule, the outcome the statement would have (it may pass every check and still fail, e.g. on a
//! missing user), and the ways to change it.

use super::access::Recorded;
use super::access::{require, Action, Mgmt, Need};
use super::data;
use super::{ExecContext, Output};
use crate::ast::{ExplainStmt, PrincipalKind, Statement};
use crate::authz::management::ManagementRequest;
use crate::authz::{self, advice, texts, Decision, Outflow, Request, Response};
use crate::catalog::Txn;
use crate::error::{Error, Result};
use serde_json::json;

fn describe_check(request: &Request) -> String {
    let mut s = format!("{} on {}", request.action, texts::path(&request.resource));
    if let Some(columns) = &request.resource.columns {
        s.push_str(&format!(" ({})", columns.join(", ")));
    }
    s.push_str(&format!(" [{}]", request.task_type.code()));
    match &request.outflow {
        Some(Outflow::Project(p)) => s.push_str(&format!(", data flows to project {p}")),
        Some(Outflow::Client) => s.push_str(", data flows to the client"),
        None => {}
    }
    s
}

fn decision_words(response: &Response) -> String {
    match (response.decision, response.code) {
        (Decision::Allow, _) => "ALLOW".to_string(),
        (Decision::Deny, Some(code)) => format!("DENY [{}]", code.number()),
        (Decision::Deny, None) => "DENY".to_string(),
    }
}

fn render_check(index: usize, request: &Request, response: &Response, out: &mut Vec<String>) {
    out.push(format!(
        "Check {index}: {}: {}",
        describe_check(request),
        decision_words(response)
    ));
    if let Some(message) = &response.message {
        out.push(format!("  error: {message}"));
    }
    if response.rules.is_empty() {
        out.push("  deciding rules: none".to_string());
    } else {
        out.push("  deciding rules:".to_string());
        out.extend(response.rules.iter().map(|r| format!("    {r}")));
    }
    out.push("  layers:".to_string());
    for layer in &response.layers {
        out.push(format!(
            "    {:<26} {:<9} {}",
            layer.layer.title(),
            layer.verdict.word(),
            layer.detail
        ));
    }
}

/// Explaining another principal's request shows what `show grants for <p>` would (its
/// membership, roles, grants, labels) and more (the project policy, protection), so it needs
/// what `show grants for <p>` needs, with the same refusal: Admin or better — in the current
/// project and in every project the checks read, as each check reports on its own project.
/// Explaining one's own request is any member's.
fn may_show_grants(ctx: &ExecContext<'_>, txn: &Txn<'_>, project: &str) -> Result<()> {
    match txn.project(project)? {
        Some(p) => require(
            ctx,
            txn,
            &p,
            Need::Admin,
            Mgmt::new(Action::ShowGrants, &p.name, "users"),
        ),
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

pub fn execute(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, stmt: &ExplainStmt) -> Result<Output> {
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
        checks: None,
    };
    // Explaining another principal's request shows what `show grants for <p>` would (its
    // membership, roles, grants, labels) and more (the project policy, protection), so it needs
    // what `show grants for <p>` needs, with the same refusal: Admin or better — here in the
    // current project and in every project the checks read, as each check reports on its own
    // project. Explaining one's own request is any member's.
    let for_other = principal != ctx.user;
    if let (true, Some(current)) = (for_other, ctx.project) {
        may_show_grants(ctx, txn, current)?;
    }
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

    let mut text = vec![
        format!("Explain: {}", stmt.statement),
        format!("Principal: {principal}"),
        format!("Source IP: {source_ip}"),
        format!("Current project: {}", ctx.project.unwrap_or("(none)")),
    ];
    match decisive {
        Some((_, response)) => {
            text.push(format!("Decision: {}", decision_words(response)));
            if let Some(message) = &response.message {
                text.push(format!("Error: {message}"));
            }
        }
        None => text.push("Decision: ALLOW".to_string()),
    }
    let mut advice_lines = Vec::new();
    for (i, (request, response)) in checks.iter().enumerate() {
        text.push(String::new());
        render_check(i + 1, request, response, &mut text);
        for line in advice::advise(request, response) {
            if !advice_lines.contains(&line) {
                advice_lines.push(line);
            }
        }
    }
    text.push(String::new());
    if advice_lines.is_empty() {
        text.push("Ways to change the outcome: none needed, every check is allowed".to_string());
    } else {
        text.push("Ways to change the outcome:".to_string());
        text.extend(advice_lines.iter().map(|a| format!("  - {a}")));
    }

    let json = json!({
        "statement": stmt.statement.to_string(),
        "principal": principal,
        "source_ip": source_ip,
        "current_project": ctx.project,
        "decision": if decisive.is_some() { "deny" } else { "allow" },
        "code": decisive.and_then(|(_, r)| r.code),
        "message": decisive.and_then(|(_, r)| r.message.clone()),
        "checks": checks.iter().map(|(request, response)| json!({
            "action": request.action,
            "resource": texts::path(&request.resource),
            "columns": request.resource.columns,
            "task_type": request.task_type,
            "outflow": request.outflow,
            "decision": if response.allowed() { "allow" } else { "deny" },
            "code": response.code,
            "message": response.message,
            "rules": response.rules,
            "layers": response.layers,
            "advice": advice::advise(request, response),
        })).collect::<Vec<_>>(),
        "advice": advice_lines,
    });
    Ok(Output {
        text: text.join("\n"),
        json,
    })
}

fn management_check_words(request: &ManagementRequest) -> String {
    format!(
        "{} on {} [management, needs {}]",
        request.action,
        request.resource,
        request.need.words()
    )
}

fn render_layers(response: &Response, out: &mut Vec<String>) {
    if let Some(message) = &response.message {
        out.push(format!("  error: {message}"));
    }
    if response.rules.is_empty() {
        out.push("  deciding rules: none".to_string());
    } else {
        out.push("  deciding rules:".to_string());
        out.extend(response.rules.iter().map(|r| format!("    {r}")));
    }
    out.push("  layers:".to_string());
    for layer in &response.layers {
        out.push(format!(
            "    {:<26} {:<9} {}",
            layer.layer.title(),
            layer.verdict.word(),
            layer.detail
        ));
    }
}

/// `explain` of a management (or sandbox) statement: the statement runs as the explained
/// principal, every management check it makes is recorded, and its writes are dropped. The
/// first check is entering the current project, as every statement run in it does.
fn explain_management(
    ctx: &ExecContext<'_>,
    as_principal: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &ExplainStmt,
) -> Result<Output> {
    let inner = &*stmt.statement;
    if let Statement::Explain(_) | Statement::Use { .. } | Statement::Login { .. } = inner {
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
    let outcome = super::dispatch(&recording, txn, inner);
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

    let mut text = vec![
        format!("Explain: {inner}"),
        format!("Principal: {principal}"),
        format!("Source IP: {source_ip}"),
        format!("Current project: {}", ctx.project.unwrap_or("(none)")),
    ];
    if let (Some(standing), Some(project)) = (standing, ctx.project) {
        text.push(format!(
            "Standing: {} of project {project}",
            standing.words()
        ));
    }
    match decisive {
        Some(response) => {
            text.push(format!("Decision: {}", decision_words(response)));
            if let Some(message) = &response.message {
                text.push(format!("Error: {message}"));
            }
        }
        None => text.push("Decision: ALLOW".to_string()),
    }
    let mut advice_lines: Vec<String> = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        text.push(String::new());
        let (words, advice) = match check {
            Recorded::Entry {
                project, response, ..
            } => (
                format!("access to project {project}"),
                advice::advise_entry(principal, source_ip, project, response),
            ),
            Recorded::Management(request, response) => (
                management_check_words(request),
                advice::advise_management(request, response),
            ),
            Recorded::Tenant(request, response) => (
                format!(
                    "{} on {} [tenant, needs the tenant account {}]",
                    request.action, request.resource, request.account
                ),
                if response.allowed() {
                    Vec::new()
                } else {
                    vec![format!(
                        "would be allowed if run as the tenant's account (login {};)",
                        request.account
                    )]
                },
            ),
        };
        let response = check.response();
        text.push(format!(
            "Check {}: {words}: {}",
            index + 1,
            decision_words(response)
        ));
        render_layers(response, &mut text);
        for line in advice {
            if !advice_lines.contains(&line) {
                advice_lines.push(line);
            }
        }
    }
    if checks.is_empty() {
        text.push(String::new());
        text.push("Checks: none (the statement needs no authorization in a project)".to_string());
    }
    let outcome_words = match (&outcome, decisive) {
        (_, Some(_)) => "refused".to_string(),
        (Ok(_), None) => "would succeed".to_string(),
        (Err(e), None) => format!("would fail: {e}"),
    };
    text.push(String::new());
    text.push(format!("Outcome: {outcome_words}"));
    text.push(String::new());
    if advice_lines.is_empty() && decisive.is_some() {
        text.push("Ways to change the outcome: none found".to_string());
    } else if advice_lines.is_empty() {
        text.push("Ways to change the outcome: none needed, every check is allowed".to_string());
    } else {
        text.push("Ways to change the outcome:".to_string());
        text.extend(advice_lines.iter().map(|a| format!("  - {a}")));
    }

    let checks_json: Vec<serde_json::Value> = checks
        .iter()
        .map(|check| match check {
            Recorded::Entry {
                project,
                standing,
                response,
            } => json!({
                "kind": "project_access",
                "project": project,
                "standing": standing,
                "decision": if response.allowed() { "allow" } else { "deny" },
                "code": response.code,
                "message": response.message,
                "rules": response.rules,
                "layers": response.layers,
                "advice": advice::advise_entry(principal, source_ip, project, response),
            }),
            Recorded::Management(request, response) => json!({
                "kind": "management",
                "action": request.action,
                "project": request.project,
                "resource": request.resource,
                "need": request.need,
                "decision": if response.allowed() { "allow" } else { "deny" },
                "code": response.code,
                "message": response.message,
                "rules": response.rules,
                "layers": response.layers,
                "advice": advice::advise_management(request, response),
            }),
            Recorded::Tenant(request, response) => json!({
                "kind": "tenant",
                "action": request.action,
                "resource": request.resource,
                "account": request.account,
                "decision": if response.allowed() { "allow" } else { "deny" },
                "code": response.code,
                "message": response.message,
                "rules": response.rules,
                "layers": response.layers,
            }),
        })
        .collect();
    let json = json!({
        "statement": inner.to_string(),
        "principal": principal,
        "source_ip": source_ip,
        "current_project": ctx.project,
        "standing": standing,
        "decision": if decisive.is_some() { "deny" } else { "allow" },
        "code": decisive.and_then(|r| r.code),
        "message": decisive.and_then(|r| r.message.clone()),
        "checks": checks_json,
        "outcome": outcome_words,
        "advice": advice_lines,
    });
    Ok(Output {
        text: text.join("\n"),
        json,
    })
}
