//! Tenant-level principals (reference §2.4) and groups (§12): tenant users, tenant roles with
//! their table grants and policies, adding tenant roles to projects, and group principals.
//!
//! The tenant is administered by its Alibaba Cloud account ([`super::TENANT_ACCOUNT`]).
//! `grant select on table sales.orders to tenant role analyst;` is bound (`plan`) to two checks:
//! the caller is that account, and it may grant on `sales.orders` in `sales` (the gates of
//! `sales`, then Admin or better there: a project of another account is not the tenant's). The
//! handler then checks that the table and the tenant role exist, and appends `(sales, orders, Select)` to
//! the role's grants; `show grants for tenant role analyst` lists them in the same
//! `Authorization Type:` layout as project grants.

use super::grants::kind_label;
use super::result::{GrantBlock, GrantGroup, GrantRow};
use super::result::PrincipalType;
use super::{messages, read_statement_file, ExecContext, NameList, StatementResult};
use crate::ast::Privilege;
use crate::catalog::model::{Group, Project, TenantRole, TenantUser};
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::{PolicyDocument, PolicyKind};

fn existing_role(txn: &Txn<'_>, name: &str) -> Result<TenantRole> {
    txn.tenant_role(name)?
        .ok_or_else(|| messages::tenant_role_missing(name))
}

pub fn add_user(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, name: String) -> Result<StatementResult> {
    if !super::users::well_formed(&name) {
        return Err(messages::invalid_account(&name));
    }
    // As `add user`: a RAM user of another Alibaba Cloud account is not this tenant's to add
    // (§1.1); through a tenant role it would reach projects as if it were.
    if name.starts_with("RAM$") && super::account_of(&name) != super::account_of(ctx.user) {
        return Err(messages::invalid_account(&name));
    }
    if txn.tenant_user(&name)?.is_some() {
        return Err(messages::tenant_user_exists(&name));
    }
    txn.put_tenant_user(&TenantUser {
        principal: name,
        added_at: ctx.now,
    })?;
    Ok(StatementResult::Ok)
}

fn roles_of(txn: &Txn<'_>, user: &str) -> Result<Vec<String>> {
    Ok(txn
        .tenant_roles()?
        .into_iter()
        .filter(|r| r.members.iter().any(|m| m == user))
        .map(|r| r.name)
        .collect())
}

pub fn remove_user(txn: &mut Txn<'_>, name: &str) -> Result<StatementResult> {
    txn.tenant_user(name)?
        .ok_or_else(|| messages::tenant_user_missing(name))?;
    let roles = roles_of(txn, name)?;
    if !roles.is_empty() {
        return Err(messages::tenant_user_holds_roles(name, &roles));
    }
    txn.delete_tenant_user(name);
    Ok(StatementResult::Ok)
}

pub fn list_users(txn: &mut Txn<'_>) -> Result<StatementResult> {
    Ok(StatementResult::names(
        NameList::TenantUsers,
        txn.tenant_users()?
            .into_iter()
            .map(|u| u.principal)
            .collect(),
    ))
}

pub fn create_role(txn: &mut Txn<'_>, name: String) -> Result<StatementResult> {
    if name.is_empty()
        || name.len() > 64
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(messages::invalid_role_name(&name));
    }
    if txn.tenant_role(&name)?.is_some() {
        return Err(messages::tenant_role_exists(&name));
    }
    txn.put_tenant_role(&TenantRole {
        name,
        members: Vec::new(),
        projects: Vec::new(),
        policy: None,
        grants: Vec::new(),
    })?;
    Ok(StatementResult::Ok)
}

pub fn drop_role(txn: &mut Txn<'_>, name: &str) -> Result<StatementResult> {
    let role = existing_role(txn, name)?;
    if !role.members.is_empty() {
        return Err(messages::tenant_role_in_use(name));
    }
    txn.delete_tenant_role(name);
    Ok(StatementResult::Ok)
}

pub fn list_roles(txn: &mut Txn<'_>) -> Result<StatementResult> {
    Ok(StatementResult::names(
        NameList::TenantRoles,
        txn.tenant_roles()?.into_iter().map(|r| r.name).collect(),
    ))
}

