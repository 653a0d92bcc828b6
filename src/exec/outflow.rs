//! `show outflow paths [from project <p>];`: every way data of a project can leave it, each
//! printed as a chain of the requests that carry it out.
//!
//! Walk `show outflow paths from project prj1;` with prj1 protected and prj2 one of its trusted
//! projects. `bind` enters prj1 and needs Admin or better there (without `from`, every project
//! is read and the statement is the tenant account's). [`run`] then asks, for every table of
//! prj1 and every principal that could move it, the same questions a data statement would: it
//! plans `create table prj2.<t> as select * from prj1.t1` as that principal with prj2 current
//! (`data::plan`, the planner the statement itself uses) and hands each request of the plan to
//! the authorizer (`authz::authorize`). Only when every request is allowed is it a path, and
//! the authorizer's own verdict on the project-protection layer says why the data may leave
//! (`prj2 is a trusted project of prj1`). Nothing here decides access: a change to the rules
//! changes the paths with it. The sources are:
//!
//! - **trusted projects** of a protected project: members of either project copying a table
//!   into the trusted project (CTAS);
//! - **exception-policy statements** of a protected project: the principals they name (every
//!   member for `*`) downloading a table through Tunnel, or reading it from a job of another
//!   project;
//! - **packages installed elsewhere**: members of an installing project reading a shared table
//!   from a job there;
//! - **tunnel downloads without download control** from a project that is not protected.
//!
//! Requests come from the session's address at the session's time, as the principals' own
//! statements would.

use super::data;

pub use super::result::{OutflowPath, Source};
use super::{ExecContext, StatementResult};
use crate::ast::{ObjectName, Query, Statement};
use crate::authz::{Layer, Outflow, Request, Rule, Verdict};
use crate::catalog::model::Project;
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::{PolicyDocument, PolicyKind};
use std::collections::BTreeSet;

pub fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    only: Option<&Project>,
) -> Result<StatementResult> {
    let projects: Vec<Project> = match only {
        Some(p) => vec![p.clone()],
        None => txn.projects()?,
    };
    let mut paths = Vec::new();
    // One snapshot for every request: the same project, user and grant records are asked
    // about again and again, and each is decoded once.
    let snapshot = crate::authz::Snapshot::new(txn);
    for p in &projects {
        paths_from(ctx, txn, &snapshot, p, &mut paths)?;
    }
    Ok(StatementResult::OutflowPaths { paths })
}

/// The owner and added users of `project`.
fn members(txn: &Txn<'_>, project: &Project) -> Result<Vec<String>> {
    let mut out = vec![project.owner.clone()];
    out.extend(txn.users(&project.name)?.into_iter().map(|u| u.principal));
    Ok(out)
}

/// The statement's requests as `principal` running it with `current` as the current project,
/// or `None` when any is refused; with the read's response.
fn ask(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    snapshot: &crate::authz::Snapshot<'_, '_>,
    principal: &str,
    current: &str,
    stmt: &Statement,
) -> Result<Option<(Vec<Request>, crate::authz::Response)>> {
    let as_them = ExecContext {
        user: principal,
        project: Some(current),
        records: None,
        checks: None,
        ..ctx.clone()
    };
    let plan = data::plan(&as_them, txn, stmt)?;
    let mut read = None;
    for request in &plan.requests {
        let response = crate::authz::authorize_in(request, snapshot);
        if !response.allowed() {
            return Ok(None);
        }
        if request.action == crate::authz::Action::Select {
            read = Some(response);
        }
    }
    Ok(read.map(|r| (plan.requests, r)))
}

fn table_name(project: &str, table: &str) -> ObjectName {
    ObjectName {
        project: Some(project.to_string()),
        name: table.to_string(),
    }
}

fn select_all(project: &str, table: &str) -> Query {
    Query {
        columns: None,
        from: table_name(project, table),
    }
}

/// The protection layer's passing rule, if it passed on one.
fn protection_rule(response: &crate::authz::Response) -> Option<&Rule> {
    response
        .layer(Layer::ProjectProtection)
        .filter(|l| l.verdict == Verdict::Pass)
        .and_then(|l| l.rules.first())
}

