//! `survey [project <p> | tenant] [inactive <n> days] [addresses <n>]`: the account survey an
//! administrator runs to check a project's security — who the accounts are, which of them are
//! discarded but still hold privileges, who submitted what over the activity window, which
//! account is shared through one AccessKey, and who downloads.
//!
//! Walk `survey project prj1;` through it. The plan enters prj1 and needs what `show grants
//! for <other>` needs there (Admin or better). [`run`] reads prj1's users and owner and counts
//! them by kind; it looks for discarded accounts: `p4_` residues of RAM users deleted at the
//! account level, principals holding ACL or label grants in prj1 without being its users, and
//! users with no statement in the trail for `inactive` days (default 90) — each with what it
//! still holds. Then it reads the trail for the window (`audit::records`, project prj1): tasks
//! per account by task type, most active first; accounts seen from more than `addresses`
//! (default 3) source addresses; successful Tunnel downloads per account.

use super::audit::{self, AuditRecord, Filter, Retention, TaskType};
use super::result::StatementResult;
pub use super::result::{
    AccountTasks, Discarded, Downloads, Member, ProjectAccounts, SharedAccount, Survey,
};
use super::ExecContext;
use crate::ast::{SurveyScope, SurveyStmt};
use crate::catalog::model::Grantee;
use crate::catalog::Txn;
use crate::error::Result;
use std::collections::{BTreeMap, BTreeSet};

/// Activity window and inactivity threshold when the statement does not say: three months.
pub const DEFAULT_WINDOW_DAYS: u64 = 90;
/// Accounts seen from more than this many addresses are listed when the statement does not say.
pub const DEFAULT_ADDRESSES: u64 = 3;

fn kind_of(principal: &str) -> &'static str {
    if principal.starts_with("p4_") {
        "p4_residue"
    } else if principal.starts_with("ALIYUN$") {
        "aliyun_account"
    } else if principal.contains(":role/") {
        "ram_role"
    } else {
        "ram_user"
    }
}

/// Everything `grantee` holds in `project`: roles, ACL grants, label grants.
fn privileges(
    txn: &Txn<'_>,
    project: &str,
    grantee: &Grantee,
    roles: &[String],
) -> Result<Vec<String>> {
    let mut out: Vec<String> = roles.iter().map(|r| format!("role {r}")).collect();
    for (object, grants) in txn.acl_of_grantee(project, grantee)? {
        let path = super::object_path(project, &object);
        for e in &grants.entries {
            match &e.column {
                Some(c) => out.push(format!("{}({c}) on {path}", e.action)),
                None => out.push(format!("{} on {path}", e.action)),
            }
        }
    }
    for (table, grants) in txn.label_grants_of_grantee(project, grantee)? {
        for g in &grants.entries {
            match &g.column {
                Some(c) => out.push(format!(
                    "label {} on projects/{project}/tables/{table}({c})",
                    g.level
                )),
                None => out.push(format!(
                    "label {} on projects/{project}/tables/{table}",
                    g.level
                )),
            }
        }
    }
    Ok(out)
}