/// The ACL and Policy blocks of a tenant role; `subject` adds `[tenant_role/<r>]` lines.
fn role_blocks(role: &TenantRole, subject: bool) -> Vec<GrantBlock> {
    let mut rows: Vec<GrantRow> = Vec::new();
    for (project, table, action) in &role.grants {
        let resource = format!("projects/{project}/tables/{table}");
        match rows.iter_mut().find(|r| r.resource == resource) {
            Some(r) => r.actions.push(action.clone()),
            None => rows.push(GrantRow {
                flags: "A".into(),
                grantee: None,
                resource,
                actions: vec![action.clone()],
                expires: None,
                conditions: None,
            }),
        }
    }
    let policy_rows = role
        .policy
        .as_deref()
        .and_then(|t| PolicyDocument::parse(t, PolicyKind::Role).ok())
        .map(|doc| super::grants::policy_rows(&doc, None, &Default::default()))
        .unwrap_or_default();
    let subject = subject.then(|| format!("tenant_role/{}", role.name));
    vec![
        GrantBlock {
            kind: "ACL".into(),
            groups: vec![GrantGroup {
                subject: subject.clone(),
                rows,
            }],
        },
        GrantBlock {
            kind: "Policy".into(),
            groups: vec![GrantGroup {
                subject,
                rows: policy_rows,
            }],
        },
    ]
}

pub fn describe_role(txn: &mut Txn<'_>, name: &str) -> Result<StatementResult> {
    let role = existing_role(txn, name)?;
    let blocks = role_blocks(&role, false);
    Ok(StatementResult::TenantRole {
        role: role.name,
        users: role.members,
        projects: role.projects,
        blocks,
    })
}

/// Grants or revokes tenant roles to or from tenant users, each of which must exist.
pub fn grant_roles(
    txn: &mut Txn<'_>,
    roles: &[String],
    users: &[String],
    grant: bool,
) -> Result<StatementResult> {
    for role_name in roles {
        let mut role = existing_role(txn, role_name)?;
        for user in users {
            txn.tenant_user(user)?
                .ok_or_else(|| messages::tenant_user_missing(user))?;
            role.members.retain(|m| m != user);
            if grant {
                role.members.push(user.clone());
            }
        }
        role.members.sort();
        txn.put_tenant_role(&role)?;
    }
    Ok(StatementResult::Ok)
}

pub fn show_principals(txn: &mut Txn<'_>, role: &str) -> Result<StatementResult> {
    let role = existing_role(txn, role)?;
    Ok(StatementResult::names(NameList::Principals, role.members))
}

/// `show grants for tenant role <r>`.
pub fn show_role_grants(txn: &mut Txn<'_>, name: &str) -> Result<StatementResult> {
    let role = existing_role(txn, name)?;
    let blocks = role_blocks(&role, true);
    Ok(StatementResult::Grants {
        principal: role.name,
        principal_type: PrincipalType::TenantRole,
        roles: Vec::new(),
        blocks,
    })
}

/// `show grants for tenant user <u>`: the blocks of every tenant role it holds.
pub fn show_user_grants(txn: &mut Txn<'_>, user: String) -> Result<StatementResult> {
    txn.tenant_user(&user)?
        .ok_or_else(|| messages::tenant_user_missing(&user))?;
    let mut blocks: Vec<GrantBlock> = vec![
        GrantBlock {
            kind: "ACL".into(),
            groups: Vec::new(),
        },
        GrantBlock {
            kind: "Policy".into(),
            groups: Vec::new(),
        },
    ];
    let roles = roles_of(txn, &user)?;
    for r in &roles {
        let role = existing_role(txn, r)?;
        for (i, b) in role_blocks(&role, true).into_iter().enumerate() {
            blocks[i].groups.extend(b.groups);
        }
    }
    Ok(StatementResult::Grants {
        principal: user,
        principal_type: PrincipalType::TenantUser,
        roles,
        blocks,
    })
}

/// `grant|revoke <actions> on table <p>.<t> to|from tenant role <r>`, checked by its plan in
/// the tenant and in the table's project.
pub fn grant_table(
    txn: &mut Txn<'_>,
    privileges: &[Privilege],
    project: &str,
    table: &str,
    roles: &[String],
    grant: bool,
) -> Result<StatementResult> {
    if grant && txn.table(project, table)?.is_none() {
        return Err(messages::object_missing("table", project, table));
    }
    let actions: Vec<String> = privileges
        .iter()
        .map(|p| {
            crate::policy::canonical_action(&p.name)
                .filter(|a| {
                    [
                        "Describe",
                        "Select",
                        "Alter",
                        "Update",
                        "Drop",
                        "ShowHistory",
                        "All",
                        "Download",
                    ]
                    .contains(a)
                })
                .map(str::to_string)
                .ok_or_else(|| {
                    messages::invalid_privilege(
                        &p.name,
                        kind_label(crate::catalog::model::ObjectType::Table),
                    )
                })
        })
        .collect::<Result<_>>()?;
    for name in roles {
        let mut role = existing_role(txn, name)?;
        for a in &actions {
            role.grants
                .retain(|(p, t, x)| !(p == project && t == table && x == a));
            if grant {
                role.grants
                    .push((project.to_string(), table.to_string(), a.clone()));
            }
        }
        txn.put_tenant_role(&role)?;
    }
    Ok(StatementResult::Ok)
}