fn paths_from(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    snapshot: &crate::authz::Snapshot<'_, '_>,
    p: &Project,
    out: &mut Vec<OutflowPath>,
) -> Result<()> {
    let name = &p.name;
    let tables = txn.tables(name)?;
    if tables.is_empty() {
        return Ok(());
    }
    let own_members = members(txn, p)?;
    let mut push = |source: Source,
                    principal: &str,
                    table: &str,
                    requests: &[Request],
                    to: Outflow,
                    reason: String| {
        let step = match &to {
            Outflow::Client => "Download to client".to_string(),
            Outflow::Project(d) => {
                let last = requests
                    .iter()
                    .rev()
                    .find(|r| r.action != crate::authz::Action::Select)
                    .map(|r| r.action.name())
                    .unwrap_or("CreateInstance");
                format!("{last} {d}")
            }
        };
        let object = format!("{name}.{table}");
        let chain = format!("{principal}: Select {object} → {step} ({reason})");
        out.push(OutflowPath {
            source,
            principal: principal.to_string(),
            action: "Select".into(),
            object,
            step,
            to: crate::exec::result::DataFlow::from(&to),
            reason,
            chain,
        });
    };
    let protected = p.settings.project_protection;
    if protected {
        // Trusted projects: a copy into the trusted project.
        for trusted in &p.trusted_projects {
            let Some(d) = txn.project(trusted)? else {
                continue;
            };
            let mut who: BTreeSet<String> = own_members.iter().cloned().collect();
            who.extend(members(txn, &d)?);
            for principal in &who {
                for t in &tables {
                    let stmt = Statement::CreateTableAs {
                        table: table_name(trusted, &format!("{}_copy", t.name)),
                        query: select_all(name, &t.name),
                    };
                    if let Some((requests, read)) =
                        ask(ctx, txn, snapshot, principal, trusted, &stmt)?
                    {
                        if matches!(protection_rule(&read), Some(Rule::TrustedProject { .. })) {
                            let reason = format!("{trusted} is a trusted project of {name}");
                            push(
                                Source::TrustedProject,
                                principal,
                                &t.name,
                                &requests,
                                Outflow::Project(trusted.clone()),
                                reason,
                            );
                        }
                    }
                }
            }
        }
        // Exception policy: the principals it names, to the client and to other projects.
        if let Some(text) = p.settings.protection_exception.as_deref() {
            let doc = PolicyDocument::parse(text, PolicyKind::Exception).ok();
            let mut who: BTreeSet<String> = BTreeSet::new();
            for s in doc.iter().flat_map(|d| d.statements.iter()) {
                for principal in &s.principals {
                    if principal.contains('*') {
                        who.extend(own_members.iter().cloned());
                    } else {
                        who.insert(principal.clone());
                    }
                }
            }
            let others: Vec<Project> = txn
                .projects()?
                .into_iter()
                .filter(|o| o.name != *name && !p.trusted_projects.contains(&o.name))
                .collect();
            // `principal` running `stmt` in `project` takes `table` out to `to` when the
            // exception policy is what lets it pass protection.
            let mut through_exception = |principal: &str,
                                         project: &str,
                                         stmt: &Statement,
                                         table: &str,
                                         to: Outflow|
             -> Result<()> {
                if let Some((requests, read)) = ask(ctx, txn, snapshot, principal, project, stmt)? {
                    if let Some(rule @ Rule::Policy { .. }) = protection_rule(&read) {
                        let reason = exception_reason(rule, name);
                        push(
                            Source::ExceptionPolicy,
                            principal,
                            table,
                            &requests,
                            to,
                            reason,
                        );
                    }
                }
                Ok(())
            };
            for principal in &who {
                for t in &tables {
                    let download = Statement::TunnelDownload {
                        table: table_name(name, &t.name),
                        path: String::new(),
                    };
                    through_exception(principal, name, &download, &t.name, Outflow::Client)?;
                    for other in &others {
                        if txn.user(&other.name, principal)?.is_none() && other.owner != *principal
                        {
                            continue;
                        }
                        let select = Statement::Select(select_all(name, &t.name));
                        let to = Outflow::Project(other.name.clone());
                        through_exception(principal, &other.name, &select, &t.name, to)?;
                    }
                }
            }
        }
    } else if p
        .properties
        .get(crate::authz::DOWNLOAD_PRIVILEGE)
        .is_none_or(|v| v != "true")
    {
        // Not protected and no download control: every reader may download.
        for principal in &own_members {
            for t in &tables {
                let download = Statement::TunnelDownload {
                    table: table_name(name, &t.name),
                    path: String::new(),
                };
                if let Some((requests, _)) = ask(ctx, txn, snapshot, principal, name, &download)? {
                    let reason = format!("{name} is not protected and download control is off");
                    push(
                        Source::TunnelDownload,
                        principal,
                        &t.name,
                        &requests,
                        Outflow::Client,
                        reason,
                    );
                }
            }
        }
    }
    // Packages installed elsewhere: a job of the installing project reads the shared table.
    for package in txn.packages(name)? {
        let shared: Vec<&str> = package
            .objects
            .iter()
            .filter(|o| o.kind == crate::catalog::model::ObjectType::Table)
            .map(|o| o.name.as_str())
            .collect();
        if shared.is_empty() {
            continue;
        }
        for installer in txn.projects()? {
            if installer.name == *name
                || txn
                    .installed(&installer.name, name, &package.name)?
                    .is_none()
            {
                continue;
            }
            for principal in members(txn, &installer)? {
                for table in &shared {
                    let select = Statement::Select(select_all(name, table));
                    if let Some((requests, _)) =
                        ask(ctx, txn, snapshot, &principal, &installer.name, &select)?
                    {
                        let reason = format!(
                            "package {name}.{} is installed in {}",
                            package.name, installer.name
                        );
                        push(
                            Source::Package,
                            &principal,
                            table,
                            &requests,
                            Outflow::Project(installer.name.clone()),
                            reason,
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// `exception policy of prj1 statement 1: Allow odps:Select on ...`.
fn exception_reason(rule: &Rule, project: &str) -> String {
    rule.to_string().replacen(
        "exception policy",
        &format!("exception policy of {project},"),
        1,
    )
}