pub fn run(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, s: &SurveyStmt) -> Result<StatementResult> {
    let window_days = s.inactive_days.unwrap_or(DEFAULT_WINDOW_DAYS);
    let addresses = s.addresses.unwrap_or(DEFAULT_ADDRESSES);
    let (scope, projects) = match &s.scope {
        SurveyScope::Tenant => ("tenant".to_string(), txn.projects()?),
        SurveyScope::Project(p) => {
            let name = super::canonical_name(p);
            let project = txn
                .project(&name)?
                .ok_or_else(|| super::messages::project_missing(&name))?;
            (format!("project {name}"), vec![project])
        }
        SurveyScope::Current => {
            let name = ctx
                .project
                .ok_or_else(super::messages::no_project_selected)?;
            let project = txn
                .project(name)?
                .ok_or_else(|| crate::authz::project_not_found(name))?;
            (format!("project {name}"), vec![project])
        }
    };
    let since = ctx.now.saturating_sub(
        i64::try_from(window_days)
            .unwrap_or(i64::MAX / 2)
            .saturating_mul(86_400),
    );
    let project_filter = match &s.scope {
        SurveyScope::Tenant => None,
        _ => projects.first().map(|p| p.name.clone()),
    };
    let window: Vec<AuditRecord> = txn.audit_records(
        &Filter {
            project: project_filter,
            since: Some(since),
            until: Some(ctx.now),
            ..Filter::default()
        },
        ctx.now,
    )?;
    // Whether a principal ran anything in the window, in any project (an account active
    // elsewhere is still in use): one indexed lookup per user, not a read of the window.
    let mut active: BTreeMap<String, bool> = BTreeMap::new();
    // With the trail off nothing says a user is idle, so none is called inactive.
    let trail_off = txn.audit_retention()? == Retention::Off;
    let mut is_active = |txn: &Txn<'_>, principal: &str| -> Result<bool> {
        if trail_off {
            return Ok(true);
        }
        if let Some(known) = active.get(principal) {
            return Ok(*known);
        }
        let seen = !txn
            .audit_records(
                &Filter {
                    principal: Some(principal.to_string()),
                    since: Some(since),
                    until: Some(ctx.now),
                    limit: Some(1),
                    ..Filter::default()
                },
                ctx.now,
            )?
            .is_empty();
        active.insert(principal.to_string(), seen);
        Ok(seen)
    };

    let mut accounts = Vec::new();
    let mut discarded = Vec::new();
    let tenant_roles = txn.tenant_roles()?;
    for project in &projects {
        let users = txn.users(&project.name)?;
        let mut members: Vec<Member> = vec![Member {
            principal: project.owner.clone(),
            kind: "aliyun_account",
        }];
        members.extend(users.iter().map(|u| Member {
            principal: u.principal.clone(),
            kind: kind_of(&u.principal),
        }));
        for r in tenant_roles
            .iter()
            .filter(|r| r.projects.contains(&project.name))
        {
            members.push(Member {
                principal: r.name.clone(),
                kind: "tenant_role",
            });
        }
        let count = |k: &str| members.iter().filter(|m| m.kind == k).count();
        let user_names: BTreeSet<&str> = users.iter().map(|u| u.principal.as_str()).collect();
        for u in &users {
            let reason = if u.principal.starts_with("p4_") {
                Some("p4_residue")
            } else if !is_active(txn, &u.principal)? {
                Some("inactive")
            } else {
                None
            };
            if let Some(reason) = reason {
                let grantee = Grantee::User(u.principal.clone());
                discarded.push(Discarded {
                    project: project.name.clone(),
                    principal: u.principal.clone(),
                    reason,
                    last_activity: None,
                    privileges: privileges(txn, &project.name, &grantee, &u.roles)?,
                });
            }
        }
        // Grants left to principals that are no longer users of the project.
        let mut left: BTreeSet<String> = BTreeSet::new();
        for (_, grantee, _) in txn.all_acl(&project.name)? {
            if let Grantee::User(u) = grantee {
                left.insert(u);
            }
        }
        for (_, grantee, _) in txn.all_label_grants(&project.name)? {
            if let Grantee::User(u) = grantee {
                left.insert(u);
            }
        }
        for u in left {
            if user_names.contains(u.as_str()) || u == project.owner {
                continue;
            }
            let grantee = Grantee::User(u.clone());
            discarded.push(Discarded {
                project: project.name.clone(),
                principal: u,
                reason: "not_a_user",
                last_activity: None,
                privileges: privileges(txn, &project.name, &grantee, &[])?,
            });
        }
        accounts.push(ProjectAccounts {
            project: project.name.clone(),
            owner: project.owner.clone(),
            aliyun_accounts: count("aliyun_account"),
            ram_users: count("ram_user"),
            ram_roles: count("ram_role"),
            tenant_roles: count("tenant_role"),
            p4_residues: count("p4_residue"),
            members,
        });
    }
    // The newest statement of each discarded account in the whole trail, not just the window.
    for d in &mut discarded {
        let newest = txn.audit_records(
            &Filter {
                principal: Some(d.principal.clone()),
                limit: Some(1),
                ..Filter::default()
            },
            ctx.now,
        )?;
        d.last_activity = newest
            .first()
            .map(|r| super::render::format_time(r.entry.time));
    }

    let mut tasks: BTreeMap<&str, AccountTasks> = BTreeMap::new();
    let mut ips: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut downloads: BTreeMap<(String, &str), (u64, u64)> = BTreeMap::new();
    for r in &window {
        let e = &r.entry;
        let t = tasks.entry(&e.principal).or_insert_with(|| AccountTasks {
            principal: e.principal.clone(),
            sql: 0,
            dt: 0,
            management: 0,
            total: 0,
            denied: 0,
        });
        match e.task {
            TaskType::Sql => t.sql += 1,
            TaskType::Dt => t.dt += 1,
            TaskType::Management => t.management += 1,
        }
        t.total += 1;
        if e.decision == audit::Decision::Deny {
            t.denied += 1;
        }
        ips.entry(&e.principal).or_default().insert(&e.source_ip);
        if e.task == TaskType::Dt && e.error.is_none() {
            let project = e.project.clone().unwrap_or_default();
            let d = downloads.entry((project, &e.principal)).or_default();
            d.0 += 1;
            d.1 += e.rows_read;
        }
    }
    let mut tasks: Vec<AccountTasks> = tasks.into_values().collect();
    tasks.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.principal.cmp(&b.principal))
    });
    let shared = ips
        .into_iter()
        .filter(|(_, set)| set.len() as u64 > addresses)
        .map(|(p, set)| SharedAccount {
            principal: p.to_string(),
            source_ips: set.into_iter().map(str::to_string).collect(),
        })
        .collect();
    let downloads = downloads
        .into_iter()
        .map(|((project, principal), (n, records))| Downloads {
            project,
            principal: principal.to_string(),
            downloads: n,
            records,
        })
        .collect();
    let retention = match txn.audit_retention()? {
        Retention::Days(d) => format!("{d} days"),
        Retention::Off => "off".to_string(),
    };
    Ok(StatementResult::Survey(Survey {
        scope,
        time: super::render::format_time(ctx.now),
        window_days,
        addresses,
        audit_retention: retention,
        accounts,
        discarded,
        tasks,
        shared,
        downloads,
    }))
}
