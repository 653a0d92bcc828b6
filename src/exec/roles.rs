//! Project roles (reference §2): create, drop, describe, list, grant to and revoke from users,
//! and the two lookups `show principals` and `show role grant`.
//!
//! `grant admin to RAM$owner:bob;` arrives as a [`RoleGrantStmt`]; granting `admin` is
//! owner-only and `super_administrator` owner-or-SA (§2.3), any other role needs Admin. Each
//! role and user must exist; the role is added to the user's sorted role list, which is the one
//! place role membership is stored (members are derived from it).

use super::access::{require, Action, Mgmt, Need};
use super::grants::principal_blocks;
use super::result;
use super::users::user_name;
use super::{canonical_name, messages, ExecContext, NameList, StatementResult};
use crate::ast::{Principal, PrincipalKind, Properties, RoleGrantStmt};
use crate::catalog::model::{Grantee, Project, Role, RoleType};
use crate::catalog::Txn;
use crate::error::Result;

pub const ADMIN: &str = "admin";
pub const SUPER_ADMINISTRATOR: &str = "super_administrator";

fn valid_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn role_mgmt(action: Action, project: &str, role: &str) -> Mgmt {
    Mgmt::new(action, project, &format!("roles/resource/{role}"))
}

pub(crate) fn existing_role(txn: &Txn<'_>, project: &str, name: &str) -> Result<Role> {
    txn.role(project, name)?
        .ok_or_else(|| messages::principal_missing(name, project))
}

pub fn create(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: &str,
    properties: &Properties,
) -> Result<StatementResult> {
    let name = canonical_name(name);
    let mut role_type = RoleType::Resource;
    for (k, v) in properties {
        if k.eq_ignore_ascii_case("type") {
            role_type = match v.to_ascii_lowercase().as_str() {
                "admin" => RoleType::Admin,
                "resource" => RoleType::Resource,
                _ => return Err(messages::bad_property(k, v)),
            };
        }
    }
    // Only the owner or a Super_Administrator creates admin-type roles (§2.2).
    let need = if role_type == RoleType::Admin {
        Need::OwnerOrSuperAdmin
    } else {
        Need::Admin
    };
    require(
        ctx,
        txn,
        project,
        need,
        role_mgmt(Action::CreateRole, &project.name, &name),
    )?;
    if !valid_role_name(&name) {
        return Err(messages::invalid_role_name(&name));
    }
    if txn.role(&project.name, &name)?.is_some() {
        return Err(messages::role_exists(&name, &project.name));
    }
    txn.put_role(
        &project.name,
        &Role {
            name,
            role_type,
            label: 0,
            comment: None,
            builtin: false,
        },
    )?;
    Ok(StatementResult::Ok)
}

/// Users holding `role`, in key order.
pub(crate) fn holders(txn: &Txn<'_>, project: &str, role: &str) -> Result<Vec<String>> {
    Ok(txn
        .users(project)?
        .into_iter()
        .filter(|u| u.roles.iter().any(|r| r == role))
        .map(|u| u.principal)
        .collect())
}

pub fn drop(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: &str,
) -> Result<StatementResult> {
    let name = canonical_name(name);
    require(
        ctx,
        txn,
        project,
        Need::Admin,
        role_mgmt(Action::DropRole, &project.name, &name),
    )?;
    let role = existing_role(txn, &project.name, &name)?;
    if role.builtin {
        return Err(messages::builtin_role(&name));
    }
    if role.role_type == RoleType::Admin {
        require(
            ctx,
            txn,
            project,
            Need::OwnerOrSuperAdmin,
            role_mgmt(Action::DropRole, &project.name, &name),
        )?;
    }
    if !holders(txn, &project.name, &name)?.is_empty() {
        return Err(messages::role_still_granted(&name));
    }
    // Grants, label grants and the role policy stay until `purge privs` (§2.1).
    txn.delete_role(&project.name, &name);
    Ok(StatementResult::Ok)
}