/// `add|remove tenant role <r> to|from project <p>`: its plan established the caller is the
/// project owner or the tenant account and checked it may add users to `p` (Admin or better
/// there, its gates included), since every holder of the role becomes a member of `p`.
pub fn role_to_project(
    txn: &mut Txn<'_>,
    role: &str,
    project_name: String,
    add: bool,
) -> Result<StatementResult> {
    let mut r = existing_role(txn, role)?;
    r.projects.retain(|x| x != &project_name);
    if add {
        r.projects.push(project_name);
    }
    txn.put_tenant_role(&r)?;
    Ok(StatementResult::Ok)
}

pub fn get_policy(txn: &mut Txn<'_>, role: &str) -> Result<StatementResult> {
    let role = existing_role(txn, role)?;
    Ok(super::settings::policy_output(role.policy))
}

pub fn put_policy(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    file: &str,
    role: &str,
) -> Result<StatementResult> {
    let mut role = existing_role(txn, role)?;
    let text = read_statement_file(ctx, file)?;
    PolicyDocument::parse(&text, PolicyKind::Role)?;
    role.policy = Some(text);
    txn.put_tenant_role(&role)?;
    Ok(StatementResult::Ok)
}

pub fn add_group(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    name: String,
) -> Result<StatementResult> {
    if !super::valid_object_name(&name) {
        return Err(messages::invalid_object_name("group", &name));
    }
    if txn.tenant_group(&name)?.is_some() {
        return Err(messages::group_exists(&name));
    }
    txn.put_tenant_group(&Group {
        name,
        created_at: ctx.now,
    })?;
    Ok(StatementResult::Ok)
}

pub fn remove_group(txn: &mut Txn<'_>, name: &str) -> Result<StatementResult> {
    txn.tenant_group(name)?
        .ok_or_else(|| messages::group_missing(name))?;
    txn.delete_tenant_group(name);
    Ok(StatementResult::Ok)
}

/// `list tenant groups [for user <u>]`: groups have no member statements, so a user belongs to
/// none and the `for user` form lists nothing once the user is known to exist.
pub fn list_groups(txn: &mut Txn<'_>, user: Option<&str>) -> Result<StatementResult> {
    if let Some(name) = user {
        txn.tenant_user(name)?
            .ok_or_else(|| messages::tenant_user_missing(name))?;
        return Ok(StatementResult::names(NameList::Groups, Vec::new()));
    }
    Ok(StatementResult::names(
        NameList::Groups,
        txn.tenant_groups()?.into_iter().map(|g| g.name).collect(),
    ))
}

pub fn project_group(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: String,
    add: bool,
) -> Result<StatementResult> {
    if add && !super::valid_object_name(&name) {
        return Err(messages::invalid_object_name("group", &name));
    }
    let exists = txn.group(&project.name, &name)?.is_some();
    match (add, exists) {
        (true, true) => Err(messages::group_exists(&name)),
        (false, false) => Err(messages::group_missing(&name)),
        (true, false) => {
            txn.put_group(
                &project.name,
                &Group {
                    name,
                    created_at: ctx.now,
                },
            )?;
            Ok(StatementResult::Ok)
        }
        (false, true) => {
            txn.delete_group(&project.name, &name);
            Ok(StatementResult::Ok)
        }
    }
}

pub fn list_project_groups(
    txn: &mut Txn<'_>,
    project: &Project,
    user: Option<&str>,
) -> Result<StatementResult> {
    if let Some(name) = user {
        txn.user(&project.name, name)?
            .ok_or_else(|| messages::principal_missing(name, &project.name))?;
        return Ok(StatementResult::names(NameList::Groups, Vec::new()));
    }
    Ok(StatementResult::names(
        NameList::Groups,
        txn.groups(&project.name)?
            .into_iter()
            .map(|g| g.name)
            .collect(),
    ))
}
