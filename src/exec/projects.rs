//! The sandbox's tenant statements (contract: "Sandbox extensions"): `create project`,
//! `drop project`, `list projects`.
//!
//! `create project sales owner ALIYUN$bob comment 'demo';` checks the name, that the caller is
//! an Alibaba Cloud account and that the owner is one too (§0: only an `ALIYUN$` account owns a
//! project), then writes the project with MaxCompute's default security settings, the `ALIYUN`
//! and `RAM` account providers, and the two built-in roles `admin` and `super_administrator`.

use super::{canonical_name, messages, resolve_user, ExecContext, NameList, StatementResult};
use crate::ast::{CreateProjectStmt, PrincipalKind};
use crate::catalog::model::{Project, Role, RoleType, SecuritySettings};
use crate::catalog::Txn;
use crate::error::Result;
use std::collections::BTreeMap;

fn valid_project_name(name: &str) -> bool {
    (3..=28).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn create(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &CreateProjectStmt,
) -> Result<StatementResult> {
    let name = canonical_name(&stmt.name);
    if !valid_project_name(&name) {
        return Err(messages::invalid_project_name(&stmt.name));
    }
    if !ctx.user.starts_with("ALIYUN$") {
        return Err(messages::owner_must_be_aliyun(ctx.user));
    }
    let owner = match &stmt.owner {
        Some(p) if p.kind != PrincipalKind::User => {
            return Err(messages::not_a_user_principal(&p.name))
        }
        Some(p) => resolve_user(&p.name, ctx.user),
        None => ctx.user.to_string(),
    };
    if !owner.starts_with("ALIYUN$") || owner.len() <= "ALIYUN$".len() {
        return Err(messages::owner_must_be_aliyun(&owner));
    }
    if txn.project(&name)?.is_some() {
        if stmt.if_not_exists {
            return Ok(StatementResult::Ok);
        }
        return Err(messages::project_exists(&name));
    }
    txn.put_project(&Project {
        name: name.clone(),
        owner,
        comment: stmt.comment.clone(),
        created_at: ctx.now,
        settings: SecuritySettings::default(),
        properties: BTreeMap::new(),
        trusted_projects: Vec::new(),
        account_providers: vec!["ALIYUN".into(), "RAM".into()],
        policy: None,
        security_policy: None,
    })?;
    for builtin in [super::ADMIN, super::SUPER_ADMINISTRATOR] {
        txn.put_role(
            &name,
            &Role {
                name: builtin.into(),
                role_type: RoleType::Admin,
                label: 0,
                comment: None,
                builtin: true,
            },
        )?;
    }
    Ok(StatementResult::Ok)
}

/// Only the project's owner drops it, from an address its whitelist admits (both settled by
/// its plan). Every record of the project goes, and so do other projects' installations of its
/// packages.
pub fn drop(txn: &mut Txn<'_>, project: &Project) -> Result<StatementResult> {
    let name = &project.name;
    for package in txn.packages(name)? {
        for other in txn.projects()? {
            if txn.installed(&other.name, name, &package.name)?.is_some() {
                txn.delete_installed(&other.name, name, &package.name);
            }
        }
    }
    txn.delete_project_records(name)?;
    // A workspace is its projects: without one of them it is gone too.
    for w in txn.workspaces()? {
        if w.production == *name || w.development.as_deref() == Some(name.as_str()) {
            txn.delete_workspace(&w.name);
        }
    }
    Ok(StatementResult::Ok)
}

/// `alter project <p> set status <s>`: the project's owner, as the account the platform bills,
/// changes its status. It is the one statement a project that is not normal does not refuse
/// (nothing else could bring it back), and it is checked against neither the whitelist nor
/// membership: it stands for the console of the owning account, not for a request to the
/// project. Its plan has established the owner.
pub fn set_status(
    txn: &mut Txn<'_>,
    mut project: Project,
    status: crate::ast::ProjectStatusWord,
) -> Result<StatementResult> {
    use crate::authz::management::{ProjectStatus, STATUS_PROPERTY};
    let status = match status {
        crate::ast::ProjectStatusWord::Normal => ProjectStatus::Normal,
        crate::ast::ProjectStatusWord::Overdue => ProjectStatus::Overdue,
        crate::ast::ProjectStatusWord::Frozen => ProjectStatus::Frozen,
    };
    if status == ProjectStatus::Normal {
        project.properties.remove(STATUS_PROPERTY);
    } else {
        project
            .properties
            .insert(STATUS_PROPERTY.to_string(), status.keyword().to_string());
    }
    txn.put_project(&project)?;
    Ok(StatementResult::Ok)
}

/// `list projects`: every project of the tenant, one per line.
pub fn list(txn: &mut Txn<'_>) -> Result<StatementResult> {
    let names: Vec<String> = txn.projects()?.into_iter().map(|p| p.name).collect();
    Ok(StatementResult::names(NameList::Projects, names))
}