pub fn describe(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: &str,
) -> Result<StatementResult> {
    let name = canonical_name(name);
    require(
        ctx,
        txn,
        project,
        Need::Admin,
        role_mgmt(Action::DescribeRole, &project.name, &name),
    )?;
    let role = existing_role(txn, &project.name, &name)?;
    let users = holders(txn, &project.name, &name)?;
    let blocks = principal_blocks(ctx, txn, project, &Grantee::Role(name.clone()), false, None)?;
    Ok(StatementResult::Role {
        role: name,
        role_type: match role.role_type {
            RoleType::Admin => result::RoleType::Admin,
            RoleType::Resource => result::RoleType::Resource,
        },
        label: role.label,
        users,
        blocks,
    })
}

pub fn list(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
) -> Result<StatementResult> {
    require(
        ctx,
        txn,
        project,
        Need::Admin,
        Mgmt::new(Action::ListRoles, &project.name, "roles"),
    )?;
    let roles: Vec<String> = txn
        .roles(&project.name)?
        .into_iter()
        .map(|r| r.name)
        .collect();
    Ok(StatementResult::names(NameList::Roles, roles))
}

pub fn grant(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    stmt: &RoleGrantStmt,
    grant: bool,
) -> Result<StatementResult> {
    let action = if grant {
        Action::GrantRole
    } else {
        Action::RevokeRole
    };
    let roles: Vec<String> = stmt.roles.iter().map(|r| canonical_name(r)).collect();
    for role in &roles {
        // Only the owner grants Admin; Super_Administrator is granted by the owner or an SA.
        let need = match role.as_str() {
            ADMIN => Need::Owner,
            SUPER_ADMINISTRATOR => Need::OwnerOrSuperAdmin,
            _ => Need::Admin,
        };
        require(
            ctx,
            txn,
            project,
            need,
            role_mgmt(action, &project.name, role),
        )?;
        existing_role(txn, &project.name, role)?;
    }
    for principal in &stmt.principals {
        if principal.kind != PrincipalKind::User {
            return Err(messages::role_not_grantable_to(kind_word(principal.kind)));
        }
        let name = user_name(principal, ctx.user)?;
        let mut user = txn
            .user(&project.name, &name)?
            .ok_or_else(|| messages::principal_missing(&name, &project.name))?;
        for role in &roles {
            user.roles.retain(|r| r != role);
            if grant {
                user.roles.push(role.clone());
            }
        }
        user.roles.sort();
        txn.put_user(&project.name, &user)?;
    }
    Ok(StatementResult::Ok)
}

fn kind_word(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
        PrincipalKind::TenantUser => "tenant user",
        PrincipalKind::TenantRole => "tenant role",
        PrincipalKind::Group | PrincipalKind::TenantGroup => "group",
    }
}

/// `show principals [for] role <r>`: the users holding it, one per line.
pub fn show_principals(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    role: &str,
) -> Result<StatementResult> {
    let role = canonical_name(role);
    require(
        ctx,
        txn,
        project,
        Need::Admin,
        role_mgmt(Action::ListRolePrincipals, &project.name, &role),
    )?;
    existing_role(txn, &project.name, &role)?;
    Ok(StatementResult::names(
        NameList::Principals,
        holders(txn, &project.name, &role)?,
    ))
}

/// `show role grant <user>`: the roles a user holds, one per line.
pub fn show_role_grant(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    principal: &Principal,
) -> Result<StatementResult> {
    let name = user_name(principal, ctx.user)?;
    if name != ctx.user {
        require(
            ctx,
            txn,
            project,
            Need::Admin,
            Mgmt::new(Action::ListUserRoles, &project.name, "users"),
        )?;
    }
    if name == project.owner {
        // The owner is a member by ownership and holds no roles.
        return Ok(StatementResult::names(NameList::Roles, Vec::new()));
    }
    let user = txn
        .user(&project.name, &name)?
        .ok_or_else(|| messages::principal_missing(&name, &project.name))?;
    Ok(StatementResult::names(NameList::Roles, user.roles))
}
